"""Weight-initialization playground: why the first values of the weights decide whether a network learns.

Run with ``streamlit run streamlit_app.py``. This file only places widgets
and charts; the numbers come from ``playground/``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace

import playground  # noqa: F401, I001 -- before numpy: it limits OpenBLAS's spinning (playground/__init__.py)
import numpy as np
import pandas as pd
import streamlit as st

from playground import activations, budget, compare, datasets, init_keys, initializers, lessons, links, symmetry, theory, training
from playground.charts import compare as compare_charts
from playground.charts import gradients as gradient_charts
from playground.charts import layers as layer_charts
from playground.charts import symmetry as symmetry_charts
from playground.charts import theory as theory_charts
from playground.charts import training as training_charts
from playground.settings import DEFAULT_COMPARED, VIEWS, Network, PageState, Symmetry, Training
from playground.simulation import SimulationResult, simulate
from playground.verdict import verdict
from playground.explain import gradients as explain_gradients

st.set_page_config(page_title="Weight initialization playground", page_icon=":material/balance:", layout="wide")

# Log-spaced choices for a fixed std: 20 per decade from 0.001 to 10.
STD_STEPS = tuple(float(f"{10 ** (k / 20):.3g}") for k in range(-60, 21))


# --- the link: read once per session, into the widgets' state ---------------------


def load_link() -> None:
    """Set every widget from the page's link, once per session, and keep the link's notes."""
    if "link_notes" in st.session_state:
        return
    query = {name: st.query_params.get_all(name) for name in st.query_params}
    state, notes = links.parse_query(query, lessons=lessons.LESSONS)
    st.session_state["link_notes"] = notes
    # A lesson's link stands for the lesson's whole setting.
    seed_widgets(lessons.LESSONS[state.lesson].state if state.lesson else state)


def seed_widgets(state: PageState) -> None:
    st.session_state["view"] = state.view
    st.session_state["lesson"] = state.lesson
    net = state.network
    for name in ("activation", "init", "depth", "width", "bias", "samples", "seed"):
        st.session_state[name] = getattr(net, name)
    st.session_state["normalize"] = net.normalize_inputs
    st.session_state["batchnorm"] = net.batch_norm
    for pname, value in net.init_params:
        st.session_state[pname] = int(value) if initializers.NONZERO.name == pname else value
    for name, value in vars(state.training).items():
        st.session_state[name] = list(value) if isinstance(value, tuple) else value
    for name, value in vars(state.symmetry).items():
        st.session_state[name] = value


def sidebar_network() -> Network:
    """The network the sidebar's widgets hold: before they are drawn, as the last interaction left them."""
    ss = st.session_state
    init = ss.get("init", Network().init)
    params = {p.name: ss.get(p.name, p.default) for p in initializers.get(init).params}
    return Network(
        activation=ss.get("activation"), init=init, init_params=tuple(sorted(params.items())),
        depth=int(ss.get("depth")), width=int(ss.get("width")), bias=float(ss.get("bias")),
        samples=int(ss.get("samples")), seed=int(ss.get("seed")),
        normalize_inputs=bool(ss.get("normalize")), batch_norm=bool(ss.get("batchnorm")),
    )


def open_lesson(key: str) -> None:
    """Set every control to the lesson's setting (a widget callback: runs before the widgets are drawn).

    Leaving the lessons ("your own setting") keeps the controls as they are.
    """
    if key:
        seed_widgets(lessons.LESSONS[key].state)


def step_lesson(offset: int) -> None:
    order = lessons.LESSON_ORDER
    current = st.session_state.get("lesson") or ""
    index = order.index(current) + offset if current else (0 if offset > 0 else len(order) - 1)
    open_lesson(order[max(0, min(len(order) - 1, index))])


load_link()
# Drawing the weights has a budget of its own, which fewer samples cannot meet:
# where depth x width^2 exceeds it, the width is lowered (and the page says so).
widest = budget.affordable_width(st.session_state["depth"], budget.WIDTH_RANGE[1], [st.session_state["init"]])
width_note = ""
if st.session_state["width"] > widest:
    width_note = (
        f"Width lowered from {st.session_state['width']} to {widest}: {st.session_state['depth']} layers of "
        f"{st.session_state['width']} units would need more random weights than one page view may draw "
        f"({budget.WEIGHT_BUDGET:.0e} Gaussian draws; see the README's budget)."
    )
    st.session_state["width"] = widest
# Once the user changes the lesson's network, the page shows the user's own setting.
if st.session_state.get("lesson") and sidebar_network() != lessons.LESSONS[st.session_state["lesson"]].state.network:
    st.session_state["lesson"] = ""

# --- sidebar: the network --------------------------------------------------------


def param_widget(param: initializers.Param, width: int) -> float:
    """The control for one initializer parameter."""
    # A parameter whose widget was not drawn in the last run (another
    # initializer was chosen) starts again from its default, not the slider's minimum.
    if param.name not in st.session_state:
        st.session_state[param.name] = int(param.default) if param.integer else param.default
    if param.log:
        current = st.session_state.get(param.name, param.default)
        options = sorted(set(STD_STEPS) | {float(current)})
        if current not in options:
            st.session_state[param.name] = param.default
        return st.select_slider(
            param.label, options=options, key=param.name, format_func=lambda v: f"{v:g}", help=param.help
        )
    if param.integer:
        high = min(int(param.high), width)
        if st.session_state.get(param.name, param.default) > high:
            st.session_state[param.name] = high
        if high <= int(param.low):
            # A one-unit layer leaves one choice, and a slider needs two.
            st.caption(f"{param.label}: {high} (every unit has a single input)")
            return high
        return st.slider(param.label, int(param.low), high, key=param.name, help=param.help)
    return st.number_input(
        param.label, min_value=param.low, max_value=param.high, step=0.01, key=param.name, help=param.help
    )


with st.sidebar:
    st.selectbox(
        "Lesson",
        options=[""] + lessons.LESSON_ORDER,
        format_func=lambda k: lessons.LESSONS[k].title if k else "Your own setting",
        key="lesson",
        on_change=lambda: open_lesson(st.session_state["lesson"]),
        help="One-click scenarios that walk through the lecture notes. Pick one, then change anything.",
    )
    previous_col, next_col = st.columns(2)
    previous_col.button("← Previous", on_click=step_lesson, args=(-1,), width="stretch",
                        disabled=st.session_state["lesson"] == lessons.LESSON_ORDER[0])
    next_col.button("Next →", on_click=step_lesson, args=(1,), width="stretch",
                    disabled=st.session_state["lesson"] == lessons.LESSON_ORDER[-1])
    st.header("Network")
    st.selectbox(
        "Activation",
        options=list(activations.ACTIVATIONS),
        format_func=lambda k: activations.ACTIVATIONS[k].label,
        key="activation",
        help="The non-linearity φ applied after every layer: a = φ(s).",
    )
    init_key = st.selectbox(
        "Initializer",
        options=list(initializers.INITIALIZERS),
        format_func=lambda k: initializers.INITIALIZERS[k].label,
        key="init",
        help="How every weight matrix W (fan_in × fan_out) is drawn before training.",
    )
    width = st.slider(
        "Width (units per layer)", budget.WIDTH_RANGE[0], widest, key="width",
        help="n: every layer has this many units, and so this many inputs per unit (fan-in). "
        f"Up to {widest} at this depth and initializer, to keep the page fast.",
    )
    for param in initializers.INITIALIZERS[init_key].params:
        param_widget(param, width)
    st.slider("Depth (layers)", *budget.DEPTH_RANGE, key="depth", help="Number of hidden layers.")
    st.number_input(
        "Bias (every unit)", min_value=budget.BIAS_RANGE[0], max_value=budget.BIAS_RANGE[1], step=0.01,
        key="bias", help="The constant every bias starts at: 0, or 0.01 as some do for ReLU (notes 003).",
    )
    with st.expander("Advanced"):
        st.slider(
            "Samples", *budget.SAMPLES_RANGE, step=10, key="samples",
            help="Examples in the batch pushed through the network (the notes use 1000).",
        )
        st.number_input(
            "Seed", min_value=budget.SEED_RANGE[0], max_value=budget.SEED_RANGE[1], step=1, key="seed",
            help="Seed of every random draw: the same seed gives the same numbers, here and in a link.",
        )
        st.checkbox(
            "Normalize inputs", key="normalize",
            help="On: inputs are unit Gaussian. Off: the same draws as raw pixel-like values "
            "(128 + 64 z, clipped to 0–255), positive with a large mean.",
        )
        st.checkbox(
            "Batch norm", key="batchnorm",
            help="Normalize each unit's pre-activation over the batch (mean 0, variance 1) before φ.",
        )

