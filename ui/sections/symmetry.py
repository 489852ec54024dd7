"""The symmetry section: notes 001's worked example done right, its mistakes, symmetry over training, zero init."""

from __future__ import annotations

import streamlit as st

from playground import symmetry
from playground.charts import symmetry as symmetry_charts
from playground.explain import symmetry as explain
from playground.settings import Symmetry
from playground.symmetry import latex_matrix as M
from playground.symmetry import latex_number

from .. import compute, link, show


def _sigma_column(z) -> str:
    return r"\begin{bmatrix}" + r" \\ ".join(rf"\sigma({latex_number(v)})" for v in z[:, 0]) + r"\end{bmatrix}"


def _forward(ex: dict) -> None:
    st.markdown("**Forward pass**")
    inputs, outputs = st.columns(2)
    with inputs:
        st.latex(rf"X = {M(ex['X'])} \quad W^{{[1]}} = {M(ex['W1'])} \quad W^{{[2]}} = {M(ex['W2'])}")
        st.latex(rf"Z^{{[1]}} = X W^{{[1]}} = A^{{[1]}} = {M(ex['Z1'])}")
    with outputs:
        st.latex(rf"Z^{{[2]}} = A^{{[1]}} W^{{[2]}} = {M(ex['Z2'])}")
        st.latex(rf"\hat Y = \sigma(Z^{{[2]}}) = {_sigma_column(ex['Z2'])} \approx {M(ex['Y_hat'])}")


def _backward(ex: dict) -> None:
    m = ex["X"].shape[0]
    st.markdown("**Backward pass** (the notes' formulas, with their 1/m)")
    # Full width: the longer products do not fit in half the page.
    st.latex(rf"dZ^{{[2]}} = {M(ex['dZ2'])} \ \text{{(given)}}")
    st.latex(
        rf"dW^{{[2]}} = \frac{{1}}{{m}} {{A^{{[1]}}}}^T dZ^{{[2]}} = "
        rf"\frac{{1}}{{{m}}} {M(ex['A1T_dZ2'])} = {M(ex['dW2'])}"
    )
    st.latex(rf"dA^{{[1]}} = dZ^{{[2]}} {{W^{{[2]}}}}^T = {M(ex['dA1'])}")
    st.latex(
        rf"dZ^{{[1]}} = dA^{{[1]}} \odot g'(Z^{{[1]}}) = "
        rf"dA^{{[1]}} \odot {M(ex['g_prime'], highlight=False)} = {M(ex['dZ1'])}"
    )
    st.latex(rf"dW^{{[1]}} = \frac{{1}}{{m}} X^T dZ^{{[1]}} = \frac{{1}}{{{m}}} {M(ex['XT_dZ1'])} = {M(ex['dW1'])}")


@st.fragment
def worked_example_part(view: str) -> None:
    """The worked example: its W² choice reruns only this fragment (the link follows it)."""
    show.message(explain.WORKED_EXAMPLE_INTRO)
    key = st.radio(
        "Outgoing weights W²", options=list(symmetry.W2_CASES), format_func=lambda k: symmetry.W2_CASES[k].label,
        key="w2", horizontal=True,
        help="The notes' W2 = [3, 1, 2], or all three outgoing weights equal. "
        "With c = 2 the forward pass is the same in both cases.",
    )
    ex = symmetry.worked_example(symmetry.W2_CASES[key].w2)
    _forward(ex)
    _backward(ex)
    show.message(explain.dw1_columns(ex))
    st.latex(
        rf"\text{{one step, }} \alpha = {latex_number(symmetry.WORKED_LR)}: \quad "
        rf"W^{{[1]}} - \alpha\, dW^{{[1]}} = {M(ex['W1_next'])} \quad "
        rf"W^{{[2]}} - \alpha\, dW^{{[2]}} = {M(ex['W2_next'])}"
    )
    show.message(explain.after_one_step(ex))
    link.write(view)


def notes_mistakes_part() -> None:
    show.message(explain.NOTES_MISTAKES)
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
            show.message(explain.notes_product(wrong))
        with correct:
            st.markdown("**Correct**")
            st.latex(rf"dW^{{[2]}} = \frac{{1}}{{m}} {{A^{{[1]}}}}^T dZ^{{[2]}} = {M(right['dW2'])}")
            st.latex(rf"dA^{{[1]}} = dZ^{{[2]}} {{W^{{[2]}}}}^T = {M(right['dA1'])}")
            st.latex(rf"dZ^{{[1]}} = dA^{{[1]}} \odot g'(Z^{{[1]}}) = {M(right['dZ1'])}")
            st.latex(rf"dW^{{[1]}} = \frac{{1}}{{m}} X^T dZ^{{[1]}} = {M(right['dW1'])}")


def eps_widget() -> float:
    # A link may carry any eps in range: offer it among the steps.
    current = float(st.session_state.get("eps", Symmetry().eps))
    return st.select_slider(
        "Perturbation ε of the equal weights", options=sorted(set(symmetry.EPS_STEPS) | {current}), key="eps",
        format_func=lambda v: f"{v:g}",
        help="The perturbed start is 0.5 + ε·N(0, 1) for every weight. 1e-16 is about float64's "
        "resolution next to 0.5 (notes 000).",
    )


@st.fragment
def training_part(activation: str, view: str) -> None:
    """Symmetry over training: its ε reruns only this fragment (the link follows it)."""
    st.markdown("#### Symmetry over training")
    eps = eps_widget()
    try:
        run = compute.symmetry_training(activation, float(eps))
    except ValueError as problem:
        show.message(explain.cannot_train(problem))
        return
    show.messages([explain.setup(run), explain.constant_start(run), explain.resolution(run),
                   explain.perturbed_start(run)])
    show.chart(lambda: symmetry_charts.training_chart(run.history, marker_step=run.eps_matters_at),
               key=("symmetry over training", activation, float(eps)), width="content")
    summary = run.summary()
    st.dataframe(summary, hide_index=True, width="stretch",
                 column_config={name: st.column_config.NumberColumn(format="%.4g") for name in summary.columns[1:]})
    link.write(view)


def zero_init_part() -> None:
    table = compute.symmetry_zero_init()
    show.message(explain.ZERO_INIT_INTRO)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={name: st.column_config.NumberColumn(format="%.4g") for name in table.columns[1:]})
    show.message(explain.zero_init_outcome(table))


def render(ctx) -> None:
    worked_example_part(ctx.plan.view)
    notes_mistakes_part()
    training_part(ctx.network.activation, ctx.plan.view)
    zero_init_part()
