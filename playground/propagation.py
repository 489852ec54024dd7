"""Signal propagation at initialization: the mean-field maps, their fixed points, phases and depth scales,
and the finite networks that test them.

Notation (Poole et al. 2016, "Exponential expressivity in deep neural networks
through transient chaos"; Schoenholz et al. 2017, "Deep information
propagation"). Weights have n Var(w) = sigma_w^2, biases are N(b, sigma_b^2)
per unit, inputs have E[x^2] = q0 per coordinate. A layer's pre-activations
are about Gaussian with variance q about their mean b:

    length map        q_l = sigma_w^2 E_z[phi(b + sqrt(q_{l-1}) z)^2] + sigma_b^2,  q_1 = sigma_w^2 q0 + sigma_b^2;
    correlation map   c' = (sigma_w^2 K(q, c) + sigma_b^2) / (sigma_w^2 V(q) + sigma_b^2),

with V(q) = E[phi(u)^2], K(q, c) = E[phi(u1) phi(u2)], u1 = b + sqrt(q) z1,
u2 = b + sqrt(q) (c z1 + sqrt(1 - c^2) z2). At the fixed point q* of the
length map the denominator is q*, so c' = q12 / q*: the paper's map. Written
with the next layer's q it also holds where q has no finite non-zero fixed
point (see below). chi_1 = sigma_w^2 E[phi'(b + sqrt(q*) z)^2] is the slope
of the c-map at c = 1: the ordered phase chi_1 < 1 (c -> 1), the chaotic
chi_1 > 1 (c -> c* < 1), the edge of chaos chi_1 = 1. The depth scales are
xi_q = -1/ln|chi_q| and xi_c = -1/ln chi_c, chi_q = sigma_w^2 E[phi phi' z] /
sqrt(q*) the slope of the length map at q* (Stein's lemma: no phi''), chi_c
the c-map's slope at c*; Schoenholz et al. find networks trainable up to
about 6 xi_c layers. A Jacobian's mean squared singular value is the product
of every layer's chi_1 at that layer's own q (Pennington, Schoenholz and
Ganguli 2017, "Resurrecting the sigmoid in deep learning through dynamical
isometry").

Numerics. One-dimensional expectations are ``theory.gaussian_nodes``, the
project's quadrature (panels at the kink and at every power of two around it),
many q at once through ``theory.gaussian_nodes_batch``. The two-dimensional K
is reduced to one-dimensional integrals by Mehler's formula,

    K(q, c) = sum_k a_k(q)^2 c^k,   a_k(q) = E[phi(b + sqrt(q) z) He_k(z)] / sqrt(k!),

with the a_k taken on the same nodes. For smooth phi the terms vanish fast;
a kink (ReLU, leaky ReLU, SELU) makes a_k^2 ~ k^(-5/2), so the terms past
``HERMITE_TERMS`` are replaced by T0 c^kappa, where T0 = V - sum a_k^2 is
their exact total and kappa = T1 / T0 their mean order, from T1 = q E[phi'^2]
- sum k a_k^2: the map keeps c = 1 as a fixed point with slope chi_1 exactly.
Below c = 0 the tail's exact value at c = -1, K(q, -1) = E[phi(b + sqrt(q) z)
phi(b - sqrt(q) z)] less the series there, takes T0's place. Measured against
2-D adaptive quadrature (scipy) the c-map is within 3e-15 for tanh (2e-10 when
saturated, q* = 30) and 3e-9 for SELU; against ReLU's arc-cosine kernel within
1.3e-6 (0.2% of 1 - c near c = 1), on both sides of 0.

Within 1e-7 of the edge (chi_1 - 1 < 1e-7) c* is within about chi_1 - 1 of 1,
closer than Newton's method resolves, and the bifurcation's leading order
c* = 1, chi_c = 2 - chi_1 is exact to that precision. ``phase_diagram`` takes
q* and chi_1 exactly as ``phase_point`` does; for the c-map of its chaotic
cells it interpolates the a_k in ln q (``_interpolated_kernels``), within
2e-10 of the exact chi_c (1/xi_c within 2e-10 of ``phase_point``'s).

Degenerate cases, returned as inf or nan, never raised:
- q* is the limit of the length map iterated from q_1: 0 when the signal dies
  (sigma_b = 0 and phi(b) = 0 below criticality: tanh with sigma_w^2 < 1, ReLU
  and linear units with sigma_w^2 below 2 and 1 at b = 0), inf when it grows
  without bound (ReLU with sigma_w^2 > 2; with b = 0 and sigma_b > 0 already at
  2). ReLU and linear units at b = 0 and sigma_b = 0 have no other fixed
  point: at criticality every q is one, and q* = q_1.
- There, chi_1 and the c-map are their limits at q -> 0 or inf. ReLU's c-map
  at b = 0 does not depend on q (the arc-cosine kernel of Cho and Saul 2009)
  and has slope 1 at c = 1: xi_c = inf, correlations approach 1 polynomially
  in depth. A dying tanh signal is linear in the limit: its c-map is the
  identity, xi_c = inf (c is frozen, not preserved by a good initialization).
- tanh at sigma_b = 0 is critical at sigma_w^2 = 1, where q* = 0; ReLU only at
  (2, 0). ``critical_sigma_w2`` is nan where chi_1 reaches 1 only as q* -> inf.
- chi_q > 1 at q* (an unstable fixed point) has xi_q = nan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from . import activations as act_mod
from . import initializers as init_mod
from .theory import NOTES_FACTOR, gaussian_nodes_batch, mean_field, weight_gain

Array = np.ndarray

# Terms of Mehler's series: the project's quadrature gets a_k to 1e-13 up to
# k = 500 (checked against ReLU's closed form); by k = 1000 it is 4e-9 off.
HERMITE_TERMS = 512
# The tail of the series below this share of V is quadrature noise, not a tail.
_TAIL_NOISE = 1e-13
# Where q* = 0 or inf, expectations are their limits, taken here.
_Q_TINY, _Q_HUGE = 1e-280, 1e280
# The length map's table: 16 points a decade (cubic interpolation within 1e-6
# of the quadrature, one Newton step from 1e-12), every 4th of them brackets q*.
_TABLE_Q = np.geomspace(1e-16, 1e16, 32 * 16 + 1)
_BRACKET_STEP = 4
# Rows of quadrature nodes per batch: about 1 MB of nodes, fastest here.
_CHUNK = 256
# Activations with phi(a s) = a phi(s) for a > 0: at b = 0, V(q) = NOTES_FACTOR q.
_HOMOGENEOUS = ("linear", "relu", "leaky_relu")
# Within this of 1, a degenerate map's slope is 1 (it is 1 - 1e-16 in floats).
_UNIT_SLOPE = 1e-9
# |ln chi_1| below this is "the edge of chaos": xi >= 100, the page's deepest network.
EDGE_BAND = 0.01
# Input pairs a finite network averages over (see ``propagate_pair``).
PAIRS = 16
# Singular values below this share of the largest are zero to float64 (rank lost).
ZERO_SINGULAR = 1e-10


# --- Gaussian moments of phi, many q at once ----------------------------------------------


@dataclass(frozen=True)
class Moments:
    """Per q: V = E[phi(s)^2], S = E[phi(s) phi'(s) z] and D = E[phi'(s)^2], s = b + sqrt(q) z."""

    second: Array
    stein: Array
    slope: Array


def _standard(points: Array, bias: float, q: Array) -> Array:
    """z = (s - b) / sqrt(q) at the nodes (0 where q = 0)."""
    sd = np.sqrt(q)[:, None]
    return np.divide(points - bias, sd, out=np.zeros_like(points), where=sd > 0)


def moments(activation: str, bias: float, q) -> Moments:
    """V, S and D of ``Moments`` at every q of an array, on ``theory.gaussian_nodes``.

    dV/dq = S / sqrt(q) by Stein's lemma, so the length map's slope needs no phi''.
    """
    spec = act_mod.get(activation)
    q = np.atleast_1d(np.asarray(q, dtype=float))
    out = [np.empty(len(q)) for _ in range(3)]
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, len(q), _CHUNK):
            rows = slice(start, start + _CHUNK)
            points, weights = gaussian_nodes_batch(bias, q[rows])
            a = spec.fn(points)
            d = spec.derivative_from_output(a)
            z = _standard(points, bias, q[rows])
            out[0][rows] = np.einsum("ij,ij,ij->i", weights, a, a)
            out[1][rows] = np.einsum("ij,ij,ij,ij->i", weights, a, d, z)
            out[2][rows] = np.einsum("ij,ij,ij->i", weights, d, d)
    return Moments(*out)


def map_moments(activation: str, bias: float, q: Array) -> Moments:
    """``moments`` where the maps need them: exact for phi(a s) = a phi(s) at b = 0.

    There V = g q, S = g sqrt(q) and D = g with g = E[phi(z)^2] (theory's He
    factor), so that ReLU at sigma_w2 = 2 has chi_1 = 1, not 1 - 3e-16.
    """
    if activation in _HOMOGENEOUS and bias == 0.0:
        g = NOTES_FACTOR[activation]
        q = np.atleast_1d(np.asarray(q, dtype=float))
        return Moments(second=g * q, stein=g * np.sqrt(q), slope=np.full(q.shape, g))
    return moments(activation, bias, q)


# E[phi(z) phi(-z)] for phi(a s) = a phi(s): relu(z) relu(-z) = 0, and the
# leaky and linear units multiply -z^2 by their slopes below 0.
_HOMOGENEOUS_MIRROR = {"linear": -1.0, "relu": 0.0, "leaky_relu": -act_mod.LEAKY_SLOPE}


def mirror_moment(activation: str, bias: float, q) -> Array:
    """E[phi(b + sqrt(q) z) phi(b - sqrt(q) z)] = K(q, -1), on nodes with the kinks of both factors (0 and 2b)."""
    q = np.atleast_1d(np.asarray(q, dtype=float))
    if activation in _HOMOGENEOUS and bias == 0.0:
        return _HOMOGENEOUS_MIRROR[activation] * q
    spec = act_mod.get(activation)
    out = np.empty(len(q))
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, len(q), _CHUNK):
            rows = slice(start, start + _CHUNK)
            points, weights = gaussian_nodes_batch(bias, q[rows], kinks=tuple(sorted({0.0, 2.0 * bias})))
            out[rows] = np.einsum("ij,ij,ij->i", weights, spec.fn(points), spec.fn(2.0 * bias - points))
    return out


def _evaluation_q(q_star: Array) -> Array:
    """Where the maps are taken at q*: q* itself, or where its limit is reached (q* = 0 or inf)."""
    return np.where(q_star == 0, _Q_TINY, np.where(np.isinf(q_star), _Q_HUGE, q_star))


# --- the length map's fixed point --------------------------------------------------------------


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


def _bisect_interpolant(activation, bias, w2, b2, lo, hi, steps: int = 56) -> Array:
    """The root of the interpolated h in [lo, hi] (h(lo) >= 0 >= h(hi)), by bisection: cheap, robust."""
    lo, hi = lo.copy(), hi.copy()
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        positive = w2 * _interpolated_second(activation, bias, mid) + b2 - mid > 0
        lo, hi = np.where(positive, mid, lo), np.where(positive, hi, mid)
    return 0.5 * (lo + hi)


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
    act_mod.get(activation)
    w2, b2 = (np.asarray(v, dtype=float).ravel() for v in np.broadcast_arrays(sigma_w2, sigma_b2))
    _check_map_arguments(w2, b2, q0)
    q1 = w2 * q0 + b2
    if activation in _HOMOGENEOUS and bias == 0.0:
        return _homogeneous_fixed_points(activation, w2, b2, q1)
    lo, hi, settled = _bracket(activation, bias, w2, b2, q1)
    finite = np.isfinite(hi) & ~settled
    guess = np.where(settled, lo, hi)
    guess[finite] = _bisect_interpolant(activation, bias, w2[finite], b2[finite], lo[finite], hi[finite])
    polish = finite & (guess > 0)
    if polish.any():
        m = moments(activation, bias, guess[polish])
        h = w2[polish] * m.second + b2[polish] - guess[polish]
        dh = w2[polish] * m.stein / np.sqrt(guess[polish]) - 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(dh != 0, -h / dh, 0.0)
        guess[polish] = np.clip(guess[polish] + np.nan_to_num(step), lo[polish], hi[polish])
    return guess


def _check_map_arguments(w2: Array, b2: Array, q0: float) -> None:
    if not (np.isfinite(w2).all() and np.isfinite(b2).all()) or (w2 < 0).any() or (b2 < 0).any():
        raise ValueError("sigma_w2 and sigma_b2 must be finite and >= 0")
    if not (math.isfinite(q0) and q0 >= 0):
        raise ValueError(f"q0 (the inputs' E[x^2]) must be finite and >= 0, got {q0!r}")


# --- the correlation map: Mehler's series on the same nodes -------------------------------------


def hermite_coefficients(activation: str, bias: float, q, terms: int = HERMITE_TERMS) -> Array:
    """a_k(q) = E[phi(b + sqrt(q) z) He_k(z)] / sqrt(k!), k = 0..terms: one row per q.

    He_k / sqrt(k!) by its three-term recurrence, which is stable upward. A
    row whose nodes are one point mass (q below 1e-16 b^2) gets its Taylor
    limit a_0 = phi(b), a_1 = sqrt(q) phi'(b), and 0 beyond (O(q)).
    """
    spec = act_mod.get(activation)
    q = np.atleast_1d(np.asarray(q, dtype=float))
    out = np.zeros((len(q), terms + 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, len(q), _CHUNK):
            rows = slice(start, start + _CHUNK)
            points, weights = gaussian_nodes_batch(bias, q[rows])
            z = _standard(points, bias, q[rows])
            f = weights * spec.fn(points)
            block = _hermite_moments(f, z, terms)
            single = np.count_nonzero(weights, axis=1) == 1
            if single.any():
                at_b = spec.fn(np.array([float(bias)]))
                block[single] = 0.0
                block[single, 0] = at_b[0]
                block[single, 1] = np.sqrt(q[rows][single]) * spec.derivative_from_output(at_b)[0]
            out[rows] = block
    return out


def _hermite_moments(f: Array, z: Array, terms: int) -> Array:
    """sum_i f_i He_k(z_i) / sqrt(k!) per row, k = 0..terms, reusing three buffers."""
    out = np.empty((f.shape[0], terms + 1))
    previous, current, following = np.ones_like(z), z.copy(), np.empty_like(z)
    out[:, 0] = f.sum(axis=1)
    if terms >= 1:
        out[:, 1] = np.einsum("ij,ij->i", f, current)
    for k in range(1, terms):
        np.multiply(z, current, out=following)
        following -= math.sqrt(k) * previous
        following *= 1.0 / math.sqrt(k + 1)
        out[:, k + 1] = np.einsum("ij,ij->i", f, following)
        previous, current, following = current, following, previous
    return out


@dataclass(frozen=True)
class Kernel:
    """K(q, c) = E[phi(u1) phi(u2)] per row (one q each): sum_k a2_k c^k + the tail.

    The tail is tail c^kappa for c >= 0 and mirror_tail |c|^kappa below 0,
    where mirror_tail = K(q, -1) - sum_k a2_k (-1)^k is the tail's exact value
    at c = -1 (its even terms less its odd ones). ``second`` is V = K(q, 1).
    """

    q: Array
    a2: Array
    tail: Array
    kappa: Array
    second: Array
    mirror_tail: Array


def make_kernel(coefficients: Array, q: Array, m: Moments, mirror: Array | None = None) -> Kernel:
    """The kernel of ``hermite_coefficients`` rows, with the tail's total and order from V and q D.

    ``mirror`` is ``mirror_moment`` at the rows' q; without it the tail below
    c = 0 is left out (at most tail |c|^(K+1)), which c* in [0, 1) never needs.
    """
    a2 = coefficients**2
    order = np.arange(a2.shape[1])
    tail = np.maximum(m.second - a2.sum(axis=1), 0.0)
    signs = np.where(order % 2 == 0, 1.0, -1.0)
    mirror_tail = np.zeros(len(q)) if mirror is None else mirror - a2 @ signs
    tail1 = np.maximum(q * m.slope - a2 @ order, 0.0)
    noise = tail <= _TAIL_NOISE * np.abs(m.second)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.maximum(np.where(noise, 0.0, tail1 / np.where(noise, 1.0, tail)), len(order))
    # Terms below 1e-18 V in every row change nothing: dropping them makes each evaluation cheaper.
    significant = a2 > 1e-18 * np.abs(m.second)[:, None]
    keep = 1 + int(np.max(np.where(significant.any(axis=0), order, 0)))
    return Kernel(q=q, a2=a2[:, :keep], tail=np.where(noise, 0.0, tail), kappa=np.where(noise, 0.0, kappa),
                  second=m.second, mirror_tail=np.where(noise, 0.0, mirror_tail))


def kernel_at(kernel: Kernel, c: Array) -> tuple[Array, Array]:
    """K(q, c) and dK/dc at one c per row.

    c^k = exp(k ln c) for every row and term at once (within k roundings of
    ln c, 1e-13 at most); c < 0 by |c|^k and the sign of odd k.
    """
    c = np.asarray(c, dtype=float)
    order = np.arange(kernel.a2.shape[1])
    magnitude = np.log(np.maximum(np.abs(c), 1e-300))  # c = 0: exp(-690 k) is 1, then 0 to float64
    powers = np.exp(magnitude[:, None] * order[None, :])
    powers[:, 1::2] *= np.where(c < 0, -1.0, 1.0)[:, None]
    value = np.einsum("ij,ij->i", kernel.a2, powers)
    slope = np.einsum("ij,ij->i", kernel.a2[:, 1:] * order[1:], powers[:, :-1])
    total = np.where(c >= 0, kernel.tail, kernel.mirror_tail)
    size = np.minimum(np.abs(c), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = total * np.power(size, kernel.kappa)
        # d/dc of T |c|^kappa is sign(c) T kappa |c|^(kappa - 1).
        tail_slope = np.where(total != 0, np.sign(c) * total * kernel.kappa * np.power(size, kernel.kappa - 1.0), 0.0)
    return value + tail, slope + tail_slope


def kernel_rows(kernel: Kernel, rows: Array) -> Kernel:
    """The kernel of some rows only (a boolean mask or indices)."""
    return Kernel(q=kernel.q[rows], a2=kernel.a2[rows], tail=kernel.tail[rows], kappa=kernel.kappa[rows],
                  second=kernel.second[rows], mirror_tail=kernel.mirror_tail[rows])


def kernel_on_grid(kernel: Kernel, c: Array) -> Array:
    """K(q, c) for every row and every c of one shared grid: a matrix product (rows x grid)."""
    c = np.asarray(c, dtype=float)
    powers = c[None, :] ** np.arange(kernel.a2.shape[1])[:, None]
    total = np.where(c[None, :] >= 0, kernel.tail[:, None], kernel.mirror_tail[:, None])
    tail = total * np.power(np.minimum(np.abs(c), 1.0)[None, :], kernel.kappa[:, None])
    return kernel.a2 @ powers + tail


@lru_cache(maxsize=8)
def _unit_coefficients(activation: str) -> Array:
    """a_k at q = 1 and b = 0, read-only: for phi(a s) = a phi(s) every q's are sqrt(q) times these."""
    row = hermite_coefficients(activation, 0.0, [1.0])
    row.setflags(write=False)
    return row