network = sidebar_network()

# --- compute -----------------------------------------------------------------------


@st.cache_resource(max_entries=1)
def compute_slots() -> threading.BoundedSemaphore:
    """Heavy computations allowed at once across all visitors: bounds the server's memory."""
    return threading.BoundedSemaphore(2)


@st.cache_data(max_entries=64, show_spinner=False)
def run_simulation(network: Network) -> SimulationResult:
    with compute_slots():
        return simulate(**network.simulate_kwargs())


affordable = budget.affordable_samples(network.depth, network.width, network.samples, batch_norm=network.batch_norm)
simulated = replace(network, samples=affordable)
# The sections that show the sidebar's own network; the others never run it.
USES_SIDEBAR_RUN = ("activations", "gradients")
result = run_simulation(simulated) if st.session_state["view"] in USES_SIDEBAR_RUN else None

# --- main area ---------------------------------------------------------------------

st.title("Weight initialization playground")
st.caption(
    "Push a batch through a deep network at initialization and watch each layer's activations: "
    "the weights' first values decide whether the signal survives."
)
for note in st.session_state["link_notes"]:
    st.warning(note, icon=":material/link:")
if st.session_state["lesson"]:
    lesson = lessons.LESSONS[st.session_state["lesson"]]
    finding = lesson.measure(run_simulation)
    st.info(f"**{lesson.title}.** {lesson.takeaway}\n\n{finding.text}", icon=":material/school:")
if width_note:
    st.info(width_note, icon=":material/timer:")
if result is not None and affordable < network.samples:
    st.info(
        f"Using {affordable} samples instead of {network.samples}: {network.depth} layers of {network.width} "
        f"units would need more work than one page view may take (see the README's budget).",
        icon=":material/timer:",
    )
for note in result.notes if result is not None else ():
    st.warning(note, icon=":material/warning:")


def show_verdict(kind: str, text: str) -> None:
    if kind == "healthy":
        st.success(text, icon=":material/check_circle:")
    elif kind in ("overflow", "constant"):
        st.error(text, icon=":material/block:")
    else:
        st.warning(text, icon=":material/warning:")


def activations_tab(network: Network, result: SimulationResult) -> None:
    init = initializers.INITIALIZERS[network.init]
    spec = activations.ACTIVATIONS[network.activation]
    left, right = st.columns([3, 2])
    with left:
        st.latex(init.latex + r"\qquad" + spec.latex)
        if init.notes_name:
            st.caption(f"The notes call this: {init.notes_name}.")
    with right:
        var_w = initializers.weight_variance(network.init, network.width, network.width, **network.params)
        st.metric(
            "n · Var(w)", f"{network.width * var_w:.3g}",
            help="The factor the variance argument of notes 003/004 multiplies Var(s) by at every layer: "
            "Var(s_k) = [n Var(w)]^k Var(x). 1 keeps it steady.",
        )
    result_verdict = verdict(result)
    show_verdict(result_verdict.kind, result_verdict.text)
    if result.histograms.empty:
        st.error("No layer could be computed with these settings.")
        return
    st.altair_chart(
        layer_charts.histogram_grid(
            result.histograms,
            title=f"Activations a = φ(s) per layer ({spec.label}, {init.label})",
            x_title="activation value",
            depth=network.depth,
        ),
        width="content",
    )
    st.altair_chart(layer_charts.layer_stats_chart(result.layers), width="stretch")
    with st.expander("Per-layer numbers"):
        st.dataframe(result.layers, hide_index=True, width="stretch")
        st.download_button(
            "Download per-layer statistics (CSV)",
            data=result.layers.to_csv(index=False),
            file_name=f"layers_{network.activation}_{network.init}_{network.depth}x{network.width}.csv",
            mime="text/csv",
        )


# --- symmetry: the worked example of notes 001, and symmetry over training ----------

# Choices of the perturbation ε: 0, then one per decade from float64's resolution up.
EPS_STEPS = (0.0,) + tuple(float(f"1e{k}") for k in range(-16, 0))


@st.cache_data(max_entries=64, show_spinner=False)
def symmetry_training(activation: str, eps: float) -> symmetry.OverTraining:
    with compute_slots():
        return symmetry.symmetry_over_training(activation, eps)


@st.cache_data(max_entries=2, show_spinner=False)
def symmetry_zero_init():
    return symmetry.zero_init()


def _sigma_column(z) -> str:
    return r"\begin{bmatrix}" + r" \\ ".join(rf"\sigma({symmetry.latex_number(v)})" for v in z[:, 0]) + r"\end{bmatrix}"


def _columns_sentence(name: str, matrix) -> str:
    """Which columns of a worked-example matrix are equal, or what they are proportional to."""
    groups = symmetry.equal_column_groups(matrix)
    if groups:
        listed = "; ".join(" = ".join(f"column {j + 1}" for j in g) for g in groups)
        return f"{name}: {listed} (highlighted)."
    ratio = symmetry.column_proportions(matrix)
    if ratio:
        return f"{name}: no two columns are equal; they are proportional to {' : '.join(map(str, ratio))}."
    return f"{name}: no two columns are equal."


