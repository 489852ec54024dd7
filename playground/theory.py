"""The variance argument of the notes, and the mean-field recursion that contains it.

The notes (003, 004) derive, for linear units with zero-mean inputs and weights,

    Var(s_k) = [n Var(w)]^k Var(x),

and He et al. (2015) multiply by 1/2 per layer for ReLU, which zeroes half of
its inputs. Both are special cases of the infinite-width mean-field recursion
(Poole et al. 2016, "Exponential expressivity in deep neural networks through
transient chaos"; Schoenholz et al. 2017, "Deep information propagation"):
with zero-mean independent weights and every bias equal to b, the
pre-activations s_l = a_{l-1} W_l + b of layer l have mean b and variance

    q_1 = n Var(w) E[x^2] + sigma_b^2,
    q_l = n Var(w) E_z[phi(b + sqrt(q_{l-1}) z)^2] + sigma_b^2,    z ~ N(0, 1),

where sigma_b^2 (``bias_std`` squared, 0 by default) is the spread of the
biases about b when each unit draws its own, N(b, sigma_b^2).

(A weight of mean 0 multiplies the *second moment* E[a^2] of its input, not
its variance: this is where a non-zero mean, ReLU's or raw pixels', enters.)
For phi(s) = s and b = 0 this is the notes' formula; for ReLU and b = 0,
E[relu(sqrt(q) z)^2] = q/2 gives He's factor 1/2.

The backward pass of the simulation (dL/dA_L = G, G standard normal) obeys the
mirror recursion, under the usual assumption that W_l^T is independent of the
forward pass (Schoenholz et al. 2017):

    Var(delta_L)     = E[phi'(s_L)^2],
    Var(delta_{l-1}) = n Var(w) E[phi'(s_{l-1})^2] Var(delta_l),

with delta_l = dL/ds_l per example, and dL/dW_l = (1/m) A_{l-1}^T delta_l has
Var(dL/dW_l) = E[a_{l-1}^2] Var(delta_l) / m over a batch of m examples.

With batch norm each unit's s is standardized over the batch before phi, so
phi sees z ~ N(0, r) with r = v / (v + eps) (v the unit's variance over the
batch), whatever the layers before did; see ``mean_field``.

The Gaussian expectations are integrals of phi(s)^2 and phi'(s)^2 against
N(b, q). Plain Gauss-Hermite quadrature misses them where the page needs them
most: for a saturated tanh (q = 480) phi'(s)^2 = sech^4(s) is a spike of width
1/sqrt(q) = 0.05 in z, narrower than the spacing of 200 Hermite nodes (it gives
1.6e-4 for 0.0242), and ReLU's kink at s = 0 is off the nodes once b != 0. So
the integral is taken panel by panel with Gauss-Legendre, with breakpoints
at the kink and at every power of two around it; the tests check it against
Gauss-Hermite where that converges, closed forms and Monte Carlo.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import activations as act_mod
from . import initializers as init_mod
from .simulation import BATCH_NORM_EPS, RAW_INPUT_MEAN, RAW_INPUT_RANGE, RAW_INPUT_STD

Array = np.ndarray

# Gauss-Legendre nodes per panel: exact for polynomials of degree 31.
_LEGENDRE_X, _LEGENDRE_W = np.polynomial.legendre.leggauss(16)
# The Gaussian is integrated out to this many standard deviations: the mass
# beyond is below 1e-32.
_REACH = 12
# Breakpoints at +-2^k around every kink: they resolve tanh's and sigmoid's
# transition (|s| ~ 1) and SELU's exponential at any spread of s. None below
# 1/2: a panel narrower than the activation's own scale of 1 is smooth there
# already (2^-10 to 2^-2 as well gave the same moments to within their own
# rounding, over six activations, five biases and q from 1e-6 to 1e6).
_SCALES = 2.0 ** np.arange(-1, 9)
# Below this spread relative to the mean, N(mean, var) is a point mass to
# float64 precision (the correction is var * f'' / 2).
_POINT_MASS = 1e-8

# The factor per layer of the notes' formula, on top of n Var(w). 003 and
# 004 use the linear units' 1 for tanh and sigmoid ("nearly linear around 0");
# He et al. 2015 derive 1/2 for ReLU and (1 + slope^2) / 2 for leaky ReLU;
# SELU's fixed point (Klambauer et al. 2017) keeps E[a^2] = Var(s) = 1.
NOTES_FACTOR: dict[str, float] = {
    "linear": 1.0,
    "tanh": 1.0,
    "sigmoid": 1.0,
    "relu": 0.5,
    "leaky_relu": (1.0 + act_mod.LEAKY_SLOPE**2) / 2.0,
    "selu": 1.0,
}


# --- Gaussian expectations -------------------------------------------------------


def gaussian_nodes(mean: float, var: float, kinks: tuple[float, ...] = (0.0,)) -> tuple[Array, Array]:
    """Points and weights with sum(w * f(points)) = E[f(mean + sqrt(var) z)], z ~ N(0, 1).

    ``kinks`` are where f may be non-smooth (every activation here: s = 0).
    Panels end at mean + k sd for |k| <= 12, at the kinks and at kink +- 2^j;
    each carries 16 Gauss-Legendre nodes times the normal density.
    """
    mean, var = float(mean), float(var)
    if not (math.isfinite(mean) and math.isfinite(var)) or var < 0:
        raise ValueError(f"need a finite mean and a finite variance >= 0, got {mean!r}, {var!r}")
    sd = math.sqrt(var)
    if sd <= _POINT_MASS * abs(mean) or sd == 0.0:
        return np.array([mean]), np.array([1.0])
    low, high = mean - _REACH * sd, mean + _REACH * sd
    kinks_array = np.asarray(kinks, dtype=float)
    around = (kinks_array[:, None] + np.concatenate([_SCALES, -_SCALES])).ravel()
    features = np.concatenate([kinks_array, around])
    edges = np.concatenate([mean + sd * np.arange(-_REACH, _REACH + 1), features[(features > low) & (features < high)]])
    edges = np.unique(edges)
    left, right = edges[:-1], edges[1:]
    half = (right - left) / 2.0
    points = ((left + right) / 2.0)[:, None] + half[:, None] * _LEGENDRE_X
    density = np.exp(-0.5 * ((points - mean) / sd) ** 2) / (sd * math.sqrt(2.0 * math.pi))
    weights = half[:, None] * _LEGENDRE_W * density
    return points.ravel(), weights.ravel()


def gaussian_nodes_batch(means, variances, kinks: tuple[float, ...] = (0.0,)) -> tuple[Array, Array]:
    """``gaussian_nodes`` for many (mean, var) pairs at once: one row of points and weights per pair.

    Row i holds the nodes ``gaussian_nodes(means[i], variances[i], kinks)``
    gives, computed the same way, followed by nodes of weight 0: the rows
    have one length, so that an expectation over every row is one array
    operation. Breakpoints outside a row's reach are moved to its last edge,
    where they make panels of width 0 (the scalar form drops them instead).
    """
    means, variances = np.broadcast_arrays(np.asarray(means, dtype=float), np.asarray(variances, dtype=float))
    means, variances = means.ravel(), variances.ravel()
    if not (np.isfinite(means).all() and np.isfinite(variances).all()) or (variances < 0).any():
        raise ValueError("need finite means and finite variances >= 0")
    sd = np.sqrt(variances)
    point_mass = (sd <= _POINT_MASS * np.abs(means)) | (sd == 0.0)
    sd = np.where(point_mass, 1.0, sd)  # any spread: these rows are overwritten below
    low, high = means - _REACH * sd, means + _REACH * sd
    kinks_array = np.asarray(kinks, dtype=float)
    features = np.concatenate([kinks_array, (kinks_array[:, None] + np.concatenate([_SCALES, -_SCALES])).ravel()])
    inside = (features > low[:, None]) & (features < high[:, None])
    regular = means[:, None] + sd[:, None] * np.arange(-_REACH, _REACH + 1)
    edges = np.sort(np.concatenate([regular, np.where(inside, features, high[:, None])], axis=1), axis=1)
    # Moved breakpoints sort last: keep only as many panels as the fullest row has.
    edges = edges[:, : 2 * _REACH + 1 + int(inside.sum(axis=1).max(initial=0))]
    left, right = edges[:, :-1], edges[:, 1:]
    half = (right - left) / 2.0
    points = ((left + right) / 2.0)[:, :, None] + half[:, :, None] * _LEGENDRE_X
    mean, spread = means[:, None, None], sd[:, None, None]
    # The scalar form's density, step by step in one buffer (the same operations, so the same bits).
    density = np.subtract(points, mean)
    density /= spread
    np.square(density, out=density)
    density *= -0.5
    np.exp(density, out=density)
    density /= spread * math.sqrt(2.0 * math.pi)
    weights = half[:, :, None] * _LEGENDRE_W
    weights = weights * density
    points, weights = points.reshape(len(means), -1), weights.reshape(len(means), -1)
    points[point_mass] = means[point_mass, None]
    weights[point_mass] = 0.0
    weights[point_mass, 0] = 1.0
    return points, weights


def gaussian_expectation(
    fn: Callable[[Array], Array], mean: float, var: float, kinks: tuple[float, ...] = (0.0,)
) -> float:
    """E[fn(mean + sqrt(var) z)] for z ~ N(0, 1), by ``gaussian_nodes``."""
    points, weights = gaussian_nodes(mean, var, kinks)
    with np.errstate(over="ignore", invalid="ignore"):
        return float(weights @ fn(points))


def input_moments(normalize_inputs: bool = True) -> tuple[float, float]:
    """Mean and variance of one input value of the simulation.

    Normalized inputs are N(0, 1). Raw ones are clip(128 + 64 z, 0, 255),
    whose moments are integrals of the clipped Gaussian (kinks at 0 and 255).
    """
    if normalize_inputs:
        return 0.0, 1.0
    low, high = RAW_INPUT_RANGE

    def clipped(s: Array) -> Array:
        return np.clip(s, low, high)

    kinks = (low, high)
    mean = gaussian_expectation(clipped, RAW_INPUT_MEAN, RAW_INPUT_STD**2, kinks)
    second = gaussian_expectation(lambda s: clipped(s) ** 2, RAW_INPUT_MEAN, RAW_INPUT_STD**2, kinks)
    return mean, second - mean * mean


# --- the recursions -----------------------------------------------------------------


@dataclass(frozen=True)
class MeanField:
    """The infinite-width prediction of every layer's variances (index l - 1 for layer l)."""

    # Var(s_l) of the pre-activations before batch norm, about their mean b.
    pre_variance: Array
    # E[a_l^2] of the activations that feed layer l + 1.
    activation_second_moment: Array
    # Var(dL/ds_l) per example.
    delta_variance: Array
    # Var(dL/dW_l) over a batch of n_samples; None if no batch size was given.
    grad_variance: Array | None
    # n Var(w), the factor the notes' formula multiplies by.
    gain: float


