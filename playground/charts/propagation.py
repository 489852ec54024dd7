"""Charts of signal propagation: the phase diagram, two inputs through the network, the Jacobian's spectrum.

Frames in (from ``playground.propagation``), Altair charts out; every number
is computed before it gets here.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from .common import DENSE_MARK, LINE_HEIGHT, PANEL_HEIGHT, layer_x, short_numbers, text_tooltip, y_scale
from .theory import SOURCE_COLORS, SOURCE_DASHES

# The phase diagram's point selection: ``st.altair_chart(chart, on_select="rerun")``
# returns {"selection": {PHASE_SELECTION: [{"sigma_w2": ..., "sigma_b2": ...}]}}.
PHASE_SELECTION = "phase"
PHASE_FIELDS = ["sigma_w2", "sigma_b2"]
# Depth scales are drawn up to this many layers (10 x the page's deepest
# network); longer ones, infinite included, take the top colour.
XI_CLIP = 1000.0
# Where q* = 0 or inf xi_c is no depth scale of a working network: flat colours, not the scale's.
FLAT_COLORS = {"vanishing": "#d9d9d9", "exploding": "#525252", "undefined": "#bdbdbd"}
WEIGHT_COLORS = {"Gaussian": "#e45756", "orthogonal": "#4c78a8"}
MEAN_FIELD = "mean-field theory"
W2_TITLE, B2_TITLE = "σ_w² = n Var(w)", "σ_b² (variance of the biases)"
AXIS_TITLES = {"c": "correlation c", "q": "q = mean (s − b)²"}


def _cell_edges(values: pd.Series, overlap: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Each value's cell [low, high): halfway to its neighbours on the grid, as wide again at the ends.

    Each cell reaches ``overlap`` of its width into the next (under it: the
    next is drawn later): rects that only touch leave anti-aliased seams, and
    a row of 40 cells is only 7 pixels high.
    """
    grid = np.unique(values.to_numpy(dtype=float))
    if len(grid) == 1:
        half = max(abs(grid[0]) * 0.05, 0.5e-3)
        lows, highs = grid - half, grid + half
    else:
        middle = (grid[1:] + grid[:-1]) / 2.0
        lows = np.concatenate([[grid[0] - (middle[0] - grid[0])], middle])
        highs = np.concatenate([middle, [grid[-1] + (grid[-1] - middle[-1])]])
    index = np.searchsorted(grid, values.to_numpy(dtype=float))
    return lows[index], (highs + overlap * (highs - lows))[index]


def _depth_notes(xi: np.ndarray) -> pd.Categorical:
    """What the tooltip adds to a clipped xi_c: infinite, beyond the colour scale, undefined, or nothing."""
    notes = np.where(np.isinf(xi), "∞", np.where(np.isnan(xi), "undefined",
                                                 np.where(xi > XI_CLIP, f"more than {XI_CLIP:g}", "")))
    return pd.Categorical(notes, categories=["", f"more than {XI_CLIP:g}", "∞", "undefined"])


def phase_cells(grid: pd.DataFrame) -> pd.DataFrame:
    """What the cells of ``phase_diagram``'s frame draw: edges, xi_c clipped for the colour, the tooltip's text.

    Only these columns go to the browser (as Arrow): the selection's fields in
    float64, so that a click returns the grid's own values; the edges and the
    colour in float32, half the bytes; what only the tooltip shows as text
    (``PHASE_TOOLTIP``), formatted here rather than per cell in the browser.
    """
    w_low, w_high = _cell_edges(grid["sigma_w2"])
    b_low, b_high = _cell_edges(grid["sigma_b2"])
    xi = grid["xi_c"].to_numpy(dtype=float)
    xi_shown = np.where(np.isnan(xi), np.nan, np.clip(xi, 1e-2, XI_CLIP))
    data = pd.DataFrame({"sigma_w2": grid["sigma_w2"].to_numpy(dtype=float),
                         "sigma_b2": grid["sigma_b2"].to_numpy(dtype=float),
                         "phase": pd.Categorical(grid["phase"].to_numpy())})
    for name, values in {"sigma_w2_low": w_low, "sigma_w2_high": w_high, "sigma_b2_low": b_low,
                         "sigma_b2_high": b_high, "xi_shown": xi_shown}.items():
        data[name] = np.asarray(values, dtype=float).astype(np.float32)
    for name, values in {"sigma_w2": data["sigma_w2"], "sigma_b2": data["sigma_b2"], "q_star": grid["q_star"],
                         "chi1": grid["chi1"], "xi_shown": xi_shown, "c_star": grid["c_star"]}.items():
        data[f"{name}_text"] = pd.Categorical(short_numbers(values))  # few distinct texts: sent once each
    data["xi_note"] = _depth_notes(xi)
    flat = np.where(np.isnan(xi), FLAT_COLORS["undefined"], "")
    for phase in ("vanishing", "exploding"):
        flat = np.where(grid["phase"].to_numpy() == phase, FLAT_COLORS[phase], flat)
    data["flat"] = pd.Categorical(flat)
    return data


