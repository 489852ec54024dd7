"""The signal-propagation section: the phase diagram, two inputs through the network, the Jacobian's spectrum."""

from __future__ import annotations

import math

import streamlit as st

from playground import theory
from playground.charts import propagation as charts
from playground.explain import propagation as explain
from playground.settings import C0_RANGE

from .. import compute, link, show

CHART_KEY = "phase_chart"


def _sigma_w2(network) -> float:
    return theory.weight_gain(network.init, network.width, network.params)


def move_to_cell() -> None:
    """A click on the phase diagram: the sidebar moves there (normal init with std sqrt(sigma_w^2 / n), sigma_b).

    A widget callback: it runs before the next script run draws the sidebar.
    """
    picked = (st.session_state.get(CHART_KEY) or {}).get("selection", {}).get(charts.PHASE_SELECTION) or []
    if not picked:
        return
    cell = picked[0]
    width = int(st.session_state["width"])
    st.session_state["init"] = "normal"
    # Three digits, as every control shows its value.
    st.session_state["std"] = float(f"{math.sqrt(float(cell['sigma_w2']) / width):.3g}")
    st.session_state["bias_std"] = float(f"{math.sqrt(float(cell['sigma_b2'])):.3g}")


def phase_part(network, q0: float):
    st.subheader("Where the setting sits: ordered, chaotic, or at the edge of chaos")
    show.message(explain.notation())
    sigma_w2, sigma_b2 = _sigma_w2(network), network.bias_std**2
    point = compute.phase_point(network.activation, sigma_w2, sigma_b2, network.bias, q0)
    show.message(explain.phase_verdict(point, network.depth))
    grid, critical = compute.phase_grid(network.activation, network.bias, q0)
    show.message(explain.off_the_diagram(sigma_w2, sigma_b2))
    show.chart(lambda: charts.phase_diagram_chart(grid, critical, (sigma_w2, sigma_b2)),
               key=("phase diagram", network.activation, network.bias, q0, sigma_w2, sigma_b2),
               on_select=move_to_cell, selection_mode=charts.PHASE_SELECTION, select_key=CHART_KEY)
    show.message(explain.PHASE_CLICK)
    return point


@st.fragment
def pair_part(network, point, q0: float, view: str) -> None:
    """Two inputs through the network: its own slider reruns only this fragment (the link follows it)."""
    st.subheader("Two inputs through the network")
    c0 = st.slider("Starting correlation c₀ of the two inputs", *C0_RANGE, step=0.01, key="c0",
                   help="The cosine between two inputs of the same length; each layer's c follows the "
                   "correlation map, towards 1 in the ordered phase and c* < 1 in the chaotic one.")
    pair = compute.pair(network, float(c0), q0)
    left, right = st.columns(2)
    shown = (network, float(c0), q0)
    with left:
        show.chart(lambda: charts.correlation_chart(pair, c_star=point.c_star), key=("pair correlation", shown))
    with right:
        show.chart(lambda: charts.length_chart(pair, q_star=point.q_star), key=("pair length", shown))
    show.message(explain.pair_verdict(pair, point, float(c0)))
    link.write(view)


def spectrum_part(network, plan, q0: float) -> None:
    st.subheader("The Jacobian's spectrum: dynamical isometry")
    show.message(explain.SPECTRUM_INTRO)
    show.messages(explain.spectrum_lowered(plan))
    arguments = (network.activation, _sigma_w2(network), network.bias_std**2, plan.layers, plan.jacobian_width,
                 network.bias, network.seed, q0)
    histogram, summary, predicted = compute.spectra(*arguments)
    show.chart(lambda: charts.spectrum_chart(histogram), key=("spectra", arguments))
    show.message(explain.spectrum_verdict(summary, predicted, network.activation))


def render(ctx) -> None:
    network = ctx.network
    mean, var = theory.input_moments(network.normalize_inputs)
    q0 = mean * mean + var
    point = phase_part(network, q0)
    not_applicable = explain.mean_field_applies(network)
    if not_applicable:
        show.message(not_applicable)
        return
    pair_part(network, point, q0, ctx.plan.view)
    spectrum_part(network, ctx.plan.propagation, q0)
