"""The comparison section: the sidebar's network under several initializers, then trained from each."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from playground import activations, compare, datasets, init_keys, training
from playground import plan as planning
from playground.charts import compare as compare_charts
from playground.charts import training as training_charts_mod
from playground.explain import compare as explain
from playground.explain import training as explain_training
from playground.settings import (
    BATCH_CHOICES,
    DEFAULT_COMPARED,
    LR_STEPS,
    STEPS_CHOICES,
    TRAIN_DEPTH_RANGE,
    TRAIN_WIDTH_RANGE,
    Training,
)

from .. import compute, link, show

SUMMARY_COLUMNS = {
    "label": st.column_config.TextColumn("initializer"),
    "last_std": st.column_config.TextColumn(
        "last-layer std", help="Standard deviation of the last layer's activations."
    ),
    "saturated": st.column_config.NumberColumn(
        "saturated",
        format="percent",
        help="Largest share over the layers of tanh/sigmoid outputs within "
        "0.01 of a bound, where the derivative is nearly 0.",
    ),
    "dead": st.column_config.NumberColumn(
        "dead", format="percent", help="Largest share over the layers of ReLU outputs exactly 0."
    ),
    "grad_ratio": st.column_config.TextColumn(
        "grad. layer 1 / last",
        help="std of dL/dW at layer 1 over that at the last layer: "
        "far below 1, gradients vanish on the way back; far above, they explode. Empty when either is 0.",
    ),
    "verdict": st.column_config.TextColumn("verdict", width="large"),
}
TRAINING_COLUMNS = {
    "label": st.column_config.TextColumn("initializer"),
    "loss": st.column_config.TextColumn("training loss", help="At the last step, on every training point."),
    "accuracy": st.column_config.TextColumn("training accuracy"),
    "test_loss": st.column_config.TextColumn("held-out loss", help="On the points never trained on."),
    "test_accuracy": st.column_config.TextColumn("held-out accuracy", help="On the points never trained on."),
    "diverged": st.column_config.TextColumn("diverged"),
    "steps_run": st.column_config.TextColumn("steps run"),
    "weight_change": st.column_config.TextColumn(
        "hidden weights moved",
        help="||W_end − W_start|| / ||W_start|| over the hidden layers (absolute when W_start = 0): "
        "0 means the hidden layers never changed."),
    "roughness": st.column_config.TextColumn(
        "map roughness", help="2-D data: the share of neighbouring cells of the decision map that change class."),
}


def _with_current(choices: tuple, key: str) -> list:
    """The choices plus the widget's current value (a link may hold any valid one), sorted."""
    current = st.session_state.get(key)
    return sorted(set(choices) | ({current} if current is not None else set()))


def choose_initializers() -> tuple[str, ...]:
    current = [str(v) for v in st.session_state.get("compare", [])]
    # A link's spelling ("normal:0.010") replaces the offered one of the same initializer.
    canonical = {key: next(iter(init_keys.canonical_keys([key])), key) for key in current}
    spelled = {canonical[key]: key for key in current}
    offered = [*DEFAULT_COMPARED, *compare.COMPARE_EXTRA, *current]
    options = list(dict.fromkeys(spelled.get(next(iter(init_keys.canonical_keys([k])), k), k) for k in offered))
    chosen = st.multiselect("Initializers to compare", options=options, key="compare", format_func=init_keys.key_label,
                            max_selections=compare.MAX_COMPARED, help=explain.CHOOSER_HELP)
    return init_keys.canonical_keys(chosen)


def compare_part(ctx) -> None:
    plan = ctx.plan.comparison
    show.messages(explain.lowered(ctx.network, plan))
    comparison = compute.run_comparison(plan.network, plan.keys)
    labels = [comparison.labels[key] for key in plan.keys]
    show.message(explain.setup(ctx.network, plan))
    show.messages(explain.run_notes(comparison))
    shown = (plan.network, plan.keys)
    show.chart(lambda: compare_charts.activation_std_chart(comparison.layers, labels), key=("compared std", shown))
    if not comparison.histograms.empty:
        show.chart(lambda: compare_charts.histogram_grid(comparison.histograms, labels, plan.network.depth,
                                                         compare.GRID_LAYERS),
                   key=("compared histograms", shown), width="content")
    show.chart(lambda: compare_charts.gradient_std_chart(comparison.layers, labels),
               key=("compared gradients", shown))
    st.dataframe(explain.summary_table(comparison, ctx.network.activation), hide_index=True, width="stretch",
                 column_config=SUMMARY_COLUMNS)


