"""Does it train? Several copies of one network, one per initializer, trained side by side on held-out data.

The data: a 2-D toy set (two classes, a sigmoid output) or the 8 x 8
handwritten digits (ten classes, a softmax output), split by
``datasets.split_dataset`` into training points and held-out points (a
seeded, stratified quarter by default), inputs standardized with the
training split's statistics. The network and its heads are
``networks.py``'s: ``depth`` hidden layers of ``width`` units, and the
initializer draws every weight matrix, the output layer's included, as in
the notes' experiment (a zero or constant output layer is part of the
symmetry lesson: with zero output weights no hidden unit gets a gradient).

The optimizers (``optimizers.py``): full-batch gradient descent ("gd"),
minibatch SGD ("sgd", ``batch_size`` points per step, reshuffled every
epoch from the run's seed), and Adam (full batch, or minibatches when given
a ``batch_size``). All k networks are trained at once, every product one
batched ``np.matmul``.

At most RECORDED_STEPS + 1 steps, evenly spaced from 0 to ``steps``, are
recorded: the training split's loss and accuracy, the held-out loss and
accuracy, the norm of dL/dW_l of every layer and the activations of the last
hidden layer (these two on the step's own batch). With minibatches the
training split's numbers are measured on the whole split at the first and
the last recorded step, and in between are the means over the minibatches
since the previous recorded step: a pass over the whole split at every
recorded step would cost more than the training. A network whose loss or
gradients stop being finite has diverged: it is taken out of the batch at
that step, and its history ends there. The limits and the cost of a run
are ``training_budget.py``'s.

Parameters are float32 by default, what PyTorch trains in: 1.6 times as
fast as float64 on the page's machine (benchmarks/bench_compare.py). One
step agrees with float64 to about 1e-6; over hundreds of SGD steps a deep
ReLU network's path is chaotic, so the two part in detail (as PyTorch's
own float32 run does) and agree in kind. ``dtype="float64"`` on request.
Nothing here imports Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import activations as act_mod
from . import datasets as data_mod
from .datasets import DEFAULT_POINTS, TEST_FRACTION, Split, split_dataset
from .init_keys import key_label, parse_key
from .losses import logit_cross_entropy, sigmoid  # noqa: F401  (re-exported: the tests' and the page's names)
from .networks import Head, Networks, backward, forward, head_for, init_networks, loss_and_gradients, predict  # noqa: F401
from .optimizers import ADAM_BETAS, ADAM_EPS, OPTIMIZER_LABELS, OPTIMIZERS, Adam, GradientDescent  # noqa: F401
from .simulation import SATURATION_MARGIN
from .training_budget import (  # noqa: F401  (re-exported: the page's plan reads them here)
    BUDGET_SECONDS,
    DEFAULT_BATCH,
    MAX_DEPTH,
    MAX_STEPS,
    MAX_WIDTH,
    RECORDED_STEPS,
    Lowered,
    TrainingFit,
    affordable_points,
    check_batch_size,
    check_int,
    estimated_seconds,
    fit_training,
)

Array = np.ndarray

# Decision-map grid: GRID x GRID points over the data, padded by PAD (in standardized units).
GRID = 25
PAD = 0.5
# How often, at most, the progress callback is called during one training run.
PROGRESS_UPDATES = 50
DTYPES = {"float32": np.float32, "float64": np.float64}

HISTORY_COLUMNS = ["init", "label", "step", "loss", "accuracy", "test_loss", "test_accuracy"]
GRADIENT_COLUMNS = ["init", "label", "step", "layer", "grad_norm"]
SATURATION_COLUMNS = ["init", "label", "step", "mean", "std", "saturated", "dead"]
SUMMARY_COLUMNS = [
    "init", "label", "loss", "accuracy", "test_loss", "test_accuracy", "diverged_at", "steps_run",
    "weight_change", "roughness", "start_roughness",
]


@dataclass(frozen=True)
class TrainingResult:
    """What training each compared initializer's network did, in compact frames."""

    keys: tuple[str, ...]
    dataset: str
    activation: str
    depth: int
    width: int
    optimizer: str
    lr: float
    steps: int
    bias: float
    bias_std: float
    seed: int
    # Points per step (the whole training split for full-batch training).
    batch_size: int
    train_points: int
    test_points: int
    classes: int
    # One row per network and recorded step (the loss before that step's
    # update; the last one after the last update): see HISTORY_COLUMNS.
    # loss and accuracy are the training split's (with minibatches, between
    # the first and last row: the mean over the minibatches since the row
    # before), test_* the held-out points'. A diverged network's rows stop
    # before the step at which it diverged.
    history: pd.DataFrame
    # One row per network, layer (1 .. depth + 1, the output layer last)
    # and recorded step: ||dL/dW_l||, the Frobenius norm on that step's batch.
    gradients: pd.DataFrame
    # One row per network and recorded step: the last hidden layer's
    # activations on that step's batch, their mean and std, the share
    # within SATURATION_MARGIN of a bound of tanh or sigmoid (NaN for an
    # unbounded activation) and the share exactly 0 (NaN where no unit can die).
    saturation: pd.DataFrame
    # One row per network: the last recorded losses and accuracies, the step
    # at which it diverged (NaN if it did not), updates made, the relative
    # change of its hidden weights ||W_T - W_0|| / ||W_0|| (absolute when
    # W_0 = 0), and the roughness of its decision map after training (NaN
    # if it diverged) and before (see ``roughness``; NaN for the digits).
    summary: pd.DataFrame
    # 2-D data: every point, standardized: x1, x2, label, split ("train" or
    # "test"). Empty for the digits.
    points: pd.DataFrame
    # 2-D data: predicted probability of class 1 on a GRID x GRID grid per
    # network (rows: x2 from low to high, columns: x1), NaN for a diverged
    # network. Empty for the digits.
    boundary: dict[str, Array]
    # [x1_low, x1_high, x2_low, x2_high] of the grid; None for the digits.
    extent: tuple[float, float, float, float] | None
    # The loss of answering every class with equal probability: ln 2, ln 10.
    chance_loss: float

    def diverged(self) -> dict[str, int]:
        """Key -> step at which the network diverged, for those that did."""
        rows = self.summary.dropna(subset=["diverged_at"])
        return {row.init: int(row.diverged_at) for row in rows.itertuples()}


