"""Gaussian moments of the activation at many q at once: V, S and D (``Moments``) and K(q, -1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import activations as act_mod
from ..theory import NOTES_FACTOR, gaussian_nodes_batch

Array = np.ndarray


# Rows of quadrature nodes per batch: about 1 MB of nodes, fastest here.
_CHUNK = 256
# Activations with phi(a s) = a phi(s) for a > 0: at b = 0, V(q) = NOTES_FACTOR q.
_HOMOGENEOUS = ("linear", "relu", "leaky_relu")
# Where q* = 0 or inf, expectations are their limits, taken here.
_Q_TINY, _Q_HUGE = 1e-280, 1e280


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


def _moment_sums(activation: str, bias: float, q, *, slopes: bool) -> list[Array]:
    """V, S and D at every q (and, with ``slopes``, their derivatives in q): one pass over the nodes, in chunks."""
    spec = act_mod.get(activation)
    q = np.atleast_1d(np.asarray(q, dtype=float))
    out = [np.empty(len(q)) for _ in range(6 if slopes else 3)]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, len(q), _CHUNK):
            rows = slice(start, start + _CHUNK)
            points, weights = gaussian_nodes_batch(bias, q[rows])
            a = spec.fn(points)
            d = spec.derivative_from_output(a)
            z = _standard(points, bias, q[rows])
            out[0][rows] = np.einsum("ij,ij,ij->i", weights, a, a)
            out[1][rows] = np.einsum("ij,ij,ij,ij->i", weights, a, d, z)
            out[2][rows] = np.einsum("ij,ij,ij->i", weights, d, d)
            if not slopes:
                continue
            curved = weights * (z * z - 1.0)
            twice_q = 2.0 * q[rows]
            single = np.count_nonzero(weights, axis=1) == 1
            sums = (np.einsum("ij,ij,ij->i", curved, a, a),
                    np.einsum("ij,ij,ij,ij->i", curved, a, d, z) - out[1][rows],
                    np.einsum("ij,ij,ij->i", curved, d, d))
            for k, total in enumerate(sums, start=3):
                out[k][rows] = np.where(single, 0.0, total / twice_q)
    return out


def moments(activation: str, bias: float, q) -> Moments:
    """V, S and D of ``Moments`` at every q of an array, on ``theory.gaussian_nodes``.

    dV/dq = S / sqrt(q) by Stein's lemma, so the length map's slope needs no phi''.
    """
    return Moments(*_moment_sums(activation, bias, q, slopes=False))


def moments_and_slopes(activation: str, bias: float, q) -> tuple[Moments, Moments]:
    """``moments`` at every q of an array (bit for bit), and their derivatives in q, from the same nodes.

    d/dq E[h(b + sqrt(q) z)] = E[h (z^2 - 1)] / (2q) (the density's own
    derivative in its variance), so no phi'' is needed; S carries a 1/sqrt(q)
    of its own. A row whose nodes are one point mass (q below 1e-16 b^2)
    gets slopes 0, not the derivative there: ``fixed_points_and_moments``
    moves q by at most 1e-6 of itself with them, far below what they miss.
    """
    out = _moment_sums(activation, bias, q, slopes=True)
    return Moments(*out[:3]), Moments(*out[3:])


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
