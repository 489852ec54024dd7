"""The notes' experiment: push data through a deep net at initialization.

X (n_samples x width) goes through ``depth`` fully connected layers of
``width`` units, s = a W + b and a = phi(s) (004, after CS231n). The backward
pass uses 001's formulas with a random read-out: dA_L = G with G standard
normal, dZ_l = dA_l * phi'(Z_l), dW_l = (1/m) A_{l-1}^T dZ_l and
dA_{l-1} = dZ_l W_l^T. That is the gradient of L = (1/m) sum(G * A_L).

Only per-layer statistics and pre-binned histograms leave this module, never
the activations themselves. Nothing here imports Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from . import activations as act_mod
from . import initializers as init_mod
from . import parallel
from .draws import CACHE, seed_key
from .stats import UNDERFLOW, bin_counts, column_means, first_values, moments

# Values within this distance of a bound of tanh or sigmoid count as saturated.
SATURATION_MARGIN = 0.01
BATCH_NORM_EPS = 1e-5
HISTOGRAM_BINS = 40
# Histograms are taken over the first rows of a layer holding this many values.
HISTOGRAM_VALUES = 100_000
# Weights are kept for the backward pass up to this many values (64 MB);
# beyond it each layer's weights are drawn again from their own seed.
KEPT_WEIGHT_VALUES = 8_000_000
# Raw, un-normalized inputs: pixel-like intensities built from the same draws.
RAW_INPUT_MEAN = 128.0
RAW_INPUT_STD = 64.0
RAW_INPUT_RANGE = (0.0, 255.0)

LAYER_COLUMNS = [
    "layer",
    "mean",
    "std",
    "pre_mean",
    "pre_std",
    "saturated",
    "dead",
    "delta_std",
    "grad_std",
    "status",
]
LAYER_STATUSES = ["ok", "overflow", "not computed"]
HISTOGRAM_COLUMNS = ["layer", "bin_start", "bin_end", "count", "fraction"]


@dataclass(frozen=True)
class SimulationResult:
    """What one run of the experiment measured, per layer."""

    activation: str
    initializer: str
    depth: int
    width: int
    n_samples: int
    bias: float
    seed: int
    init_params: dict
    batch_norm: bool
    normalize_inputs: bool
    # One row per hidden layer: see LAYER_COLUMNS.
    layers: pd.DataFrame
    # mean and std of the input X.
    input: pd.Series
    # Tidy pre-binned histograms of the activations a and of dL/dW per layer.
    histograms: pd.DataFrame
    gradient_histograms: pd.DataFrame
    # First layer whose pre-activations or activations were not finite.
    overflow_layer: int | None = None
    # First layer, going backward, whose dL/ds was not finite.
    gradient_overflow_layer: int | None = None
    # First layer whose activations all fell below stats.UNDERFLOW and were set to 0.
    underflow_layer: int | None = None
    # The precision every array was computed in: float32 (as frameworks compute) or float64.
    dtype: str = "float32"
    # The spread of the biases: each unit's is drawn N(bias, bias_std^2) once.
    bias_std: float = 0.0

    @property
    def finite(self) -> bool:
        return self.overflow_layer is None and self.gradient_overflow_layer is None

    @property
    def limits(self) -> Limits:
        return Limits(self.overflow_layer, self.gradient_overflow_layer, self.underflow_layer, self.dtype)


@dataclass(frozen=True)
class Limits:
    """Where a simulation's numbers left the float range: None where they did not."""

    # First layer whose pre-activations or activations were not finite.
    overflow_layer: int | None = None
    # First layer, going backward, whose dL/ds was not finite.
    gradient_overflow_layer: int | None = None
    # First layer whose activations all fell below UNDERFLOW and were set to 0.
    underflow_layer: int | None = None
    dtype: str = "float64"


def make_inputs(
    n_samples: int, width: int, rng: np.random.Generator, normalize: bool = True, dtype: str = "float64"
) -> np.ndarray:
    """Unit Gaussian inputs, or the same draws as raw pixel-like intensities.

    Raw inputs are 128 + 64 z clipped to [0, 255]: positive, with mean about
    128 and variance about 4000, as un-normalized image features are.
    """
    return inputs_from(rng.standard_normal((n_samples, width), dtype=np.dtype(dtype)), normalize)


def inputs_from(z: np.ndarray, normalize: bool) -> np.ndarray:
    """The inputs made of the standard-normal draws ``z``: z itself, or 128 + 64 z clipped to [0, 255]."""
    if normalize:
        return z
    raw = np.multiply(z, RAW_INPUT_STD)
    raw += RAW_INPUT_MEAN
    return np.clip(raw, *RAW_INPUT_RANGE, out=raw)


