"""Finite networks that test the theory: two inputs through one network, and the Jacobian's singular values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import activations as act_mod
from .. import initializers as init_mod
from ..theory import weight_gain
from .trajectories import pair_theory

Array = np.ndarray


# Input pairs a finite network averages over (see ``propagate_pair``).
PAIRS = 16


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
    Values past an overflow are nan. A pair with a dead input (q_a = 0: every
    unit at its bias) has no correlation and is left out of c; where every
    pair has one, c is nan and q says why.
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
            # A pair whose input has died (every s equal to its bias) has no correlation: 0 / 0.
            alive = (own[:pairs] > 0) & (own[pairs:] > 0)
            if alive.any():
                # sqrt of each, not of the product: that overflows long before q does.
                c[layer - 1] = np.mean(cross[alive] / (np.sqrt(own[:pairs][alive]) * np.sqrt(own[pairs:][alive])))
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

    With orthogonal weights (W_1 = gain Q_1), J_l has the singular values of
    Q_1^T J_l = gain D_1 W_2 D_2 ... W_l D_l: layer 1's are gain |phi'(s_1)|,
    with no SVD, and layer 2's product is a scaling of rows.
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
            if jacobian is None:
                # A diagonal, kept as its vector, where the layer's orthogonal Q_1 is left out (see above).
                jacobian = params["gain"] * slope if initializer == "orthogonal" else weights * slope
            elif jacobian.ndim == 1:
                jacobian = (jacobian[:, None] * weights) * slope
            else:
                jacobian = (jacobian @ weights) * slope
            if layer in wanted:
                frames.append(pd.DataFrame({"layer": layer, "singular_value": _singular_values(jacobian)}))
    return pd.concat(frames, ignore_index=True)


def _singular_values(jacobian: Array) -> Array:
    """A matrix's singular values, descending (a vector is a diagonal matrix's); nan where any entry is not finite."""
    if not np.isfinite(jacobian).all():
        return np.full(len(jacobian), math.nan)
    if jacobian.ndim == 1:
        return np.sort(np.abs(jacobian))[::-1]
    return np.linalg.svd(jacobian, compute_uv=False)