def weight_gain(initializer: str, width: int, init_params: dict | None = None) -> float:
    """n Var(w) for a layer of ``width`` inputs and outputs."""
    return width * init_mod.weight_variance(initializer, width, width, **(init_params or {}))


def _check_zero_mean(initializer: str, width: int, init_params: dict | None) -> None:
    mean = init_mod.weight_mean(initializer, width, width, **(init_params or {}))
    if mean != 0.0:
        raise ValueError(
            f"the variance argument assumes zero-mean independent weights; {initializer} sets every weight "
            f"to {mean:g}, so every unit of a layer computes the same sum and the prediction does not apply"
        )


def _bias_variance(bias_std: float) -> float:
    """sigma_b^2, or ValueError for a spread that is negative or not finite."""
    bias_std = float(bias_std)
    if not (math.isfinite(bias_std) and bias_std >= 0):
        raise ValueError(f"bias_std must be finite and >= 0, got {bias_std!r}")
    return bias_std * bias_std


def mean_field(
    activation: str,
    initializer: str,
    *,
    depth: int,
    width: int,
    bias: float = 0.0,
    init_params: dict | None = None,
    normalize_inputs: bool = True,
    input_second_moment: float | None = None,
    batch_norm: bool = False,
    n_samples: int | None = None,
    bias_std: float = 0.0,
) -> MeanField:
    """The mean-field recursions of the module docstring, forward and backward.

    ``bias_std`` is sigma_b, the spread of the units' biases about ``bias``:
    sigma_b^2 adds to every Var(s_l) (Poole et al. 2016). Batch norm's
    centring removes a unit's own bias, so with it sigma_b changes only the
    reported Var(s_l) before normalization, not what phi sees.

    ``input_second_moment`` overrides E[x^2] (zero-mean inputs of that
    variance); otherwise the simulation's inputs are used, normalized or raw.

    With ``batch_norm`` phi sees z ~ N(0, r_l), r_l = v_l / (v_l + eps), where
    v_l = n Var(w) Var(a_{l-1}) is a unit's variance over the batch (the
    spread of the units' means, n Var(w) E[a]^2, is removed by the centring;
    the bias too). Backward, batch norm divides delta by sqrt(v_l + eps) and
    projects out the batch mean and the s-hat direction, which removes
    (1 + E[phi'^2 z^2] / E[phi'^2]) / m of its variance for a batch of m.

    Raises ValueError for weights of non-zero mean (``constant``), where the
    argument does not apply. Values that overflow float64 are inf.
    """
    spec = act_mod.get(activation)
    init_params = dict(init_params or {})
    _check_zero_mean(initializer, width, init_params)
    gain = weight_gain(initializer, width, init_params)
    if input_second_moment is None:
        in_mean, in_var = input_moments(normalize_inputs)
    else:
        in_mean, in_var = 0.0, float(input_second_moment)
    with np.errstate(over="ignore", invalid="ignore"):
        layers = _forward_moments(spec, gain, depth, bias, _bias_variance(bias_std), in_mean, in_var, batch_norm,
                                  n_samples)
        delta = _backward_variances(gain, layers)
        grad = None
        if n_samples:
            # dW_l = (1/m) A_{l-1}^T delta_l. Batch norm makes every column of
            # delta_l sum to 0 over the batch, so only A's spread about its
            # batch mean counts: Var(a), not E[a^2].
            if batch_norm:
                feeding = np.concatenate([[in_var], layers.spread[:-1]])
            else:
                feeding = np.concatenate([[in_mean**2 + in_var], layers.second[:-1]])
            grad = feeding * delta / n_samples
    return MeanField(
        pre_variance=layers.pre, activation_second_moment=layers.second, delta_variance=delta, grad_variance=grad,
        gain=gain,
    )


