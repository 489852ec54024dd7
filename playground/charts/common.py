"""Helpers shared by the chart builders."""

from __future__ import annotations

import json
import math

import altair as alt
import numpy as np
import pandas as pd

# Wide enough for a projector, small enough for a laptop.
PANEL_WIDTH = 150
PANEL_HEIGHT = 120
LINE_HEIGHT = 260
# Each panel of two side by side (hconcat): the pair and a legend fit the page's main area at 1400 px.
SIDE_BY_SIDE_WIDTH = 340
# Marks drawn by the thousand (cells, bins): no ARIA description per item. Vega-Lite writes one for every
# mark, an expression formatting each field, and Streamlit's Vega evaluates expressions with its interpreter
# (no eval). With the phase diagram alone on the page, its long tasks fell from about 400 to 280 ms without them
# and the validity filter (README, Speed); on a whole section the gain was within the noise.
DENSE_MARK = {"aria": False}


def short_numbers(values, digits: int = 3) -> list[str]:
    """Each value as the tooltips show it: ``digits`` significant digits, "∞" and "undefined" (nan) in words.

    As Vega's own ``.3~g`` format writes them: 1.23e3, and a minus sign (−), not a hyphen.
    """
    def one(v: float) -> str:
        if math.isnan(v):
            return "undefined"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        text = f"{v:.{digits}g}"
        mantissa, _, exponent = text.partition("e")
        text = f"{mantissa}e{int(exponent)}" if exponent else text
        return text.replace("-", "−")

    # Each distinct value once (by its bits: -0.0 is not 0.0): a grid's axes repeat theirs (60 values in the
    # phase diagram's 2400 cells).
    bits = np.ascontiguousarray(values, dtype=float).ravel().view(np.int64)
    distinct, where = np.unique(bits, return_inverse=True)
    texts = [one(v) for v in distinct.view(np.float64).tolist()]
    return [texts[i] for i in where.ravel().tolist()]


def text_tooltip(columns: dict[str, str]) -> alt.ExprRef:
    """A mark's tooltip of text columns ({title: column}), for marks drawn by the thousand.

    Vega-Lite's tooltip encoding formats every field of every item as it
    draws (a ``format`` call, or a test for each text field), and Streamlit's
    Vega interprets each call. Text made in pandas and read as it is costs a
    field lookup per field. With the phase diagram's 2400 cells, a cached
    switch to its section spent 93-121 ms in the interpreter before, 65 ms
    after (``benchmarks/bench_long_tasks.py --profile``; README, Speed).
    """
    fields = ", ".join(f"{json.dumps(title, ensure_ascii=False)}: datum[{json.dumps(column)}]"
                       for title, column in columns.items())
    return alt.ExprRef("{" + fields + "}")


def spans_decades(values: pd.Series | np.ndarray, decades: float = 2.0) -> bool:
    """Whether the positive finite values span more than ``decades`` powers of ten."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return v.size > 1 and math.log10(v.max() / v.min()) > decades


def y_scale(values, decades: float = 2.0) -> alt.Scale:
    """A log scale where the values span decades, a linear one from 0 otherwise."""
    if spans_decades(values, decades):
        return alt.Scale(type="log")
    return alt.Scale(zero=True)


def positive(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows whose ``column`` is positive and finite: what a log axis can show."""
    values = frame[column].astype(float)
    return frame[np.isfinite(values) & (values > 0)]


def layer_x() -> alt.X:
    """The x encoding every per-layer chart shares: whole layer numbers."""
    return alt.X("layer:Q", title="layer", axis=alt.Axis(tickMinStep=1, format="d"))


def drawable_on_log(frame: pd.DataFrame, column: str, subtitle: str) -> tuple[pd.DataFrame, str]:
    """The rows a log axis can draw, and the subtitle, saying so where some were left out."""
    data = positive(frame, column)
    if len(data) < len(frame):
        subtitle += " Zeros and non-finite values are not drawn."
    return data, subtitle


def log_lines(data: pd.DataFrame, *, y: str, y_title: str, tooltip: list, title: alt.TitleParams | None = None,
              height: int = LINE_HEIGHT, **encodings) -> alt.Chart:
    """A per-layer line chart (points on the lines) of ``y`` on a log axis, the layer on x.

    On a log axis a quantity multiplied by the same factor at every layer is
    a straight line, so vanishing and exploding read as slopes.
    """
    chart = alt.Chart(data, title=title) if title is not None else alt.Chart(data)
    return (
        chart.mark_line(point=True)
        .encode(
            x=layer_x(),
            y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(type="log"), axis=alt.Axis(format="~g")),
            tooltip=tooltip,
            **encodings,
        )
        .properties(height=height)
    )