def training_controls() -> Training:
    """The trained network and how it is trained: its own controls, apart from the sidebar's."""
    first, second = st.columns(4), st.columns(4)
    with first[0]:
        st.selectbox("Dataset", options=list(datasets.DATASETS), key="dataset",
                     format_func=lambda k: f"{datasets.DATASETS[k].label}: {datasets.DATASETS[k].description}")
    with first[1]:
        st.selectbox("Activation (trained network)", options=list(activations.ACTIVATIONS), key="train_activation",
                     format_func=lambda k: activations.ACTIVATIONS[k].label)
    with first[2]:
        st.slider("Depth (trained network)", *TRAIN_DEPTH_RANGE, key="train_depth")
    with first[3]:
        st.slider("Width (trained network)", *TRAIN_WIDTH_RANGE, key="train_width")
    with second[0]:
        st.radio("Optimizer", options=list(training.OPTIMIZERS), key="optimizer", horizontal=True,
                 format_func=training.OPTIMIZER_LABELS.get,
                 help="Full-batch gradient descent, minibatch SGD, or Adam (per-weight step sizes, which rescue "
                 "some bad starts).")
    with second[1]:
        st.select_slider("Learning rate", options=_with_current(LR_STEPS, "lr"), key="lr",
                         format_func=lambda v: f"{v:g}")
    with second[2]:
        st.select_slider("Steps", options=_with_current(STEPS_CHOICES, "steps"), key="steps")
    with second[3]:
        st.select_slider("Batch size", options=_with_current(BATCH_CHOICES, "batch_size"), key="batch_size",
                         disabled=st.session_state.get("optimizer") == "gd",
                         help="Points per step of minibatch SGD (and of Adam); gradient descent takes them all.")
    return link.training()


def training_charts(result, labels: dict[str, str], run: tuple) -> None:
    """The training's charts and table; ``run`` identifies the run (the trainer's full arguments)."""
    diverged = result.diverged()
    named = {labels[k]: s for k, s in diverged.items()}
    names = list(labels.values())
    show.chart(lambda: training_charts_mod.training_curves(result.history, names, named, result.chance_loss),
               key=("training curves", run), width="content")
    st.dataframe(explain_training.summary_table(result), hide_index=True, width="stretch",
                 column_config=TRAINING_COLUMNS)
    show.message(explain_training.held_out_sentence(result))
    show.chart(lambda: training_charts_mod.gradient_heatmap(result.gradients, names),
               key=("training gradients", run), width="content")
    show.chart(lambda: training_charts_mod.saturation_curve(result.saturation, names,
                                                            activations.get(result.activation).label),
               key=("training saturation", run), width="content")
    if result.boundary:
        show.chart(lambda: training_charts_mod.decision_boundaries(result.boundary, labels, result.points,
                                                                   result.extent, diverged),
                   key=("decision maps", run), width="content")


def training_arguments(network, asked: Training, fit) -> dict:
    """``training.train``'s arguments for the panel: its controls as the budget fitted them, the sidebar's biases."""
    return dict(dataset=asked.dataset, activation=asked.activation, depth=fit.depth, width=fit.width,
                bias=network.bias, bias_std=network.bias_std, optimizer=asked.optimizer, lr=asked.lr,
                steps=fit.steps, batch_size=fit.batch_size, n_points=fit.points, seed=network.seed)


@st.fragment
def train_part(ctx, keys: tuple[str, ...]) -> None:
    """The training part: its own controls rerun only this fragment (the link follows them)."""
    st.subheader("Does it train?")
    asked = replace(training_controls(), compare=keys)
    # Fitted again here: a fragment rerun brings new controls, and the budget depends on them.
    fit = planning.training(keys, asked)
    show.message(explain_training.lowered_note(fit, len(keys)))
    arguments = training_arguments(ctx.network, asked, fit)
    try:
        result = compute.run_training(keys, progress=compute.TrainingProgress(len(keys)), **arguments)
    except ValueError as problem:
        show.message(explain_training.training_failed(problem))
        return
    show.message(explain_training.setup_caption(result))
    labels = {key: init_keys.key_label(key) for key in keys}
    show.messages(explain_training.diverged_warnings(result))
    training_charts(result, labels, compute.training_key(keys, arguments))
    with st.expander("What to look for"):
        show.message(explain_training.what_to_look_for(result))
    link.write(ctx.plan.view)


def render(ctx) -> None:
    st.subheader("The same network under several initializers")
    keys = choose_initializers()
    if not keys:
        show.message(explain.PICK_ONE)
        return
    compare_part(ctx)
    st.divider()
    train_part(ctx, keys)