@dataclass
class _Layers:
    """The forward recursion's numbers, per layer (index l - 1 for layer l)."""

    pre: Array  # Var(s_l) about b
    second: Array  # E[a_l^2]
    spread: Array  # Var(a_l) of one unit over the batch, used with batch norm
    slope: Array  # E[phi'(s_l)^2], or its batch-norm counterpart
    shrink: Array  # what batch norm divides delta's variance by


def _batch_norm_layer(
    spec, gain: float, incoming_var: float, n_samples: int | None
) -> tuple[float, float, float, float]:
    """One layer under batch norm: E[a^2], Var(a), E[phi'^2] and what delta's variance is divided by."""
    v = gain * incoming_var
    r = v / (v + BATCH_NORM_EPS)
    points, weights = gaussian_nodes(0.0, r)
    d2 = spec.derivative(points) ** 2
    values = spec.fn(points)
    second = weights @ values**2
    spread = max(second - (weights @ values) ** 2, 0.0)
    slope = weights @ d2
    projected = 1.0
    if n_samples:
        aligned = (weights @ (d2 * points**2)) / r if r > 0 else 0.0
        projected -= (1.0 + (aligned / slope if slope > 0 else 0.0)) / n_samples
    return second, spread, slope, (v + BATCH_NORM_EPS) / projected