def _exact_kernels(activation: str, bias: float, q: Array, m: Moments, mirror: Array | None = None) -> Kernel:
    """``make_kernel`` from the coefficients at each q itself, given the moments there."""
    if activation in _HOMOGENEOUS and bias == 0.0:
        coefficients = np.sqrt(q)[:, None] * _unit_coefficients(activation)
    else:
        coefficients = hermite_coefficients(activation, bias, q)
    return make_kernel(coefficients, q, m, mirror)


def kernels(activation: str, bias: float, q) -> Kernel:
    """The kernel at every q of an array, for c in [-1, 1] (where q* = 0 or inf, pass ``_evaluation_q``)."""
    q = np.atleast_1d(np.asarray(q, dtype=float))
    return _exact_kernels(activation, bias, q, map_moments(activation, bias, q), mirror_moment(activation, bias, q))


# The widest range of q whose coefficients are interpolated (64 Chebyshev points at most).
_INTERPOLATED_DECADES = 7.0


def _interpolated_kernels(activation: str, bias: float, q: Array, m: Moments, mirror: Array | None = None) -> Kernel:
    """``kernels`` with the a_k taken at Chebyshev points in ln q and interpolated.

    a_k(q) is smooth in ln q; barycentric interpolation (Berrut and
    Trefethen 2004) with 8 points plus 8 a decade of the rows' range keeps
    chi_c within 2e-10 of the exact coefficients' even next to the edge of
    chaos, where xi_c ~ 1000 amplifies every error (20 points in all were 4%
    off there for SELU). V and D stay exact, so the tail keeps c = 1 fixed
    with slope chi_1. Over more than ``_INTERPOLATED_DECADES`` of q
    (a signal growing by 1e4 a layer spans 280 decades in 70 layers) the
    coefficients are exact instead.
    """
    t = np.log(q)
    low, high = float(t.min()), float(t.max())
    decades = (high - low) / math.log(10)
    nodes = 8 + math.ceil(8 * decades)
    if len(q) <= nodes or decades > _INTERPOLATED_DECADES or (activation in _HOMOGENEOUS and bias == 0.0):
        return _exact_kernels(activation, bias, q, m, mirror)
    j = np.arange(nodes)
    points = 0.5 * (low + high) + 0.5 * (high - low) * np.cos(np.pi * j / (nodes - 1))
    table = hermite_coefficients(activation, bias, np.exp(points))
    weights = (-1.0) ** j * np.where((j == 0) | (j == nodes - 1), 0.5, 1.0)
    gap = t[:, None] - points[None, :]
    hit = gap == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(hit, 0.0, weights / np.where(hit, 1.0, gap))
    terms = np.where(hit.any(axis=1, keepdims=True), hit.astype(float), terms)
    coefficients = (terms / terms.sum(axis=1, keepdims=True)) @ table
    return make_kernel(coefficients, q, m, mirror)


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
    """q*, chi_1, chi_q, c* and chi_c for every (sigma_w2, sigma_b2) pair (see the module docstring)."""
    w2, b2 = (np.asarray(v, dtype=float).ravel() for v in np.broadcast_arrays(w2, b2))
    q_star = fixed_points(activation, w2, b2, bias=bias, q0=q0)
    q = _evaluation_q(q_star)
    m = map_moments(activation, bias, q)
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
    q_star = fixed_points(activation, w2, b2, bias=bias, q0=q0)
    return q_star, w2 * map_moments(activation, bias, _evaluation_q(q_star)).slope


