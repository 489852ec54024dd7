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
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np
import pandas as pd

from . import activations as act_mod
from . import initializers as init_mod
from . import parallel
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
    # First layer whose activations all fell below 1e-250 and were set to 0.
    underflow_layer: int | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def finite(self) -> bool:
        return self.overflow_layer is None and self.gradient_overflow_layer is None


def make_inputs(n_samples: int, width: int, rng: np.random.Generator, normalize: bool = True) -> np.ndarray:
    """Unit Gaussian inputs, or the same draws as raw pixel-like intensities.

    Raw inputs are 128 + 64 z clipped to [0, 255]: positive, with mean about
    128 and variance about 4000, as un-normalized image features are.
    """
    z = rng.standard_normal((n_samples, width))
    if normalize:
        return z
    z *= RAW_INPUT_STD
    z += RAW_INPUT_MEAN
    return np.clip(z, *RAW_INPUT_RANGE, out=z)


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
    spec = act_mod.get(activation)
    depth = _check_positive_int("depth", depth)
    width = _check_positive_int("width", width)
    n_samples = _check_positive_int("n_samples", n_samples, minimum=2)
    seed = _check_positive_int("seed", seed, minimum=0)
    params = init_mod.check_params(initializer, width, width, init_params)
    if isinstance(bias, bool) or not isinstance(bias, (int, float, np.integer, np.floating)) or not math.isfinite(bias):
        raise ValueError(f"bias must be a finite number, got {bias!r}")
    bias = float(bias)

    # Independent streams, so that the data and the read-out do not change
    # when the initializer or the depth does.
    data_seq, weight_seq, upstream_seq = np.random.SeedSequence(seed).spawn(3)
    # One seed per layer: W_l does not depend on the depth, and can be drawn again.
    layer_seqs = weight_seq.spawn(depth)
    init_spec = init_mod.INITIALIZERS[initializer]
    init_fn = init_spec.fn

    def layer_weights(index: int) -> np.ndarray:
        return init_fn(width, width, _generator(layer_seqs[index]), **params)

    def draw_inputs() -> np.ndarray:
        return make_inputs(n_samples, width, _generator(data_seq), normalize_inputs)

    def draw_upstream() -> np.ndarray:
        return _generator(upstream_seq).standard_normal((n_samples, width))

    # Every draw has its own seed, so two threads can make them in any order
    # (but not two QRs at once: see Initializer.parallel_draws). Weights too
    # many to keep are drawn as needed, forward and again backward.
    threads = parallel.THREADS if init_spec.parallel_draws else 1
    keep_weights = depth * width * width <= KEPT_WEIGHT_VALUES
    weight_tasks = [partial(layer_weights, index) for index in range(depth)]
    kept_tasks = weight_tasks if keep_weights else []
    x, upstream, *weights = parallel.run_all([draw_inputs, draw_upstream, *kept_tasks], threads=threads)
    forward_weights = iter(weights) if keep_weights else parallel.as_needed(weight_tasks, threads=threads)
    in_mean, in_std = moments(x)
    if observer:
        observer("input", 0, x)

    nan = math.nan
    rows = {
        column: np.full(depth, nan)
        for column in ("mean", "std", "pre_mean", "pre_std", "saturated", "dead", "delta_std", "grad_std")
    }
    status = np.full(depth, "not computed", dtype=object)
    rms = [nan] * depth
    overflow_layer = underflow_layer = gradient_overflow_layer = None

    # Kept for the backward pass: every layer's output, and with batch norm
    # the normalized pre-activations and the per-unit scale.
    outputs = [x]
    normalized: list[np.ndarray | None] = [None]
    scales: list[np.ndarray | None] = [None]

    with np.errstate(all="ignore"):
        for index in range(depth):
            w = next(forward_weights)
            if observer:
                observer("weights", index + 1, w)
            # A fresh array per layer, freed as the backward pass goes. One block
            # for all layers ran 13% faster alone, since the allocator reuses it
            # between calls, but every thread of a server then kept its own
            # (load test: peak 984 MB against 631 MB).
            s = outputs[-1] @ w
            del w
            if bias:
                s += bias
            pre_mean, pre_std = moments(s)
            if not math.isfinite(pre_std):
                overflow_layer = index + 1
                status[index] = "overflow"
                break
            rows["pre_mean"][index], rows["pre_std"][index] = pre_mean, pre_std
            if batch_norm:
                s -= column_means(s)
                scale = np.sqrt(np.einsum("ij,ij->j", s, s) / n_samples + BATCH_NORM_EPS)
                s /= scale
                normalized.append(s)
                scales.append(scale)
                a = np.empty_like(s)
            else:
                normalized.append(None)
                scales.append(None)
                # s is not needed again: the derivative comes from a.
                a = s
            blocks = parallel.by_rows(partial(_activate, spec), s, a)
            a_mean, a_std = moments(a)
            if not math.isfinite(a_std):
                overflow_layer = index + 1
                status[index] = "overflow"
                break
            nonzero = sum(block[1] for block in blocks)
            if 0.0 < math.hypot(a_mean, a_std) < UNDERFLOW:
                a[...] = 0.0
                a_mean = a_std = 0.0
                nonzero = 0
                underflow_layer = underflow_layer or index + 1
            rows["mean"][index], rows["std"][index] = a_mean, a_std
            rms[index] = math.sqrt(a_mean * a_mean + a_std * a_std)
            rows["saturated"][index] = sum(block[0] for block in blocks) / a.size
            rows["dead"][index] = 1.0 - nonzero / a.size
            status[index] = "ok"
            outputs.append(a)

        low, high = activation_range(activation, rms)
        edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
        act_counts = _bin_layers(
            {layer: first_values(outputs[layer], HISTOGRAM_VALUES) for layer in range(1, len(outputs))}, low, high
        )

        grad_samples: dict[int, np.ndarray] = {}
        if overflow_layer is None:
            grad = np.empty((width, width))
            backward_weights = (
                iter(weights[:0:-1]) if keep_weights else parallel.as_needed(weight_tasks[:0:-1], threads=threads)
            )
            if observer:
                observer("upstream", depth, upstream)
            for layer in range(depth, 0, -1):
                # A_l is not needed once phi'(A_l) is known: overwrite it.
                a = outputs.pop()
                parallel.by_rows(partial(_local_gradient, spec), a, upstream)
                delta = a
                if batch_norm:
                    s_hat, scale = normalized[layer], scales[layer]
                    delta -= column_means(delta)
                    delta -= s_hat * (np.einsum("ij,ij->j", delta, s_hat) / n_samples)
                    delta /= scale
                    normalized[layer] = None
                d_mean, d_std = moments(delta)
                if not math.isfinite(d_std):
                    gradient_overflow_layer = layer
                    break
                if 0.0 < math.hypot(d_mean, d_std) < UNDERFLOW:
                    delta[...] = 0.0
                    d_std = 0.0
                rows["delta_std"][layer - 1] = d_std
                if observer:
                    observer("delta", layer, delta)
                # grad holds A^T dZ; the 1/m is applied to its statistics and samples only.
                np.matmul(outputs[-1].T, delta, out=grad)
                if observer:
                    observer("grad", layer, grad / n_samples)
                _, g_std = moments(grad)
                if not math.isfinite(g_std):
                    grad /= n_samples
                    _, g_std = moments(grad)
                    g_std *= n_samples
                rows["grad_std"][layer - 1] = g_std / n_samples
                grad_samples[layer] = first_values(grad, HISTOGRAM_VALUES) / n_samples
                if layer > 1:
                    w = next(backward_weights)
                    np.matmul(delta, w.T, out=upstream)
                    del w
                del delta

    grad_reach = 4.0 * max((v for v in rows["grad_std"] if math.isfinite(v)), default=1.0) or 1.0
    grad_edges = np.linspace(-grad_reach, grad_reach, HISTOGRAM_BINS + 1)
    grad_counts = _bin_layers(dict(sorted(grad_samples.items())), -grad_reach, grad_reach)

    layers = pd.DataFrame(
        {"layer": np.arange(1, depth + 1), **rows, "status": pd.Categorical(status, categories=LAYER_STATUSES)}
    )
    notes = []
    if overflow_layer is not None:
        notes.append(
            f"Values overflowed float64 at layer {overflow_layer}: deeper layers and all gradients are not computed."
        )
    if gradient_overflow_layer is not None:
        notes.append(
            f"Gradients overflowed float64 at layer {gradient_overflow_layer} on the way back: "
            "earlier layers' gradients are not computed."
        )
    if underflow_layer is not None:
        notes.append(f"Activations fell below {UNDERFLOW:g} at layer {underflow_layer} and were set to 0.")
    return SimulationResult(
        activation=activation,
        initializer=initializer,
        depth=depth,
        width=width,
        n_samples=n_samples,
        bias=bias,
        seed=seed,
        init_params=params,
        batch_norm=bool(batch_norm),
        normalize_inputs=bool(normalize_inputs),
        layers=layers,
        input=pd.Series({"mean": in_mean, "std": in_std}),
        histograms=_histogram_frame(act_counts, edges),
        gradient_histograms=_histogram_frame(grad_counts, grad_edges),
        overflow_layer=overflow_layer,
        gradient_overflow_layer=gradient_overflow_layer,
        underflow_layer=underflow_layer,
        notes=tuple(notes),
    )
