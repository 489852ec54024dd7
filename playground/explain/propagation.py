"""What the signal-propagation section says: notation, a setting's phase, two inputs, the Jacobian, two lessons.

Every number comes from ``playground.propagation``, measured or computed when
the function runs; ``number`` and ``percent`` write them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import propagation as prop
from .message import Finding, Message, number, percent

# The edge-of-chaos lesson: tanh at sigma_b^2 = 0.05 (Poole et al.'s example, critical at sigma_w^2 = 1.76),
# one network per sigma_w^2, 50 layers of 200 units, 16 input pairs at c0 = 0.9.
EDGE_ACTIVATION = "tanh"
EDGE_SIGMA_B2 = 0.05
EDGE_ORDERED, EDGE_CHAOTIC = 1.0, 4.0
EDGE_DEPTH, EDGE_WIDTH, EDGE_C0 = 50, 200, 0.9
# Its claim: near the edge this much of the way from c0 to c* is still left; in either phase at most this little.
EDGE_KEPT, EDGE_LOST = 0.3, 0.2

# The dynamical-isometry lesson (Pennington, Schoenholz and Ganguli 2017): tanh on the critical line at
# sigma_b^2 = 2.01e-5 (sigma_w^2 = 1.05, q* = 0.026), inputs at q*; 100 layers of 128 units, spectra at 64 and 100.
ISOMETRY_SIGMA_B2 = 2.01e-5
ISOMETRY_DEPTHS = (64, 100)
ISOMETRY_WIDTH = 128
# Its claim: the middle 90% of the singular values span less than TIGHT with orthogonal weights, more than LOOSE
# without, and a linear orthogonal network's are 1 to EXACT.
TIGHT, LOOSE, EXACT = 5.0, 100.0, 1e-12


def _layers(value: float) -> str:
    """A depth in layers: the page's number, ∞, or "more than 10⁹" where float64 leaves only the order (at the edge)."""
    if value == math.inf:
        return "∞"
    return "more than 10⁹" if value > 1e9 else number(value)


def _factor(row) -> str:
    """A spectrum's spread (95th over 5th percentile), or "beyond 10¹⁰" where the 5th is 0 to float64 (rounding)."""
    if row["low"] <= prop.ZERO_SINGULAR * row["largest"]:
        return "beyond 10¹⁰ (its 5th percentile is 0 to float64)"
    return number(row["spread"])


def notation() -> Message:
    """The notation block above the section (Markdown with $…$ math)."""
    text = (
        r"**Notation.** Weights have $n\,\mathrm{Var}(w) = \sigma_w^2$, each unit's bias is drawn from "
        r"$\mathcal N(b, \sigma_b^2)$ ($b$ the bias constant, $\sigma_b$ the bias std), inputs have "
        r"$\mathbb E[x^2] = q_0$. A layer's pre-activations are about Gaussian, with variance $q$ about their "
        "mean $b$:\n\n"
        r"- the length map $q_l = \sigma_w^2\, \mathbb E_z[\phi(b + \sqrt{q_{l-1}}\, z)^2] + \sigma_b^2$, "
        r"from $q_1 = \sigma_w^2 q_0 + \sigma_b^2$, settles at its fixed point $q^*$;" "\n"
        r"- two inputs at correlation $c$ follow the correlation map "
        r"$c' = \big(\sigma_w^2\, \mathbb E[\phi(u_1)\, \phi(u_2)] + \sigma_b^2\big) / q^*$, with "
        r"$u_1 = b + \sqrt{q^*}\, z_1$ and $u_2 = b + \sqrt{q^*}\,(c\, z_1 + \sqrt{1 - c^2}\, z_2)$, "
        r"to its fixed point $c^*$;" "\n"
        r"- $\chi_1 = \sigma_w^2\, \mathbb E[\phi'(b + \sqrt{q^*}\, z)^2]$, the map's slope at $c = 1$, decides "
        r"the phase: **ordered** for $\chi_1 < 1$ (every two inputs end alike, $c \to 1$), **chaotic** for "
        r"$\chi_1 > 1$ ($c \to c^* < 1$: nearby inputs are torn apart), the **edge of chaos** at $\chi_1 = 1$;" "\n"
        r"- the depth scales $\xi_q = -1/\ln \chi_q$ and $\xi_c = -1/\ln \chi_c$ ($\chi_q$, $\chi_c$ the maps' "
        r"slopes at $q^*$ and $c^*$) are how many layers it takes to forget the input's $q$ and $c$; networks "
        r"train up to about $6\, \xi_c$ layers deep;" "\n"
        r"- the input-output Jacobian's mean squared singular value is the product of every layer's $\chi_1$."
        "\n\n"
        "Poole et al. 2016, *Exponential expressivity in deep neural networks through transient chaos*; Schoenholz "
        "et al. 2017, *Deep information propagation*; Pennington, Schoenholz and Ganguli 2017, *Resurrecting the "
        "sigmoid in deep learning through dynamical isometry*."
    )
    return Message("markdown", text)


