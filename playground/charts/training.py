"""Charts of the training run: overlaid loss curves and one decision-boundary heatmap per initializer."""

from __future__ import annotations

import math
from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd

from .common import spans_decades
from .compare import LINES_HEIGHT, init_color, packed, unpack

# Loss curves are drawn through at most this many steps per initializer.
CURVE_POINTS = 100
# Losses are drawn within these: below, a log axis would spend decades on rounding noise;
# above, an exploding start (1e5 and more) would flatten every other curve.
LOSS_FLOOR = 1e-8
LOSS_CEILING = 1e4
# ln 2: the cross-entropy of answering 1/2 for every point, a network that has learned nothing.
CHANCE_LOSS = math.log(2.0)
BOUNDARY_PANEL = 150
BOUNDARY_COLUMNS = 4
# Class 0 and class 1, as the ends of the heatmap's color scheme.
CLASS_COLORS = ("#4c78a8", "#f58518")
SCHEME = "blueorange"


def curve_steps(last: int, most: int = CURVE_POINTS) -> np.ndarray:
    """At most ``most`` steps from 0 to ``last``, evenly spaced, both ends included."""
    return np.unique(np.round(np.linspace(0, last, min(most, last + 1))).astype(int))


def loss_curves(history: pd.DataFrame, labels: Sequence[str], diverged: dict[str, int] | None = None) -> alt.LayerChart:
    """The training loss of every network against the step, overlaid, with ln 2 marked.

    ``history`` has columns label, step and loss (finite values only), all
    steps; each curve is drawn through at most CURVE_POINTS of them.
    ``diverged`` maps a label to the step at which its network diverged:
    its curve ends there with a cross. Losses are drawn within
    [LOSS_FLOOR, LOSS_CEILING]; tooltips give the true value.
    """
    diverged = diverged or {}
    frames = []
    for label in labels:
        curve = history[history["label"] == label]
        if not curve.empty:
            chosen = curve.iloc[curve_steps(len(curve) - 1)]
            steps, losses = chosen["step"].to_numpy(), chosen["loss"].to_numpy()
            frames.append(pd.DataFrame({"label": label, "s": steps, "l": losses}))
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"label": [], "s": [], "l": []})
    loss = data["l"].to_numpy(dtype=float)
    drawn = np.clip(loss, LOSS_FLOOR, LOSS_CEILING)
    log_axis = spans_decades(np.append(drawn, CHANCE_LOSS))
    subtitle = [f"Dashed: ln 2 ≈ {CHANCE_LOSS:.3f}, the loss of a network that answers ½ for every point."]
    if log_axis:
        subtitle.append("Log axis.")
    if (loss < LOSS_FLOOR).any() or (loss > LOSS_CEILING).any():
        subtitle[-1] += (
            f" Losses are drawn between {LOSS_FLOOR:g} and {LOSS_CEILING:g}; the tooltip gives the true value."
        )
    if diverged:
        subtitle.append("×: the network diverged there (its loss or gradients stopped being finite numbers).")
    y = alt.Y(
        "y:Q",
        title="loss (cross-entropy)",
        scale=alt.Scale(type="log") if log_axis else alt.Scale(zero=True),
        axis=alt.Axis(format="~g"),
    )
    lines = (
        unpack(alt.Chart(packed(data, ["label"], {"s": "d", "l": ".3g"})), ["s", "l"], ["label"])
        .transform_calculate(y=f"clamp(datum.l, {LOSS_FLOOR}, {LOSS_CEILING})")
        .mark_line()
        .encode(
            x=alt.X("s:Q", title="step"),
            y=y,
            color=init_color(labels),
            tooltip=[
                alt.Tooltip("label:N", title="initializer"),
                alt.Tooltip("s:Q", title="step"),
                alt.Tooltip("l:Q", title="loss", format=".3~g"),
            ],
        )
    )
    chance = (
        alt.Chart(pd.DataFrame({"y": [round(CHANCE_LOSS, 4)]}))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(y=y, tooltip=[alt.Tooltip("y:Q", title="ln 2", format=".4f")])
    )
    layers = [lines, chance]
    ends = data.assign(y=drawn).groupby("label", sort=False).tail(1)
    ends = ends[ends["label"].isin(list(diverged))].assign(at=lambda f: f["label"].map(diverged))
    if not ends.empty:
        layers.append(
            alt.Chart(ends)
            .mark_point(shape="cross", size=120, filled=True)
            .encode(
                x="s:Q",
                y=y,
                color=init_color(labels),
                tooltip=[
                    alt.Tooltip("label:N", title="initializer"),
                    alt.Tooltip("at:Q", title="diverged at step"),
                    alt.Tooltip("l:Q", title="last finite loss", format=".3~g"),
                ],
            )
        )
    return alt.layer(*layers).properties(
        title=alt.TitleParams("Training loss, one curve per initializer", subtitle=subtitle, anchor="start"),
        height=LINES_HEIGHT,
    )