def _forward_moments(spec, gain: float, depth: int, bias: float, bias_var: float, in_mean: float, in_var: float,
                     batch_norm: bool, n_samples: int | None) -> _Layers:
    """q_l = n Var(w) E[a_{l-1}^2] + sigma_b^2, with E[a_l^2] and E[phi'(s_l)^2] by quadrature, layer by layer."""
    layers = _Layers(np.empty(depth), np.empty(depth), np.full(depth, math.nan), np.empty(depth), np.ones(depth))
    incoming_second, incoming_var = in_mean**2 + in_var, in_var
    for index in range(depth):
        q = gain * incoming_second + bias_var
        layers.pre[index] = q
        if not math.isfinite(q):
            layers.second[index:] = layers.slope[index:] = math.inf
            layers.pre[index:] = math.inf
            break
        if batch_norm:
            (layers.second[index], layers.spread[index], layers.slope[index],
             layers.shrink[index]) = _batch_norm_layer(spec, gain, incoming_var, n_samples)
            incoming_var = layers.spread[index]
        else:
            points, weights = gaussian_nodes(bias, q)
            layers.second[index] = weights @ spec.fn(points) ** 2
            layers.slope[index] = weights @ spec.derivative(points) ** 2
        incoming_second = layers.second[index]
    return layers