def worked_example_part() -> None:
    M = symmetry.latex_matrix
    st.markdown(
        "#### The worked example of notes 001, done right\n"
        "Three examples (m = 3) of two features, three hidden units whose incoming weights are "
        "duplicates (the columns of $W^{[1]}$), b = 0, the identity as activation g, and the notes' "
        "assumed $dZ^{[2]}$. Equal columns are coloured."
    )
    key = st.radio(
        "Outgoing weights W²",
        options=list(symmetry.W2_CASES),
        format_func=lambda k: symmetry.W2_CASES[k].label,
        key="w2",
        horizontal=True,
        help="The notes' W2 = [3, 1, 2], or all three outgoing weights equal. "
        "With c = 2 the forward pass is the same in both cases.",
    )
    case = symmetry.W2_CASES[key]
    ex = symmetry.worked_example(case.w2)
    st.markdown("**Forward pass**")
    inputs, outputs = st.columns(2)
    with inputs:
        st.latex(rf"X = {M(ex['X'])} \quad W^{{[1]}} = {M(ex['W1'])} \quad W^{{[2]}} = {M(ex['W2'])}")
        st.latex(rf"Z^{{[1]}} = X W^{{[1]}} = A^{{[1]}} = {M(ex['Z1'])}")
    with outputs:
        st.latex(rf"Z^{{[2]}} = A^{{[1]}} W^{{[2]}} = {M(ex['Z2'])}")
        st.latex(rf"\hat Y = \sigma(Z^{{[2]}}) = {_sigma_column(ex['Z2'])} \approx {M(ex['Y_hat'])}")
    m = ex["X"].shape[0]
    st.markdown("**Backward pass** (the notes' formulas, with their 1/m)")
    # Full width: the longer products do not fit in half the page.
    st.latex(rf"dZ^{{[2]}} = {M(ex['dZ2'])} \ \text{{(given)}}")
    st.latex(
        rf"dW^{{[2]}} = \frac{{1}}{{m}} {{A^{{[1]}}}}^T dZ^{{[2]}} = \frac{{1}}{{{m}}} {M(ex['A1T_dZ2'])} = {M(ex['dW2'])}"
    )
    st.latex(rf"dA^{{[1]}} = dZ^{{[2]}} {{W^{{[2]}}}}^T = {M(ex['dA1'])}")
    st.latex(
        rf"dZ^{{[1]}} = dA^{{[1]}} \odot g'(Z^{{[1]}}) = dA^{{[1]}} \odot {M(ex['g_prime'], highlight=False)} = {M(ex['dZ1'])}"
    )
    st.latex(rf"dW^{{[1]}} = \frac{{1}}{{m}} X^T dZ^{{[1]}} = \frac{{1}}{{{m}}} {M(ex['XT_dZ1'])} = {M(ex['dW1'])}")
    st.markdown(
        f"{_columns_sentence('dW¹', ex['dW1'])} "
        f"Column j of dA¹ is dZ² times W²ⱼ, so dW¹'s columns are in the ratio of W²'s entries. "
        f"The notes' {ex['A1T_dZ2'][0, 0]} is A¹ᵀdZ² before the 1/m: dW² = {ex['dW2'][0, 0]}."
    )
    lr = symmetry.WORKED_LR
    st.latex(
        rf"\text{{one step, }} \alpha = {symmetry.latex_number(lr)}: \quad "
        rf"W^{{[1]}} - \alpha\, dW^{{[1]}} = {M(ex['W1_next'])} \quad "
        rf"W^{{[2]}} - \alpha\, dW^{{[2]}} = {M(ex['W2_next'])}"
    )
    all_equal = [tuple(range(3))]
    if symmetry.equal_column_groups(ex["W1_next"]) == all_equal == symmetry.equal_column_groups(ex["W2_next"].T):
        st.success(
            "All outgoing weights equal: dW¹'s columns are duplicates, so after the update the three units "
            "still have equal incoming weights, and (dW² having equal entries) equal outgoing weights. "
            "The next step starts from the same kind of state, so they stay identical after every later one.",
            icon=":material/repeat:",
        )
    else:
        st.info(
            "W² = [3, 1, 2]: dW¹'s columns are not duplicates, so after one update the three units have "
            "different incoming weights. This symmetry breaks after one step.",
            icon=":material/shuffle:",
        )


def notes_mistakes_part() -> None:
    M = symmetry.latex_matrix
    st.markdown(
        "#### What the notes did\n"
        "Notes 001 conclude that the columns of dW¹ are duplicates with W² = [3, 1, 2]. They are not; "
        "the notes' arithmetic goes wrong from dA¹ on:\n"
        "- **dW²** = [35, 35, 35]ᵀ is A¹ᵀdZ² without the 1/m of their own formula: dW² = 35/3.\n"
        "- **dA¹** = dZ² **dW²**ᵀ: they used dW² where W² belongs (dA¹ = dZ² W²ᵀ). dW²'s entries are equal "
        "(A¹'s columns are), so this swap is what makes their duplicates.\n"
        "- **dZ¹** = dA¹ · Z¹ as a matrix product, where dA¹ ⊙ g'(Z¹) belongs, elementwise; "
        "for the identity g'(Z¹) is all ones, so dZ¹ = dA¹.\n"
        "- **dW¹** is written 3 × 3 (rows 7735, 1190, 6545), but Xᵀ (2 × 3) times dZ¹ (3 × 3) is 2 × 3; "
        "and the notes drop the 1/m again.\n\n"
        "**The correct rule** (as notes 004 say): hidden units stay identical through training when they "
        "start identical in everything that reaches them and everything that leaves them, as when all "
        "weights of a layer start equal (all zeros, or one constant). Equal incoming weights alone are not "
        "enough: different outgoing weights give each unit its own gradient."
    )
    wrong = symmetry.notes_version()
    right = symmetry.worked_example(symmetry.W2_CASES["notes"].w2)
    with st.expander("The notes' numbers next to the right ones (W² = [3, 1, 2])"):
        left, correct = st.columns(2)
        with left:
            st.markdown("**Notes 001 wrote**")
            st.latex(rf"dW^{{[2]}} = {{A^{{[1]}}}}^T dZ^{{[2]}} = {M(wrong['dW2'])}")
            st.latex(rf"dA^{{[1]}} = dZ^{{[2]}} {{dW^{{[2]}}}}^T = {M(wrong['dA1'])}")
            st.latex(rf"dZ^{{[1]}} = dA^{{[1]}} Z^{{[1]}} = {M(wrong['dZ1'])}")
            st.latex(rf"dW^{{[1]}} = X^T dZ^{{[1]}} = {M(wrong['dW1'])}")
            st.caption(f"Xᵀ times their dZ¹ is in fact 2 × 3: the rows {wrong['dW1_product'][0, 0]} and "
                       f"{wrong['dW1_product'][1, 0]}; their middle row is dZ¹'s.")
        with correct:
            st.markdown("**Correct**")
            st.latex(rf"dW^{{[2]}} = \frac{{1}}{{m}} {{A^{{[1]}}}}^T dZ^{{[2]}} = {M(right['dW2'])}")
            st.latex(rf"dA^{{[1]}} = dZ^{{[2]}} {{W^{{[2]}}}}^T = {M(right['dA1'])}")
            st.latex(rf"dZ^{{[1]}} = dA^{{[1]}} \odot g'(Z^{{[1]}}) = {M(right['dZ1'])}")
            st.latex(rf"dW^{{[1]}} = \frac{{1}}{{m}} X^T dZ^{{[1]}} = {M(right['dW1'])}")


def eps_widget() -> float:
    # A link may carry any eps in [0, 0.1]: offer it among the steps.
    current = float(st.session_state.get("eps", Symmetry().eps))
    options = sorted(set(EPS_STEPS) | {current})
    return st.select_slider(
        "Perturbation ε of the equal weights",
        options=options,
        key="eps",
        format_func=lambda v: f"{v:g}",
        help="The perturbed start is 0.5 + ε·N(0, 1) for every weight. 1e-16 is about float64's "
        "resolution next to 0.5 (notes 000).",
    )