def _generator(seed: np.random.SeedSequence) -> np.random.Generator:
    """A Generator on SFC64, numpy's fastest bit generator: its Gaussian draws take about
    20% less time than PCG64's here, and the draws are a quarter of the experiment's time."""
    return np.random.Generator(np.random.SFC64(seed))


def _check_positive_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _near_bounds(a: np.ndarray, bounds: tuple[float, float]) -> int:
    """How many values of ``a`` lie within SATURATION_MARGIN of the activation's bounds."""
    low, high = bounds
    # Two one-byte masks cost less than one float temporary |a - centre|.
    return np.count_nonzero(a <= low + SATURATION_MARGIN) + np.count_nonzero(a >= high - SATURATION_MARGIN)


# The per-layer element-wise work, on a block of rows (see parallel.by_rows).
# No BLAS call in here: OpenBLAS serializes calls from two threads, and its
# sums over whole arrays already use both cores.


def _activate(spec: act_mod.Activation, s: np.ndarray, a: np.ndarray) -> tuple[int, int]:
    """a = phi(s) (``a`` may be ``s``), and how many values are saturated and non-zero."""
    spec.fn(s, out=a)
    near = _near_bounds(a, spec.bounds) if spec.bounds else 0
    nonzero = np.count_nonzero(a) if spec.can_die else a.size
    return near, nonzero


def _local_gradient(spec: act_mod.Activation, a: np.ndarray, upstream: np.ndarray) -> None:
    """dL/ds = phi'(s) * dL/da, written over a (phi' comes from a)."""
    spec.derivative_from_output(a, out=a)
    a *= upstream


def _bin_layers(samples: dict[int, np.ndarray], low: float, high: float) -> dict[int, np.ndarray]:
    """Each layer's histogram counts over [low, high], two layers at a time."""
    counts = parallel.run_all(partial(bin_counts, values, low, high, HISTOGRAM_BINS) for values in samples.values())
    return dict(zip(samples, counts))


def _histogram_frame(counts_per_layer: dict[int, np.ndarray], edges: np.ndarray) -> pd.DataFrame:
    if not counts_per_layer:
        return pd.DataFrame(columns=HISTOGRAM_COLUMNS)
    layers = np.repeat(list(counts_per_layer), len(edges) - 1)
    counts = np.concatenate(list(counts_per_layer.values()))
    totals = np.repeat([c.sum() for c in counts_per_layer.values()], len(edges) - 1)
    n = len(counts_per_layer)
    return pd.DataFrame(
        {
            "layer": layers,
            "bin_start": np.tile(edges[:-1], n),
            "bin_end": np.tile(edges[1:], n),
            "count": counts,
            "fraction": counts / np.maximum(totals, 1),
        }
    )


def activation_range(activation: str, layer_rms: list[float]) -> tuple[float, float]:
    """Histogram range of an activation: its bounds, else 4 x the largest layer RMS.

    The range is shared by every layer so that their histograms compare.
    """
    spec = act_mod.get(activation)
    if spec.bounds is not None:
        return spec.bounds
    finite = [r for r in layer_rms if math.isfinite(r)]
    reach = 4.0 * max(finite, default=1.0) or 1.0
    return (0.0 if activation == "relu" else -reach), reach


@dataclass(frozen=True)
class _Setting:
    """The checked arguments of one simulation."""

    spec: act_mod.Activation
    init_spec: init_mod.Initializer
    depth: int
    width: int
    n_samples: int
    bias: float
    seed: int
    params: dict
    batch_norm: bool
    normalize_inputs: bool
    dtype: str
    bias_std: float = 0.0

    @property
    def underflow(self) -> float:
        return UNDERFLOW[self.dtype]


