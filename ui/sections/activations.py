"""The activations section: the formula, n·Var(w), the verdict, per-layer histograms and statistics."""

from __future__ import annotations

import streamlit as st

from playground import activations, initializers, reproduce
from playground.charts import layers as layer_charts
from playground.diagnosis import diagnose
from playground.explain import activations as explain

from .. import show


def reproduce_part(network) -> None:
    """The experiment on screen as code to take home: numpy, and the initializer in PyTorch and Keras."""
    with st.expander("Reproduce this: the experiment in numpy, the initializer in PyTorch and Keras"):
        show.message(explain.REPRODUCE_INTRO)
        st.code(reproduce.numpy_script(network), language="python")
        for framework in reproduce.framework_code(network):
            show.message(explain.framework_heading(framework))
            st.code(framework.code, language="python")
            show.messages(explain.framework_notes(framework))


def render(ctx) -> None:
    network, result = ctx.network, ctx.result
    left, right = st.columns([3, 2])
    with left:
        st.latex(initializers.get(network.init).latex + r"\qquad" + activations.get(network.activation).latex)
        show.message(explain.notes_name(network))
    with right:
        st.metric(
            "n · Var(w)", explain.gain(network),
            help="The factor the variance argument of notes 003/004 multiplies Var(s) by at every layer: "
            "Var(s_k) = [n Var(w)]^k Var(x). 1 keeps it steady.",
        )
    show.message(explain.verdict(diagnose(result.layers), network.activation))
    if result.histograms.empty:
        show.message(explain.NOTHING_COMPUTED)
        return
    ran = ctx.plan.simulated
    show.chart(lambda: layer_charts.histogram_grid(result.histograms, title=explain.histogram_title(network),
                                                   x_title="activation value", depth=network.depth),
               key=("activation histograms", ran), width="content")
    show.chart(lambda: layer_charts.layer_stats_chart(result.layers), key=("layer statistics", ran), width="content")
    reproduce_part(ctx.plan.simulated)
    with st.expander("Per-layer numbers"):
        st.dataframe(result.layers, hide_index=True, width="stretch")
        st.download_button(
            "Download per-layer statistics (CSV)",
            data=result.layers.to_csv(index=False),
            file_name=f"layers_{network.activation}_{network.init}_{network.depth}x{network.width}.csv",
            mime="text/csv",
        )