def training_part(activation: str) -> None:
    st.markdown("#### Symmetry over training")
    eps = eps_widget()
    try:
        run = symmetry_training(activation, float(eps))
    except ValueError as problem:
        st.error(f"Cannot train with these settings: {problem}")
        return
    label = activations.ACTIVATIONS[activation].label
    st.caption(
        f"{run.m} points in 2-D (a disc of one class inside a ring of the other), a 2 → {run.hidden} → 1 network "
        f"with {label} hidden units (the sidebar's activation) and a sigmoid output, mean cross-entropy, plain "
        f"gradient descent with learning rate {run.lr:g} for {run.steps} steps, in float64. Biases start at 0. "
        f"Spread: the largest Euclidean distance between two hidden units' vectors (w₁, w₂, b) of incoming "
        f"weights and bias."
    )
    steps = run.steps
    if run.final_spread["constant"] == 0.0:
        st.success(
            f"Constant start: after {steps} steps the spread is exactly 0.0: the {run.hidden} hidden units are "
            f"bit-for-bit identical, as they were at the start. Its line cannot appear on the log axis.",
            icon=":material/check:",
        )
    else:
        st.error(f"Constant start: after {steps} steps the spread is {run.final_spread['constant']:.3g}, not 0.")

    spacing = float(np.spacing(0.5))
    if eps > 0 and run.perturbed_weights < run.weights:
        st.info(
            f"At ε = {eps:g}, {run.perturbed_weights} of the {run.weights} perturbed weights differ from 0.5 at all: "
            f"float64 numbers next to 0.5 are {spacing:.3g} apart above it and {spacing / 2:.3g} below, so smaller "
            f"nudges round back to 0.5. Not equal is not equal, though: one unit of the last place is enough.",
            icon=":material/biotech:",
        )
    start, final = run.start_spread["perturbed"], run.final_spread["perturbed"]
    matters = f"{symmetry.MATTERS:.0%} of the random start's"
    if start == 0.0:
        st.warning(
            f"ε = {eps:g}: the perturbed start is the constant start, bit for bit, and its spread stays exactly "
            f"{final!r} for all {steps} steps.",
            icon=":material/check:",
        )
    elif run.eps_matters_at == 0:
        st.info(
            f"ε = {eps:g} is not small: the spread ({start:.3g}) is at least {matters} from step 0. "
            f"After {steps} steps it is {final:.3g}.",
            icon=":material/straighten:",
        )
    elif run.eps_matters_at is not None:
        split = (
            f"; its loss departs from the constant start's by more than {symmetry.LOSS_MATTERS:.0%} at step "
            f"{run.loss_splits_at}" if run.loss_splits_at is not None else ""
        )
        st.info(
            f"ε = {eps:g}: the spread starts at {start:.3g} and grows to {matters} at step {run.eps_matters_at}"
            f"{split}. After {steps} steps it is {final:.3g}.",
            icon=":material/trending_up:",
        )
    else:
        grew = "grew" if final > start else "did not grow"
        st.warning(
            f"ε = {eps:g}: within {steps} steps the spread {grew}, from {start:.3g} to {final:.3g} "
            f"(× {final / start:.3g}), without reaching {matters}: with {label} units on this data "
            f"the equal state holds for longer than this.",
            icon=":material/hourglass_empty:",
        )
    st.altair_chart(symmetry_charts.training_chart(run.history, marker_step=run.eps_matters_at), width="content")
    st.dataframe(
        run.summary(), hide_index=True, width="stretch",
        column_config={name: st.column_config.NumberColumn(format="%.4g") for name in run.summary().columns[1:]},
    )


def zero_init_part() -> None:
    table = symmetry_zero_init()
    st.markdown(
        "#### Zero init: no gradient at all for tanh and ReLU\n"
        "All weights and biases 0. With φ(0) = 0 (tanh, ReLU) every hidden output is 0, so "
        "dW² = A¹ᵀdZ² = 0 and W² stays 0; then dA¹ = dZ² W²ᵀ = 0 and W¹ never gets a gradient: only the "
        "output bias learns. Sigmoid's φ(0) = 1/2 gives W² a gradient first, then W¹ moves, but every unit "
        "by the same amount (spread 0)."
    )
    st.dataframe(
        table, hide_index=True, width="stretch",
        column_config={name: st.column_config.NumberColumn(format="%.4g") for name in table.columns[1:]},
    )
    change = "largest change of W1, b1"
    spread = "spread of hidden units"
    still = table.loc[table[change] == 0.0, "activation"].tolist()
    same = table.loc[(table[change] != 0.0) & (table[spread] == 0.0), "activation"].tolist()
    apart = table.loc[(table[change] != 0.0) & (table[spread] != 0.0), "activation"].tolist()
    parts = [
        f"hidden weights unchanged, exactly 0.0: {', '.join(still)}" if still else "",
        f"hidden weights moved, every unit identically (spread exactly 0.0): {', '.join(same)}" if same else "",
        f"hidden units moved apart: {', '.join(apart)}" if apart else "",
    ]
    st.caption("After training from zero: " + "; ".join(p for p in parts if p) + ".")


def symmetry_section(activation: str) -> None:
    """Notes 001's worked example done right, its mistakes, and symmetry over training."""
    worked_example_part()
    notes_mistakes_part()
    training_part(activation)
    zero_init_part()


# --- gradients & theory: the backward pass, and the variance argument against the measurement ---

# The bias constants notes 003 weighs against each other.
COMPARED_BIASES = (0.0, 0.01)


def _g(value: float) -> str:
    """A number as the section prints it: 3 significant digits, a dash where there is none."""
    return f"{value:.3g}" if math.isfinite(value) else "—"


def _share(value: float) -> str:
    return f"{value:.1%}" if math.isfinite(value) else "—"


def _square(value) -> float:
    """value², as a float that is inf rather than an error past float64's range."""
    value = float(value)
    return value * value


# Per-layer columns that say where a unit passes no gradient: saturated tanh
# and sigmoid outputs, ReLU's zeros.
STOPPED = {
    "saturated": "saturated (within 0.01 of a bound)",
    "dead": "exactly 0 (dead: no gradient passes)",
}


def stopped_column(activation: str) -> str | None:
    """Which of STOPPED applies to ``activation``, or None where φ′ > 0 everywhere."""
    spec = activations.ACTIVATIONS[activation]
    return "saturated" if spec.bounds else "dead" if spec.can_die else None


def _first_over_last(column) -> float:
    """Layer 1's value over the last layer's, NaN where either is missing or the last is 0."""
    first, last = float(column.iloc[0]), float(column.iloc[-1])
    return first / last if math.isfinite(first) and math.isfinite(last) and last != 0 else math.nan


@st.cache_data(max_entries=64, show_spinner=False)
def predicted_layers(network: Network):
    """The mean-field and notes' predictions for ``network``, or the reason they do not apply."""
    try:
        return theory.prediction_table(**network.simulate_kwargs())
    except ValueError as error:
        return str(error)