# sigma_w2 is scanned over this range for chi_1 = 1, then refined.
_CRITICAL_SCAN = np.geomspace(1e-3, 1e3, 31)


def critical_line(activation: str, sigma_b2_values, *, bias: float = 0.0, q0: float = 1.0) -> pd.DataFrame:
    """The edge of chaos: for each sigma_b2, the smallest sigma_w2 in [1e-3, 1e3] with chi_1 = 1.

    Columns sigma_b2, sigma_w2 (nan where there is none, or where chi_1
    reaches 1 only as q* -> inf, as for ReLU at b = 0 with sigma_b > 0). The
    scan brackets the first crossing; the Illinois variant of regula falsi
    refines it in ln sigma_w2 (about ten evaluations).
    """
    act_mod.get(activation)
    b2 = np.atleast_1d(np.asarray(sigma_b2_values, dtype=float))
    if activation in _HOMOGENEOUS and bias == 0.0:
        # chi_1 = g sigma_w2 for every q: critical at 1/g, with a finite q* only without bias noise.
        return pd.DataFrame({"sigma_b2": b2, "sigma_w2": np.where(b2 == 0, 1.0 / NOTES_FACTOR[activation], math.nan)})
    rows = len(b2)
    _, chi_scan = _chi1_of(activation, np.tile(_CRITICAL_SCAN, rows), np.repeat(b2, len(_CRITICAL_SCAN)), bias, q0)
    above = (chi_scan.reshape(rows, -1) >= 1.0)
    found = above.any(axis=1)
    first = np.argmax(above, axis=1)
    hi = np.log(_CRITICAL_SCAN[first])
    lo = np.where(first > 0, np.log(_CRITICAL_SCAN[np.maximum(first - 1, 0)]), np.log(1e-12))
    root = _illinois(lambda t: _chi1_of(activation, np.exp(t), b2[found], bias, q0)[1] - 1.0, lo[found], hi[found])
    q_star, chi = _chi1_of(activation, np.exp(root), b2[found], bias, q0)
    sigma_w2 = np.full(rows, math.nan)
    sigma_w2[found] = np.where(np.isfinite(q_star) & (np.abs(chi - 1.0) <= 1e-6), np.exp(root), math.nan)
    return pd.DataFrame({"sigma_b2": b2, "sigma_w2": sigma_w2})


