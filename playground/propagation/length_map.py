"""The length map's fixed point q*: the limit of q_l from q_1, for many (sigma_w2, sigma_b2) at once."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .. import activations as act_mod
from ..theory import NOTES_FACTOR
from .gaussian import _HOMOGENEOUS, Moments, _evaluation_q, map_moments, moments, moments_and_slopes
from .roots import illinois

Array = np.ndarray


# The length map's table: 16 points a decade (cubic interpolation within 1e-6
# of the quadrature, one Newton step from 1e-12), every 4th of them brackets q*.
_TABLE_Q = np.geomspace(1e-16, 1e16, 32 * 16 + 1)
_BRACKET_STEP = 4
# A Newton step within this share of q moves the moments to q* to first order (fixed_points_and_moments).
_SMALL_STEP = 1e-6


@lru_cache(maxsize=16)
def _length_table(activation: str, bias: float) -> tuple[Array, Array, Array]:
    """ln q, V(q) and dV/dln q on ``_TABLE_Q``: the cubic interpolant that brackets q*."""
    m = moments(activation, bias, _TABLE_Q)
    return np.log(_TABLE_Q), m.second, np.sqrt(_TABLE_Q) * m.stein


def _interpolated_second(activation: str, bias: float, q: Array) -> Array:
    """V(q) by cubic Hermite interpolation in ln q (V(0) = phi(b)^2 below the table)."""
    t, v, dv = _length_table(activation, bias)
    tq = np.log(np.clip(q, _TABLE_Q[0], _TABLE_Q[-1]))
    j = np.clip(np.searchsorted(t, tq) - 1, 0, len(t) - 2)
    h = t[j + 1] - t[j]
    x = (tq - t[j]) / h
    value = ((2 * x**3 - 3 * x**2 + 1) * v[j] + (x**3 - 2 * x**2 + x) * h * dv[j]
             + (-2 * x**3 + 3 * x**2) * v[j + 1] + (x**3 - x**2) * h * dv[j + 1])
    at_zero = float(act_mod.get(activation).fn(np.array([bias]))[0] ** 2)
    below = q < _TABLE_Q[0]
    # Below 1e-16 V is V(0) plus a linear term to float64 precision.
    return np.where(below, at_zero + (v[0] - at_zero) * q / _TABLE_Q[0], value)


def _bracket(activation: str, bias: float, w2: Array, b2: Array, q1: Array) -> tuple[Array, Array, Array]:
    """Per row, [lo, hi] holding the fixed point the iteration from q1 reaches, and whether lo is it.

    h(q) = sigma_w^2 V(q) + sigma_b^2 - q. Where h(q1) > 0 the map raises q
    to the first root above q1 (hi = inf: none, q grows forever); where
    h(q1) < 0 it lowers q to the last root below, which exists since
    h(0) >= 0 (it is 0 itself, the signal dies, if h(0) = 0 and no table
    point below q1 has h >= 0).
    """
    _, v, _ = _length_table(activation, bias)
    table, v = _TABLE_Q[::_BRACKET_STEP], v[::_BRACKET_STEP]
    last = len(table) - 1
    h_table = w2[:, None] * v[None, :] + b2[:, None] - table[None, :]
    h1 = w2 * _interpolated_second(activation, bias, q1) + b2 - q1
    up, exact = h1 > 0, h1 == 0

    crossing_up = (table > q1[:, None]) & (h_table <= 0)
    first = np.argmax(crossing_up, axis=1)
    lo_up = np.maximum(q1, np.where(first > 0, table[np.maximum(first - 1, 0)], 0.0))
    hi_up = np.where(crossing_up.any(axis=1), table[first], math.inf)

    crossing_down = (table < q1[:, None]) & (h_table >= 0)
    below = crossing_down.any(axis=1)
    top = last - np.argmax(crossing_down[:, ::-1], axis=1)
    lo_down = np.where(below, table[top], 0.0)
    hi_down = np.minimum(q1, np.where(below, table[np.minimum(top + 1, last)], table[0]))
    at_zero = w2 * float(act_mod.get(activation).fn(np.array([bias]))[0] ** 2) + b2
    dies = ~up & ~exact & ~below & (at_zero == 0)

    lo = np.where(exact, q1, np.where(up, lo_up, np.where(dies, 0.0, lo_down)))
    hi = np.where(exact, q1, np.where(up, hi_up, np.where(dies, 0.0, hi_down)))
    return lo, hi, exact | dies


def _interpolant_root(activation: str, bias: float, w2: Array, b2: Array, lo: Array, hi: Array) -> Array:
    """The root of the interpolated h in [lo, hi] (h(lo) >= 0 >= h(hi)): regula falsi (Illinois) in ln q.

    On h / q, which is relative: q* may lie anywhere from 1e-40 to 1e16. On
    the page's grid it takes 11 evaluations of the interpolant where
    bisection took 56, and below the table (lo = 0, q* < 1e-16) it leaves
    h / q at 1e-11 where bisection's absolute steps left 1e-9.
    """

    def relative(t: Array) -> Array:
        q = np.exp(t)
        return 1.0 - (w2 * _interpolated_second(activation, bias, q) + b2) / q

    # lo = 0 only where h(0) > 0 (the signal does not die): h is positive just above 0 too, and the relative
    # residual there is huge (-b2 / 1e-300): illinois bisects where regula falsi stalls on such an end.
    return np.exp(illinois(relative, np.log(np.maximum(lo, 1e-300)), np.log(hi)))


def _homogeneous_fixed_points(activation: str, w2: Array, b2: Array, q1: Array) -> Array:
    """q* for phi(a s) = a phi(s) at b = 0, where V(q) = g q: closed forms.

    sigma_w^2 g < 1: q* = sigma_b^2 / (1 - sigma_w^2 g) (0 at sigma_b = 0); = 1
    with sigma_b = 0: every q is fixed, q* = q1; otherwise q grows forever.
    """
    growth = w2 * NOTES_FACTOR[activation]
    critical = np.abs(growth - 1.0) <= 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        below = b2 / (1.0 - growth)
    q = np.where(growth < 1.0, below, math.inf)
    return np.where(critical & (b2 == 0), q1, np.where(critical, math.inf, q))


def fixed_points(activation: str, sigma_w2, sigma_b2, *, bias: float = 0.0, q0: float = 1.0) -> Array:
    """q* for every (sigma_w2, sigma_b2) pair of two arrays: the limit of the length map from q_1.

    Bracketed on a table of V, refined on its interpolant, then one Newton
    step on the exact h (kept inside the bracket).
    """
    return fixed_points_and_moments(activation, sigma_w2, sigma_b2, bias=bias, q0=q0)[0]


def fixed_points_and_moments(activation: str, sigma_w2, sigma_b2, *, bias: float = 0.0,
                             q0: float = 1.0) -> tuple[Array, Moments]:
    """``fixed_points``, and ``map_moments`` where the maps take them (``_evaluation_q`` of q*).

    Where the Newton step ran and moved q by at most 1e-6 of itself (the
    interpolant's error), and each moment's log-slope times that share is
    within 1e-6 too, the moments come from its start, moved to q* to first
    order in the step: the neglected term, half the square of that product,
    is within 1e-12 of the moment, and a second pass of quadrature over
    every cell is saved. Any other row gets quadrature at q* itself.
    """
    act_mod.get(activation)
    w2, b2 = (np.asarray(v, dtype=float).ravel() for v in np.broadcast_arrays(sigma_w2, sigma_b2))
    _check_map_arguments(w2, b2, q0)
    q1 = w2 * q0 + b2
    if activation in _HOMOGENEOUS and bias == 0.0:
        q_star = _homogeneous_fixed_points(activation, w2, b2, q1)
        return q_star, map_moments(activation, bias, _evaluation_q(q_star))
    lo, hi, settled = _bracket(activation, bias, w2, b2, q1)
    finite = np.isfinite(hi) & ~settled
    guess = np.where(settled, lo, hi)
    guess[finite] = _interpolant_root(activation, bias, w2[finite], b2[finite], lo[finite], hi[finite])
    polish = finite & (guess > 0)
    q_star = guess.copy()
    at = np.zeros((3, len(q_star)))
    moved_little = np.zeros(len(q_star), dtype=bool)
    if polish.any():
        start = guess[polish]
        m, dm = moments_and_slopes(activation, bias, start)
        h = w2[polish] * m.second + b2[polish] - start
        dh = w2[polish] * m.stein / np.sqrt(start) - 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(dh != 0, -h / dh, 0.0)
        q_star[polish] = np.clip(start + np.nan_to_num(step), lo[polish], hi[polish])
        moved = q_star[polish] - start
        at[:, polish] = [m.second + dm.second * moved, m.stein + dm.stein * moved, m.slope + dm.slope * moved]
        # The neglected term is about (d ln M / d ln q x step / q)^2 / 2: a moment that changes fast in q (ReLU
        # below a negative bias, where M ~ exp(-b^2 / 2q)) needs a shorter step than SMALL_STEP. A longer one
        # (also where the interpolant was off, or the bracket clipped the step) gets quadrature at q* itself.
        share = np.abs(moved) / start
        with np.errstate(divide="ignore", invalid="ignore"):
            log_slope = np.max([np.abs(getattr(dm, name) * start / getattr(m, name))
                                for name in ("second", "stein", "slope")], axis=0)
        moved_little[polish] = (share <= _SMALL_STEP) & (np.nan_to_num(log_slope, nan=np.inf) * share <= _SMALL_STEP)
    rest = ~moved_little
    if rest.any():
        m = map_moments(activation, bias, _evaluation_q(q_star[rest]))
        at[:, rest] = [m.second, m.stein, m.slope]
    return q_star, Moments(*at)


def _check_map_arguments(w2: Array, b2: Array, q0: float) -> None:
    if not (np.isfinite(w2).all() and np.isfinite(b2).all()) or (w2 < 0).any() or (b2 < 0).any():
        raise ValueError("sigma_w2 and sigma_b2 must be finite and >= 0")
    if not (math.isfinite(q0) and q0 >= 0):
        raise ValueError(f"q0 (the inputs' E[x^2]) must be finite and >= 0, got {q0!r}")