# The phase cells' tooltip: its titles and the columns of ``phase_cells`` they show.
PHASE_TOOLTIP = {"σ_w²": "sigma_w2_text", "σ_b²": "sigma_b2_text", "phase": "phase", "q*": "q_star_text",
                 "χ₁": "chi1_text", "ξ_c (layers)": "xi_shown_text", "ξ_c is": "xi_note", "c*": "c_star_text"}


def _xi_colour(low: float) -> alt.Color:
    """The log colour scale of xi_c from ``low`` to XI_CLIP."""
    scale = alt.Scale(type="log", scheme="viridis", domain=[low, XI_CLIP])
    return alt.Color("xi_shown:Q", title="ξ_c (layers)", scale=scale, legend=alt.Legend(format="~g"))


def phase_diagram_chart(grid: pd.DataFrame, critical: pd.DataFrame, current: tuple[float, float], *,
                        title: str = "Phase diagram: how deep two inputs stay distinguishable") -> alt.LayerChart:
    """Cells of the (sigma_w2, sigma_b2) plane coloured by xi_c, the line chi_1 = 1, and the current setting.

    ``grid`` is ``propagation.phase_diagram``'s frame, ``critical``
    ``propagation.critical_line``'s (rows without a sigma_w2 are left out),
    ``current`` the page's (sigma_w2, sigma_b2). Clicking a cell selects it
    through the point selection named ``PHASE_SELECTION`` ("phase") on the
    fields ``PHASE_FIELDS`` (sigma_w2, sigma_b2): with
    ``st.altair_chart(chart, on_select="rerun")`` the returned state holds
    ``selection["phase"] == [{"sigma_w2": ..., "sigma_b2": ...}]``, the cell's
    centre.
    """
    data = phase_cells(grid)
    pick = alt.selection_point(name=PHASE_SELECTION, fields=PHASE_FIELDS, on="click", clear=False)
    x = alt.X("sigma_w2_low:Q", title=W2_TITLE, scale=alt.Scale(nice=False, zero=False))
    y = alt.Y("sigma_b2_low:Q", title=B2_TITLE, scale=alt.Scale(nice=False, zero=False))
    low = float(np.nanmin(data["xi_shown"])) if data["xi_shown"].notna().any() else 1.0
    low = 10.0 ** math.floor(math.log10(min(low, XI_CLIP / 10)))
    edges = dict(x=x, x2=alt.X2("sigma_w2_high:Q"), y=y, y2=alt.Y2("sigma_b2_high:Q"))
    # Cells without a working depth scale: their own colours underneath, the clickable cells transparent there.
    # Both decided here, not by a filter and a condition evaluated per cell: Streamlit's Vega runs
    # expressions through its interpreter (no eval).
    has_flat = (data["flat"] != "").to_numpy()
    edge_columns = ["sigma_w2_low", "sigma_w2_high", "sigma_b2_low", "sigma_b2_high"]
    flat = alt.Chart(data.loc[has_flat, [*edge_columns, "flat"]]).mark_rect(**DENSE_MARK).encode(
        color=alt.Color("flat:N", scale=None), **edges)
    # A flat cell is transparent here (its colour is underneath), so any colour in the scale's domain will do: with
    # every value valid, Vega-Lite's one validity filter per cell keeps every cell clickable. (invalid=None instead
    # tests each of x, x2, y, y2 and the colour as it draws each cell, five expressions where the filter is one.)
    clickable = data.drop(columns="flat").assign(
        alpha=np.where(has_flat, 0.0, 1.0).astype(np.float32),
        xi_shown=np.where(has_flat, np.float32(XI_CLIP), data["xi_shown"]).astype(np.float32))
    cells = (
        alt.Chart(clickable)
        .mark_rect(**DENSE_MARK, tooltip=text_tooltip(PHASE_TOOLTIP))
        .encode(color=_xi_colour(low), opacity=alt.Opacity("alpha:Q", scale=None), **edges)
        .add_params(pick)
        # A name of its own: without one, Altair names the selection's view by a hash of the layer's JSON,
        # its 2400 rows printed as text (about 10 ms in a profile of the chart's build).
        .properties(name="cells")
    )
    edge = critical.dropna(subset=["sigma_w2"]).assign(meaning="χ₁ = 1: the edge of chaos")
    line = (
        # ReLU's edge is one point, (2, 0): a line of one point draws nothing without its point.
        alt.Chart(edge)
        .mark_line(color="white", strokeWidth=2.5, point=alt.OverlayMarkDef(color="white", size=60) if len(edge) < 2
                   else False)
        .encode(
            x=alt.X("sigma_w2:Q", title=W2_TITLE), y=alt.Y("sigma_b2:Q", title=B2_TITLE), order=alt.Order("sigma_b2:Q"),
            tooltip=[alt.Tooltip("meaning:N", title=""), alt.Tooltip("sigma_w2:Q", title="σ_w²", format=".4~g"),
                     alt.Tooltip("sigma_b2:Q", title="σ_b²", format=".3~g")],
        )
    )
    here = (
        alt.Chart(pd.DataFrame({"sigma_w2": [float(current[0])], "sigma_b2": [float(current[1])],
                                "meaning": ["your setting"]}))
        .mark_point(shape="cross", size=260, filled=True, color="#e45756", stroke="white", strokeWidth=1)
        .encode(x=alt.X("sigma_w2:Q", title=W2_TITLE), y=alt.Y("sigma_b2:Q", title=B2_TITLE),
                tooltip=[alt.Tooltip("meaning:N", title=""), alt.Tooltip("sigma_w2:Q", title="σ_w²", format=".3~g"),
                         alt.Tooltip("sigma_b2:Q", title="σ_b²", format=".3~g")])
    )
    subtitle = [
        f"Colour: ξ_c, the depth scale of two inputs' correlation (log scale); {XI_CLIP:g} layers or more, "
        "infinite included, take the top colour.",
        "Light grey: the signal dies (q* = 0); dark grey: it grows without bound (q* = ∞); there ξ_c is no depth "
        "scale of a working network.",
        "White line: χ₁ = 1. Cross: your setting. Click a cell to move there.",
    ]
    return alt.layer(flat, cells, line, here).properties(
        title=alt.TitleParams(title, subtitle=subtitle, anchor="start"), height=LINE_HEIGHT + 60,
    )