def _illinois(fn, lo: Array, hi: Array, steps: int = 40, tol: float = 1e-13) -> Array:
    """Roots of fn in [lo, hi] (fn(lo) < 0 <= fn(hi)), element-wise: regula falsi, halving a stuck end.

    Done where the bracket is narrower than ``tol`` or either end is within
    1e-14 of a root: regula falsi may close in from one side only.
    """
    lo, hi = lo.copy(), hi.copy()
    f_lo, f_hi = fn(lo), fn(hi)
    side = np.zeros(len(lo))
    for _ in range(steps):
        narrow = np.abs(hi - lo) <= tol * np.maximum(1.0, np.abs(hi))
        active = ~narrow & (np.minimum(np.abs(f_lo), np.abs(f_hi)) > 1e-14)
        if not active.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(f_hi != f_lo, hi - f_hi * (hi - lo) / (f_hi - f_lo), 0.5 * (lo + hi))
        x = np.where(np.isfinite(x) & (x > lo) & (x < hi), x, 0.5 * (lo + hi))
        f_x = fn(x)
        right = f_x >= 0
        # Illinois: an end kept twice in a row has its value halved, so the bracket shrinks from both sides.
        f_lo = np.where(right & (side == 1), 0.5 * f_lo, f_lo)
        f_hi = np.where(~right & (side == -1), 0.5 * f_hi, f_hi)
        hi, f_hi = np.where(active & right, x, hi), np.where(active & right, f_x, f_hi)
        lo, f_lo = np.where(active & ~right, x, lo), np.where(active & ~right, f_x, f_lo)
        side = np.where(right, 1, -1)
    return np.where(np.abs(f_hi) <= np.abs(f_lo), hi, lo)