def comparison_networks(network: Network) -> dict[str, Network]:
    """The runs the section compares, label -> network, with one sample count that fits the budget.

    The biases of 003 (and the sidebar's), and each remedy switched; the
    first entry is the sidebar's own setting. Empty where drawing their
    weights would exceed the page's weight budget (``budget.WEIGHT_BUDGET``).
    """
    variants = {"this setting": network}
    for b in COMPARED_BIASES:
        variants.setdefault(f"bias {b:g}", replace(network, bias=b))
    variants[f"inputs {'raw' if network.normalize_inputs else 'normalized'}"] = replace(
        network, normalize_inputs=not network.normalize_inputs
    )
    variants[f"batch norm {'off' if network.batch_norm else 'on'}"] = replace(
        network, batch_norm=not network.batch_norm
    )
    # The sidebar's own bias may be one of 003's: then it is one run, not two.
    variants = {label: net for label, net in variants.items() if label == "this setting" or net != network}
    samples = min(
        budget.affordable_samples(
            network.depth, network.width, network.samples, batch_norm=net.batch_norm, runs=len(variants) + 1
        )
        for net in variants.values()
    )
    variants = {label: replace(net, samples=samples) for label, net in variants.items()}
    extra_runs = sum(net != network for net in variants.values())
    if (extra_runs + 1) * budget.weight_draws(network.depth, network.width, network.init) > budget.WEIGHT_BUDGET:
        return {}
    return variants


def comparisons_skipped(network: Network) -> None:
    st.info(
        f"The comparison runs (bias 0 against 0.01, inputs and batch norm switched) are left out for "
        f"{network.depth} layers of {network.width} units: drawing their weights alone would take seconds. "
        "Every panel above already follows the sidebar's bias, input and batch-norm switches; "
        "with fewer layers or units the comparisons appear here.",
        icon=":material/timer:",
    )


def gradient_headline(network: Network, result: SimulationResult, table) -> None:
    layers = result.layers
    delta, grad = layers["delta_std"], layers["grad_std"]
    last = network.depth
    cols = st.columns(4)
    cols[0].metric(
        f"dL/ds: layer 1 ÷ layer {last}", _g(_first_over_last(delta)),
        help="std of dL/ds (the gradient of the loss with respect to each unit's pre-activation, per example) "
        "at the layer next to the input, divided by its std at the last layer. Below 1: it vanishes on the way "
        "back; above 1: it explodes.",
    )
    cols[1].metric("dL/ds at layer 1 (std)", _g(float(delta.iloc[0])))
    if last > 1:
        cols[2].metric(f"dL/ds at layer {last} (std)", _g(float(delta.iloc[-1])))
    cols[3].metric(
        f"dL/dW: layer 1 ÷ layer {last}", _g(_first_over_last(grad)),
        help="The same ratio for the weights' gradient dL/dW, what gradient descent actually applies.",
    )
    if not (math.isfinite(delta.iloc[0]) and math.isfinite(delta.iloc[-1])):
        return
    # dW_l = (1/m) A_{l-1}^T delta_l: its size is the feeding activations' RMS times delta's std.
    feeding_first = math.hypot(float(result.input["mean"]), float(result.input["std"]))
    feeding_last = (
        math.hypot(float(layers["mean"].iloc[-2]), float(layers["std"].iloc[-2])) if last > 1 else feeding_first
    )
    delta_ratio, grad_ratio = _first_over_last(delta), _first_over_last(grad)
    feeding_ratio = feeding_first / feeding_last if feeding_last else math.nan
    text = (
        r"$\partial L/\partial W_l = \frac{1}{m} A_{l-1}^\top\, \partial L/\partial s_l$: "
        "a weight's gradient is the activation feeding it times the "
        f"gradient of the unit it feeds. From layer {last} back to layer 1, dL/ds changes ×{_g(delta_ratio)} and "
        f"the RMS of the activations feeding the layer ×{_g(feeding_ratio)} (into layer {last}: "
        f"{_g(feeding_last)}; into layer 1, the inputs: {_g(feeding_first)}), so dL/dW changes ×{_g(grad_ratio)}."
    )
    if delta_ratio < 0.1 and 0.5 < grad_ratio < 2:
        text += (
            " The signal shrinks going forward exactly as dL/ds shrinks going back: dL/dW is about the same at "
            "every layer, and uniformly small. What vanishes is dL/ds, and with it the signal."
        )
    column = stopped_column(network.activation)
    if column == "saturated" and delta_ratio > 1 and layers["saturated"].max() > 0.5 and last > 1:
        # Notes 003 say saturation makes gradients vanish: measure what it does.
        per_layer = delta_ratio ** (1 / (last - 1))
        predicted = ""
        if not isinstance(table, str):
            var = table["delta_variance"].to_numpy()
            with np.errstate(all="ignore"):
                factor = float(np.median(np.sqrt(var[:-1] / var[1:])))
            predicted = f" (the mean-field theory: ×{_g(factor)})"
        text += (
            f" Up to {layers['saturated'].max():.0%} of the units are saturated, and yet dL/ds grows going back, "
            f"×{_g(per_layer)} per layer{predicted}: φ′ ≈ 0 stops the saturated units, but the others multiply "
            f"dL/ds by weights with n Var(w) = {_g(theory.weight_gain(network.init, network.width, network.params))}; "
            "each layer back multiplies its std by √(n Var(w) E[φ′(s)²]). Notes 003's \"gradients will be zero\" "
            "is wrong here."
        )
    st.markdown(text)


def unit_shares(network: Network, runs: dict[str, SimulationResult]) -> None:
    """Saturated (tanh, sigmoid) or dead (ReLU) shares per layer, bias 0 against 0.01, in numbers."""
    spec = activations.ACTIVATIONS[network.activation]
    by_bias = {}
    for label, r in runs.items():
        if label.startswith("bias") or label == "this setting":
            by_bias.setdefault(r.bias, r)
    column = stopped_column(network.activation)
    st.markdown(f"##### What the bias constant does: {' against '.join(f'b = {b:g}' for b in sorted(by_bias))}")
    if column is None:
        st.caption(f"{spec.label} neither saturates nor dies: φ′(s) > 0 for every s, so no unit stops gradients.")
    else:
        frame = pd.concat(
            [
                pd.DataFrame({"layer": r.layers["layer"], "bias": f"b = {b:g}", "share": r.layers[column]})
                for b, r in sorted(by_bias.items())
            ],
            ignore_index=True,
        )
        st.altair_chart(
            gradient_charts.unit_share_chart(
                frame[frame["share"].notna()],
                title=f"Share of {spec.label} outputs {STOPPED[column]}, per layer",
                y_title=f"share {column}",
            ),
            width="stretch",
        )
    rows = []
    for b, r in sorted(by_bias.items()):
        row = {"bias": f"{b:g}"}
        if column:
            row[f"{column}, layer 1"] = _share(float(r.layers[column].iloc[0]))
            row[f"{column}, layer {network.depth}"] = _share(float(r.layers[column].iloc[-1]))
        row["std of a, last layer"] = _g(float(r.layers["std"].iloc[-1]))
        row["dL/ds layer 1 ÷ last"] = _g(_first_over_last(r.layers["delta_std"]))
        rows.append(row)
    table = pd.DataFrame(rows)
    st.dataframe(table, hide_index=True, width="stretch")
    r0, r1 = by_bias[COMPARED_BIASES[0]], by_bias[COMPARED_BIASES[1]]
    b0, b1 = COMPARED_BIASES
    if network.batch_norm:
        st.markdown(
            f"With batch norm on, the bias does nothing: batch norm subtracts each unit's mean over the batch, "
            f"b included (last-layer std {_g(r0.layers['std'].iloc[-1])} with b = {b0:g}, "
            f"{_g(r1.layers['std'].iloc[-1])} with b = {b1:g})."
        )
    elif column:
        share0, share1 = r0.layers[column].to_numpy(dtype=float), r1.layers[column].to_numpy(dtype=float)
        change = np.nan_to_num(np.abs(share1 - share0), nan=0.0)
        at = int(np.argmax(change))
        spread = r0.layers["pre_std"].to_numpy(dtype=float)
        text = (
            f"Measured: with b = {b0:g} the share {column} is {np.nanmax(share0):.1%} at the worst layer "
            f"(last layer {share0[-1]:.1%}); with b = {b1:g} it is {np.nanmax(share1):.1%} "
            f"(last layer {share1[-1]:.1%})."
        )
        if np.nanmax(spread) == 0:
            text += " No weight spreads s here: every s is the bias itself."
        elif change[at] >= 0.01:
            text += (
                f" The bias moves it most at layer {at + 1}: {share0[at]:.1%} → {share1[at]:.1%}, where s spreads "
                f"with std {_g(spread[at])} against a shift of {b1:g}."
            )
            if spec.can_die and spread[at] < 10 * b1:
                text += (
                    " That is 003's reason for 0.01 (every ReLU unit fires), and it holds only where s is that small."
                )
        else:
            text += (
                f" A shift of {b1:g} is small against s's spread (std {_g(np.nanmin(spread))} to "
                f"{_g(np.nanmax(spread))} across the layers): it moves no layer's share by 1 point."
            )
            if spec.can_die:
                text += " 003's reason for 0.01, that every ReLU unit then fires, does not hold here."
        st.markdown(text)
    samples = next(iter(runs.values())).n_samples
    if samples != network.samples:
        st.caption(f"These comparison runs use {samples} samples each, to stay within the page's budget.")