def _pair_long(pair: pd.DataFrame, column: str) -> pd.DataFrame:
    measured = pd.DataFrame({"layer": pair["layer"], "source": "measured", column: pair[column]})
    theory = pd.DataFrame({"layer": pair["layer"], "source": MEAN_FIELD, column: pair[f"{column}_theory"]})
    frame = pd.concat([measured, theory], ignore_index=True)
    return frame[np.isfinite(frame[column].astype(float))]


def _sources() -> dict:
    domain = ["measured", MEAN_FIELD]
    return dict(
        color=alt.Color("source:N", title="", scale=alt.Scale(domain=domain, range=[SOURCE_COLORS[s] for s in domain])),
        strokeDash=alt.StrokeDash("source:N", title="",
                                  scale=alt.Scale(domain=domain, range=[SOURCE_DASHES[s] for s in domain])),
    )


def _with_limit_rule(lines: alt.Chart, value: float, name: str, axis: str) -> list[alt.Chart]:
    """``lines`` under a dotted rule at ``value``; the lines alone where it is not finite (an empty layer
    leaves Vega an infinite extent)."""
    if not math.isfinite(value):
        return [lines]
    frame = pd.DataFrame({axis: [value], "meaning": [name]})
    tooltip = [alt.Tooltip("meaning:N", title=""), alt.Tooltip(f"{axis}:Q", title=name, format=".3~g")]
    rule = alt.Chart(frame).mark_rule(color="gray", strokeDash=[2, 2]).encode(
        y=alt.Y(f"{axis}:Q", title=AXIS_TITLES[axis]), tooltip=tooltip)
    return [rule, lines]