def critical_sigma_w2(activation: str, sigma_b2: float, *, bias: float = 0.0, q0: float = 1.0) -> float:
    """The sigma_w2 of the edge of chaos at this sigma_b2 (nan where none exists): see ``critical_line``."""
    return float(critical_line(activation, [sigma_b2], bias=bias, q0=q0)["sigma_w2"].iloc[0])


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


# --- the maps layer by layer, from the inputs -----------------------------------------------------


def length_trajectory(activation: str, sigma_w2: float, sigma_b2: float, *, depth: int, q0: float = 1.0,
                      bias: float = 0.0) -> Array:
    """q_1..q_depth from q_1 = sigma_w2 q0 + sigma_b2: ``theory.mean_field``'s forward recursion.

    mean_field takes the weights as an initializer: N(0, sigma_w2) at width 1
    has n Var(w) = sigma_w2.
    """
    return mean_field(
        activation, "normal", depth=depth, width=1, bias=bias, init_params={"std": math.sqrt(sigma_w2)},
        input_second_moment=q0, bias_std=math.sqrt(sigma_b2),
    ).pre_variance


def chi1_trajectory(activation: str, sigma_w2: float, sigma_b2: float, *, depth: int, q0: float = 1.0,
                    bias: float = 0.0) -> Array:
    """chi_1 at every layer's own q_l, l = 1..depth (inf where q_l overflowed)."""
    q = length_trajectory(activation, sigma_w2, sigma_b2, depth=depth, q0=q0, bias=bias)
    finite = np.isfinite(q)
    out = np.full(depth, math.inf)
    out[finite] = sigma_w2 * map_moments(activation, bias, np.where(q[finite] == 0, _Q_TINY, q[finite])).slope
    return out


