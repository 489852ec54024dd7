"""The gradients section: dL/ds and dL/dW per layer, the bias constant, the variance argument, the remedies."""

from __future__ import annotations

import streamlit as st

from playground import theory
from playground.charts import gradients as gradient_charts
from playground.charts import layers as layer_charts
from playground.charts import theory as theory_charts
from playground.explain import gradients as explain

from .. import compute, show

THEORY_FORMULAS = (
    r"\text{notes (linear units): }\ \operatorname{Var}(s_k) = [n\operatorname{Var}(w)]^k \operatorname{Var}(x)"
    r"\qquad\text{(He: }\times\tfrac12\text{ per layer for ReLU)}",
    r"\text{mean field: }\ q_1 = n\operatorname{Var}(w)\,\mathbb{E}[x^2],\quad "
    r"q_l = n\operatorname{Var}(w)\;\mathbb{E}_z\!\left[\phi\!\left(b + \sqrt{q_{l-1}}\,z\right)^2\right],"
    r"\quad z \sim \mathcal{N}(0, 1)",
    r"\text{backward: }\ \operatorname{Var}\!\left(\frac{\partial L}{\partial s_{l-1}}\right) = "
    r"n\operatorname{Var}(w)\;\mathbb{E}\!\left[\phi'(s_{l-1})^2\right]\operatorname{Var}\!\left("
    r"\frac{\partial L}{\partial s_l}\right)",
)


def backward_part(network, result, table) -> None:
    st.subheader("The backward pass: gradients per layer")
    show.message(explain.overflow(result))
    for column, (label, value, help_text) in zip(st.columns(4), explain.headline_metrics(result)):
        column.metric(label, value, help=help_text)
    show.message(explain.headline(network, result, table))
    frame = theory.gradient_frame(result.layers, table if not isinstance(table, str) else None)
    if frame.empty:
        show.message(explain.NO_FINITE_GRADIENT)
    else:
        show.chart(lambda: gradient_charts.gradient_std_chart(frame), key=("gradient std", network))
    if not result.gradient_histograms.empty:
        show.chart(lambda: layer_charts.histogram_grid(result.gradient_histograms, title="dL/dW per layer",
                                                       x_title="dL/dW", depth=network.depth, color="#4c78a8"),
                   key=("gradient histograms", network), width="content")
        show.message(explain.HISTOGRAM_CAPTION)


def bias_part(network, runs) -> None:
    show.message(explain.bias_heading(runs))
    if explain.stopped_column(network.activation) is None:
        show.message(explain.never_stops(network))
    else:
        title, y_title = explain.unit_share_titles(network)
        show.chart(lambda: gradient_charts.unit_share_chart(explain.unit_share_frame(network, runs), title=title,
                                                            y_title=y_title),
                   key=("unit shares", network))
    st.dataframe(explain.unit_share_table(network, runs), hide_index=True, width="stretch")
    show.message(explain.bias_effect(network, runs))
    show.message(explain.comparison_samples(network, runs))


def theory_part(network, result, table) -> None:
    st.subheader("The variance argument against the measurement")
    for formula in THEORY_FORMULAS:
        st.latex(formula)
    show.message(explain.THEORY_CAPTION)
    if isinstance(table, str):
        show.message(explain.no_prediction(table))
        return
    zero = explain.zero_gain(network, result)
    if zero:
        show.message(zero)
        return
    variances, ratios = theory.variance_frames(result.layers, table)
    left, right = st.columns([3, 2])
    with left:
        show.chart(lambda: theory_charts.variance_chart(variances), key=("variances", network))
    with right:
        show.chart(lambda: theory_charts.ratio_chart(ratios), key=("variance ratios", network))
    show.messages([explain.notes_verdict(result, table), explain.theory_verdict(result, table)])
    if network.batch_norm:
        show.message(explain.BATCH_NORM_THEORY)


def remedies_part(network, runs) -> None:
    st.subheader("Remedies: input normalization and batch norm")
    st.dataframe(explain.remedies_table(network, runs), hide_index=True, width="stretch")
    show.messages([explain.input_normalization(network, runs), explain.batch_norm_remedy(network, runs)])


def render(ctx) -> None:
    # The section's own network is the simulated one (its samples fitted to the budget).
    network, result = ctx.plan.simulated, ctx.result
    table = compute.predicted_layers(network)
    backward_part(network, result, table)
    runs = {label: compute.run_simulation(net) for label, net in ctx.plan.variants}
    if runs:
        bias_part(network, runs)
    else:
        show.message(explain.comparisons_skipped(network))
    theory_part(network, result, table)
    if runs:
        remedies_part(network, runs)
