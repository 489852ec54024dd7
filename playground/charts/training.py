"""Charts of the training run: loss and accuracy on training and held-out points, gradients by layer and step,
the last hidden layer's activations, and one decision map per initializer for the 2-D sets.

Frames in, Altair charts out. The data travel packed (``compare.packed``):
one row per curve or per heat-map row, which keeps the page's specs small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from .common import DENSE_MARK, SIDE_BY_SIDE_WIDTH, spans_decades
from .compare import LINES_HEIGHT, init_color, packed, unpack

# Curves are drawn through at most this many steps per initializer (the trainer records at most 51).
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
# The gradient heat map: at most this many step columns and layer rows per initializer.
HEAT_STEPS = 25
HEAT_LAYERS = 25
HEAT_PANEL = (180, 140)
HEAT_COLUMNS = 4
# log10 of a layer's gradient over the output layer's: the colour scale's ends (clamped).
HEAT_DOMAIN = (-6.0, 2.0)
SPLIT_DASH = {"training": [1, 0], "held out": [5, 3]}


def curve_steps(last: int, most: int = CURVE_POINTS) -> np.ndarray:
    """At most ``most`` row positions from 0 to ``last``, evenly spaced, both ends included."""
    return np.unique(np.round(np.linspace(0, last, min(most, last + 1))).astype(int))


def _chance_words(chance: float) -> str:
    classes = round(math.exp(chance))
    return f"ln {classes} ≈ {chance:.3f}, the loss of answering 1/{classes} for every class"


def _curves(history: pd.DataFrame, labels: Sequence[str], columns: dict[str, str]) -> pd.DataFrame:
    """Long frame (label, split, s, v) of the history's ``columns`` (column -> split name), thinned per curve."""
    frames = []
    for label in labels:
        curve = history[history["label"] == label]
        if curve.empty:
            continue
        chosen = curve.iloc[curve_steps(len(curve) - 1)]
        for column, split in columns.items():
            frames.append(pd.DataFrame({"label": label, "split": split, "s": chosen["step"].to_numpy(),
                                        "v": chosen[column].to_numpy(dtype=float)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["label", "split", "s", "v"])


def _loss_axis(values: np.ndarray, chance: float) -> tuple[alt.Y, bool]:
    drawn = np.clip(values[np.isfinite(values)], LOSS_FLOOR, LOSS_CEILING)
    log_axis = spans_decades(np.append(drawn, chance))
    y = alt.Y("y:Q", title="loss (cross-entropy)", scale=alt.Scale(type="log") if log_axis else alt.Scale(zero=True),
              axis=alt.Axis(format="~g"))
    return y, log_axis


def _loss_subtitle(loss: np.ndarray, chance: float, log_axis: bool, diverged: dict) -> list[str]:
    subtitle = [f"Dashed grey: {_chance_words(chance)}."]
    if log_axis:
        subtitle.append("Log axis.")
    if (loss < LOSS_FLOOR).any() or (loss > LOSS_CEILING).any():
        subtitle.append(f"Drawn between {LOSS_FLOOR:g} and {LOSS_CEILING:g}; the tooltip gives the true loss.")
    if diverged:
        subtitle.append("×: diverged there (loss or gradients no longer finite).")
    return subtitle


def _loss_layers(data: pd.DataFrame, labels: Sequence[str], diverged: dict, chance: float, dashed: bool) -> list:
    loss = data["v"].to_numpy(dtype=float)
    y, _ = _loss_axis(loss, chance)
    encode = dict(
        x=alt.X("s:Q", title="step"),
        y=y,
        color=init_color(labels),
        tooltip=[
            alt.Tooltip("label:N", title="initializer"),
            alt.Tooltip("split:N", title="points"),
            alt.Tooltip("s:Q", title="step"),
            alt.Tooltip("v:Q", title="loss", format=".3~g"),
        ],
    )
    if dashed:
        encode["strokeDash"] = _split_dash()
    lines = (
        unpack(alt.Chart(packed(data, ["label", "split"], {"s": "d", "v": ".3g"})), ["s", "v"], ["label", "split"])
        .transform_calculate(y=f"clamp(datum.v, {LOSS_FLOOR}, {LOSS_CEILING})")
        .mark_line()
        .encode(**encode)
    )
    rule = (
        alt.Chart(pd.DataFrame({"y": [round(chance, 4)]}))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(y=y, tooltip=[alt.Tooltip("y:Q", title="chance", format=".4f")])
    )
    layers = [lines, rule]
    trained = data[data["split"] == data["split"].iloc[0]] if len(data) else data
    ends = trained.assign(y=np.clip(trained["v"], LOSS_FLOOR, LOSS_CEILING)).groupby("label", sort=False).tail(1)
    ends = ends[ends["label"].isin(list(diverged))].assign(at=lambda f: f["label"].map(diverged))
    if not ends.empty:
        layers.append(
            alt.Chart(ends).mark_point(shape="cross", size=120, filled=True).encode(
                x=alt.X("s:Q"), y=y, color=init_color(labels),
                tooltip=[
                    alt.Tooltip("label:N", title="initializer"),
                    alt.Tooltip("at:Q", title="diverged at step"),
                    alt.Tooltip("v:Q", title="last finite loss", format=".3~g"),
                ],
            )
        )
    return layers


def _split_dash() -> alt.StrokeDash:
    return alt.StrokeDash("split:N", title="points", scale=alt.Scale(domain=list(SPLIT_DASH),
                                                                       range=list(SPLIT_DASH.values())))


def loss_curves(
    history: pd.DataFrame, labels: Sequence[str], diverged: dict[str, int] | None = None, chance: float = CHANCE_LOSS
) -> alt.LayerChart:
    """The training loss of every network against the step, overlaid, with the loss of chance marked.

    ``history`` has columns label, step and loss (finite values only);
    each curve is drawn through at most CURVE_POINTS of its rows.
    ``diverged`` maps a label to the step at which its network diverged:
    its curve ends there with a cross. Losses are drawn within
    [LOSS_FLOOR, LOSS_CEILING]; tooltips give the true value.
    """
    diverged = diverged or {}
    data = _curves(history, labels, {"loss": "training"})
    loss = data["v"].to_numpy(dtype=float)
    _, log_axis = _loss_axis(loss, chance)
    return alt.layer(*_loss_layers(data, labels, diverged, chance, dashed=False)).properties(
        title=alt.TitleParams("Training loss, one curve per initializer",
                              subtitle=_loss_subtitle(loss, chance, log_axis, diverged), anchor="start"),
        height=LINES_HEIGHT,
    )


def training_curves(
    history: pd.DataFrame, labels: Sequence[str], diverged: dict[str, int] | None = None, chance: float = CHANCE_LOSS
) -> alt.HConcatChart:
    """Loss (left) and accuracy (right) on the training points (solid) and the held-out points (dashed).

    ``history`` is ``TrainingResult.history``; ``chance`` is its
    ``chance_loss`` (ln 2, ln 10).
    """
    diverged = diverged or {}
    losses = _curves(history, labels, {"loss": "training", "test_loss": "held out"})
    loss = losses["v"].to_numpy(dtype=float)
    _, log_axis = _loss_axis(loss, chance)
    left = alt.layer(*_loss_layers(losses, labels, diverged, chance, dashed=True)).properties(
        title=alt.TitleParams("Loss: training (solid) and held out (dashed)",
                              subtitle=_loss_subtitle(loss, chance, log_axis, diverged), anchor="start"),
        width=SIDE_BY_SIDE_WIDTH, height=LINES_HEIGHT - 60,
    )
    accuracy = _curves(history, labels, {"accuracy": "training", "test_accuracy": "held out"})
    classes = round(math.exp(chance))
    right = (
        unpack(alt.Chart(packed(accuracy, ["label", "split"], {"s": "d", "v": ".3f"})), ["s", "v"], ["label", "split"])
        .mark_line()
        .encode(
            x=alt.X("s:Q", title="step"),
            y=alt.Y("v:Q", title="accuracy", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=init_color(labels),
            strokeDash=_split_dash(),
            tooltip=[
                alt.Tooltip("label:N", title="initializer"),
                alt.Tooltip("split:N", title="points"),
                alt.Tooltip("s:Q", title="step"),
                alt.Tooltip("v:Q", title="accuracy", format=".1%"),
            ],
        )
        .properties(
            title=alt.TitleParams("Accuracy: training (solid) and held out (dashed)",
                                  subtitle=f"Chance: {1 / classes:.0%} ({classes} balanced classes).",
                                  anchor="start"),
            width=SIDE_BY_SIDE_WIDTH, height=LINES_HEIGHT - 60,
        )
    )
    # The legend below the panels: beside them it would push the pair past a laptop's page width.
    return (alt.hconcat(left, right).resolve_scale(color="shared", strokeDash="shared")
            .configure_legend(orient="bottom", columns=4, labelLimit=0))


def _bins(values: np.ndarray, most: int) -> dict:
    """Each of the sorted distinct ``values`` -> its bin 0, 1, ..., at most ``most`` bins of consecutive values."""
    return dict(zip(values, np.arange(values.size) * min(most, values.size) // values.size, strict=True))


def relative_norms(gradients: pd.DataFrame) -> np.ndarray:
    """Each layer's ||dL/dW|| over the output layer's at the same step, in the same network (NaN where undefined).

    What the heat map shows: whether the first layers learn as fast as the
    last, whatever the scale of the whole network's gradient (which the loss
    curves show).
    """
    last = gradients["layer"].max()
    output = gradients[gradients["layer"] == last].set_index(["label", "step"])["grad_norm"]
    reference = pd.MultiIndex.from_frame(gradients[["label", "step"]]).map(output).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return gradients["grad_norm"].to_numpy(dtype=float) / reference


def gradient_cells(gradients: pd.DataFrame, steps: int = HEAT_STEPS, layers: int = HEAT_LAYERS) -> pd.DataFrame:
    """The gradient norms relative to the output layer's, averaged into at most ``steps`` x ``layers`` cells.

    The bins are the same for every initializer (a diverged network has no
    cells past its last step). Columns: label, sb, lb (the cell's step and
    layer bin), s0, s1 (its first and last recorded step), l0, l1 (its first
    and last layer), g = log10 of the geometric mean over the cell of
    ||dL/dW_l|| / ||dL/dW_output|| (``relative_norms``; NaN where a norm in
    it is 0 or not finite).
    """
    columns = ["label", "sb", "lb", "s0", "s1", "l0", "l1", "g"]
    if gradients.empty:
        return pd.DataFrame(columns=columns)
    step_bin = _bins(np.sort(gradients["step"].unique()), steps)
    layer_bin = _bins(np.sort(gradients["layer"].unique()), layers)
    norms = relative_norms(gradients)
    usable = (norms > 0) & np.isfinite(norms)
    cells = pd.DataFrame({
        "label": gradients["label"].to_numpy(), "sb": gradients["step"].map(step_bin).to_numpy(),
        "lb": gradients["layer"].map(layer_bin).to_numpy(), "step": gradients["step"].to_numpy(),
        "layer": gradients["layer"].to_numpy(), "g": np.log10(np.where(usable, norms, 1.0)),
    })
    cells["unusable"] = ~usable
    agg = cells.groupby(["label", "sb", "lb"], sort=False).agg(
        s0=("step", "min"), s1=("step", "max"), l0=("layer", "min"), l1=("layer", "max"),
        g=("g", "mean"), unusable=("unusable", "any"),
    )
    # A cell holding any zero gradient is drawn as "no gradient". (Built-in aggregations only: a
    # Python function per cell took 0.14 s for the default training's 4500 cells.)
    agg.loc[agg["unusable"], "g"] = np.nan
    return agg.reset_index()[columns]


def _array(values) -> str:
    """Numbers as a Vega expression array literal."""
    return "[" + ",".join(f"{float(v):g}" for v in values) + "]"


def _step_edges(cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Where each step band starts and ends on the x axis: at the next band's first step, the last one a gap on."""
    first = cells.groupby("sb")["s0"].min().sort_index().to_numpy(dtype=float)
    last = float(cells["s1"].max())
    gap = float(np.median(np.diff(first))) if first.size > 1 else 1.0
    return first, np.append(first[1:], last + gap)


def gradient_heatmap(gradients: pd.DataFrame, labels: Sequence[str], columns: int = HEAT_COLUMNS) -> alt.FacetChart:
    """One panel per initializer: each layer's ||dL/dW|| over the output layer's, by step (x) and layer (y).

    Log colour on a fixed diverging scale (HEAT_DOMAIN, clamped): white, as
    fast as the output layer; blue, slower (a first layer that stays deep
    blue never learns); red, faster.
    One faceted chart, its data pre-averaged by ``gradient_cells`` and
    packed: one row per initializer and layer band, one value per step band,
    the bands' edges written once into the spec.
    """
    cells = gradient_cells(gradients)
    drawn = cells.dropna(subset=["g"])
    missing = [label for label in labels if label not in set(drawn["label"])]
    subtitle = [
        "Colour: log₁₀ of (the layer's ‖dL/dW‖ ÷ the output layer's), geometric mean over the cell.",
        f"0 (white): as fast as the output layer; {HEAT_DOMAIN[0]:g}: {10 ** -HEAT_DOMAIN[0]:,.0f} times slower. "
        f"Clipped at {HEAT_DOMAIN[0]:g} and +{HEAT_DOMAIN[1]:g}.",
        "Layer 1 is next to the input; the last row is the output layer.",
    ]
    if len(drawn) < len(cells):
        where = f" No panel for {', '.join(missing)}: blank throughout." if missing else ""
        subtitle.append("Blank: no gradient (exactly 0, as when a ReLU layer is all dead, or not finite)." + where)
    # Every (label, layer band) row holds one value per step band, "" where there is none.
    full = cells.set_index(["label", "lb", "sb"])["g"].unstack("sb")
    rows = pd.DataFrame({
        "label": full.index.get_level_values("label"), "lb": full.index.get_level_values("lb"),
        "g": [",".join("" if not np.isfinite(v) else f"{v:.2f}" for v in values) for values in full.to_numpy()],
    })
    starts, ends = _step_edges(cells) if len(cells) else (np.zeros(1), np.ones(1))
    layer_bands = cells.groupby("lb").agg(l0=("l0", "min"), l1=("l1", "max")).sort_index()
    edges = dict(s0=_array(starts), s1=_array(ends), l0=_array(layer_bands["l0"]), l1=_array(layer_bands["l1"]))
    chart = (
        alt.Chart(rows)
        .transform_calculate(g="split(datum.g, ',')")
        .transform_flatten(["g"])
        .transform_window(sb="row_number()", groupby=["label", "lb"])
        .transform_filter("datum.g != ''")
        .transform_calculate(
            g="toNumber(datum.g)", s0=f"{edges['s0']}[datum.sb - 1]", s1=f"{edges['s1']}[datum.sb - 1]",
            l0=f"{edges['l0']}[datum.lb]", l1=f"{edges['l1']}[datum.lb]",
            y0=f"{edges['l0']}[datum.lb] - 0.5", y1=f"{edges['l1']}[datum.lb] + 0.5",
        )
        .mark_rect(**DENSE_MARK)
        .encode(
            x=alt.X("s0:Q", title="step", scale=alt.Scale(nice=False)),
            x2=alt.X2("s1:Q"),
            y=alt.Y("y0:Q", title="layer", scale=alt.Scale(reverse=True, nice=False), axis=alt.Axis(tickMinStep=1)),
            y2=alt.Y2("y1:Q"),
            color=alt.Color("g:Q", title="log₁₀ ratio",
                            scale=alt.Scale(scheme="redblue", reverse=True, domain=list(HEAT_DOMAIN), domainMid=0,
                                            clamp=True)),
            tooltip=[
                alt.Tooltip("label:N", title="initializer"),
                alt.Tooltip("l0:Q", title="from layer"),
                alt.Tooltip("l1:Q", title="to layer"),
                alt.Tooltip("s0:Q", title="from step"),
                alt.Tooltip("g:Q", title="log₁₀ of ‖dL/dW‖ ÷ output layer's", format=".2f"),
            ],
        )
        .properties(width=HEAT_PANEL[0], height=HEAT_PANEL[1])
    )
    return chart.facet(
        facet=alt.Facet("label:N", title=None, sort=list(labels), header=alt.Header(labelFontSize=12, labelLimit=0)),
        columns=columns,
    ).properties(title=alt.TitleParams("Does every layer learn? Each layer's gradient against the output layer's",
                                       subtitle=subtitle, anchor="start"))


SHARES = {"saturated": "share within 0.01 of a bound", "dead": "share exactly 0"}


def saturation_curve(saturation: pd.DataFrame, labels: Sequence[str], activation_label: str = "") -> alt.HConcatChart:
    """The last hidden layer during training: its mean activation ± one std (left), its flat share (right).

    Left, Glorot and Bengio 2010's Fig. 2 for the top layer: a sigmoid layer
    whose mean sinks to 0 sits where σ' ≈ 0. Right, where the activation has
    one: the share of values within 0.01 of a bound (tanh, sigmoid) or
    exactly 0 (ReLU), where the derivative is about 0. ``saturation`` is
    ``TrainingResult.saturation`` (at most 51 rows per initializer).
    """
    data = saturation[saturation["label"].isin(labels)].assign(
        lo=lambda f: f["mean"] - f["std"], hi=lambda f: f["mean"] + f["std"]
    )
    shown = [column for column in SHARES if data[column].notna().any()]
    arrays = {"step": "d", "mean": ".3g", "lo": ".3g", "hi": ".3g"} | {column: ".3f" for column in shown}
    base = unpack(alt.Chart(packed(data, ["label"], arrays)), list(arrays), ["label"], index=None)
    x = alt.X("step:Q", title="step")
    tooltip = [
        alt.Tooltip("label:N", title="initializer"),
        alt.Tooltip("step:Q", title="step"),
        alt.Tooltip("mean:Q", title="mean activation", format=".3g"),
    ] + [alt.Tooltip(f"{column}:Q", title=SHARES[column], format=".1%") for column in shown]
    # The axis spans the middle 98% of the bands: one exploding start (std 1 under ReLU) would flatten the rest.
    values = data[["lo", "hi"]].to_numpy(dtype=float).ravel()
    values = values[np.isfinite(values)]
    low, high = np.percentile(values, [1, 99]) if values.size else (0.0, 1.0)
    y = alt.Y("lo:Q", title="activation (mean ± std)",
              scale=alt.Scale(domain=[float(low), float(high) if high > low else float(low) + 1.0], clamp=True))
    band = base.mark_area(opacity=0.12).encode(x=x, y=y, y2=alt.Y2("hi:Q"), color=init_color(labels, legend=False))
    line = base.mark_line(point=True, clip=True).encode(x=x, y=alt.Y("mean:Q"), color=init_color(labels),
                                                        tooltip=tooltip)
    name = f" ({activation_label})" if activation_label else ""
    views = [alt.layer(band, line).properties(
        title=alt.TitleParams(f"Last hidden layer{name}: its activations",
                              subtitle=["Line: the mean on each step's batch; band: ± one std.",
                                        "Values beyond the axis are drawn at its edge."],
                              anchor="start"),
        width=SIDE_BY_SIDE_WIDTH, height=LINES_HEIGHT - 100,
    )]
    for column in shown:
        views.append(base.mark_line(point=True).encode(
            x=x, y=alt.Y(f"{column}:Q", title=SHARES[column], axis=alt.Axis(format="%")),
            color=init_color(labels), tooltip=tooltip,
        ).properties(
            title=alt.TitleParams(f"Last hidden layer{name}: {SHARES[column]}",
                                  subtitle="Where the derivative is about 0: no gradient passes.", anchor="start"),
            width=SIDE_BY_SIDE_WIDTH, height=LINES_HEIGHT - 100,
        ))
    return alt.hconcat(*views)


def _map_cells(base: alt.Chart, extent: Sequence[float], grid: int) -> tuple[alt.Chart, alt.Scale, alt.Scale]:
    """The grid's cells coloured by P(class 1), and the x and y scales that fit them."""
    x_low, x_high, y_low, y_high = (float(v) for v in extent)
    dx, dy = (x_high - x_low) / (grid - 1), (y_high - y_low) / (grid - 1)
    # Cell i of the grid: column i % grid, row floor(i / grid), centred on its grid point.
    cell_edges = dict(
        x=f"{x_low:.5g} + (datum.i % {grid} - 0.5) * {dx:.5g}",
        x2=f"{x_low:.5g} + (datum.i % {grid} + 0.5) * {dx:.5g}",
        y=f"{y_low:.5g} + (floor(datum.i / {grid}) - 0.5) * {dy:.5g}",
        y2=f"{y_low:.5g} + (floor(datum.i / {grid}) + 0.5) * {dy:.5g}",
    )
    x_scale = alt.Scale(domain=[round(x_low - dx / 2, 3), round(x_high + dx / 2, 3)], nice=False)
    y_scale = alt.Scale(domain=[round(y_low - dy / 2, 3), round(y_high + dy / 2, 3)], nice=False)
    cells = (
        unpack(base.transform_filter("datum.p != ''"), ["p"], ["panel"])
        .transform_calculate(**cell_edges)
        .mark_rect(opacity=0.75, **DENSE_MARK)
        .encode(
            x=alt.X("x:Q", title="x₁", scale=x_scale),
            x2=alt.X2("x2:Q"),
            y=alt.Y("y:Q", title="x₂", scale=y_scale),
            y2=alt.Y2("y2:Q"),
            color=alt.Color("p:Q", title="P(class 1)", scale=alt.Scale(domain=[0, 1], scheme=SCHEME)),
            tooltip=[alt.Tooltip("p:Q", title="P(class 1)")],
        )
    )
    return cells, x_scale, y_scale


def _map_points(base: alt.Chart, x_scale: alt.Scale, y_scale: alt.Scale) -> alt.Chart:
    """The points on every panel, coloured by class: circles for training points, diamonds for held-out ones."""
    return (
        unpack(base, ["x1", "x2", "c", "h"], ["panel"], index=None)
        .transform_calculate(split="datum.h == 1 ? 'held out' : 'training'")
        .mark_point(size=16, opacity=0.9, strokeWidth=1, filled=True)
        .encode(
            x=alt.X("x1:Q", title="x₁", scale=x_scale),
            y=alt.Y("x2:Q", title="x₂", scale=y_scale),
            color=alt.ColorValue(CLASS_COLORS[0], condition=[{"test": "datum.c == 1", "value": CLASS_COLORS[1]}]),
            shape=alt.Shape("split:N", title="points", scale=alt.Scale(domain=["training", "held out"],
                                                                       range=["circle", "diamond"])),
            tooltip=[
                alt.Tooltip("x1:Q", title="x₁"),
                alt.Tooltip("x2:Q", title="x₂"),
                alt.Tooltip("c:N", title="class"),
                alt.Tooltip("split:N", title="points"),
            ],
        )
    )


def decision_boundaries(
    boundary: dict[str, np.ndarray],
    labels: dict[str, str],
    points: pd.DataFrame,
    extent: Sequence[float],
    diverged: dict[str, int] | None = None,
    columns: int = BOUNDARY_COLUMNS,
) -> alt.FacetChart:
    """One panel per initializer: the predicted P(class 1) on a grid, with the points on top.

    ``boundary`` maps a key to a (grid, grid) array of probabilities (rows
    x2 from low to high, columns x1), ``labels`` a key to its label,
    ``extent`` is [x1_low, x1_high, x2_low, x2_high] of the grid's cell
    centres. ``points`` has x1, x2, label and, optionally, split ("train"
    or "test"): held-out points are drawn as diamonds. A diverged network has
    no prediction: its panel shows the points and says at which step it diverged.

    One faceted chart rather than a panel each keeps the spec small: the
    grids travel as one packed row per panel, and the points once, joined
    to every panel by a lookup.
    """
    diverged = diverged or {}
    grid = next(iter(boundary.values())).shape[0] if boundary else 2
    panels, cells = [], []
    for key, probability in boundary.items():
        drawn = key not in diverged and np.isfinite(probability).all()
        panel = labels[key] if key not in diverged else f"{labels[key]}: diverged at step {diverged[key]}"
        panels.append(panel)
        cells.append(pd.DataFrame({"panel": panel, "one": 1, "p": probability.ravel() if drawn else [np.nan]}))
    heat = packed(pd.concat(cells, ignore_index=True), ["panel", "one"], {"p": ".2f"})
    heat.loc[heat["p"] == "nan", "p"] = ""
    split = points["split"] if "split" in points else pd.Series("train", index=points.index)
    dots = points.assign(one=1, h=(split == "test").astype(int)).rename(columns={"label": "c"})
    # All points in one row, joined to each panel's row by the constant "one".
    dots_row = packed(dots, ["one"], {"x1": ".2f", "x2": ".2f", "c": "d", "h": "d"})
    base = alt.Chart(heat)
    grid_cells, x_scale, y_scale = _map_cells(base, extent, grid)
    return (
        alt.layer(grid_cells, _map_points(base, x_scale, y_scale))
        .properties(width=BOUNDARY_PANEL, height=BOUNDARY_PANEL)
        .facet(
            facet=alt.Facet("panel:N", title=None, sort=panels, header=alt.Header(labelFontSize=12, labelLimit=0)),
            columns=columns,
        )
        # Before faceting: Vega-Lite cannot compile a lookup inside a faceted layer.
        .transform_lookup(lookup="one", from_=alt.LookupData(dots_row, key="one", fields=["x1", "x2", "c", "h"]))
        .properties(
            title=alt.TitleParams(
                "Decision maps after training",
                subtitle="Colour: the network's P(class 1) on a grid; dots: training points, diamonds: held-out "
                "points, coloured by class. A network that diverged has no prediction.",
                anchor="start",
            )
        )
    )