def decision_boundaries(
    boundary: dict[str, np.ndarray],
    labels: dict[str, str],
    points: pd.DataFrame,
    extent: Sequence[float],
    diverged: dict[str, int] | None = None,
    columns: int = BOUNDARY_COLUMNS,
) -> alt.FacetChart:
    """One panel per initializer: the predicted P(class 1) on a grid, with the training points on top.

    ``boundary`` maps a key to a (grid, grid) array of probabilities (rows
    x2 from low to high, columns x1), ``labels`` a key to its label,
    ``extent`` is [x1_low, x1_high, x2_low, x2_high] of the grid's cell
    centres. A diverged network has no prediction: its panel shows the
    points and says at which step it diverged.

    One faceted chart rather than a panel each keeps the spec small: the
    grids travel as one packed row per panel, and the points once, joined
    to every panel by a lookup.
    """
    diverged = diverged or {}
    x_low, x_high, y_low, y_high = (float(v) for v in extent)
    grid = next(iter(boundary.values())).shape[0] if boundary else 2
    dx, dy = (x_high - x_low) / (grid - 1), (y_high - y_low) / (grid - 1)
    panels, cells = [], []
    for key, probability in boundary.items():
        drawn = key not in diverged and np.isfinite(probability).all()
        panel = labels[key] if key not in diverged else f"{labels[key]}: diverged at step {diverged[key]}"
        panels.append(panel)
        cells.append(pd.DataFrame({"panel": panel, "one": 1, "p": probability.ravel() if drawn else [np.nan]}))
    heat = packed(pd.concat(cells, ignore_index=True), ["panel", "one"], {"p": ".2f"})
    heat.loc[heat["p"] == "nan", "p"] = ""
    # All points in one row, joined to each panel's row by the constant "one".
    dots_row = packed(
        points.assign(one=1).rename(columns={"label": "c"}), ["one"], {"x1": ".2f", "x2": ".2f", "c": "d"}
    )
    # Cell i of the grid: column i % grid, row floor(i / grid), centred on its grid point.
    cell_edges = dict(
        x=f"{x_low:.5g} + (datum.i % {grid} - 0.5) * {dx:.5g}",
        x2=f"{x_low:.5g} + (datum.i % {grid} + 0.5) * {dx:.5g}",
        y=f"{y_low:.5g} + (floor(datum.i / {grid}) - 0.5) * {dy:.5g}",
        y2=f"{y_low:.5g} + (floor(datum.i / {grid}) + 0.5) * {dy:.5g}",
    )
    x_scale = alt.Scale(domain=[round(x_low - dx / 2, 3), round(x_high + dx / 2, 3)], nice=False)
    y_scale = alt.Scale(domain=[round(y_low - dy / 2, 3), round(y_high + dy / 2, 3)], nice=False)
    base = alt.Chart(heat)
    grid_cells = (
        unpack(base.transform_filter("datum.p != ''"), ["p"], ["panel"])
        .transform_calculate(**cell_edges)
        .mark_rect(opacity=0.75)
        .encode(
            x=alt.X("x:Q", title="x₁", scale=x_scale),
            x2="x2:Q",
            y=alt.Y("y:Q", title="x₂", scale=y_scale),
            y2="y2:Q",
            color=alt.Color("p:Q", title="P(class 1)", scale=alt.Scale(domain=[0, 1], scheme=SCHEME)),
            tooltip=[alt.Tooltip("p:Q", title="P(class 1)")],
        )
    )
    dots = (
        unpack(base, ["x1", "x2", "c"], ["panel"], index=None)
        .mark_circle(size=14, opacity=0.9, stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("x1:Q", title="x₁", scale=x_scale),
            y=alt.Y("x2:Q", title="x₂", scale=y_scale),
            color=alt.when("datum.c == 1").then(alt.value(CLASS_COLORS[1])).otherwise(alt.value(CLASS_COLORS[0])),
            tooltip=[
                alt.Tooltip("x1:Q", title="x₁"),
                alt.Tooltip("x2:Q", title="x₂"),
                alt.Tooltip("c:N", title="class"),
            ],
        )
    )
    return (
        alt.layer(grid_cells, dots)
        .properties(width=BOUNDARY_PANEL, height=BOUNDARY_PANEL)
        .facet(
            facet=alt.Facet("panel:N", title=None, sort=panels, header=alt.Header(labelFontSize=12, labelLimit=0)),
            columns=columns,
        )
        # Before faceting: Vega-Lite cannot compile a lookup inside a faceted layer.
        .transform_lookup(lookup="one", from_=alt.LookupData(dots_row, key="one", fields=["x1", "x2", "c"]))
        .properties(
            title=alt.TitleParams(
                "Decision boundaries after training",
                subtitle="Color: the network's P(class 1) on a grid; dots: the training points, colored by class. "
                "A network that diverged has no prediction.",
                anchor="start",
            )
        )
    )