def _backward_variances(gain: float, layers: _Layers) -> Array:
    """Var(delta_l) from the read-out back: Var(delta_L) = E[phi'^2], then n Var(w) E[phi'^2] per layer."""
    depth = len(layers.pre)
    delta = np.empty(depth)
    upstream = 1.0  # Var(dL/dA_L) = Var(G)
    for index in range(depth - 1, -1, -1):
        delta[index] = upstream * layers.slope[index] / layers.shrink[index]
        upstream = gain * delta[index]
    return delta


def predicted_variance(activation: str, initializer: str, **settings) -> Array:
    """The mean-field prediction of Var(s_l), l = 1..depth: ``mean_field(...).pre_variance``, the same arguments."""
    return mean_field(activation, initializer, **settings).pre_variance


def predicted_delta_variance(activation: str, initializer: str, **settings) -> Array:
    """The mean-field prediction of Var(dL/ds_l) per example, l = 1..depth: ``mean_field(...).delta_variance``."""
    return mean_field(activation, initializer, **settings).delta_variance


def notes_variance(
    activation: str,
    initializer: str,
    *,
    depth: int,
    width: int,
    init_params: dict | None = None,
    input_variance: float = 1.0,
) -> Array:
    """The notes' Var(s_k) = [n Var(w)]^k Var(x), with He's factor per layer after the first.

    Var(s_1) = n Var(w) Var(x) and Var(s_k) = c n Var(w) Var(s_{k-1}), with c
    from ``NOTES_FACTOR`` (1/2 for ReLU). It ignores the bias, any non-zero
    mean and any curvature of phi: the point of comparing it with
    ``predicted_variance``.
    """
    _check_zero_mean(initializer, width, init_params)
    gain = weight_gain(initializer, width, init_params)
    factor = NOTES_FACTOR[act_mod.get(activation).key]
    with np.errstate(over="ignore"):
        return gain * input_variance * (factor * gain) ** np.arange(depth, dtype=float)


# --- the page's tables ----------------------------------------------------------------