def theory_part(network: Network, result: SimulationResult, table) -> None:
    st.subheader("The variance argument against the measurement")
    st.latex(
        r"\text{notes (linear units): }\ \operatorname{Var}(s_k) = [n\operatorname{Var}(w)]^k \operatorname{Var}(x)"
        r"\qquad\text{(He: }\times\tfrac12\text{ per layer for ReLU)}"
    )
    st.latex(
        r"\text{mean field: }\ q_1 = n\operatorname{Var}(w)\,\mathbb{E}[x^2],\quad "
        r"q_l = n\operatorname{Var}(w)\;\mathbb{E}_z\!\left[\phi\!\left(b + \sqrt{q_{l-1}}\,z\right)^2\right],"
        r"\quad z \sim \mathcal{N}(0, 1)"
    )
    st.latex(
        r"\text{backward: }\ \operatorname{Var}\!\left(\frac{\partial L}{\partial s_{l-1}}\right) = "
        r"n\operatorname{Var}(w)\;\mathbb{E}\!\left[\phi'(s_{l-1})^2\right]\operatorname{Var}\!\left("
        r"\frac{\partial L}{\partial s_l}\right)"
    )
    st.caption(
        "The mean-field recursions (Poole et al. 2016; Schoenholz et al. 2017) are the infinite-width limit: the "
        "next weights multiply the second moment E[a²] of what feeds them, not its variance, and φ and φ′ are "
        "integrated against the Gaussian of s numerically. For φ(s) = s and b = 0 they give the notes' formula; "
        "for ReLU and b = 0, He's ½."
    )
    if isinstance(table, str):
        st.info(f"No prediction here: {table}.", icon=":material/info:")
        return
    gain = theory.weight_gain(network.init, network.width, network.params)
    if gain == 0:
        st.info(
            f"n Var(w) = 0 here: every weight is 0, every unit's s is the bias {network.bias:g} for every "
            f"example, and the predicted and measured variances are both 0 (measured std of s at layer 1: "
            f"{_g(float(result.layers['pre_std'].iloc[0]))}), which a log axis cannot show. With nothing random in "
            "the weights, the argument has nothing to average over.",
            icon=":material/info:",
        )
        return
    variances, ratios = theory.variance_frames(result.layers, table)
    left, right = st.columns([3, 2])
    left.altair_chart(theory_charts.variance_chart(variances), width="stretch")
    right.altair_chart(theory_charts.ratio_chart(ratios), width="stretch")
    st.markdown(explain_gradients.notes_verdict(result, table))
    st.markdown(explain_gradients.theory_verdict(result, table))
    if network.batch_norm:
        st.caption(
            "With batch norm the prediction models it: φ sees each unit's s rescaled to variance 1, so "
            "Var(s_l) = n Var(w) E[φ(z)²] after layer 1, and dL/ds is divided by each unit's std on the way back."
        )


