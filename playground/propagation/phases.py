"""The c-map's fixed point, phases and depth scales: ``phase_point`` for one setting, ``phase_diagram`` for a grid."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .gaussian import Moments, _evaluation_q
from .kernel import Kernel, _exact_kernels, _interpolated_kernels, kernel_at, kernel_on_grid, kernel_rows, kernels
from .length_map import fixed_points, fixed_points_and_moments

Array = np.ndarray


# Within this of 1, a degenerate map's slope is 1 (it is 1 - 1e-16 in floats).
_UNIT_SLOPE = 1e-9
# |ln chi_1| below this is "the edge of chaos": xi >= 100, the page's deepest network.
EDGE_BAND = 0.01
# Where chi_1 - 1 is below this, the c-map's fixed point is taken to leading order (see _phase_arrays).
_FOLD = 1e-7
# A grid of c in [0, 1) that brackets c* before Newton's method: denser towards 1.
_C_GRID = np.concatenate([np.linspace(0.0, 0.95, 39), 1.0 - np.geomspace(0.04, 1e-12, 25)])


def _chaotic_fixed_point(kernel: Kernel, w2: Array, b2: Array, steps: int = 6) -> tuple[Array, Array]:
    """c* < 1 and chi_c where the c-map's slope at 1 exceeds 1.

    g(c) = c'(c) - c is convex (K's series has positive coefficients), g(0) >= 0
    and g < 0 just below 1: one root in [0, 1). It is bracketed on a grid
    (one matrix product for every row), the chord's root starts Newton's
    method, which from there converges in two or three steps.
    """
    denominator = w2 * kernel.second + b2
    g_grid = (w2[:, None] * kernel_on_grid(kernel, _C_GRID) + b2[:, None]) / denominator[:, None] - _C_GRID[None, :]
    negative = g_grid < 0
    right = np.where(negative.any(axis=1), np.argmax(negative, axis=1), len(_C_GRID) - 1)
    left = np.maximum(right - 1, 0)
    rows = np.arange(len(w2))
    g_left, g_right = g_grid[rows, left], g_grid[rows, right]
    low, high = _C_GRID[left], np.where(negative.any(axis=1), _C_GRID[right], 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        chord = np.where(g_left > g_right, low + g_left * (high - low) / (g_left - g_right), low)
    c = np.where(negative.any(axis=1), np.clip(np.nan_to_num(chord), low, high), low)
    active = np.ones(len(c), dtype=bool)
    for _ in range(steps):
        sub = kernel_rows(kernel, active)
        value, slope = kernel_at(sub, c[active])
        g = (w2[active] * value + b2[active]) / denominator[active] - c[active]
        dg = w2[active] * slope / denominator[active] - 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.nan_to_num(np.where(dg < 0, -g / dg, 0.0))
        c[active] = np.clip(c[active] + step, low[active], high[active])
        # 1e-12: where chi_c is near 1, rounding alone moves c by 1e-13 a step.
        active[active] = np.abs(step) > 1e-12
        if not active.any():
            break
    _, slope = kernel_at(kernel, c)
    return c, w2 * slope / denominator


def _phase_arrays(activation: str, w2, b2, *, bias: float, q0: float, interpolate: bool) -> dict[str, Array]:
    """q*, chi_1, chi_q, c* and chi_c for every (sigma_w2, sigma_b2) pair (see the package's docstring)."""
    w2, b2 = (np.asarray(v, dtype=float).ravel() for v in np.broadcast_arrays(w2, b2))
    q_star, m = fixed_points_and_moments(activation, w2, b2, bias=bias, q0=q0)
    q = _evaluation_q(q_star)
    chi1 = w2 * m.slope
    chi_q = w2 * m.stein / np.sqrt(q)
    denominator = w2 * m.second + b2
    degenerate = (q_star == 0) | np.isinf(q_star)
    with np.errstate(divide="ignore", invalid="ignore"):
        # The c-map's slope at c = 1, w2 q D / (w2 V + b2): chi_1 at a finite q*, its limit elsewhere.
        limit = w2 * q * m.slope / denominator
    at_one = np.where(degenerate, np.where(np.abs(limit - 1.0) <= _UNIT_SLOPE, 1.0, limit), chi1)
    dead = ~(denominator > 0)  # every unit outputs the same value for both inputs: no correlation
    ordered = ~dead & (at_one <= 1.0)
    c_star = np.where(ordered, 1.0, math.nan)
    chi_c = np.where(ordered, at_one, math.nan)
    # Within 1e-7 of the edge c* is within about chi_1 - 1 of 1, beyond what Newton's method resolves in
    # float64, and the bifurcation's leading order is exact to that precision: c* = 1, chi_c = 2 - chi_1.
    fold = ~dead & (at_one > 1.0) & (at_one - 1.0 <= _FOLD)
    c_star[fold], chi_c[fold] = 1.0, 2.0 - at_one[fold]
    chaotic = ~dead & (at_one - 1.0 > _FOLD)
    if chaotic.any():
        sub = Moments(m.second[chaotic], m.stein[chaotic], m.slope[chaotic])
        build = _interpolated_kernels if interpolate else _exact_kernels
        kernel = build(activation, bias, q[chaotic], sub)
        c_star[chaotic], chi_c[chaotic] = _chaotic_fixed_point(kernel, w2[chaotic], b2[chaotic])
    return dict(sigma_w2=w2, sigma_b2=b2, q_star=q_star, chi1=chi1, chi_q=chi_q, c_star=c_star, chi_c=chi_c)


def depth_scale(chi) -> Array:
    """-1 / ln chi: the depth over which a deviation shrinks by e; inf at chi = 1, nan above 1 or for nan."""
    chi = np.asarray(chi, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(chi > 0, -1.0 / np.log(np.where(chi > 0, chi, 0.5)), 0.0)
    return np.where(chi == 1.0, math.inf, np.where((chi >= 0) & (chi < 1), scale, math.nan))


def phase_names(q_star, chi1) -> Array:
    """"edge of chaos" (|ln chi_1| <= EDGE_BAND), "exploding" (q* = inf), "vanishing" (q* = 0), "ordered", "chaotic"."""
    q_star, chi1 = np.asarray(q_star, dtype=float), np.asarray(chi1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        edge = np.abs(np.log(chi1)) <= EDGE_BAND
    return np.select(
        [edge, np.isinf(q_star), q_star == 0, chi1 < 1, chi1 > 1],
        ["edge of chaos", "exploding", "vanishing", "ordered", "chaotic"],
        default="undefined",
    )


@dataclass(frozen=True)
class PhasePoint:
    """Where a setting sits: q*, chi_1, the slopes chi_q and chi_c, c*, and what follows from them."""

    activation: str
    sigma_w2: float
    sigma_b2: float
    bias: float
    q_star: float
    chi1: float
    chi_q: float
    c_star: float
    chi_c: float

    @property
    def xi_q(self) -> float:
        """-1/ln|chi_q|; nan where q* = inf (q grows, it converges to nothing)."""
        return math.nan if math.isinf(self.q_star) else float(depth_scale(abs(self.chi_q)))

    @property
    def xi_c(self) -> float:
        return float(depth_scale(self.chi_c))

    @property
    def phase(self) -> str:
        return str(phase_names(self.q_star, self.chi1))

    @property
    def trainable_depth(self) -> float:
        """Schoenholz et al. 2017: networks train up to about 6 xi_c layers."""
        return 6.0 * self.xi_c


def phase_point(activation: str, sigma_w2: float, sigma_b2: float, *, bias: float = 0.0, q0: float = 1.0) -> PhasePoint:
    """Every mean-field number of one setting; the coefficients of the c-map are exact at q*."""
    arrays = _phase_arrays(activation, sigma_w2, sigma_b2, bias=bias, q0=q0, interpolate=False)
    values = {name: float(v[0]) for name, v in arrays.items()}
    return PhasePoint(activation=activation, bias=float(bias), **values)


def fixed_point(activation: str, sigma_w2: float, sigma_b2: float, *, bias: float = 0.0, q0: float = 1.0) -> float:
    """q*: the limit of q_l from q_1 = sigma_w2 q0 + sigma_b2 (0 or inf where the signal dies or explodes)."""
    return float(fixed_points(activation, sigma_w2, sigma_b2, bias=bias, q0=q0)[0])


def chi1(activation: str, sigma_w2: float, sigma_b2: float, *, bias: float = 0.0, q0: float = 1.0) -> float:
    """chi_1 = sigma_w2 E[phi'(b + sqrt(q*) z)^2], its limit where q* = 0 or inf: ``phase_point``'s, without c-map."""
    w2, b2 = np.atleast_1d(np.asarray(sigma_w2, dtype=float)), np.atleast_1d(np.asarray(sigma_b2, dtype=float))
    return float(_chi1_of(activation, w2, b2, bias, q0)[1][0])


def depth_scales(activation: str, sigma_w2: float, sigma_b2: float, *, bias: float = 0.0,
                 q0: float = 1.0) -> tuple[float, float]:
    """(xi_q, xi_c): -1/ln|chi_q| and -1/ln chi_c (inf at criticality, nan where undefined)."""
    point = phase_point(activation, sigma_w2, sigma_b2, bias=bias, q0=q0)
    return point.xi_q, point.xi_c


def correlation_map(activation: str, sigma_w2: float, sigma_b2: float, c, *, bias: float = 0.0, q0: float = 1.0):
    """One step of the c-map at q*: c' = (sigma_w2 K(q*, c) + sigma_b2) / q* for c in [-1, 1] (an array or a float)."""
    c_array = np.asarray(c, dtype=float)
    if not (np.isfinite(c_array).all() and (np.abs(c_array) <= 1).all()):
        raise ValueError("correlations must lie in [-1, 1]")
    q = _evaluation_q(fixed_points(activation, sigma_w2, sigma_b2, bias=bias, q0=q0))
    kernel = kernels(activation, bias, q)
    denominator = sigma_w2 * kernel.second[0] + sigma_b2
    with np.errstate(divide="ignore", invalid="ignore"):
        mapped = (sigma_w2 * kernel_on_grid(kernel, c_array.ravel())[0] + sigma_b2) / denominator
    mapped = mapped.reshape(c_array.shape)
    return float(mapped) if mapped.ndim == 0 else mapped


def _chi1_of(activation: str, w2: Array, b2: Array, bias: float, q0: float) -> tuple[Array, Array]:
    """q* and chi_1 alone (no c-map) for pairs of arrays."""
    q_star, m = fixed_points_and_moments(activation, w2, b2, bias=bias, q0=q0)
    return q_star, w2 * m.slope


# The page's phase diagram: 60 x 40 cells over the part of the plane where the phases meet for every activation.
PAGE_SIGMA_W2 = np.linspace(0.25, 4.0, 60)
PAGE_SIGMA_B2 = np.linspace(0.0, 0.5, 40)


def phase_diagram(activation: str, sigma_w2_values, sigma_b2_values, *, bias: float = 0.0,
                  q0: float = 1.0) -> pd.DataFrame:
    """The (sigma_w2, sigma_b2) plane, one row per cell (sigma_b2 major), vectorized.

    Columns: sigma_w2, sigma_b2, q_star, chi1, xi_c, and c_star, xi_q, phase.
    q* and chi_1 equal ``phase_point``'s to rounding; in the chaotic phase the
    c-map's coefficients are interpolated in q (``_interpolated_kernels``).
    """
    w2, b2 = np.meshgrid(np.asarray(sigma_w2_values, dtype=float), np.asarray(sigma_b2_values, dtype=float))
    arrays = _phase_arrays(activation, w2, b2, bias=bias, q0=q0, interpolate=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi_q = np.where(np.isinf(arrays["q_star"]), math.nan, depth_scale(np.abs(arrays["chi_q"])))
    return pd.DataFrame({
        "sigma_w2": arrays["sigma_w2"], "sigma_b2": arrays["sigma_b2"], "q_star": arrays["q_star"],
        "chi1": arrays["chi1"], "xi_c": depth_scale(arrays["chi_c"]), "c_star": arrays["c_star"], "xi_q": xi_q,
        "phase": phase_names(arrays["q_star"], arrays["chi1"]),
    })