# --- the phase of a setting ---------------------------------------------------------------------------


def _bound(point: prop.PhasePoint, depth: int) -> tuple[str, bool]:
    """The sentence on Schoenholz et al.'s bound, and whether the depth is within it."""
    bound = point.trainable_depth
    within = not (depth > bound)  # nan (no depth scale) claims nothing
    if math.isnan(bound):
        return "there is no correlation depth scale here to bound the depth", True
    if math.isinf(bound):
        return f"ξ_c is infinite, so no depth is beyond 6 ξ_c: your {depth} layers are not either", True
    if bound <= 0:
        return "ξ_c is 0: the first layer already maps every two inputs to the same correlation", False
    verdict = "within it" if within else f"{number(depth / bound)} times too deep for it"
    text = f"networks train up to about 6 ξ_c = {number(bound)} layers (Schoenholz et al. 2017)"
    return f"{text}: your {depth} are {verdict}", within


def phase_verdict(point: prop.PhasePoint, depth: int) -> Message:
    """Ordered, chaotic, at the edge, or a signal that dies or explodes: with q*, chi_1, xi_c and the 6 xi_c bound."""
    numbers = f"q* = {number(point.q_star)}, χ₁ = {number(point.chi1)}, ξ_c = {_layers(point.xi_c)} layers"
    bound, within = _bound(point, depth)
    phase = point.phase
    if phase == "vanishing":
        text = (f"The signal dies: q* = 0, so each layer shrinks the pre-activations' variance by about χ_q = "
                f"{number(point.chi_q)} (ξ_q = {_layers(point.xi_q)} layers) and the gradients by χ₁ = "
                f"{number(point.chi1)}. Two inputs shrink together, and their correlation settles only slowly if at "
                "all (ξ_c = ∞): the depth scale says nothing about training here; the vanishing gradient does.")
        return Message("warning", text)
    if phase == "exploding":
        text = (f"The signal explodes: q grows without bound, by about χ_q = {number(point.chi_q)} a layer, and the "
                f"gradients by χ₁ = {number(point.chi1)}. There is no fixed point q* for the maps to settle at.")
        return Message("warning", text)
    if phase == "edge of chaos":
        text = (f"At the edge of chaos: {numbers}. Correlations change only slowly with depth (polynomially at "
                f"χ₁ = 1, not exponentially), so inputs stay distinguishable deep into the network; {bound}.")
        return Message("success", text)
    if phase == "ordered":
        head = (f"Ordered phase: {numbers}. Every two inputs are pulled together (c → 1), the gap shrinking by "
                f"χ₁ a layer; after a few ξ_c the last layer sees them alike")
    elif phase == "chaotic":
        head = (f"Chaotic phase: {numbers}. Two inputs decorrelate to c* = {number(point.c_star)} however alike "
                "they start, so after a few ξ_c nearby inputs are as far apart as any")
    else:
        return Message("info", f"The mean-field maps are not defined here ({numbers}).")
    return Message("success" if within else "warning", f"{head}; {bound}.")


# --- two inputs through the network --------------------------------------------------------------------


def pair_verdict(pair: pd.DataFrame, point: prop.PhasePoint, c0: float) -> Message:
    """How far through its depth scales the network is, in numbers: where c ends, against the theory and c*.

    ``pair`` is ``propagation.propagate_pair``'s frame.
    """
    depth = int(pair["layer"].max())
    last = pair.iloc[-1]
    measured, theory = float(last["c"]), float(last["c_theory"])
    if not math.isfinite(measured):
        return _no_correlation(pair, depth)
    xi = point.xi_c
    if math.isfinite(xi) and xi > 0:
        scales = f"your {depth} layers are {number(depth / xi, 2)} depth scales (ξ_c = {number(xi)})"
    elif math.isinf(xi):
        scales = f"with ξ_c = ∞ your {depth} layers are no depth scale at all: c moves polynomially, not exponentially"
    else:
        scales = f"there is no correlation depth scale here; after {depth} layers"
    gap = np.abs(pair["c"].to_numpy(dtype=float) - pair["c_theory"].to_numpy(dtype=float))
    gap = gap[np.isfinite(gap)]
    text = (f"{scales[0].upper() + scales[1:]}: two inputs at c₀ = {number(c0)} end at c = {number(measured)} "
            f"(the mean-field map says {number(theory)}; c* = {number(point.c_star)}). The measurement stays within "
            f"{number(gap.max(), 2)} of the map: the map is the average over networks, and this is one network.")
    return Message("info", text)