def prediction_table(
    activation: str,
    initializer: str,
    *,
    depth: int,
    width: int,
    n_samples: int,
    bias: float = 0.0,
    init_params: dict | None = None,
    batch_norm: bool = False,
    normalize_inputs: bool = True,
    seed: int | None = None,
    bias_std: float = 0.0,
    dtype: str | None = None,
) -> pd.DataFrame:
    """Per layer, the predictions for the simulation with these arguments.

    Takes ``simulate``'s keyword arguments (``seed`` and ``dtype`` are
    ignored: the theory is the average over draws, in exact arithmetic). Columns: layer; pre_variance, delta_variance,
    grad_variance (mean-field); notes_variance (the notes' formula, NaN with
    batch norm, which it does not describe). ValueError where the argument
    does not apply (weights of non-zero mean). ``bias_std`` (sigma_b) adds
    sigma_b^2 to every mean-field Var(s); the notes' formula has no bias.
    """
    mf = mean_field(
        activation, initializer, depth=depth, width=width, bias=bias, init_params=init_params,
        normalize_inputs=normalize_inputs, batch_norm=batch_norm, n_samples=n_samples, bias_std=bias_std,
    )
    _, in_var = input_moments(normalize_inputs)
    notes = notes_variance(
        activation, initializer, depth=depth, width=width, init_params=init_params, input_variance=in_var
    )
    if batch_norm:
        notes = np.full(depth, math.nan)
    return pd.DataFrame(
        {
            "layer": np.arange(1, depth + 1),
            "pre_variance": mf.pre_variance,
            "delta_variance": mf.delta_variance,
            "grad_variance": mf.grad_variance,
            "notes_variance": notes,
        }
    )


def measured_variance(layers: pd.DataFrame) -> Array:
    """Var(s_l) measured: pre_std squared, inf past float64's range (no warning)."""
    with np.errstate(over="ignore"):
        return layers["pre_std"].to_numpy(dtype=float) ** 2


def ratio_of_positive(a: Array, b: Array) -> Array:
    """a / b where both are positive and finite, NaN elsewhere."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    out = np.full(a.shape, math.nan)
    np.divide(a, b, out=out, where=ok)
    return out


def variance_frames(layers: pd.DataFrame, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long frames for the charts: (layer, source, variance) and (layer, source, ratio).

    ``layers`` is a SimulationResult's ``layers``; measured Var(s) is its
    pre_std squared. Layers the simulation did not compute are left out.
    """
    measured = measured_variance(layers)
    ok = (layers["status"] == "ok").to_numpy()
    sources = {
        "measured": measured,
        "mean-field theory": table["pre_variance"].to_numpy(),
        "notes' formula": table["notes_variance"].to_numpy(),
    }
    variances = pd.concat(
        [
            pd.DataFrame({"layer": layers["layer"], "source": name, "variance": values})
            for name, values in sources.items()
        ],
        ignore_index=True,
    )
    variances = variances[np.tile(ok, len(sources)) & variances["variance"].notna()]
    ratios = pd.concat(
        [
            pd.DataFrame(
                {"layer": layers["layer"], "source": name, "ratio": ratio_of_positive(measured, sources[name])}
            )
            for name in ("mean-field theory", "notes' formula")
        ],
        ignore_index=True,
    )
    ratios = ratios[np.tile(ok, 2) & ratios["ratio"].notna()]
    return variances.reset_index(drop=True), ratios.reset_index(drop=True)


def gradient_frame(layers: pd.DataFrame, table: pd.DataFrame | None) -> pd.DataFrame:
    """Long frame (layer, quantity, source, std) of dL/ds and dL/dW, measured and predicted."""
    parts = [
        ("dL/ds (per example)", "measured", layers["delta_std"].to_numpy(dtype=float)),
        ("dL/dW", "measured", layers["grad_std"].to_numpy(dtype=float)),
    ]
    if table is not None:
        with np.errstate(invalid="ignore"):
            parts += [
                ("dL/ds (per example)", "mean-field theory", np.sqrt(table["delta_variance"].to_numpy(dtype=float))),
                ("dL/dW", "mean-field theory", np.sqrt(table["grad_variance"].to_numpy(dtype=float))),
            ]
    frame = pd.concat(
        [pd.DataFrame({"layer": layers["layer"], "quantity": q, "source": s, "std": v}) for q, s, v in parts],
        ignore_index=True,
    )
    return frame[frame["std"].notna()].reset_index(drop=True)