def remedies_part(network: Network, runs: dict[str, SimulationResult]) -> None:
    st.subheader("Remedies: input normalization and batch norm")
    column = stopped_column(network.activation)
    here = runs["this setting"]
    flipped_inputs = next(r for label, r in runs.items() if label.startswith("inputs"))
    flipped_bn = next(r for label, r in runs.items() if label.startswith("batch norm"))

    def describe(r: SimulationResult) -> dict:
        row = {
            "inputs": "normalized" if r.normalize_inputs else "raw",
            "batch norm": "on" if r.batch_norm else "off",
            "E[x²]": _g(_square(r.input["mean"]) + _square(r.input["std"])),
            "Var(s), layer 1": _g(_square(r.layers["pre_std"].iloc[0])),
            "std of a, last layer": _g(float(r.layers["std"].iloc[-1])),
        }
        if column:
            row[f"{column}, worst layer"] = _share(float(r.layers[column].max()))
        row["dL/ds layer 1 ÷ last"] = _g(_first_over_last(r.layers["delta_std"]))
        row["dL/dW layer 1 ÷ last"] = _g(_first_over_last(r.layers["grad_std"]))
        return row

    rows = [describe(r) for r in (here, flipped_inputs, flipped_bn)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    normalized, raw = (here, flipped_inputs) if here.normalize_inputs else (flipped_inputs, here)
    st.markdown(
        f"**Input normalization** centres x and scales it to variance 1. Raw inputs (mean "
        f"{_g(float(raw.input['mean']))}) have E[x²] = {_g(_square(raw.input['mean']) + _square(raw.input['std']))}, "
        f"normalized ones {_g(_square(normalized.input['mean']) + _square(normalized.input['std']))}; the first "
        f"layer's weights multiply E[x²], so Var(s) at layer 1 is {_g(_square(raw.layers['pre_std'].iloc[0]))} "
        f"raw against {_g(_square(normalized.layers['pre_std'].iloc[0]))} normalized. "
        + (
            f"Here that decides the first layer's saturated share: {raw.layers[column].iloc[0]:.1%} raw, "
            f"{normalized.layers[column].iloc[0]:.1%} normalized."
            if column == "saturated"
            else "The deeper layers inherit the factor."
        )
    )
    plain, normed = (flipped_bn, here) if here.batch_norm else (here, flipped_bn)
    st.markdown(
        f"**Batch norm** rescales every unit's s to mean 0 and variance 1 over the batch before φ, whatever the "
        f"weights did: the last layer's activation std is {_g(float(plain.layers['std'].iloc[-1]))} without it and "
        f"{_g(float(normed.layers['std'].iloc[-1]))} with it"
        + (
            f", the worst layer's {column} share {plain.layers[column].max():.1%} without and "
            f"{normed.layers[column].max():.1%} with it"
            if column
            else ""
        )
        + f"; dL/ds from the last layer back to layer 1 changes ×{_g(_first_over_last(plain.layers['delta_std']))} "
        f"without and ×{_g(_first_over_last(normed.layers['delta_std']))} with it."
    )


def gradients_section(network: Network, result: SimulationResult) -> None:
    """Gradients per layer, saturation and dead units against the bias, the variance theory, the remedies."""
    st.subheader("The backward pass: gradients per layer")
    if result.overflow_layer is not None:
        st.error(
            f"The forward pass overflowed at layer {result.overflow_layer}, so no gradient could be computed. "
            "Smaller weights, fewer layers or batch norm bring it back.",
            icon=":material/block:",
        )
    table = predicted_layers(network)
    gradient_headline(network, result, table)
    frame = theory.gradient_frame(result.layers, table if not isinstance(table, str) else None)
    if frame.empty:
        st.info("No gradient is finite here, so there is nothing to plot.", icon=":material/info:")
    else:
        st.altair_chart(gradient_charts.gradient_std_chart(frame), width="stretch")
    if not result.gradient_histograms.empty:
        st.altair_chart(
            layer_charts.histogram_grid(
                result.gradient_histograms,
                title="dL/dW per layer",
                x_title="dL/dW",
                depth=network.depth,
                color="#4c78a8",
            ),
            width="content",
        )
        st.caption(
            "Every layer shares one range (±4 × the largest std of dL/dW): a layer whose gradients are far "
            "smaller than the largest shows as one spike at 0; read its size on the log chart above."
        )
    runs = {label: run_simulation(net) for label, net in comparison_networks(network).items()}
    if runs:
        unit_shares(network, runs)
    else:
        comparisons_skipped(network)
    theory_part(network, result, table)
    if runs:
        remedies_part(network, runs)


# --- compare & train: several initializers side by side, then trained ---------------

# Offered besides the default comparison; a link may bring others (e.g. "normal:0.5").
COMPARE_EXTRA = ("constant", "uniform", "xavier_uniform", "he_uniform", "normal:0.1", "normal:0.5")
LR_STEPS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
STEPS_CHOICES = (10, 20, 50, 100, 200, 300, 500, 1000)


@st.cache_data(max_entries=16, show_spinner=False)
def run_comparison(network: Network, keys: tuple[str, ...]) -> compare.Comparison:
    with compute_slots():
        return compare.compare_initializers(network, keys)


class TrainingProgress:
    """A progress bar that exists only while a training runs: created at the first update, removed at close.

    Created inside the cached function, so that st.cache_data may replay it
    (an element created outside could not be updated from inside); a replay
    creates and removes it at once, so a cached result shows no bar.
    """

    def __init__(self, networks: int):
        self.networks = networks
        self.bar = None

    def __call__(self, step: int, total: int) -> None:
        text = f"Training {self.networks} networks: step {step} of {total}"
        if self.bar is None:
            self.bar = st.progress(0.0, text=text)
        self.bar.progress(min(1.0, step / max(total, 1)), text=text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.empty()


@st.cache_data(max_entries=16, show_spinner=False)
def run_training(
    trained: Training, activation: str, depth: int, width: int, bias: float, seed: int, points: int,
    _progress: TrainingProgress | None = None,
) -> training.TrainingResult:
    try:
        with compute_slots():
            return training.train(
            trained.compare, dataset=trained.dataset, activation=activation, depth=depth, width=width, bias=bias,
            optimizer=trained.optimizer, lr=trained.lr, steps=trained.steps, n_points=points, seed=seed,
            progress=_progress,
            )
    finally:
        if _progress is not None:
            _progress.close()


def _three_digits(values) -> list[str]:
    """Numbers as text with 3 significant digits ("7.48e+11"), "–" where there is none.

    Text, because the table's own number format writes 7.48e11 out in full.
    """
    return ["–" if np.isnan(v) else f"{v:.3g}" for v in np.asarray(values, dtype=float)]


def _canonical(key: str) -> str:
    """One spelling per initializer ("normal:0.010" -> "normal:0.01"); the key itself if it names none."""
    return next(iter(init_keys.canonical_keys([key])), key)


def _with_current(choices: tuple, key: str) -> list:
    """The choices plus the widget's current value (a link may hold any valid one), sorted."""
    current = st.session_state.get(key)
    return sorted(set(choices) | ({current} if current is not None else set()))


def compare_part(network: Network, keys: tuple[str, ...]) -> None:
    spec = activations.ACTIVATIONS[network.activation]
    width = budget.affordable_width(network.depth, network.width, keys, share=budget.COMPARISON_WEIGHT_SHARE)
    if width < network.width:
        st.info(
            f"The comparison uses {width} units per layer instead of the sidebar's {network.width}: "
            f"{len(keys)} networks of {network.depth} layers of {network.width} units would need more random "
            "weights than one page view may draw.",
            icon=":material/timer:",
        )
        network = replace(network, width=width)
    samples = compare.comparison_samples(network, len(keys))
    # The sidebar's own initializer plays no part: leave it out of the cache key.
    neutral = replace(network, samples=samples, init=Network().init, init_params=Network().init_params)
    comparison = run_comparison(neutral, keys)
    labels = [comparison.labels[key] for key in keys]
    st.caption(
        f"The sidebar's network ({spec.label}, {network.depth} layers of {network.width} units, bias {network.bias:g}) "
        f"under each initializer, all from seed {network.seed}: the same inputs and the same random draws, "
        "only the initializer differs. Gradients come from a random read-out at the last layer."
    )
    if samples < network.samples:
        st.info(
            f"Each of the {len(keys)} simulations uses {samples} samples instead of the sidebar's {network.samples}, "
            f"so that the {len(keys)} runs stay fast (per-layer statistics hardly change with more).",
            icon=":material/timer:",
        )
    for note in comparison.notes:
        st.warning(note, icon=":material/warning:")
    st.altair_chart(compare_charts.activation_std_chart(comparison.layers, labels), width="stretch")
    if not comparison.histograms.empty:
        st.altair_chart(
            compare_charts.histogram_grid(comparison.histograms, labels, network.depth, compare.GRID_LAYERS),
            width="content",
        )
    st.altair_chart(compare_charts.gradient_std_chart(comparison.layers, labels), width="stretch")
    summary = comparison.summary.drop(columns=["init", "kind"]).assign(
        last_std=_three_digits(comparison.summary["last_std"]), grad_ratio=_three_digits(comparison.summary["grad_ratio"])
    )
    st.dataframe(
        summary,
        hide_index=True,
        width="stretch",
        column_config={
            "label": st.column_config.TextColumn("initializer"),
            "last_std": st.column_config.TextColumn(
                "last-layer std", help="Standard deviation of the last layer's activations."),
            "saturated": st.column_config.NumberColumn(
                "saturated", format="percent", help="Largest share over the layers of tanh/sigmoid outputs within "
                "0.01 of a bound, where the derivative is nearly 0."),
            "dead": st.column_config.NumberColumn(
                "dead", format="percent", help="Largest share over the layers of ReLU outputs exactly 0."),
            "grad_ratio": st.column_config.TextColumn(
                "grad. layer 1 / last", help="std of dL/dW at layer 1 over that at the last layer: "
                "far below 1, gradients vanish on the way back; far above, they explode. Empty when either is 0."),
            "verdict": st.column_config.TextColumn("verdict", width="large"),
        },
    )


def train_part(network: Network, keys: tuple[str, ...]) -> None:
    st.subheader("Does it train?")
    left, middle, right, last = st.columns(4)
    with left:
        dataset = st.selectbox(
            "Dataset", options=list(links.DATASETS), key="dataset",
            format_func=lambda k: f"{datasets.DATASETS[k].label}: {datasets.DATASETS[k].description}",
        )
    with middle:
        optimizer = st.radio(
            "Optimizer", options=list(links.OPTIMIZERS), key="optimizer", horizontal=True,
            format_func=training.OPTIMIZER_LABELS.get,
            help="Full-batch gradient descent, or Adam (per-weight step sizes, which rescue some bad starts).",
        )
    with right:
        lr = st.select_slider(
            "Learning rate", options=_with_current(LR_STEPS, "lr"), key="lr", format_func=lambda v: f"{v:g}")
    with last:
        steps = st.select_slider("Steps", options=_with_current(STEPS_CHOICES, "steps"), key="steps")

    depth = min(network.depth, training.MAX_DEPTH)
    width = min(network.width, training.MAX_WIDTH)
    points = training.affordable_points(len(keys), depth, int(steps))
    trained = Training(compare=keys, dataset=dataset, optimizer=optimizer, lr=float(lr), steps=int(steps))
    st.caption(
        f"{points} points of {datasets.DATASETS[dataset].label}, standardized. Each initializer's network: "
        f"2 inputs → {depth} {activations.ACTIVATIONS[network.activation].label} layers of {width} units "
        f"(hidden biases start at {network.bias:g}) → 1 sigmoid output, binary cross-entropy, "
        f"{training.OPTIMIZER_LABELS[optimizer]} with learning rate {lr:g}, {steps} full-batch steps, seed {network.seed}. "
        "The initializer draws every weight matrix, the output layer's too (a different read-out would hide "
        "the symmetry of zero and constant starts)."
    )
    lowered = [
        f"{name} {used} instead of {asked}"
        for name, used, asked in (
            ("width", width, network.width), ("depth", depth, network.depth), ("points", points, datasets.DEFAULT_POINTS)
        )
        if used < asked
    ]
    if lowered:
        st.info(
            "Trained with " + ", ".join(lowered) + ": one network is trained per initializer, and that must stay fast.",
            icon=":material/timer:",
        )

    try:
        result = run_training(
            trained, network.activation, depth, width, network.bias, network.seed, points,
            _progress=TrainingProgress(len(keys)),
        )
    except ValueError as problem:
        st.error(f"Training could not run: {problem}", icon=":material/block:")
        return

    labels = {key: init_keys.key_label(key) for key in keys}
    diverged = result.diverged()
    for key, step in diverged.items():
        st.warning(
            f"{labels[key]}: diverged at step {step}: its loss or gradients stopped being finite numbers, "
            "so its training was stopped there.",
            icon=":material/bolt:",
        )
    st.altair_chart(
        training_charts.loss_curves(result.history, list(labels.values()), {labels[k]: s for k, s in diverged.items()}),
        width="stretch",
    )
    summary = result.summary.drop(columns=["init"]).assign(
        diverged_at=[f"diverged at step {int(v)}" if np.isfinite(v) else "no" for v in result.summary["diverged_at"]],
        loss=_three_digits(result.summary["loss"]),
        weight_change=_three_digits(result.summary["weight_change"]),
    )
    st.dataframe(
        summary,
        hide_index=True,
        width="stretch",
        column_config={
            "label": st.column_config.TextColumn("initializer"),
            "loss": st.column_config.TextColumn(
                "final loss", help="The last finite loss. ln 2 ≈ 0.693: nothing learned."),
            "accuracy": st.column_config.NumberColumn("accuracy", format="percent", help="On the training points."),
            "diverged_at": st.column_config.TextColumn("diverged"),
            "steps_run": st.column_config.NumberColumn("steps run"),
            "weight_change": st.column_config.TextColumn(
                "hidden weights moved",
                help="||W_end − W_start|| / ||W_start|| over the hidden layers (absolute when W_start = 0): "
                "0 means the hidden layers never changed."),
        },
    )
    st.altair_chart(
        training_charts.decision_boundaries(result.boundary, labels, result.points, result.extent, diverged),
        width="content",
    )
    with st.expander("What to look for"):
        st.markdown(
            "- **zeros** and **constant**: every hidden unit computes the same thing, so they all get the same "
            "update; with zeros no hidden weight gets any gradient at all. Zeros stay at ln 2; constant ends "
            "there, however large its loss starts.\n"
            "- **normal, std 0.01** in a deep tanh network: the signal shrinks by √n · 0.01 per layer and so does "
            "the gradient; with gradient descent the loss sits at ln 2 (Adam's per-weight steps get it moving).\n"
            "- **ReLU, depth 5–10, gradient descent with learning rate 0.1** (the defaults): He's std √(2/n) "
            "trains, std 1 starts with activations thousands of times too large and diverges within a few steps. "
            "Switch to Adam: its per-weight step sizes rescue std 1 after a huge initial loss."
        )


def compare_section(network: Network) -> None:
    st.subheader("The same network under several initializers")
    current = [str(v) for v in st.session_state.get("compare", [])]
    # A link's spelling ("normal:0.010") replaces the offered one of the same initializer.
    spelled = {_canonical(key): key for key in current}
    options = list(dict.fromkeys(
        spelled.get(_canonical(key), key) for key in [*DEFAULT_COMPARED, *COMPARE_EXTRA, *current]
    ))
    chosen = st.multiselect(
        "Initializers to compare", options=options, key="compare", format_func=init_keys.key_label,
        max_selections=links.MAX_COMPARED,
        help=f"Up to {links.MAX_COMPARED}. The notes' \"Xavier\" (randn/√n) is LeCun normal here; "
        "Xavier/Glorot is 2/(fan_in + fan_out).",
    )
    keys = init_keys.canonical_keys(chosen)
    if not keys:
        st.info("Pick at least one initializer to compare.", icon=":material/touch_app:")
        return
    compare_part(network, keys)
    st.divider()
    train_part(network, keys)


# Each section of the page: its key in VIEWS -> the function that draws it.
# Only the open section is computed and sent to the browser.
SECTIONS = {
    "compare": lambda: compare_section(network),
    "activations": lambda: activations_tab(network, result),
    "symmetry": lambda: symmetry_section(network.activation),
    "gradients": lambda: gradients_section(simulated, result),
}

view = st.radio(
    "Section",
    options=[key for key in VIEWS if key in SECTIONS],
    format_func=VIEWS.get,
    horizontal=True,
    key="view",
    label_visibility="collapsed",
)
SECTIONS[view]()

# --- the link: every control, so the address bar reproduces this page ---------------

page_state = PageState(
    view=view,
    lesson=st.session_state["lesson"],
    network=network,
    training=Training(
        **{name: (tuple(v) if isinstance(v, list) else v) for name, v in
           ((f, st.session_state.get(f, getattr(Training(), f))) for f in vars(Training()))}
    ),
    symmetry=Symmetry(**{f: st.session_state.get(f, getattr(Symmetry(), f)) for f in vars(Symmetry())}),
)
query = links.to_query(page_state)
if st.query_params.to_dict() != query:
    st.query_params.from_dict(query)