def _no_correlation(pair: pd.DataFrame, depth: int) -> Message:
    """Why the last layer has no measured c: the signal overflowed (q is nan), or it died (q_a = 0)."""
    q = pair["q"].to_numpy(dtype=float)
    if not math.isfinite(q[-1]):
        return Message("info", f"The signal overflowed before layer {depth}: no correlation to measure at the end.")
    last = pair.iloc[-1]
    theory = f"the mean-field map says q = {number(last['q_theory'])} and c = {number(last['c_theory'])}"
    if q[-1] == 0:
        died = int(pair["layer"].to_numpy()[np.argmax(q == 0)])
        return Message("warning", (
            f"The signal died at layer {died}: every pre-activation there equals its bias to float64 (measured "
            f"q = 0), so the two inputs give the same layer and their correlation is 0 / 0, undefined; {theory}."))
    return Message("warning", (
        f"At layer {depth} every pair has an input whose units all sit at their bias, so no correlation is left to "
        f"measure (measured q = {number(q[-1])}; {theory})."))


# --- the Jacobian's spectrum -------------------------------------------------------------------------------


def spectrum_verdict(summary: pd.DataFrame, theory: pd.DataFrame, activation: str) -> Message:
    """Measured mean squared singular value against the product of the chi_1, and the spectrum's spread.

    ``summary`` is ``propagation.spectrum_summary``'s frame (with or without
    a weights column), ``theory`` ``propagation.jacobian_theory``'s.
    """
    product = theory.set_index("layer")["mean_squared_singular_value"]
    sentences = []
    for _, row in summary.iterrows():
        layer = int(row["layer"])
        who = f"{str(row['weights']).capitalize()} weights, depth {layer}" if "weights" in row else f"Depth {layer}"
        predicted = float(product.get(layer, math.nan))
        numerical_zero = row["low"] <= prop.ZERO_SINGULAR * row["largest"]
        spread = (f"its 5th percentile is 0 to float64 (95th: {number(row['high'])})" if numerical_zero else
                  f"its middle 90% spans a factor {number(row['spread'])} ({number(row['low'])} to "
                  f"{number(row['high'])})")
        zero = ""
        if row["zero_share"] > 0:
            why = ("every layer zeroes the units that are off, so the Jacobian loses rank" if activation == "relu"
                   else "a product of many random matrices spreads its spectrum over more decades than float64 holds")
            zero = f"; {percent(row['zero_share'])} of the singular values are below 1e-10 of the largest: {why}"
        sentences.append(f"{who}: mean squared singular value {number(row['mean_squared'])} against ∏χ₁ = "
                         f"{number(predicted)}; {spread}{zero}.")
    tight = bool((summary["spread"] < TIGHT).all())
    return Message("success" if tight else "info", " ".join(sentences))


# --- the lessons -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EdgeRun:
    """One network of the edge-of-chaos lesson: its phase point and where its correlation ended."""

    point: prop.PhasePoint
    end: float

    @property
    def left(self) -> float:
        """The share of the way from c0 to c* still to go (negative past c*)."""
        return (self.end - self.point.c_star) / (EDGE_C0 - self.point.c_star)


def edge_of_chaos_runs(seed: int = 0) -> dict[str, EdgeRun]:
    """The lesson's three networks, measured: ordered, at the critical sigma_w^2 (``critical_sigma_w2``), chaotic."""
    runs = {}
    critical = prop.critical_sigma_w2(EDGE_ACTIVATION, EDGE_SIGMA_B2)
    for name, w2 in (("ordered", EDGE_ORDERED), ("edge", critical), ("chaotic", EDGE_CHAOTIC)):
        initializer, params = prop.weights_at("Gaussian", w2, EDGE_WIDTH)
        pair = prop.propagate_pair(EDGE_ACTIVATION, initializer, depth=EDGE_DEPTH, width=EDGE_WIDTH, c0=EDGE_C0,
                                   bias_std=math.sqrt(EDGE_SIGMA_B2), seed=seed, init_params=params)
        runs[name] = EdgeRun(prop.phase_point(EDGE_ACTIVATION, w2, EDGE_SIGMA_B2), float(pair["c"].iloc[-1]))
    return runs