def jacobian_theory(activation: str, sigma_w2: float, sigma_b2: float, *, depth: int, q0: float = 1.0,
                    bias: float = 0.0) -> pd.DataFrame:
    """Per layer: q_l, chi_1(q_l) and the mean squared singular value of da_l/dx, the product of the chi_1.

    (1/n) tr(J J^T) for J = W_1 D_1 ... W_l D_l, D_k = diag(phi'(s_k)): each
    factor multiplies it by n Var(w) E[phi'(s_k)^2] (Pennington et al. 2017).
    """
    q = length_trajectory(activation, sigma_w2, sigma_b2, depth=depth, q0=q0, bias=bias)
    chi = chi1_trajectory(activation, sigma_w2, sigma_b2, depth=depth, q0=q0, bias=bias)
    with np.errstate(over="ignore", invalid="ignore"):
        product = np.cumprod(chi)
    return pd.DataFrame({"layer": np.arange(1, depth + 1), "q": q, "chi1": chi, "mean_squared_singular_value": product})


def pair_theory(activation: str, sigma_w2: float, sigma_b2: float, *, depth: int, c0: float, q0: float = 1.0,
                bias: float = 0.0) -> pd.DataFrame:
    """The joint (q, q12) map from two inputs of E[x^2] = q0 at correlation c0: layer, q, c.

    q_1 = sigma_w2 q0 + sigma_b2 and c_1 = (sigma_w2 q0 c0 + sigma_b2) / q_1,
    then c_{l+1} = (sigma_w2 K(q_l, c_l) + sigma_b2) / q_{l+1}: each layer's
    own q, not q*, which is what a finite network's first layers follow
    (``propagate_pair``; the c-map at q* is the limit once q_l has settled).
    """
    q = length_trajectory(activation, sigma_w2, sigma_b2, depth=depth, q0=q0, bias=bias)
    c = np.full(depth, math.nan)
    if q[0] > 0:
        c[0] = (sigma_w2 * q0 * c0 + sigma_b2) / q[0]
    usable = np.isfinite(q[:-1])
    # Past _Q_HUGE the map is its limit there (as where q* = inf), so that nothing overflows.
    levels = np.where(usable & (q[:-1] <= _Q_HUGE), q[:-1], math.inf)
    # Layers whose q has settled share one kernel: q_l repeats to the last bit once converged.
    unique, index = np.unique(_evaluation_q(levels), return_inverse=True)
    # Near the edge q_l settles slowly and every layer has its own: interpolate their coefficients.
    kernel = (_interpolated_kernels(activation, bias, unique, map_moments(activation, bias, unique),
                                    mirror_moment(activation, bias, unique)) if depth > 1 else None)
    for layer in range(1, depth):
        if not (np.isfinite(c[layer - 1]) and usable[layer - 1]):
            break
        row = kernel_rows(kernel, [index[layer - 1]])
        value, _ = kernel_at(row, np.array([c[layer - 1]]))
        denominator = sigma_w2 * row.second[0] + sigma_b2
        # Rounding can leave c a hair outside [-1, 1], the map's domain.
        c[layer] = min(max((sigma_w2 * value[0] + sigma_b2) / denominator, -1.0), 1.0) if denominator > 0 else math.nan
    return pd.DataFrame({"layer": np.arange(1, depth + 1), "q": q, "c": np.clip(c, -1.0, 1.0)})


# --- finite networks ---------------------------------------------------------------------------------


