"""K(q, c) = E[phi(u1) phi(u2)] by Mehler's series: the Hermite coefficients, ``Kernel`` and its evaluations."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .. import activations as act_mod
from ..theory import gaussian_nodes_batch
from .gaussian import _CHUNK, _HOMOGENEOUS, Moments, _standard, map_moments, mirror_moment

Array = np.ndarray


# Terms of Mehler's series: the project's quadrature gets a_k to 1e-13 up to
# k = 500 (checked against ReLU's closed form); by k = 1000 it is 4e-9 off.
HERMITE_TERMS = 512
# The tail of the series below this share of V is quadrature noise, not a tail.
_TAIL_NOISE = 1e-13


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