def edge_of_chaos_verdict(runs: dict[str, EdgeRun]) -> Finding:
    """The sentence and the claim from ``edge_of_chaos_runs``' numbers.

    The claim holds where the critical network's c is still more than
    EDGE_KEPT of its way from its limit c*, and both phases' within EDGE_LOST
    of theirs (seeds 0-4: 51-109% left against 0% and at most 11%).
    """
    def part(name: str) -> str:
        run = runs[name]
        return (f"σ_w² = {number(run.point.sigma_w2)} ({run.point.phase}, ξ_c = {_layers(run.point.xi_c)}): c ends "
                f"{number(abs(run.end - run.point.c_star), 2)} from its limit c* = {number(run.point.c_star)}, "
                f"having started {number(abs(EDGE_C0 - run.point.c_star), 2)} from it")

    text = (f"tanh with σ_b² = {number(EDGE_SIGMA_B2)}, {EDGE_DEPTH} layers of {EDGE_WIDTH} units, 16 input pairs "
            f"at c₀ = {number(EDGE_C0)}. {part('ordered')}; {part('chaotic')}; at the critical {part('edge')}. "
            f"Only near the edge do {EDGE_DEPTH} layers keep a trace of how alike the inputs were: in either phase "
            "they end wherever the phase sends every pair.")
    phases = {name: run.point.phase for name, run in runs.items()}
    holds = (runs["edge"].left > EDGE_KEPT and abs(runs["ordered"].left) < EDGE_LOST
             and abs(runs["chaotic"].left) < EDGE_LOST
             and phases == {"ordered": "ordered", "edge": "edge of chaos", "chaotic": "chaotic"})
    return Finding(text, holds=bool(holds))


def edge_of_chaos_finding(seed: int = 0) -> Finding:
    """Deep tanh networks keep a trace of how alike two inputs were only near the critical sigma_w^2.

    Measured live on three networks at EDGE_* settings (0.2-0.3 s on one
    core here): ``edge_of_chaos_verdict`` of ``edge_of_chaos_runs``.
    """
    return edge_of_chaos_verdict(edge_of_chaos_runs(seed))


@dataclass(frozen=True)
class IsometryRuns:
    """The dynamical-isometry lesson's networks: spectrum summaries by layer, the linear network's worst |s - 1|."""

    sigma_w2: float
    q_star: float
    tanh: dict[str, pd.DataFrame]
    relu: pd.DataFrame
    linear_off_one: float


def _spread(activation: str, initializer: str, params: dict, sigma_b2: float, q0: float, seed: int) -> pd.DataFrame:
    spectrum = prop.jacobian_spectrum(activation, initializer, depth=max(ISOMETRY_DEPTHS), width=ISOMETRY_WIDTH,
                                      bias_std=math.sqrt(sigma_b2), seed=seed, init_params=params,
                                      layers=ISOMETRY_DEPTHS, q0=q0)
    return prop.spectrum_summary(spectrum).set_index("layer")


def dynamical_isometry_runs(seed: int = 0) -> IsometryRuns:
    """Four networks of ISOMETRY_WIDTH units, measured: tanh on the critical line with orthogonal and with Gaussian
    weights (inputs at q*), ReLU with orthogonal weights at its critical point (2, 0), linear with orthogonal ones."""
    w2 = prop.critical_sigma_w2("tanh", ISOMETRY_SIGMA_B2)
    q_star = prop.fixed_point("tanh", w2, ISOMETRY_SIGMA_B2)
    q0 = (q_star - ISOMETRY_SIGMA_B2) / w2  # so that q_1 = q*: every layer at the fixed point
    tanh = {kind: _spread("tanh", *prop.weights_at(kind, w2, ISOMETRY_WIDTH), ISOMETRY_SIGMA_B2, q0, seed)
            for kind in prop.WEIGHTS}
    relu = _spread("relu", "orthogonal", {"gain": math.sqrt(2.0)}, 0.0, 1.0, seed)
    linear = prop.jacobian_spectrum("linear", "orthogonal", depth=max(ISOMETRY_DEPTHS), width=ISOMETRY_WIDTH,
                                    seed=seed, init_params={"gain": 1.0})
    return IsometryRuns(w2, q_star, tanh, relu, float(np.abs(linear["singular_value"] - 1.0).max()))


