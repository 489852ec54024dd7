"""Charts of one simulation: per-layer histograms as small multiples, and per-layer statistics."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..stats import shown_layers
from .common import DENSE_MARK, LINE_HEIGHT, PANEL_HEIGHT, PANEL_WIDTH, SIDE_BY_SIDE_WIDTH, layer_x, positive, y_scale


def histogram_grid(
    histograms: pd.DataFrame,
    *,
    title: str,
    x_title: str,
    depth: int,
    most: int = 10,
    columns: int = 5,
    color: str = "#4c78a8",
) -> alt.Chart:
    """Small multiples of pre-binned histograms, one panel per layer, shared axes.

    The lecture's picture: the same x range for every layer, so that a layer
    whose values collapse to 0 or pile up at the bounds shows it at a glance.
    """
    layers = shown_layers(depth, most)
    data = histograms[histograms["layer"].isin(layers)].copy()
    data["share"] = data["fraction"]
    base = alt.Chart(data).mark_bar(color=color, binSpacing=0, **DENSE_MARK).encode(
        x=alt.X("bin_start:Q", title=x_title, bin="binned", axis=alt.Axis(format="~g", tickCount=5)),
        x2=alt.X2("bin_end:Q"),
        y=alt.Y("share:Q", title="share of values", axis=alt.Axis(format="%")),
        tooltip=[
            alt.Tooltip("layer:O", title="layer"),
            alt.Tooltip("bin_start:Q", title="from", format=".3~g"),
            alt.Tooltip("bin_end:Q", title="to", format=".3~g"),
            alt.Tooltip("share:Q", title="share", format=".2%"),
            alt.Tooltip("count:Q", title="count"),
        ],
    ).properties(width=PANEL_WIDTH, height=PANEL_HEIGHT)
    subtitle = "Values beyond the axis are counted in the edge bins."
    if len(layers) < depth:
        subtitle = f"{len(layers)} of {depth} layers shown. " + subtitle
    return base.facet(
        facet=alt.Facet("layer:O", title="layer", header=alt.Header(labelFontSize=13, titleFontSize=13)),
        columns=columns,
    ).properties(title=alt.TitleParams(title, subtitle=subtitle, anchor="start"))


def layer_stats_chart(layers: pd.DataFrame, *, title: str = "Activations per layer") -> alt.LayerChart:
    """Mean and standard deviation of the activations per layer.

    The std uses a log axis once it spans more than two decades: a vanishing
    or exploding signal is then a straight line.
    """
    frame = layers[layers["status"] == "ok"]
    std_chart = (
        alt.Chart(positive(frame, "std"), title=alt.TitleParams(f"{title}: standard deviation", anchor="start"))
        .mark_line(point=True, color="#4c78a8")
        .encode(
            x=layer_x(),
            y=alt.Y("std:Q", title="std of activations", scale=y_scale(frame["std"]), axis=alt.Axis(format="~g")),
            tooltip=[
                alt.Tooltip("layer:Q", title="layer"),
                alt.Tooltip("std:Q", title="std", format=".3~g"),
                alt.Tooltip("mean:Q", title="mean", format=".3~g"),
            ],
        )
        .properties(width=SIDE_BY_SIDE_WIDTH, height=LINE_HEIGHT)
    )
    mean_chart = (
        alt.Chart(frame, title=alt.TitleParams(f"{title}: mean", anchor="start"))
        .mark_line(point=True, color="#f58518")
        .encode(
            x=layer_x(),
            y=alt.Y("mean:Q", title="mean of activations", axis=alt.Axis(format="~g")),
            tooltip=[alt.Tooltip("layer:Q", title="layer"), alt.Tooltip("mean:Q", title="mean", format=".3~g")],
        )
        .properties(width=SIDE_BY_SIDE_WIDTH, height=LINE_HEIGHT)
    )
    return alt.hconcat(std_chart, mean_chart).resolve_scale(y="independent")
