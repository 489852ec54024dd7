"""Charts of several initializers side by side: per-layer lines, a histogram grid, and a packing helper.

Frames with many rows of repeated labels are sent "packed": one row per
group holding its values as one comma-separated string, unpacked in the
browser by Vega-Lite's split, flatten and window transforms. A histogram of
20 bins then costs about 100 bytes instead of 1 kB.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from ..stats import shown_layers
from .common import DENSE_MARK, log_lines, positive

# One color per compared initializer, in the order they are compared (up to 10).
SCHEME = "tableau10"
GRID_PANEL_WIDTH = 90
GRID_PANEL_HEIGHT = 55
# Streamlit fits a stretched chart's whole height (titles, axes, legend) into this.
LINES_HEIGHT = 360


def init_color(labels: Sequence[str], *, legend: bool = True) -> alt.Color:
    """The color encoding shared by every chart of the section: one fixed color per initializer."""
    return alt.Color(
        "label:N",
        title="initializer",
        sort=list(labels),
        scale=alt.Scale(domain=list(labels), scheme=SCHEME),
        legend=alt.Legend() if legend else None,
    )


def _text(value: float, spec: str) -> str:
    """``value`` formatted by ``spec`` with trailing zeros dropped: "0.5" not "0.50"."""
    text = format(int(round(value)) if spec == "d" else value, spec)
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return text


def packed(frame: pd.DataFrame, by: Sequence[str], arrays: dict[str, str]) -> pd.DataFrame:
    """One row per group of ``by``; each column of ``arrays`` as one comma-separated string.

    ``arrays`` maps a column to its number format (".2f", ".3g", "d").
    Strings rather than lists because Streamlit ships chart data as Arrow
    tables, where a string column travels as is. The inverse in Vega-Lite
    is ``unpack``.
    """
    rows = []
    for values, group in frame.groupby(list(by), sort=False, observed=True):
        row = dict(zip(by, values if isinstance(values, tuple) else (values,)))
        for column, spec in arrays.items():
            row[column] = ",".join(_text(v, spec) for v in group[column].to_numpy(dtype=float))
        rows.append(row)
    return pd.DataFrame(rows, columns=[*by, *arrays])


def unpack(chart: alt.Chart, arrays: Sequence[str], by: Sequence[str], index: str | None = "i") -> alt.Chart:
    """Split the packed ``arrays`` back into one row per value, numbered 0, 1, ... in ``index`` per group.

    ``index=None`` leaves the rows unnumbered.
    """
    split = {column: f"split(datum.{column}, ',')" for column in arrays}
    numbers = {column: f"toNumber(datum.{column})" for column in arrays}
    chart = chart.transform_calculate(**split).transform_flatten(list(arrays)).transform_calculate(**numbers)
    if index is None:
        return chart
    # Flatten keeps the order of the array; row_number counts from 1.
    return chart.transform_window(**{index: "row_number()"}, groupby=list(by)).transform_calculate(
        **{index: f"datum.{index} - 1"}
    )


def _not_drawn(layers: pd.DataFrame, column: str, labels: Sequence[str]) -> list[str]:
    """Initializers without a single positive finite value of ``column``: a log axis cannot show them."""
    drawable = set(positive(layers, column)["label"])
    return [label for label in labels if label not in drawable]


def per_layer_lines(
    layers: pd.DataFrame, labels: Sequence[str], *, column: str, title: str, y_title: str, why_missing: str
) -> alt.Chart:
    """One line per initializer of ``column`` against the layer, on a log axis.

    Zero or non-finite values cannot sit on a log axis: they are left out,
    and the subtitle names every initializer that has nothing to draw.
    """
    data = positive(layers[layers["status"] == "ok"], column)[["label", "layer", column]]
    missing = _not_drawn(data, column, labels)
    subtitle = "Log axis: a straight line is a signal multiplied by the same factor at every layer."
    if missing:
        subtitle = [subtitle, f"Not drawn ({why_missing}): {', '.join(missing)}."]
    tooltip = [alt.Tooltip("label:N", title="initializer"), alt.Tooltip("layer:Q", title="layer"),
               alt.Tooltip(f"{column}:Q", title=y_title, format=".3~g")]
    return log_lines(data, y=column, y_title=y_title, tooltip=tooltip, height=LINES_HEIGHT,
                     title=alt.TitleParams(title, subtitle=subtitle, anchor="start"), color=init_color(labels))


# What each per-layer chart of the comparison draws: column -> (title, y axis, why an initializer is missing).
PER_LAYER = {
    "std": ("Standard deviation of the activations per layer", "std of activations",
            "std 0 at every layer, or overflow"),
    "grad_std": ("Standard deviation of the weight gradients dL/dW per layer", "std of dL/dW",
                 "every gradient exactly 0, or overflow"),
}


def activation_std_chart(layers: pd.DataFrame, labels: Sequence[str]) -> alt.Chart:
    """Per-layer std of the activations, one line per initializer (notes 004's plots, overlaid)."""
    title, y_title, why = PER_LAYER["std"]
    return per_layer_lines(layers, labels, column="std", title=title, y_title=y_title, why_missing=why)


def gradient_std_chart(layers: pd.DataFrame, labels: Sequence[str]) -> alt.Chart:
    """Per-layer std of dL/dW, one line per initializer."""
    title, y_title, why = PER_LAYER["grad_std"]
    return per_layer_lines(layers, labels, column="grad_std", title=title, y_title=y_title, why_missing=why)


def histogram_grid(histograms: pd.DataFrame, labels: Sequence[str], depth: int, most: int = 6) -> alt.FacetChart:
    """Activation histograms: one row per initializer, one column per layer (at most ``most`` layers).

    Within a row the layers share their bins (the simulation bins every
    layer over the same range), so each panel has its own x axis only
    because rows differ: ReLU values under He weights and under std 1
    differ by orders of magnitude.
    """
    layers = shown_layers(depth, most)
    data = histograms[histograms["layer"].isin(layers)].copy()
    data["order"] = data["label"].map({label: i for i, label in enumerate(labels)})
    data = data.sort_values(["order", "layer", "bin_start"])
    data["lo"] = data["bin_start"]
    data["w"] = data["bin_end"] - data["bin_start"]
    # One row per panel: its first bin's start, the bin width and the shares.
    heads = data.groupby(["label", "layer"], sort=False, observed=True).agg(lo=("lo", "first"), w=("w", "first"))
    shares = packed(data.rename(columns={"fraction": "f"}), ["label", "layer"], {"f": ".4f"})
    panels = shares.merge(heads.reset_index(), on=["label", "layer"])
    subtitle = (
        "x: activation value, y: share of the values in each bin (axes differ between panels); "
        "values beyond the axis are counted in the edge bins."
    )
    if len(layers) < depth:
        subtitle = f"{len(layers)} of {depth} layers shown. " + subtitle
    base = unpack(alt.Chart(panels), ["f"], ["label", "layer"]).transform_calculate(
        bin_start="datum.lo + datum.i * datum.w", bin_end="datum.lo + (datum.i + 1) * datum.w"
    )
    chart = base.mark_bar(binSpacing=0, **DENSE_MARK).encode(
        x=alt.X("bin_start:Q", title=None, bin="binned", axis=alt.Axis(format="~g", tickCount=3, labelFlush=True)),
        x2=alt.X2("bin_end:Q"),
        y=alt.Y("f:Q", title=None, axis=alt.Axis(format="%", tickCount=3)),
        color=init_color(labels, legend=False),
        tooltip=[
            alt.Tooltip("label:N", title="initializer"),
            alt.Tooltip("layer:O", title="layer"),
            alt.Tooltip("bin_start:Q", title="from", format=".3~g"),
            alt.Tooltip("bin_end:Q", title="to", format=".3~g"),
            alt.Tooltip("f:Q", title="share", format=".2%"),
        ],
    ).properties(width=GRID_PANEL_WIDTH, height=GRID_PANEL_HEIGHT)
    return (
        chart.facet(
            row=alt.Row("label:N", title=None, sort=list(labels), header=alt.Header(labelAngle=0, labelAlign="left")),
            column=alt.Column("layer:O", title="layer"),
        )
        .resolve_scale(x="independent", y="independent")
        .properties(title=alt.TitleParams("Activations per layer, by initializer", subtitle=subtitle, anchor="start"))
    )