def dynamical_isometry_verdict(runs: IsometryRuns) -> Finding:
    """The sentence and the claim: orthogonal tanh spans less than TIGHT, Gaussian tanh and orthogonal ReLU more
    than LOOSE, the linear network is 1 to EXACT (seeds 0-4: 2.4-3.2, 1e16, 1e62 or more, 2e-15)."""
    shallow, deep = ISOMETRY_DEPTHS
    orth, gauss, relu = runs.tanh["orthogonal"], runs.tanh["Gaussian"], runs.relu
    text = (
        f"tanh on the critical line (σ_w² = {number(runs.sigma_w2)}, σ_b² = {number(ISOMETRY_SIGMA_B2)}, inputs at "
        f"q* = {number(runs.q_star)}), {ISOMETRY_WIDTH} units a layer. With orthogonal weights the middle 90% of the "
        f"singular values spans a factor {_factor(orth.loc[shallow])} at depth {shallow} and "
        f"{_factor(orth.loc[deep])} at depth {deep}; with Gaussian weights of the same σ_w², "
        f"{_factor(gauss.loc[shallow])} at depth {shallow}: {percent(gauss.loc[shallow, 'zero_share'], 0)} of them "
        f"below 1e-10 of the largest, {percent(gauss.loc[deep, 'zero_share'], 0)} at depth {deep}. ReLU at its "
        f"critical point (σ_w² = 2, σ_b = 0) cannot even with orthogonal weights: "
        f"{percent(relu.loc[deep, 'zero_share'], 0)} of its singular values at depth {deep} are 0 to float64, "
        "because every layer zeroes the units that are off. A "
        f"linear network with orthogonal weights has every singular value 1, to within "
        f"{number(runs.linear_off_one, 2)}."
    )
    holds = (bool((orth["spread"] < TIGHT).all()) and bool((gauss["spread"] > LOOSE).all())
             and bool((relu["spread"] > LOOSE).all()) and runs.linear_off_one < EXACT)
    return Finding(text, holds=holds)


def dynamical_isometry_finding(seed: int = 0) -> Finding:
    """Orthogonal tanh networks near the critical line keep every singular value near 1; Gaussian and ReLU do not.

    Measured live (0.4-0.5 s on one core here): ``dynamical_isometry_verdict``
    of ``dynamical_isometry_runs``.
    """
    return dynamical_isometry_verdict(dynamical_isometry_runs(seed))


# --- what the page adds around the charts ------------------------------------------------------------------

PHASE_CLICK = Message(
    "caption",
    "Click a cell to move the sidebar there: normal initialization with std √(σ_w²/n) and bias std σ_b. Grey "
    "cells: the signal dies or explodes, so no correlation settles (ξ_c is not a depth scale there).",
)
SPECTRUM_INTRO = Message(
    "markdown",
    r"The Jacobian $J_l = \partial a_l / \partial x$ says how a small change of the input reaches layer $l$; "
    r"its mean squared singular value is $\prod_k \chi_1(q_k)$ (Pennington, Schoenholz and Ganguli 2017). "
    "Gaussian and orthogonal weights of the same σ_w² have the same mean, but not the same spread: a "
    "spectrum that stays near 1 at depth (dynamical isometry) lets gradients through undistorted.",
)


def mean_field_applies(network) -> Message | None:
    """Why the maps say nothing here: weights of non-zero mean (every unit of a layer then sums the same)."""
    from ..initializers import weight_mean

    mean = weight_mean(network.init, network.width, network.width, **network.params)
    if mean == 0.0:
        return None
    return Message(
        "info",
        f"The mean-field maps assume zero-mean independent weights; {network.init} sets every weight to "
        f"{number(mean)}, so every unit of a layer computes the same sum and there is no Gaussian to average "
        "over. Pick a random initializer, or click the diagram.",
        ":material/info:",
    )


def off_the_diagram(sigma_w2: float, sigma_b2: float) -> Message | None:
    """Where the sidebar's setting lies outside the diagram's axes, which carry no marker for it then."""
    w_low, w_high = float(prop.PAGE_SIGMA_W2[0]), float(prop.PAGE_SIGMA_W2[-1])
    b_high = float(prop.PAGE_SIGMA_B2[-1])
    if w_low <= sigma_w2 <= w_high and sigma_b2 <= b_high:
        return None
    return Message(
        "caption",
        f"The sidebar's setting (σ_w² = {number(sigma_w2)}, σ_b² = {number(sigma_b2)}) lies outside the diagram "
        f"(σ_w² from {number(w_low)} to {number(w_high)}, σ_b² up to {number(b_high)}); the verdict above is its own.",
    )


def spectrum_lowered(plan) -> list[Message]:
    """The width the spectra use where the budget lowered it (a spectrum costs depth x width³)."""
    return [
        Message(
            "info",
            f"The spectra use {low.used} units per layer instead of {low.asked}: a Jacobian costs depth × width³ "
            "multiply-adds, twice here (Gaussian and orthogonal weights), and one page view may take a second.",
            ":material/timer:",
        )
        for low in plan.lowered
    ]
