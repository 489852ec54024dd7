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
# Losses are drawn down to this value: below it a log axis would spend decades on rounding noise.
LOSS_FLOOR = 1e-8
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

    ``history`` has columns label, step and loss (finite values only).
    ``diverged`` maps a label to the step at which its network diverged:
    its curve ends there with a cross.
    """
    diverged = diverged or {}
    frames = []
    for label in labels:
        curve = history[history["label"] == label]
        if curve.empty:
            continue
        chosen = curve.iloc[curve_steps(len(curve) - 1)]
        frames.append(
            pd.DataFrame(
                {
                    "label": label,
                    "s": chosen["step"].to_numpy(),
                    "l": np.maximum(chosen["loss"].to_numpy(dtype=float), LOSS_FLOOR),
                }
            )
        )
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"label": [], "s": [], "l": []})
    log_axis = spans_decades(np.append(data["l"].to_numpy(), CHANCE_LOSS))
    scale = alt.Scale(type="log") if log_axis else alt.Scale(zero=True)
    subtitle = [f"Dashed: ln 2 ≈ {CHANCE_LOSS:.3f}, the loss of a network that answers ½ for every point."]
    if log_axis:
        subtitle.append(f"Log axis; losses below {LOSS_FLOOR:g} are drawn at {LOSS_FLOOR:g}.")
    if diverged:
        subtitle.append("×: the network diverged (its loss stopped being a finite number) at that step.")
    lines = unpack(alt.Chart(packed(data, ["label"], {"s": "d", "l": ".3g"})), ["s", "l"], ["label"]).mark_line().encode(
        x=alt.X("s:Q", title="step"),
        y=alt.Y("l:Q", title="loss (cross-entropy)", scale=scale, axis=alt.Axis(format="~g")),
        color=init_color(labels),
        tooltip=[
            alt.Tooltip("label:N", title="initializer"),
            alt.Tooltip("s:Q", title="step"),
            alt.Tooltip("l:Q", title="loss", format=".3~g"),
        ],
    )
    chance = (
        alt.Chart(pd.DataFrame({"chance": [round(CHANCE_LOSS, 4)]}))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(y="chance:Q", tooltip=[alt.Tooltip("chance:Q", title="ln 2", format=".4f")])
    )
    layers = [lines, chance]
    ends = data.groupby("label", sort=False).tail(1)
    ends = ends[ends["label"].isin(list(diverged))].assign(at=lambda f: f["label"].map(diverged))
    if not ends.empty:
        layers.append(
            alt.Chart(ends)
            .mark_point(shape="cross", size=120, filled=True)
            .encode(
                x="s:Q",
                y="l:Q",
                color=init_color(labels),
                tooltip=[alt.Tooltip("label:N", title="initializer"), alt.Tooltip("at:Q", title="diverged at step")],
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
) -> alt.ConcatChart:
    """One panel per initializer: the predicted P(class 1) on a grid, with the training points on top.

    ``boundary`` maps a key to a (grid, grid) array of probabilities (rows
    x2 from low to high, columns x1), ``labels`` a key to its label,
    ``extent`` is [x1_low, x1_high, x2_low, x2_high] of the grid's cell
    centres. A diverged network has no prediction: its panel shows the
    points and says at which step it diverged.
    """
    diverged = diverged or {}
    x_low, x_high, y_low, y_high = (float(v) for v in extent)
    grid = next(iter(boundary.values())).shape[0] if boundary else 2
    dx, dy = (x_high - x_low) / (grid - 1), (y_high - y_low) / (grid - 1)
    drawn = [key for key in boundary if key not in diverged and np.isfinite(boundary[key]).all()]
    heat = packed(
        pd.DataFrame(
            {
                "label": np.repeat([labels[key] for key in drawn], grid * grid),
                "p": np.concatenate([boundary[key].ravel() for key in drawn]) if drawn else [],
            }
        ),
        ["label"],
        {"p": ".2f"},
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
    # The points, packed by class: two rows instead of hundreds.
    by_class = packed(points.rename(columns={"label": "class"}), ["class"], {"x1": ".2f", "x2": ".2f"})
    dots = (
        unpack(alt.Chart(by_class), ["x1", "x2"], ["class"])
        .mark_circle(size=14, opacity=0.9, stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("x1:Q", title="x₁", scale=x_scale),
            y=alt.Y("x2:Q", title="x₂", scale=y_scale),
            color=alt.when("datum['class'] == 1").then(alt.value(CLASS_COLORS[1])).otherwise(alt.value(CLASS_COLORS[0])),
            tooltip=[
                alt.Tooltip("x1:Q", title="x₁"),
                alt.Tooltip("x2:Q", title="x₂"),
                alt.Tooltip("class:N", title="class"),
            ],
        )
    )
    panels = []
    for key in boundary:
        label = labels[key]
        if key in drawn:
            one = alt.Chart(heat).transform_filter(alt.FieldEqualPredicate(field="label", equal=label))
            cells = (
                unpack(one, ["p"], ["label"])
                .transform_calculate(**cell_edges)
                .mark_rect(opacity=0.75)
                .encode(
                    x=alt.X("x:Q", title="x₁", scale=x_scale),
                    x2="x2:Q",
                    y=alt.Y("y:Q", title="x₂", scale=y_scale),
                    y2="y2:Q",
                    color=alt.Color(
                        "p:Q", title="P(class 1)", scale=alt.Scale(domain=[0, 1], scheme=SCHEME)
                    ),
                    tooltip=[alt.Tooltip("p:Q", title="P(class 1)")],
                )
            )
            panel = alt.layer(cells, dots)
            title = alt.TitleParams(label, anchor="start", fontSize=12)
        else:
            panel = dots
            title = alt.TitleParams(
                label, subtitle=f"diverged at step {diverged.get(key, '?')}: no prediction", anchor="start",
                fontSize=12, subtitleColor="#c0392b",
            )
        panels.append(panel.properties(title=title, width=BOUNDARY_PANEL, height=BOUNDARY_PANEL))
    return (
        alt.concat(*panels, columns=columns)
        .resolve_scale(color="shared")
        .properties(
            title=alt.TitleParams(
                "Decision boundaries after training",
                subtitle="Color: the network's P(class 1) on a grid; dots: the training points, colored by class.",
                anchor="start",
            )
        )
    )