def correlation_chart(pair: pd.DataFrame, *, c_star: float,
                      title: str = "Correlation of two inputs, layer by layer") -> alt.LayerChart:
    """c per layer, measured on one network and predicted by the joint map, with a rule at the fixed point c*.

    ``pair`` is ``propagation.propagate_pair``'s frame.
    """
    data = _pair_long(pair, "c")
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=layer_x(),
        y=alt.Y("c:Q", title=AXIS_TITLES["c"], scale=alt.Scale(domain=[min(0.0, float(data["c"].min())), 1.0])),
        **_sources(),
        tooltip=[alt.Tooltip("layer:Q", title="layer"), alt.Tooltip("source:N", title="source"),
                 alt.Tooltip("c:Q", title="c", format=".4~g")],
    )
    subtitle = ["Measured: mean over input pairs of q₁₂/√(q_a q_b),",
                "a pair with a dead input (q = 0) left out. Dotted: the fixed point c*."]
    return alt.layer(*_with_limit_rule(lines, c_star, "c*", "c")).properties(
        title=alt.TitleParams(title, subtitle=subtitle, anchor="start"), height=LINE_HEIGHT)


def length_chart(pair: pd.DataFrame, *, q_star: float,
                 title: str = "Variance q of the pre-activations, layer by layer") -> alt.LayerChart:
    """q per layer, measured and predicted (the length map), with a rule at q* where it is finite and positive."""
    data = _pair_long(pair, "q")
    data = data[data["q"] > 0]
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=layer_x(),
        y=alt.Y("q:Q", title=AXIS_TITLES["q"], scale=y_scale(data["q"]), axis=alt.Axis(format="~g")),
        **_sources(),
        tooltip=[alt.Tooltip("layer:Q", title="layer"), alt.Tooltip("source:N", title="source"),
                 alt.Tooltip("q:Q", title="q", format=".4~g")],
    )
    shown = q_star if (math.isfinite(q_star) and q_star > 0) else math.nan
    subtitle = "Measured over units and inputs of one network. Dotted: the fixed point q*."
    return alt.layer(*_with_limit_rule(lines, shown, "q*", "q")).properties(
        title=alt.TitleParams(title, subtitle=subtitle, anchor="start"), height=LINE_HEIGHT)


def spectrum_chart(histogram: pd.DataFrame, *,
                   title: str = "Singular values of the input-output Jacobian") -> alt.FacetChart:
    """Pre-binned histograms of singular values on a log axis, colour by weights, one small panel per depth.

    ``histogram`` is ``propagation.singular_value_histogram``'s frame of a
    ``spectrum_comparison`` (columns weights, layer, bin_start, bin_end,
    share). Values below the first bin are counted in it.
    """
    floor = float(histogram["bin_start"].min())
    kinds = [k for k in WEIGHT_COLORS if k in set(histogram["weights"])]
    bars = alt.Chart(histogram).mark_bar(opacity=0.6, binSpacing=0, **DENSE_MARK).encode(
        x=alt.X("bin_start:Q", title="singular value", scale=alt.Scale(type="log"), axis=alt.Axis(format="~g")),
        x2=alt.X2("bin_end:Q"),
        y=alt.Y("share:Q", title="share of singular values", stack=None, axis=alt.Axis(format="%")),
        y2=alt.Y2(datum=0),
        color=alt.Color("weights:N", title="weights",
                        scale=alt.Scale(domain=kinds, range=[WEIGHT_COLORS[k] for k in kinds])),
        tooltip=[alt.Tooltip("weights:N", title="weights"), alt.Tooltip("layer:O", title="depth"),
                 alt.Tooltip("bin_start:Q", title="from", format=".3~g"),
                 alt.Tooltip("bin_end:Q", title="to", format=".3~g"),
                 alt.Tooltip("share:Q", title="share", format=".1%")],
    ).properties(width=220, height=PANEL_HEIGHT)
    subtitle = [f"Log axis. Values below {floor:.1e}, 10 decades under the largest, are counted in the first bin",
                "(float64 resolves no more than 15). Dynamical isometry: every singular value near 1."]
    return bars.facet(column=alt.Column("layer:O", title="depth")).properties(
        title=alt.TitleParams(title, subtitle=subtitle, anchor="start"))