# --- arguments ---------------------------------------------------------------------


def _check_real(name: str, value, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{name} must be a {'positive ' if positive else ''}finite number, got {value!r}")
    return float(value)


def _check_keys(keys: Sequence[str]) -> tuple[str, ...]:
    keys = tuple(dict.fromkeys(keys))
    if not keys:
        raise ValueError("keys: give at least one initializer")
    for key in keys:
        parse_key(key)
    return keys


# --- the steps of one run ---------------------------------------------------------------


def recorded_steps(steps: int, most: int = RECORDED_STEPS) -> Array:
    """At most ``most`` + 1 steps from 0 to ``steps``, evenly spaced, both ends included."""
    return np.unique(np.round(np.linspace(0, steps, min(most, steps) + 1)).astype(np.int64))


def minibatch_indices(n: int, batch_size: int, steps: int, rng: np.random.Generator) -> Array:
    """(steps + 1, batch_size) row numbers: epoch after epoch of permutations of 0..n-1, cut into batches.

    Each epoch is a fresh permutation drawn from ``rng``; a batch may
    straddle two epochs, so every batch is full and every point is seen
    once per epoch.
    """
    needed = (steps + 1) * batch_size
    epochs = -(-needed // n)
    stream = np.concatenate([rng.permutation(n) for _ in range(epochs)])
    return stream[:needed].reshape(steps + 1, batch_size)


def grid_points(x: Array, grid: int = GRID, pad: float = PAD) -> tuple[Array, tuple[float, float, float, float]]:
    """The grid x grid points (x1 fastest) covering the data with a margin, and their extent."""
    low = x.min(axis=0) - pad
    high = x.max(axis=0) + pad
    g1 = np.linspace(low[0], high[0], grid)
    g2 = np.linspace(low[1], high[1], grid)
    mesh1, mesh2 = np.meshgrid(g1, g2)
    return np.column_stack([mesh1.ravel(), mesh2.ravel()]), (low[0], high[0], low[1], high[1])


def roughness(probability: Array) -> float:
    """Share of neighbouring cells of a decision map (grid, grid) whose predicted classes differ.

    Horizontal and vertical neighbours, class 1 where P(class 1) > 1/2. A
    smooth boundary crosses few of the 2 g (g - 1) pairs (He's trained map
    of the circles on the 25-grid: about 4%); a speckled map crosses many.
    NaN where the map is not finite.
    """
    if not np.isfinite(probability).all():
        return math.nan
    cls = probability > 0.5
    changes = np.count_nonzero(cls[:, 1:] != cls[:, :-1]) + np.count_nonzero(cls[1:, :] != cls[:-1, :])
    rows, cols = cls.shape
    return changes / (rows * (cols - 1) + (rows - 1) * cols)


def hidden_change(start: Networks, end: Networks) -> Array:
    """Per network: ||W_T - W_0|| / ||W_0|| over all hidden weight matrices (absolute if W_0 = 0)."""
    pairs = list(zip(start.weights[:-1], end.weights[:-1], strict=True))
    diff = sum(np.sum((e.astype(float) - s) ** 2, axis=(1, 2)) for s, e in pairs)
    base = sum(np.sum(s.astype(float) ** 2, axis=(1, 2)) for s in start.weights[:-1])
    return np.sqrt(diff) / np.where(base > 0, np.sqrt(base), 1.0)


def layer_gradient_norms(grads: Networks) -> Array:
    """||dL/dW_l|| per network and layer (k, layers), in float64: one reduction over the parameter buffer."""
    squared = np.square(grads.flat, dtype=np.float64)
    # Sum each layer's W block and its b block separately, then keep the W blocks.
    bounds = np.array([(w_start, b_start) for w_start, b_start, _ in grads.offsets()]).ravel()
    return np.sqrt(np.add.reduceat(squared, bounds, axis=1)[:, 0::2])


def activation_stats(a: Array, activation: str) -> Array:
    """Per network (k, 4): mean, std, saturated share and dead share of the activations ``a`` (k, N, width)."""
    spec = act_mod.get(activation)
    flat = a.reshape(a.shape[0], -1)
    mean = flat.mean(axis=1, dtype=np.float64)
    std = flat.std(axis=1, dtype=np.float64)
    if spec.bounds:
        low, high = spec.bounds
        saturated = np.mean((flat <= low + SATURATION_MARGIN) | (flat >= high - SATURATION_MARGIN), axis=1)
    else:
        saturated = np.full(flat.shape[0], np.nan)
    dead = np.mean(flat == 0, axis=1) if spec.can_die else np.full(flat.shape[0], np.nan)
    return np.column_stack([mean, std, saturated, dead])


# --- one run ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Data:
    """What one run trains and measures on, in the trainer's float type."""

    split: Split
    x_train: Array
    y_train: Array
    x_test: Array
    y_test: Array
    head: Head
    # (steps + 1, batch) row numbers of the training split, or None: every step takes the whole split.
    batches: Array | None

    @property
    def full_batch(self) -> bool:
        return self.batches is None

    def batch(self, step: int) -> tuple[Array, Array]:
        if self.batches is None:
            return self.x_train, self.y_train
        rows = self.batches[step]
        return self.x_train[rows], self.y_train[rows]


def _prepare_data(dataset: str, n_points: int, test_fraction: float, batch_size: int | None, steps: int,
                  data_rng: np.random.Generator, batch_rng: np.random.Generator, dtype) -> _Data:
    split = split_dataset(dataset, n_points, test_fraction=test_fraction, rng=data_rng)
    head = head_for(split.classes)
    # The sigmoid head reads labels as 0.0 and 1.0 of the float type; the softmax head as integer indices.
    label_type = dtype if head.key == "sigmoid" else np.int64
    n_train = split.y_train.size
    batches = None
    if batch_size is not None and batch_size < n_train:
        batches = minibatch_indices(n_train, batch_size, steps, batch_rng)
    return _Data(split, split.x_train.astype(dtype), split.y_train.astype(label_type), split.x_test.astype(dtype),
                 split.y_test.astype(label_type), head, batches)


def _evaluate(nets: Networks, x: Array, y: Array, head: Head, activation: str) -> tuple[Array, Array]:
    """Loss and accuracy (k,) of every network on the points ``x``, one forward pass."""
    z, _ = predict(nets, x, activation)
    return head.loss(z, y), head.accuracy(z, y)


@dataclass
class _Interval:
    """Running sums of the minibatch losses and accuracies since the last recorded step, per network in the batch."""

    loss: Array
    accuracy: Array
    steps: int = 0

    @classmethod
    def empty(cls, k: int) -> _Interval:
        return cls(np.zeros(k), np.zeros(k))

    def add(self, loss: Array, accuracy: Array) -> None:
        self.loss += loss
        self.accuracy += accuracy
        self.steps += 1

    def select(self, keep: Array) -> _Interval:
        return _Interval(self.loss[keep], self.accuracy[keep], self.steps)

    def means(self) -> tuple[Array, Array]:
        return self.loss / self.steps, self.accuracy / self.steps


def _train_numbers(nets: Networks, data: _Data, activation: str, step: int, last: int, batch: tuple,
                   interval: _Interval) -> tuple[Array, Array]:
    """The training split's loss and accuracy at a recorded step.

    Full batch: the step's own. Minibatches: the whole split measured at the
    first and the last step, and in between the mean over the minibatches
    since the previous recorded step (one forward pass over the whole split
    at every recorded step would cost more than the training itself).
    """
    if data.full_batch:
        return batch
    if step in (0, last):
        return _evaluate(nets, data.x_train, data.y_train, data.head, activation)
    return interval.means()


def _step(nets: Networks, grads: Networks, data: _Data, activation: str, step: int) -> tuple[Array, tuple, Array]:
    """One step's loss and accuracy and its gradients (into ``grads``); the last hidden layer's statistics; finite?"""
    x, y = data.batch(step)
    z, outputs = forward(nets, x, activation)
    batch = (data.head.loss(z, y), data.head.accuracy(z, y))
    # Before the backward pass, which overwrites the layer outputs.
    stats = activation_stats(outputs[-1], activation)
    backward(nets, outputs, data.head.delta(z, y), activation, grads)
    # Summed in float64: a float32 sum of large finite gradients could overflow on its own.
    finite = np.isfinite(batch[0]) & np.isfinite(grads.flat.sum(axis=1, dtype=np.float64))
    return finite, batch, stats


@dataclass
class _Run:
    """A run's record: per original network, its numbers at every recorded step, and where it stopped."""

    history: Array  # (k, recorded, 4): loss, accuracy, test_loss, test_accuracy
    gradients: Array  # (k, recorded, layers)
    saturation: Array  # (k, recorded, 4): mean, std, saturated, dead
    diverged_at: Array  # (k,), NaN where it did not
    final: list  # each network's parameters when it stopped

    @classmethod
    def empty(cls, k: int, recorded: int, layers: int) -> _Run:
        return cls(np.full((k, recorded, 4), np.nan), np.full((k, recorded, layers), np.nan),
                   np.full((k, recorded, 4), np.nan), np.full(k, np.nan), [None] * k)

    def stop(self, lost: Array, step: int, alive: Array, nets: Networks) -> None:
        for i in lost:
            self.diverged_at[alive[i]] = step
            self.final[alive[i]] = nets.select([i])


@dataclass
class _Batch:
    """The networks still training, and everything held per network in the same order."""

    nets: Networks
    grads: Networks
    opt: object
    alive: Array  # original index of each network
    interval: _Interval

    def keep(self, keep: Array) -> None:
        self.nets, self.grads = self.nets.select(keep), self.grads.select(keep)
        self.opt.select(keep)
        self.alive, self.interval = self.alive[keep], self.interval.select(keep)


def _record(batch: _Batch, run: _Run, slot: int, data: _Data, activation: str, step: int, last: int,
            numbers: tuple, stats: Array) -> Array:
    """Measure a recorded step into ``run``; which networks stayed finite on the whole training split."""
    loss, accuracy = _train_numbers(batch.nets, data, activation, step, last, numbers, batch.interval)
    test_loss, test_accuracy = _evaluate(batch.nets, data.x_test, data.y_test, data.head, activation)
    alive = batch.alive
    run.history[alive, slot] = np.column_stack([loss, accuracy, test_loss, test_accuracy])
    run.gradients[alive, slot] = layer_gradient_norms(batch.grads)
    run.saturation[alive, slot] = stats
    batch.interval = _Interval.empty(alive.size)
    return np.isfinite(loss)


def _train_loop(nets: Networks, opt, data: _Data, activation: str, steps: int,
                progress: Callable[[int, int], None] | None) -> _Run:
    """Steps 0..steps: compute, drop the networks that stopped being finite, record, update the others."""
    slots = {int(s): i for i, s in enumerate(recorded_steps(steps))}
    run = _Run.empty(nets.count, len(slots), len(nets.weights))
    batch = _Batch(nets, Networks.zeros(nets.count, nets.sizes, nets.flat.dtype), opt, np.arange(nets.count),
                   _Interval.empty(nets.count))
    every = max(1, steps // PROGRESS_UPDATES)
    for step in range(steps + 1):
        finite, numbers, stats = _step(batch.nets, batch.grads, data, activation, step)
        batch.interval.add(*numbers)
        if step in slots:
            finite &= _record(batch, run, slots[step], data, activation, step, steps, numbers, stats)
        if not finite.all():
            run.stop(np.flatnonzero(~finite), step, batch.alive, batch.nets)
            # A network's rows end before the step at which it diverged.
            if step in slots:
                run.history[batch.alive[~finite], slots[step]] = np.nan
            batch.keep(np.flatnonzero(finite))
            if batch.alive.size == 0:
                break
        if step == steps:
            break
        batch.opt.step([batch.nets.flat], [batch.grads.flat])
        if progress is not None and (step + 1) % every == 0:
            progress(step + 1, steps)
    for i, original in enumerate(batch.alive):
        run.final[original] = batch.nets.select([i])
    return run


def _decision_maps(nets: Networks, data: _Data, activation: str, grid: int) -> tuple[Array, tuple] | None:
    """P(class 1) (k, grid, grid) on a grid over all points of a 2-D set, and the grid's extent; None for digits."""
    if data.x_train.shape[1] != 2:
        return None
    cells, extent = grid_points(np.concatenate([data.split.x_train, data.split.x_test]), grid)
    z, _ = predict(nets, cells.astype(nets.flat.dtype), activation)
    probability = sigmoid(z[..., 0].astype(np.float64))
    return probability.reshape(nets.count, grid, grid), tuple(float(v) for v in extent)


def _points_frame(split: Split) -> pd.DataFrame:
    if split.x_train.shape[1] != 2:
        return pd.DataFrame({"x1": [], "x2": [], "label": [], "split": []})
    x = np.concatenate([split.x_train, split.x_test])
    return pd.DataFrame({
        "x1": x[:, 0], "x2": x[:, 1], "label": np.concatenate([split.y_train, split.y_test]).astype(int),
        "split": ["train"] * split.y_train.size + ["test"] * split.y_test.size,
    })


def _frames(keys: Sequence[str], labels: Sequence[str], record_at: Array, run: _Run) -> dict[str, pd.DataFrame]:
    """The history, gradient and saturation frames: the recorded rows of the networks still running."""
    k, recorded = len(keys), record_at.size
    layers = run.gradients.shape[2]
    ran = np.isfinite(run.history[:, :, 0]).ravel()  # (network, slot) pairs that were measured
    base = {"init": np.repeat(keys, recorded), "label": np.repeat(labels, recorded), "step": np.tile(record_at, k)}
    history = pd.DataFrame(
        base | dict(zip(HISTORY_COLUMNS[3:], run.history.reshape(-1, 4).T, strict=True)), columns=HISTORY_COLUMNS
    )[ran]
    stats = dict(zip(SATURATION_COLUMNS[3:], run.saturation.reshape(-1, 4).T, strict=True))
    saturation = pd.DataFrame(base | stats, columns=SATURATION_COLUMNS)[ran]
    gradients = pd.DataFrame({
        "init": np.repeat(keys, recorded * layers),
        "label": np.repeat(labels, recorded * layers),
        "step": np.tile(np.repeat(record_at, layers), k),
        "layer": np.tile(np.arange(1, layers + 1), k * recorded),
        "grad_norm": run.gradients.ravel(),
    }, columns=GRADIENT_COLUMNS)[np.repeat(ran, layers)]
    return {name: frame.reset_index(drop=True) for name, frame in
            (("history", history), ("gradients", gradients), ("saturation", saturation))}


def _summary(keys, labels, steps: int, run: _Run, change: Array, maps: dict[str, Array]) -> pd.DataFrame:
    """One row per network: its last recorded numbers, where it diverged, how far it moved, its maps' roughness."""
    rows = []
    for i, key in enumerate(keys):
        measured = np.flatnonzero(np.isfinite(run.history[i, :, 0]))
        last = run.history[i, measured[-1]] if measured.size else np.full(4, np.nan)
        diverged = run.diverged_at[i]
        rough = [roughness(maps[when][i]) if maps else math.nan for when in ("start", "end")]
        rows.append([key, labels[i], *last, diverged, int(diverged) if math.isfinite(diverged) else steps,
                     change[i], rough[1] if not math.isfinite(diverged) else math.nan, rough[0]])
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _check_arguments(keys, dataset, activation, depth, width, bias, optimizer, lr, steps, batch_size,
                     test_fraction, n_points, seed, grid, dtype, bias_std=0.0) -> dict:
    """Every argument of ``train`` checked (ValueError saying what is allowed), in the form the run uses."""
    data_mod.get(dataset)
    act_mod.get(activation)
    if not isinstance(test_fraction, (int, float)) or isinstance(test_fraction, bool) or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be a number strictly between 0 and 1, got {test_fraction!r}")
    if dtype not in DTYPES and dtype not in DTYPES.values():
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    bias_std = _check_real("bias_std", bias_std, positive=False)
    if bias_std < 0:
        raise ValueError(f"bias_std must be >= 0, got {bias_std!r}")
    return dict(
        keys=_check_keys(keys), dataset=dataset, activation=activation, bias_std=bias_std,
        depth=check_int("depth", depth, 1, MAX_DEPTH), width=check_int("width", width, 1, MAX_WIDTH),
        bias=_check_real("bias", bias, positive=False), optimizer=optimizer,
        lr=_check_real("lr", lr, positive=True), steps=check_int("steps", steps, 0, MAX_STEPS),
        batch_size=check_batch_size(optimizer, batch_size), test_fraction=float(test_fraction),
        n_points=check_int("n_points", n_points, 4), seed=check_int("seed", seed, 0),
        grid=check_int("grid", grid, 2), dtype=DTYPES.get(dtype, dtype),
    )


def train(
    keys: Sequence[str],
    *,
    dataset: str = "circles",
    activation: str = "tanh",
    depth: int = 5,
    width: int = 32,
    bias: float = 0.0,
    optimizer: str = "adam",
    lr: float = 0.01,
    steps: int = 300,
    batch_size: int | None = None,
    test_fraction: float = TEST_FRACTION,
    n_points: int = DEFAULT_POINTS,
    seed: int = 0,
    grid: int = GRID,
    dtype: str = "float32",
    bias_std: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> TrainingResult:
    """Train one network per compared initializer on the same data, split and batches, with the same optimizer.

    ``keys`` are compared initializer keys (``"he_normal"``, ``"normal:0.01"``).
    ``batch_size``: points per step for "sgd" (default DEFAULT_BATCH) and
    "adam" (default: all); "gd" always takes the whole training split. A
    batch larger than the training split is the whole split. ``n_points``
    counts the 2-D sets' points before the split (the digits are a fixed
    1797). The same ``seed`` gives the same data, split, weights, batches
    and curves, bit for bit. ``progress``, if given, is called as
    ``progress(step, steps)`` now and then. ValueError for a bad argument.

    >>> r = train(["he_normal", "zeros"], activation="relu", depth=2, width=16, steps=20)
    >>> list(r.history.columns)
    ['init', 'label', 'step', 'loss', 'accuracy', 'test_loss', 'test_accuracy']
    """
    a = _check_arguments(keys, dataset, activation, depth, width, bias, optimizer, lr, steps, batch_size,
                         test_fraction, n_points, seed, grid, dtype, bias_std)
    data_seq, weight_seq, batch_seq = np.random.SeedSequence(a["seed"]).spawn(3)
    data = _prepare_data(a["dataset"], a["n_points"], a["test_fraction"], a["batch_size"], a["steps"],
                         np.random.default_rng(data_seq), np.random.default_rng(batch_seq), a["dtype"])
    nets = init_networks(a["keys"], depth=a["depth"], width=a["width"], bias=a["bias"], bias_std=a["bias_std"],
                         rng=np.random.default_rng(weight_seq), inputs=data.x_train.shape[1],
                         outputs=data.head.outputs, dtype=a["dtype"])
    start = nets.copy()
    opt = OPTIMIZERS[a["optimizer"]]([nets.flat], a["lr"])
    with np.errstate(all="ignore"):
        start_maps = _decision_maps(start, data, a["activation"], a["grid"])
        run = _train_loop(nets, opt, data, a["activation"], a["steps"], progress)
        finals = Networks(np.concatenate([f.flat for f in run.final]), nets.sizes)
        end_maps = _decision_maps(finals, data, a["activation"], a["grid"])
    if progress is not None:
        progress(a["steps"], a["steps"])
    labels = [key_label(key) for key in a["keys"]]
    frames = _frames(a["keys"], labels, recorded_steps(a["steps"]), run)
    maps = {"start": start_maps[0], "end": end_maps[0]} if end_maps else {}
    boundary = {
        key: np.full((a["grid"],) * 2, np.nan) if math.isfinite(run.diverged_at[i]) else end_maps[0][i]
        for i, key in enumerate(a["keys"])
    } if end_maps else {}
    return TrainingResult(
        keys=a["keys"], dataset=a["dataset"], activation=a["activation"], depth=a["depth"], width=a["width"],
        optimizer=a["optimizer"], lr=a["lr"], steps=a["steps"], bias=a["bias"], bias_std=a["bias_std"], seed=a["seed"],
        batch_size=data.x_train.shape[0] if data.full_batch else data.batches.shape[1],
        train_points=data.x_train.shape[0], test_points=data.x_test.shape[0], classes=data.split.classes,
        history=frames["history"], gradients=frames["gradients"], saturation=frames["saturation"],
        summary=_summary(a["keys"], labels, a["steps"], run, hidden_change(start, finals), maps),
        points=_points_frame(data.split), boundary=boundary, extent=end_maps[1] if end_maps else None,
        chance_loss=data.head.chance_loss,
    )