def _check(activation, initializer, depth, width, n_samples, bias, seed, init_params, batch_norm,
           normalize_inputs, dtype, bias_std=0.0) -> _Setting:
    """The arguments checked and normalized, or ValueError saying which is wrong."""
    spec = act_mod.get(activation)
    depth = _check_positive_int("depth", depth)
    width = _check_positive_int("width", width)
    n_samples = _check_positive_int("n_samples", n_samples, minimum=2)
    seed = _check_positive_int("seed", seed, minimum=0)
    params = init_mod.check_params(initializer, width, width, init_params)
    for name, value in (("bias", bias), ("bias_std", bias_std)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(
            value
        ):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    if bias_std < 0:
        raise ValueError(f"bias_std must be >= 0, got {bias_std!r}")
    return _Setting(spec, init_mod.INITIALIZERS[initializer], depth, width, n_samples, float(bias), seed, params,
                    bool(batch_norm), bool(normalize_inputs), init_mod.check_dtype(dtype), float(bias_std))


class _Draws:
    """Every random draw of one simulation, each from its own seed, its base draws kept in ``draws.CACHE``.

    Independent streams, so that the data and the read-out do not change
    when the initializer or the depth does, and one seed per layer, so that
    W_l does not depend on the depth and can be drawn again. Every draw has
    its own seed, so two threads can make them in any order (but not two QRs
    at once: see Initializer.parallel_draws). Weights too many to keep are
    drawn as needed, forward and again backward; a network's base draws are
    kept across simulations only when they take at most half the cache, so
    that one large network does not push out every other.
    """

    def __init__(self, setting: _Setting):
        self.setting = setting
        # A fourth stream for the biases leaves the first three as they were.
        data_seq, weight_seq, upstream_seq, bias_seq = np.random.SeedSequence(setting.seed).spawn(4)
        self.layer_seqs = weight_seq.spawn(setting.depth)
        self.bias_seqs = bias_seq.spawn(setting.depth)
        self.threads = parallel.THREADS if setting.init_spec.parallel_draws else 1
        values = setting.depth * setting.width * setting.width
        self.keep = values <= KEPT_WEIGHT_VALUES
        self.cached = values * np.dtype(setting.dtype).itemsize <= CACHE.max_bytes // 2
        self.tasks = [partial(self._layer_weights, index) for index in range(setting.depth)]
        inputs = partial(self._normal, data_seq, "inputs")
        upstream = partial(self._normal, upstream_seq, "upstream")
        kept = self.tasks if self.keep else []
        z, g, *self.weights = parallel.run_all([inputs, upstream, *kept], threads=self.threads)
        self.x = inputs_from(z, setting.normalize_inputs)
        # The backward pass writes dL/da over the read-out: its own copy.
        self.upstream = np.array(g)

    def _normal(self, seq: np.random.SeedSequence, kind: str) -> np.ndarray:
        s = self.setting
        shape = (s.n_samples, s.width)
        return CACHE.get((seed_key(seq), kind, shape, s.dtype),
                         lambda: _generator(seq).standard_normal(shape, dtype=np.dtype(s.dtype)))

    def _layer_weights(self, index: int) -> np.ndarray:
        s = self.setting
        spec, width = s.init_spec, s.width
        if spec.base is None:
            return spec.fn(width, width, None, dtype=s.dtype, **s.params)
        base_spec = init_mod.BASES[spec.base]
        base_params = {name: s.params[name] for name in base_spec.params}
        seq = self.layer_seqs[index]

        def draw() -> np.ndarray:
            return base_spec.draw(width, width, _generator(seq), s.dtype, **base_params)

        key = (seed_key(seq), spec.base, tuple(sorted(base_params.items())), (width, width), s.dtype)
        base = CACHE.get(key, draw) if self.cached else draw()
        return spec.fn(width, width, None, dtype=s.dtype, base=base, **s.params)

    def biases(self, index: int) -> float | np.ndarray:
        """Layer index + 1's biases: the constant b, or b + bias_std z per unit with z ~ N(0, 1) from its own seed."""
        s = self.setting
        if not s.bias_std:
            return s.bias
        z = _generator(self.bias_seqs[index]).standard_normal(s.width, dtype=np.dtype(s.dtype))
        z *= s.bias_std
        z += s.bias
        return z

    def forward(self):
        """W_1, ..., W_depth in order."""
        return iter(self.weights) if self.keep else parallel.as_needed(self.tasks, threads=self.threads)

    def backward(self):
        """W_depth, ..., W_2 in order (W_1 is not needed going back)."""
        if self.keep:
            return iter(self.weights[:0:-1])
        return parallel.as_needed(self.tasks[:0:-1], threads=self.threads)


@dataclass
class _Record:
    """The per-layer statistics as they are measured, and where the numbers left the float range."""

    depth: int
    rows: dict = None
    status: np.ndarray = None
    rms: list = None
    overflow_layer: int | None = None
    gradient_overflow_layer: int | None = None
    underflow_layer: int | None = None

    def __post_init__(self):
        columns = ("mean", "std", "pre_mean", "pre_std", "saturated", "dead", "delta_std", "grad_std")
        self.rows = {column: np.full(self.depth, math.nan) for column in columns}
        self.status = np.full(self.depth, "not computed", dtype=object)
        self.rms = [math.nan] * self.depth

    def overflowed(self, index: int) -> None:
        self.overflow_layer = index + 1
        self.status[index] = "overflow"


@dataclass
class _Kept:
    """What the backward pass needs of the forward one: every layer's output, and batch norm's s-hat and scale."""

    outputs: list
    normalized: list
    scales: list


def _normalize_batch(s: np.ndarray, n_samples: int) -> np.ndarray:
    """Each unit's s standardized over the batch, in place; returns the per-unit scale it was divided by."""
    s -= column_means(s)
    scale = np.sqrt(np.einsum("ij,ij->j", s, s) / n_samples + BATCH_NORM_EPS)
    s /= scale
    return scale


def _forward_layer(setting: _Setting, index: int, w: np.ndarray, bias, kept: _Kept, record: _Record) -> bool:
    """Layer index + 1: s = a W + b, batch norm, a = phi(s), and its statistics. False once it overflows."""
    # A fresh array per layer, freed as the backward pass goes. One block
    # for all layers ran 13% faster alone, since the allocator reuses it
    # between calls, but every thread of a server then kept its own
    # (load test: peak 984 MB against 631 MB).
    s = kept.outputs[-1] @ w
    del w
    if np.any(bias):
        s += bias
    pre_mean, pre_std = moments(s)
    if not math.isfinite(pre_std):
        record.overflowed(index)
        return False
    record.rows["pre_mean"][index], record.rows["pre_std"][index] = pre_mean, pre_std
    if setting.batch_norm:
        scale = _normalize_batch(s, setting.n_samples)
        kept.normalized.append(s)
        kept.scales.append(scale)
        a = np.empty_like(s)
    else:
        kept.normalized.append(None)
        kept.scales.append(None)
        # s is not needed again: the derivative comes from a.
        a = s
    blocks = parallel.by_rows(partial(_activate, setting.spec), s, a)
    a_mean, a_std = moments(a)
    if not math.isfinite(a_std):
        record.overflowed(index)
        return False
    nonzero = sum(block[1] for block in blocks)
    if 0.0 < math.hypot(a_mean, a_std) < setting.underflow:
        a[...] = 0.0
        a_mean = a_std = 0.0
        nonzero = 0
        record.underflow_layer = record.underflow_layer or index + 1
    record.rows["mean"][index], record.rows["std"][index] = a_mean, a_std
    record.rms[index] = math.sqrt(a_mean * a_mean + a_std * a_std)
    record.rows["saturated"][index] = sum(block[0] for block in blocks) / a.size
    record.rows["dead"][index] = 1.0 - nonzero / a.size
    record.status[index] = "ok"
    kept.outputs.append(a)
    return True


def _backward_layer(setting: _Setting, layer: int, upstream: np.ndarray, grad: np.ndarray, kept: _Kept,
                    record: _Record) -> np.ndarray | None:
    """dL/ds_l from dL/da_l (``upstream``) and dL/dW_l into ``grad``; dL/ds_l, or None once it overflows."""
    n_samples = setting.n_samples
    # A_l is not needed once phi'(A_l) is known: overwrite it.
    delta = kept.outputs.pop()
    parallel.by_rows(partial(_local_gradient, setting.spec), delta, upstream)
    if setting.batch_norm:
        s_hat, scale = kept.normalized[layer], kept.scales[layer]
        delta -= column_means(delta)
        delta -= s_hat * (np.einsum("ij,ij->j", delta, s_hat) / n_samples)
        delta /= scale
        kept.normalized[layer] = None
    d_mean, d_std = moments(delta)
    if not math.isfinite(d_std):
        record.gradient_overflow_layer = layer
        return None
    if 0.0 < math.hypot(d_mean, d_std) < setting.underflow:
        delta[...] = 0.0
        d_std = 0.0
    record.rows["delta_std"][layer - 1] = d_std
    # grad holds A^T dZ; the 1/m is applied to its statistics and samples only.
    np.matmul(kept.outputs[-1].T, delta, out=grad)
    _, g_std = moments(grad)
    if not math.isfinite(g_std):
        grad /= n_samples
        _, g_std = moments(grad)
        g_std *= n_samples
    record.rows["grad_std"][layer - 1] = g_std / n_samples
    return delta


def _backward(setting: _Setting, draws: _Draws, kept: _Kept, record: _Record, observer) -> dict[int, np.ndarray]:
    """The backward pass from the read-out G down to layer 1; each layer's dL/dW sample for the histograms."""
    grad_samples: dict[int, np.ndarray] = {}
    grad = np.empty((setting.width, setting.width), dtype=setting.dtype)
    upstream = draws.upstream
    weights = draws.backward()
    if observer:
        observer("upstream", setting.depth, upstream)
    for layer in range(setting.depth, 0, -1):
        delta = _backward_layer(setting, layer, upstream, grad, kept, record)
        if delta is None:
            break
        if observer:
            observer("delta", layer, delta)
            observer("grad", layer, grad / setting.n_samples)
        grad_samples[layer] = first_values(grad, HISTOGRAM_VALUES) / setting.n_samples
        if layer > 1:
            w = next(weights)
            np.matmul(delta, w.T, out=upstream)
            del w
        del delta
    return grad_samples


def _activation_histograms(activation: str, record: _Record, outputs: list) -> pd.DataFrame:
    """Every computed layer's activations over one shared range (see ``activation_range``)."""
    low, high = activation_range(activation, record.rms)
    counts = _bin_layers(
        {layer: first_values(outputs[layer], HISTOGRAM_VALUES) for layer in range(1, len(outputs))}, low, high
    )
    return _histogram_frame(counts, np.linspace(low, high, HISTOGRAM_BINS + 1))


def _gradient_histograms(record: _Record, grad_samples: dict[int, np.ndarray]) -> pd.DataFrame:
    """Every layer's dL/dW over one shared range, ±4 times the largest std."""
    reach = 4.0 * max((v for v in record.rows["grad_std"] if math.isfinite(v)), default=1.0) or 1.0
    counts = _bin_layers(dict(sorted(grad_samples.items())), -reach, reach)
    return _histogram_frame(counts, np.linspace(-reach, reach, HISTOGRAM_BINS + 1))


def _result(activation: str, initializer: str, setting: _Setting, x_moments: tuple[float, float], record: _Record,
            histograms: tuple[pd.DataFrame, pd.DataFrame]) -> SimulationResult:
    layers = pd.DataFrame(
        {
            "layer": np.arange(1, setting.depth + 1), **record.rows,
            "status": pd.Categorical(record.status, categories=LAYER_STATUSES),
        }
    )
    return SimulationResult(
        activation=activation,
        initializer=initializer,
        depth=setting.depth,
        width=setting.width,
        n_samples=setting.n_samples,
        bias=setting.bias,
        bias_std=setting.bias_std,
        seed=setting.seed,
        init_params=setting.params,
        batch_norm=setting.batch_norm,
        normalize_inputs=setting.normalize_inputs,
        layers=layers,
        input=pd.Series({"mean": x_moments[0], "std": x_moments[1]}),
        histograms=histograms[0],
        gradient_histograms=histograms[1],
        overflow_layer=record.overflow_layer,
        gradient_overflow_layer=record.gradient_overflow_layer,
        underflow_layer=record.underflow_layer,
        dtype=setting.dtype,
    )


def simulate(
    activation: str,
    initializer: str,
    *,
    depth: int,
    width: int,
    n_samples: int = 1000,
    bias: float = 0.0,
    seed: int = 0,
    init_params: dict | None = None,
    batch_norm: bool = False,
    normalize_inputs: bool = True,
    dtype: str = "float32",
    bias_std: float = 0.0,
    observer: Callable[[str, int, np.ndarray], None] | None = None,
) -> SimulationResult:
    """Run the forward and backward pass once and measure every layer.

    ``observer``, if given, is called as ``observer(kind, layer, array)`` with
    kind "input" (X, layer 0), "weights" (W_l), "upstream" (G, layer depth),
    "delta" (dL/ds_l, per example) and "grad" (dL/dW_l), for a notebook or a
    test that wants the arrays of a small network. The arrays are buffers
    that are reused: copy what you keep.

    >>> r = simulate("tanh", "normal", depth=3, width=50, n_samples=100, init_params={"std": 0.01})
    >>> list(r.layers["layer"])
    [1, 2, 3]
    """
    setting = _check(activation, initializer, depth, width, n_samples, bias, seed, init_params, batch_norm,
                     normalize_inputs, dtype, bias_std)
    draws = _Draws(setting)
    x_moments = moments(draws.x)
    if observer:
        observer("input", 0, draws.x)
    record = _Record(setting.depth)
    kept = _Kept([draws.x], [None], [None])
    with np.errstate(all="ignore"):
        weights = draws.forward()
        for index in range(setting.depth):
            w = next(weights)
            if observer:
                observer("weights", index + 1, w)
            if not _forward_layer(setting, index, w, draws.biases(index), kept, record):
                break
            del w
        # Binned before the backward pass overwrites the outputs.
        activation_histograms = _activation_histograms(activation, record, kept.outputs)
        grad_samples = _backward(setting, draws, kept, record, observer) if record.overflow_layer is None else {}
    histograms = (activation_histograms, _gradient_histograms(record, grad_samples))
    return _result(activation, initializer, setting, x_moments, record, histograms)
