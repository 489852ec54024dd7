"""Charts of the backward pass: gradient spread per layer, and saturated or dead units per bias."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .common import LINE_HEIGHT, drawable_on_log, layer_x, log_lines

# dL/ds and dL/dW keep their colours in every chart of the section.
QUANTITY_COLORS = {"dL/ds (per example)": "#e45756", "dL/dW": "#4c78a8"}
SOURCE_DASHES = {"measured": [1, 0], "mean-field theory": [6, 4]}
BIAS_COLORS = ["#4c78a8", "#e45756", "#54a24b"]
BIAS_DASHES = [[1, 0], [6, 4], [2, 2]]


def gradient_std_chart(frame: pd.DataFrame, *, title: str = "Gradients per layer") -> alt.Chart:
    """Standard deviation of dL/ds and dL/dW per layer, measured and predicted, on a log axis.

    ``frame`` is long: layer, quantity (a key of ``QUANTITY_COLORS``), source
    (a key of ``SOURCE_DASHES``) and std. A log axis makes a gradient that
    shrinks by the same factor at every layer a straight line, so vanishing
    and exploding read as slopes. Zeros and non-finite values cannot be drawn
    there and are left out.
    """
    data, subtitle = drawable_on_log(
        frame, "std", "Log axis. Solid: measured; dashed: the mean-field prediction. Layer 1 is next to the input."
    )
    tooltip = [alt.Tooltip("layer:Q", title="layer"), alt.Tooltip("quantity:N", title="gradient"),
               alt.Tooltip("source:N", title="source"), alt.Tooltip("std:Q", title="std", format=".3~g")]
    return log_lines(
        data, y="std", y_title="standard deviation", tooltip=tooltip,
        title=alt.TitleParams(title, subtitle=subtitle, anchor="start"),
        color=alt.Color("quantity:N", title="gradient",
                        scale=alt.Scale(domain=list(QUANTITY_COLORS), range=list(QUANTITY_COLORS.values()))),
        strokeDash=alt.StrokeDash("source:N", title="source",
                                  scale=alt.Scale(domain=list(SOURCE_DASHES), range=list(SOURCE_DASHES.values()))),
        detail=alt.Detail("source:N"),
    )


def unit_share_chart(frame: pd.DataFrame, *, title: str, y_title: str) -> alt.Chart:
    """Share of saturated (or dead) values per layer, one line per bias constant.

    ``frame``: layer, bias (a label such as "b = 0.01") and share in [0, 1].
    """
    return (
        alt.Chart(frame, title=alt.TitleParams(title, anchor="start"))
        .mark_line(point=True)
        .encode(
            x=layer_x(),
            y=alt.Y("share:Q", title=y_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            # Distinct colours and dashes: where the bias changes nothing the lines coincide.
            color=alt.Color("bias:N", title="bias", scale=alt.Scale(range=BIAS_COLORS)),
            strokeDash=alt.StrokeDash("bias:N", title="bias", scale=alt.Scale(range=BIAS_DASHES)),
            tooltip=[
                alt.Tooltip("layer:Q", title="layer"),
                alt.Tooltip("bias:N", title="bias"),
                alt.Tooltip("share:Q", title="share", format=".2%"),
            ],
        )
        .properties(height=LINE_HEIGHT)
    )
