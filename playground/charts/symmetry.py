"""Charts of symmetry over training: how far the hidden units drift apart, and the loss."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .common import LINE_HEIGHT, positive, y_scale

# One colour and dash per starting case, the same in both panels.
CASE_COLORS = {"constant": "#d62728", "perturbed": "#ff7f0e", "random": "#1f77b4"}
CASE_DASHES = {"constant": [6, 3], "perturbed": [1, 0], "random": [1, 0]}
PANEL_WIDTH = 380


def _case_scales(history: pd.DataFrame) -> tuple[alt.Scale, alt.Scale]:
    labels = history.drop_duplicates("case")
    domain, cases = labels["label"].tolist(), labels["case"].tolist()
    colors = alt.Scale(domain=domain, range=[CASE_COLORS.get(c, "#7f7f7f") for c in cases])
    dashes = alt.Scale(domain=domain, range=[CASE_DASHES.get(c, [1, 0]) for c in cases])
    return colors, dashes


def _panel(
    history: pd.DataFrame, y: alt.Y, title: str, tooltip: list, scales: tuple[alt.Scale, alt.Scale], last_step: int
) -> alt.LayerChart:
    """Lines per starting case on a log step axis, with hoverable points for the tooltips."""
    colors, dashes = scales
    x = alt.X(
        "step:Q", title="gradient-descent step", scale=alt.Scale(type="log", domain=[1, last_step], nice=False),
        axis=alt.Axis(format="~g"),
    )
    color = alt.Color("label:N", title="start", scale=colors, legend=alt.Legend(orient="bottom", symbolType="stroke"))
    line = dict(x=x, y=y, color=color, strokeDash=alt.StrokeDash("label:N", scale=dashes, legend=None))
    layers = [alt.Chart(history).mark_line().encode(**line),
              alt.Chart(history).mark_circle(size=16).encode(x=x, y=y, color=color, tooltip=tooltip)]
    constant = history[history["case"] == "constant"]
    if len(constant):
        # The constant start's dashed line again on top: where the ε start coincides with it, both show. Left
        # out where the panel has no such row (its spread is 0 on a log axis): Vega warns of an empty layer.
        layers.append(alt.Chart(constant).mark_line().encode(**line))
    return alt.layer(*layers).properties(
        title=alt.TitleParams(title, anchor="start"), width=PANEL_WIDTH, height=LINE_HEIGHT
    )


def training_chart(history: pd.DataFrame, *, marker_step: int | None = None) -> alt.HConcatChart:
    """Spread of the hidden units (log-log) next to the loss, per step, one line per start.

    ``history`` has columns case, label, step, spread, loss (a few hundred
    rows, steps >= 1 on a log grid). A log axis cannot show 0: rows with
    spread 0 are left out, so the page must say in words when a case's
    spread is exactly 0. ``marker_step`` draws a dashed rule on the spread
    panel (the step at which the perturbation matters).
    """
    shown = history[history["step"] > 0]
    # Scales from all cases, so both panels colour them alike even where one has no positive spread.
    scales = _case_scales(history)
    last_step = int(max(shown["step"].max(), 2)) if len(shown) else 2
    tooltip = [
        alt.Tooltip("label:N", title="start"),
        alt.Tooltip("step:Q", title="step"),
        alt.Tooltip("spread:Q", title="spread", format=".3~e"),
        alt.Tooltip("loss:Q", title="loss", format=".5~f"),
    ]
    spread = _panel(
        positive(shown, "spread"),
        alt.Y("spread:Q", title="largest distance between two units", scale=alt.Scale(type="log"),
              axis=alt.Axis(format="~e")),
        "Spread of the hidden units (w₁, w₂, b); 0 cannot be drawn",
        tooltip,
        scales,
        last_step,
    )
    if marker_step is not None and marker_step > 0:
        rule = pd.DataFrame({"step": [marker_step], "what": ["ε start reaches 1% of the random start's spread"]})
        spread += (
            alt.Chart(rule)
            .mark_rule(color="#7f7f7f", strokeDash=[2, 2])
            .encode(x=alt.X("step:Q"),
                    tooltip=[alt.Tooltip("what:N", title="marker"), alt.Tooltip("step:Q", title="step")])
        )
    loss = _panel(
        shown,
        alt.Y("loss:Q", title="cross-entropy loss", scale=y_scale(shown["loss"]), axis=alt.Axis(format="~g")),
        "Training loss",
        tooltip,
        scales,
        last_step,
    )
    return alt.hconcat(spread, loss).resolve_scale(y="independent")
