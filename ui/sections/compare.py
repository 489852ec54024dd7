"""The comparison section: the sidebar's network under several initializers, then trained from each."""

from __future__ import annotations

import streamlit as st

from playground import compare, datasets, init_keys, training
from playground import plan as planning
from playground.charts import compare as compare_charts
from playground.charts import training as training_charts
from playground.explain import compare as explain
from playground.settings import DEFAULT_COMPARED, LR_STEPS, STEPS_CHOICES, Training

from .. import compute, link, show

SUMMARY_COLUMNS = {
    "label": st.column_config.TextColumn("initializer"),
    "last_std": st.column_config.TextColumn("last-layer std", help="Standard deviation of the last layer's activations."),
    "saturated": st.column_config.NumberColumn(
        "saturated", format="percent", help="Largest share over the layers of tanh/sigmoid outputs within "
        "0.01 of a bound, where the derivative is nearly 0."),
    "dead": st.column_config.NumberColumn(
        "dead", format="percent", help="Largest share over the layers of ReLU outputs exactly 0."),
    "grad_ratio": st.column_config.TextColumn(
        "grad. layer 1 / last", help="std of dL/dW at layer 1 over that at the last layer: "
        "far below 1, gradients vanish on the way back; far above, they explode. Empty when either is 0."),
    "verdict": st.column_config.TextColumn("verdict", width="large"),
}
TRAINING_COLUMNS = {
    "label": st.column_config.TextColumn("initializer"),
    "loss": st.column_config.TextColumn("final loss", help="The last finite loss. ln 2 ≈ 0.693: nothing learned."),
    "accuracy": st.column_config.NumberColumn("accuracy", format="percent", help="On the training points."),
    "diverged_at": st.column_config.TextColumn("diverged"),
    "steps_run": st.column_config.NumberColumn("steps run"),
    "weight_change": st.column_config.TextColumn(
        "hidden weights moved",
        help="||W_end − W_start|| / ||W_start|| over the hidden layers (absolute when W_start = 0): "
        "0 means the hidden layers never changed."),
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
    show.chart(compare_charts.activation_std_chart(comparison.layers, labels), width="stretch")
    if not comparison.histograms.empty:
        show.chart(
            compare_charts.histogram_grid(comparison.histograms, labels, plan.network.depth, compare.GRID_LAYERS),
            width="content",
        )
    show.chart(compare_charts.gradient_std_chart(comparison.layers, labels), width="stretch")
    st.dataframe(explain.summary_table(comparison, ctx.network.activation), hide_index=True, width="stretch",
                 column_config=SUMMARY_COLUMNS)


def training_controls() -> Training:
    left, middle, right, last = st.columns(4)
    with left:
        st.selectbox("Dataset", options=list(datasets.DATASETS), key="dataset",
                     format_func=lambda k: f"{datasets.DATASETS[k].label}: {datasets.DATASETS[k].description}")
    with middle:
        st.radio("Optimizer", options=list(training.OPTIMIZERS), key="optimizer", horizontal=True,
                 format_func=training.OPTIMIZER_LABELS.get,
                 help="Full-batch gradient descent, or Adam (per-weight step sizes, which rescue some bad starts).")
    with right:
        st.select_slider("Learning rate", options=_with_current(LR_STEPS, "lr"), key="lr", format_func=lambda v: f"{v:g}")
    with last:
        st.select_slider("Steps", options=_with_current(STEPS_CHOICES, "steps"), key="steps")
    return link.training()


@st.fragment
def train_part(ctx, keys: tuple[str, ...]) -> None:
    """The training part: its own controls rerun only this fragment (the link follows them)."""
    st.subheader("Does it train?")
    trained = training_controls()
    trained = Training(compare=keys, dataset=trained.dataset, optimizer=trained.optimizer, lr=trained.lr,
                       steps=trained.steps)
    network = ctx.network
    # Fitted again here: a fragment rerun brings new controls, and the budget depends on them.
    plan = planning.training(network, keys, trained)
    show.message(explain.training_setup(network, plan, trained, datasets.DATASETS[trained.dataset].label,
                                        training.OPTIMIZER_LABELS[trained.optimizer]))
    show.message(explain.training_lowered(plan))
    try:
        result = compute.run_training(trained, network.activation, plan.depth, plan.width, network.bias,
                                      network.seed, plan.points, _progress=compute.TrainingProgress(len(keys)))
    except ValueError as problem:
        show.message(explain.training_failed(problem))
        return
    labels = {key: init_keys.key_label(key) for key in keys}
    diverged = result.diverged()
    show.messages(explain.diverged(labels, diverged))
    show.chart(
        training_charts.loss_curves(result.history, list(labels.values()), {labels[k]: s for k, s in diverged.items()}),
        width="stretch",
    )
    st.dataframe(explain.training_summary(result.summary), hide_index=True, width="stretch",
                 column_config=TRAINING_COLUMNS)
    show.chart(
        training_charts.decision_boundaries(result.boundary, labels, result.points, result.extent, diverged),
        width="content",
    )
    with st.expander("What to look for"):
        show.message(explain.WHAT_TO_LOOK_FOR)
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
