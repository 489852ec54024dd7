"""Weight-initialization playground: why the first values of the weights decide whether a network learns.

Run with ``streamlit run streamlit_app.py``. This file only places widgets
and charts; the numbers come from ``playground/``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import streamlit as st

from playground import activations, budget, initializers, links
from playground.charts import layers as layer_charts
from playground.settings import VIEWS, Network, PageState, Symmetry, Training
from playground.simulation import SimulationResult, simulate
from playground.verdict import verdict

st.set_page_config(page_title="Weight initialization playground", page_icon="⚖️", layout="wide")

# Log-spaced choices for a fixed std: 20 per decade from 0.001 to 10.
STD_STEPS = tuple(float(f"{10 ** (k / 20):.3g}") for k in range(-60, 21))


# --- the link: read once per session, into the widgets' state ---------------------


def load_link() -> None:
    """Set every widget from the page's link, once per session, and keep the link's notes."""
    if "link_notes" in st.session_state:
        return
    query = {name: st.query_params.get_all(name) for name in st.query_params}
    state, notes = links.parse_query(query)
    st.session_state["link_notes"] = notes
    seed_widgets(state)


def seed_widgets(state: PageState) -> None:
    st.session_state["view"] = state.view
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


load_link()

# --- sidebar: the network --------------------------------------------------------


def param_widget(param: initializers.Param, width: int) -> float:
    """The control for one initializer parameter."""
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
        return st.slider(param.label, int(param.low), high, key=param.name, help=param.help)
    return st.number_input(
        param.label, min_value=param.low, max_value=param.high, step=0.01, key=param.name, help=param.help
    )


with st.sidebar:
    st.header("Network")
    activation = st.selectbox(
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
        "Width (units per layer)", *budget.WIDTH_RANGE, key="width",
        help="n: every layer has this many units, and so this many inputs per unit (fan-in).",
    )
    init_params = {p.name: param_widget(p, width) for p in initializers.INITIALIZERS[init_key].params}
    depth = st.slider("Depth (layers)", *budget.DEPTH_RANGE, key="depth", help="Number of hidden layers.")
    bias = st.number_input(
        "Bias (every unit)", min_value=budget.BIAS_RANGE[0], max_value=budget.BIAS_RANGE[1], step=0.01,
        key="bias", help="The constant every bias starts at: 0, or 0.01 as some do for ReLU (notes 003).",
    )
    with st.expander("Advanced"):
        samples = st.slider(
            "Samples", *budget.SAMPLES_RANGE, step=10, key="samples",
            help="Examples in the batch pushed through the network (the notes use 1000).",
        )
        seed = st.number_input(
            "Seed", min_value=budget.SEED_RANGE[0], max_value=budget.SEED_RANGE[1], step=1, key="seed",
            help="Seed of every random draw: the same seed gives the same numbers, here and in a link.",
        )
        normalize = st.checkbox(
            "Normalize inputs", key="normalize",
            help="On: inputs are unit Gaussian. Off: the same draws as raw pixel-like values "
            "(128 + 64 z, clipped to 0–255), positive with a large mean.",
        )
        batch_norm = st.checkbox(
            "Batch norm", key="batchnorm",
            help="Normalize each unit's pre-activation over the batch (mean 0, variance 1) before φ.",
        )

network = Network(
    activation=activation,
    init=init_key,
    init_params=tuple(sorted(init_params.items())),
    depth=int(depth),
    width=int(width),
    bias=float(bias),
    samples=int(samples),
    seed=int(seed),
    normalize_inputs=bool(normalize),
    batch_norm=bool(batch_norm),
)

# --- compute -----------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def run_simulation(network: Network) -> SimulationResult:
    return simulate(**network.simulate_kwargs())


affordable = budget.affordable_samples(network.depth, network.width, network.samples, batch_norm=network.batch_norm)
simulated = replace(network, samples=affordable)
result = run_simulation(simulated)
result_verdict = verdict(result)

# --- main area ---------------------------------------------------------------------

st.title("Weight initialization playground")
st.caption(
    "Push a batch through a deep network at initialization and watch each layer's activations: "
    "the weights' first values decide whether the signal survives."
)
for note in st.session_state["link_notes"]:
    st.warning(note, icon="🔗")
if affordable < network.samples:
    st.info(
        f"Using {affordable} samples instead of {network.samples}: {network.depth} layers of {network.width} "
        f"units would need more work than one page view may take (see the README's budget).",
        icon="⏱️",
    )
for note in result.notes:
    st.warning(note, icon="⚠️")


def show_verdict(kind: str, text: str) -> None:
    if kind == "healthy":
        st.success(text, icon="✅")
    elif kind in ("overflow", "constant"):
        st.error(text, icon="⛔")
    else:
        st.warning(text, icon="⚠️")


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


# Each section of the page: its key in VIEWS -> the function that draws it.
# Only the open section is computed and sent to the browser.
SECTIONS = {
    "activations": lambda: activations_tab(network, result),
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