def _check_network(activation: str, initializer: str, depth: int, width: int, bias: float, bias_std: float,
                   init_params: dict | None) -> tuple[act_mod.Activation, dict, float]:
    """The activation, the initializer's full parameters and sigma_w2; ValueError for what the theory cannot take."""
    spec = act_mod.get(activation)
    for name, value in (("depth", depth), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if not (math.isfinite(bias) and math.isfinite(bias_std) and bias_std >= 0):
        raise ValueError(f"bias must be finite and bias_std finite and >= 0, got {bias!r}, {bias_std!r}")
    params = init_mod.check_params(initializer, width, width, init_params)
    if init_mod.weight_mean(initializer, width, width, **params) != 0.0:
        raise ValueError(f"signal propagation assumes zero-mean weights; {initializer} has mean != 0")
    return spec, params, weight_gain(initializer, width, params)


def _generator(seed: np.random.SeedSequence) -> np.random.Generator:
    # SFC64: numpy's fastest bit generator for Gaussian draws (as in the simulation).
    return np.random.Generator(np.random.SFC64(seed))


def _layer(initializer: str, params: dict, width: int, bias: float, bias_std: float,
           seed: np.random.SeedSequence) -> tuple[Array, Array]:
    """One layer's weights and its units' biases b + sigma_b N(0, 1), from the layer's own stream."""
    rng = _generator(seed)
    weights = init_mod.init_weights(initializer, width, width, rng, **params)
    return weights, bias + bias_std * rng.standard_normal(width)


def _streams(seed: int, depth: int) -> list[np.random.SeedSequence]:
    """Stream 0 draws the inputs, stream l layer l's weights and biases: no layer's draw depends on the depth."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return np.random.SeedSequence(int(seed)).spawn(depth + 1)


def input_pairs(width: int, c0: float, q0: float, pairs: int, rng: np.random.Generator) -> tuple[Array, Array]:
    """``pairs`` pairs of inputs with |x|^2 = width q0 and x1 . x2 = width q0 c0 exactly (rows).

    Exact rather than sampled, so that the network starts where the theory
    does: the measurement's spread is the network's alone.
    """
    g = rng.standard_normal((2, pairs, width))
    first = g[0] / np.linalg.norm(g[0], axis=1, keepdims=True)
    other = g[1] - np.sum(g[1] * first, axis=1, keepdims=True) * first
    other /= np.linalg.norm(other, axis=1, keepdims=True)
    scale = math.sqrt(width * q0)
    return scale * first, scale * (c0 * first + math.sqrt(max(1.0 - c0 * c0, 0.0)) * other)


def propagate_pair(activation: str, initializer: str, *, depth: int, width: int, c0: float, bias: float = 0.0,
                   bias_std: float = 0.0, seed: int = 0, init_params: dict | None = None, q0: float = 1.0,
                   pairs: int = PAIRS) -> pd.DataFrame:
    """Two inputs at correlation c0 through one network, measured and predicted per layer.

    ``pairs`` (16) pairs of inputs go through the same network (one draw of
    weights and biases); per layer, q is the mean of (s - b)^2 over units and
    inputs, c the mean over pairs of q12 / sqrt(q_a q_b). Averaging over
    pairs removes the inputs' share of the noise (one pair's c wanders by
    about sqrt(2/n) a layer), not the draw's. Columns: layer, q, c, and
    q_theory, c_theory from ``pair_theory`` (the joint map from q0 and c0).
    Values past an overflow are nan.
    """
    spec, params, sigma_w2 = _check_network(activation, initializer, depth, width, bias, bias_std, init_params)
    if not -1.0 <= c0 <= 1.0 or not (math.isfinite(q0) and q0 > 0):
        raise ValueError(f"need c0 in [-1, 1] and q0 > 0, got {c0!r}, {q0!r}")
    streams = _streams(seed, depth)
    first, second = input_pairs(width, c0, q0, pairs, _generator(streams[0]))
    a = np.concatenate([first, second])
    q, c = np.full(depth, math.nan), np.full(depth, math.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in range(1, depth + 1):
            weights, biases = _layer(initializer, params, width, bias, bias_std, streams[layer])
            s = a @ weights
            s += biases
            centred = s - bias
            own = np.einsum("ij,ij->i", centred, centred) / width
            cross = np.einsum("ij,ij->i", centred[:pairs], centred[pairs:]) / width
            if not np.isfinite(own).all():
                break
            q[layer - 1] = own.mean()
            # sqrt of each, not of the product: that overflows long before q does.
            c[layer - 1] = np.mean(cross / (np.sqrt(own[:pairs]) * np.sqrt(own[pairs:])))
            a = spec.fn(s, out=s)
    theory = pair_theory(activation, sigma_w2, bias_std**2, depth=depth, c0=c0, q0=q0, bias=bias)
    return pd.DataFrame({"layer": np.arange(1, depth + 1), "q": q, "c": c,
                         "q_theory": theory["q"].to_numpy(), "c_theory": theory["c"].to_numpy()})


def jacobian_spectrum(activation: str, initializer: str, *, depth: int, width: int, bias: float = 0.0,
                      bias_std: float = 0.0, seed: int = 0, init_params: dict | None = None, layers=None,
                      q0: float = 1.0) -> pd.DataFrame:
    """Every singular value of J_l = da_l/dx at one input x (|x|^2 = width q0), for each layer of ``layers``.

    J_l = W_1 D_1 W_2 D_2 ... W_l D_l with D_k = diag(phi'(s_k)) (a layer
    computes a W + b on rows), accumulated up to the deepest requested layer:
    depth x width^3 multiply-adds, plus an SVD per requested layer (see
    ``jacobian_cost``). The network is ``propagate_pair``'s for the same
    seed. Columns: layer, singular_value (descending per layer; nan after an
    overflow).
    """
    spec, params, _ = _check_network(activation, initializer, depth, width, bias, bias_std, init_params)
    wanted = sorted({depth} if layers is None else {int(layer) for layer in layers})
    if not wanted or wanted[0] < 1 or wanted[-1] > depth:
        raise ValueError(f"layers must lie in 1..{depth}, got {layers!r}")
    streams = _streams(seed, wanted[-1])
    g = _generator(streams[0]).standard_normal(width)
    a = g * (math.sqrt(width * q0) / np.linalg.norm(g))
    jacobian = None
    frames = []
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in range(1, wanted[-1] + 1):
            weights, biases = _layer(initializer, params, width, bias, bias_std, streams[layer])
            s = a @ weights + biases
            a = spec.fn(s)
            slope = spec.derivative_from_output(a.copy())
            jacobian = weights * slope if jacobian is None else (jacobian @ weights) * slope
            if layer in wanted:
                if np.isfinite(jacobian).all():
                    values = np.linalg.svd(jacobian, compute_uv=False)
                else:
                    values = np.full(width, math.nan)
                frames.append(pd.DataFrame({"layer": layer, "singular_value": values}))
    return pd.concat(frames, ignore_index=True)


# --- the Jacobian's cost and spectrum, for the page ------------------------------------------------

# Measured on the 2-core machine against one n x n product (n^3 multiply-adds),
# best of 5 at n = 100..800: a values-only SVD costs 13..6 of them, a QR (the
# orthogonal draw) 9..3.5, and n^2 Gaussian draws about 300 n^2 multiply-adds.
# One multiply-add took 3.7e-11 s at n = 100, 2.4e-11 s at 200, 1.9e-11 s at 800.
SVD_PRODUCTS = 10.0
QR_PRODUCTS = 6.0
DRAW_MULTIPLY_ADDS = 300.0


def jacobian_cost(depth: int, width: int, *, spectra: int = 1, orthogonal: bool = False) -> float:
    """Multiply-adds of ``jacobian_spectrum``: a product per layer, an SVD per spectrum, the weight draws."""
    cube = float(width) ** 3
    draws = depth * (QR_PRODUCTS * cube if orthogonal else DRAW_MULTIPLY_ADDS * float(width) ** 2)
    return depth * cube + spectra * SVD_PRODUCTS * cube + draws


def affordable_jacobian_width(depth: int, width: int, budget: float, *, spectra: int = 1,
                              orthogonal: bool = False) -> int:
    """The largest width <= ``width`` whose ``jacobian_cost`` is within ``budget`` (at least 1)."""
    low, high = 1, int(width)
    while low < high:
        mid = (low + high + 1) // 2
        if jacobian_cost(depth, mid, spectra=spectra, orthogonal=orthogonal) <= budget:
            low = mid
        else:
            high = mid - 1
    return low


def spectrum_summary(spectrum: pd.DataFrame) -> pd.DataFrame:
    """Per layer (and per ``weights`` if that column is there): the numbers the page says about a spectrum.

    mean_squared (to set against the product of the chi_1), low and high
    (the 5th and 95th percentiles), smallest, largest, spread = high / low,
    and zero_share: values below ZERO_SINGULAR x the largest, which float64
    cannot tell from 0 (the Jacobian lost rank, or its spread exceeds 1e10).
    """
    keys = [k for k in ("weights", "layer") if k in spectrum.columns]
    rows = []
    for key, group in spectrum.groupby(keys, sort=False):
        v = group["singular_value"].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            continue
        low, high = np.percentile(v, [5, 95])
        top = float(v.max())
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = high / low if low > 0 else math.inf
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row.update(mean_squared=float(np.mean(v**2)), low=float(low), high=float(high), smallest=float(v.min()),
                   largest=top, spread=spread, zero_share=float(np.mean(v <= ZERO_SINGULAR * top)))
        rows.append(row)
    return pd.DataFrame(rows)


# The two weight matrices the page sets side by side at one sigma_w2.
WEIGHTS = {"Gaussian": "normal", "orthogonal": "orthogonal"}


def weights_at(kind: str, sigma_w2: float, width: int) -> tuple[str, dict]:
    """``WEIGHTS[kind]`` at n Var(w) = sigma_w2: std sqrt(sigma_w2 / n), or gain sqrt(sigma_w2) for orthogonal."""
    initializer = WEIGHTS[kind]
    if initializer == "orthogonal":
        return initializer, {"gain": math.sqrt(sigma_w2)}
    return initializer, {"std": math.sqrt(sigma_w2 / width)}


def spectrum_comparison(activation: str, sigma_w2: float, sigma_b2: float, *, layers, width: int,
                        bias: float = 0.0, seed: int = 0, q0: float = 1.0) -> pd.DataFrame:
    """Gaussian and orthogonal weights at the same sigma_w2: weights, layer, singular_value (one network each)."""
    frames = []
    for kind in WEIGHTS:
        initializer, params = weights_at(kind, sigma_w2, width)
        spectrum = jacobian_spectrum(activation, initializer, depth=max(layers), width=width, bias=bias,
                                     bias_std=math.sqrt(sigma_b2), seed=seed, init_params=params, layers=layers, q0=q0)
        frames.append(spectrum.assign(weights=kind))
    return pd.concat(frames, ignore_index=True)[["weights", "layer", "singular_value"]]


def singular_value_histogram(spectrum: pd.DataFrame, bins: int = 30, decades: float = 10.0) -> pd.DataFrame:
    """Counts on log-spaced bins shared by every group (weights, layer), for a log axis.

    The bins span the finite positive values, at most ``decades`` below the
    largest (10: where ``spectrum_summary`` counts a value as zero); smaller
    ones, zeros included, are counted in the first bin.
    Columns: the group keys, bin_start, bin_end, count, share (of the group).
    """
    keys = [k for k in ("weights", "layer") if k in spectrum.columns]
    values = spectrum["singular_value"].to_numpy(dtype=float)
    positive = values[np.isfinite(values) & (values > 0)]
    top = float(positive.max()) if positive.size else 1.0
    bottom = max(float(positive.min()) if positive.size else top, top * 10.0 ** (-decades))
    if bottom >= top:
        bottom, top = bottom / 2.0, top * 2.0
    edges = np.geomspace(bottom, top, bins + 1)
    rows = []
    for key, group in spectrum.groupby(keys, sort=False):
        v = group["singular_value"].to_numpy(dtype=float)
        v = np.clip(v[np.isfinite(v)], bottom, top)
        counts, _ = np.histogram(v, bins=edges)
        frame = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "count": counts,
                              "share": counts / max(len(v), 1)})
        for name, value in zip(keys, key if isinstance(key, tuple) else (key,), strict=True):
            frame[name] = value
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)[[*keys, "bin_start", "bin_end", "count", "share"]]
