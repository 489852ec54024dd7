"""Does it train? Several copies of one small network, one per initializer, trained side by side.

The network: the 2-D input, ``depth`` hidden layers of ``width`` units with
the chosen activation, s_l = a_{l-1} W_l + b_l and a_l = phi(s_l), then one
sigmoid output unit p = sigma(a_L w + c). The loss is the binary
cross-entropy L = -(1/N) sum [y log p + (1 - y) log(1 - p)], computed from
the logit z as softplus(z) - y z, which cannot overflow.

The initializer applies to every weight matrix, the output layer's included,
as in the notes' experiment: a zero or constant output layer is part of the
symmetry lesson (with zero output weights no hidden unit gets a gradient),
and a different read-out would hide it. Hidden biases start at ``bias``, the
output bias at 0. Weights are drawn from one seed per layer shared by all
initializers, so He and LeCun differ by exactly the factor sqrt(2).

All k networks are trained at once: their weights are stacked as
(k, fan_in, fan_out) arrays and every product is one batched ``np.matmul``.
Full-batch gradient descent or Adam (Kingma and Ba 2015, "Adam: A Method
for Stochastic Optimization", with their defaults beta1 = 0.9,
beta2 = 0.999, eps = 1e-8). The backward pass is the one of
``simulation.py`` with dL/dz = (p - y) / N at the output.

A network whose loss or gradients stop being finite has diverged: it is
taken out of the batch at that step, and its history ends there.
Nothing here imports Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from . import activations as act_mod
from . import initializers as init_mod
from .init_keys import key_label, layer_params, parse_key
from .losses import logit_cross_entropy, sigmoid
from .datasets import DEFAULT_POINTS, make_dataset

Array = np.ndarray

# The widest and deepest network trained on the page. Width 32 is plenty for 2-D data and
# keeps 8 networks x 300 Adam steps under a second on 2 cores (benchmarks/bench_compare.py).
MAX_WIDTH = 32
MAX_DEPTH = 10
# Work one training may take, in networks x layers x steps x points (the elementwise passes,
# which cost as much as the products at width 32): 8 x 5 x 300 x 300 at the defaults.
WORK_BUDGET = 4e6
MIN_POINTS = 50
# Decision-boundary grid: GRID x GRID points over the data, padded by PAD (in standardized units).
GRID = 25
PAD = 0.5
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
# How often, at most, the progress callback is called during one training run.
PROGRESS_UPDATES = 50

HISTORY_COLUMNS = ["init", "label", "step", "loss", "accuracy"]
SUMMARY_COLUMNS = ["init", "label", "loss", "accuracy", "diverged_at", "steps_run", "weight_change"]


@dataclass
class Networks:
    """k networks of the same shape, as stacked parameters: W[l] is (k, fan_in, fan_out), b[l] is (k, 1, fan_out).

    The last entry of each list is the output layer (fan_out 1).
    """

    weights: list[Array]
    biases: list[Array]

    def select(self, keep: Array) -> "Networks":
        return Networks([w[keep] for w in self.weights], [b[keep] for b in self.biases])

    def parameters(self) -> list[Array]:
        return self.weights + self.biases


def init_networks(
    keys: Sequence[str], *, depth: int, width: int, bias: float = 0.0, rng: np.random.Generator | int = 0
) -> Networks:
    """One network per compared key, stacked; layer l's draws come from layer l's own seed.

    ``rng`` (a Generator or an int seed) only provides the per-layer seeds,
    so every initializer starts from the same random draws.
    """
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    sizes = [2] + [width] * depth + [1]
    layer_seeds = rng.integers(0, 2**63 - 1, size=len(sizes) - 1)
    parsed = [parse_key(key) for key in keys]
    weights, biases = [], []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        stack = np.empty((len(keys), fan_in, fan_out))
        for k, (name, params) in enumerate(parsed):
            layer_rng = np.random.default_rng(layer_seeds[index])
            stack[k] = init_mod.init_weights(name, fan_in, fan_out, layer_rng, **layer_params(name, params, fan_in))
        weights.append(stack)
        is_output = index == len(sizes) - 2
        biases.append(np.full((len(keys), 1, fan_out), 0.0 if is_output else float(bias)))
    return Networks(weights, biases)


def forward(nets: Networks, x: Array, activation: str) -> tuple[Array, list[Array]]:
    """Logits z (k, N) and every layer's output a_0 = x (N, 2), a_1, ..., a_L (k, N, width)."""
    phi = act_mod.get(activation).fn
    outputs = [x]
    for w, b in zip(nets.weights[:-1], nets.biases[:-1]):
        s = np.matmul(outputs[-1], w)
        s += b
        outputs.append(phi(s, out=s))
    z = np.matmul(outputs[-1], nets.weights[-1]) + nets.biases[-1]
    return z[..., 0], outputs


def loss_and_gradients(nets: Networks, x: Array, y: Array, activation: str) -> tuple[Array, Array, Networks]:
    """Loss (k,), accuracy (k,) and the gradients of each network's loss, shaped as its parameters.

    Backpropagation: dL/dz = (sigma(z) - y) / N; dL/dW_l = a_{l-1}^T dL/ds_l,
    dL/db_l = sum over examples of dL/ds_l, dL/da_{l-1} = dL/ds_l W_l^T and
    dL/ds_l = dL/da_l * phi'(s_l), phi' taken from the output a_l.
    """
    derivative = act_mod.get(activation).derivative_from_output
    z, outputs = forward(nets, x, activation)
    loss = logit_cross_entropy(z, y)
    accuracy = np.mean((z > 0) == (y > 0.5), axis=-1)
    n = x.shape[0]
    delta = ((sigmoid(z) - y) / n)[..., None]  # dL/ds of the output layer, (k, N, 1)
    grad_w: list[Array] = [None] * len(nets.weights)  # type: ignore[list-item]
    grad_b: list[Array] = [None] * len(nets.biases)  # type: ignore[list-item]
    for layer in range(len(nets.weights) - 1, -1, -1):
        a_prev = outputs[layer]
        grad_w[layer] = np.matmul(np.swapaxes(a_prev, -1, -2), delta)
        grad_b[layer] = delta.sum(axis=-2, keepdims=True)
        if layer > 0:
            # A contiguous W^T: numpy's batched matmul is several times slower on the transposed view.
            upstream = np.matmul(delta, np.ascontiguousarray(np.swapaxes(nets.weights[layer], -1, -2)))
            # a_prev is not needed again: phi'(s) overwrites it.
            delta = derivative(a_prev, out=a_prev)
            delta *= upstream
    return loss, accuracy, Networks(grad_w, grad_b)


class GradientDescent:
    """theta <- theta - lr g."""

    def __init__(self, params: list[Array], lr: float):
        self.lr = lr

    def step(self, params: list[Array], grads: list[Array]) -> None:
        for p, g in zip(params, grads):
            p -= self.lr * g

    def select(self, keep: Array) -> None:
        pass


class Adam:
    """m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; theta <- theta - lr m^ / (sqrt(v^) + eps),

    with the bias corrections m^ = m / (1 - b1^t), v^ = v / (1 - b2^t).
    """

    def __init__(self, params: list[Array], lr: float):
        self.lr = lr
        self.t = 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, params: list[Array], grads: list[Array]) -> None:
        b1, b2 = ADAM_BETAS
        self.t += 1
        # Both bias corrections folded into the step size and eps (the paper's section 2 form).
        size = self.lr * math.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        eps = ADAM_EPS * math.sqrt(1.0 - b2**self.t)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            p -= size * m / (np.sqrt(v) + eps)

    def select(self, keep: Array) -> None:
        self.m = [m[keep] for m in self.m]
        self.v = [v[keep] for v in self.v]


# Optimizer key -> class; the keys are those of links.OPTIMIZERS.
OPTIMIZERS: dict[str, type] = {"gd": GradientDescent, "adam": Adam}
OPTIMIZER_LABELS = {"gd": "gradient descent", "adam": "Adam"}


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
    # One row per network and step 0..steps (the loss before step t's update,
    # the last row after the last update): see HISTORY_COLUMNS. A diverged
    # network's rows stop before the step at which it diverged.
    history: pd.DataFrame
    # One row per network: final loss and accuracy, the step at which it
    # diverged (NaN if it did not), the relative change of its hidden
    # weights ||W_T - W_0|| / ||W_0|| (absolute when W_0 = 0).
    summary: pd.DataFrame
    # The training points: x1, x2, label.
    points: pd.DataFrame
    # Predicted probability of class 1 on a GRID x GRID grid, per network
    # (rows: x2 from low to high, columns: x1), NaN for a diverged network.
    boundary: dict[str, Array]
    # [x1_low, x1_high, x2_low, x2_high] of the grid.
    extent: tuple[float, float, float, float]

    def diverged(self) -> dict[str, int]:
        """Key -> step at which the network diverged, for those that did."""
        rows = self.summary.dropna(subset=["diverged_at"])
        return {row.init: int(row.diverged_at) for row in rows.itertuples()}


def _check_int(name: str, value, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low or (
        high is not None and value > high
    ):
        raise ValueError(f"{name} must be an integer in [{low}, {high if high is not None else '∞'}], got {value!r}")
    return int(value)


def _hidden_change(start: Networks, end: Networks) -> Array:
    """Per network: ||W_T - W_0|| / ||W_0|| over all hidden weight matrices (absolute if W_0 = 0)."""
    diff = sum(np.sum((e - s) ** 2, axis=(1, 2)) for s, e in zip(start.weights[:-1], end.weights[:-1]))
    base = sum(np.sum(s**2, axis=(1, 2)) for s in start.weights[:-1])
    return np.sqrt(diff) / np.where(base > 0, np.sqrt(base), 1.0)


def affordable_points(networks: int, depth: int, steps: int, requested: int = DEFAULT_POINTS) -> int:
    """The most points <= ``requested`` (and >= MIN_POINTS) that keep a training run within WORK_BUDGET."""
    fitting = WORK_BUDGET / max(1, networks * depth * steps)
    return int(max(MIN_POINTS, min(requested, math.floor(fitting))))


def grid_points(x: Array, grid: int = GRID, pad: float = PAD) -> tuple[Array, tuple[float, float, float, float]]:
    """The grid x grid points (x1 fastest) covering the data with a margin, and their extent."""
    low = x.min(axis=0) - pad
    high = x.max(axis=0) + pad
    g1 = np.linspace(low[0], high[0], grid)
    g2 = np.linspace(low[1], high[1], grid)
    mesh1, mesh2 = np.meshgrid(g1, g2)
    return np.column_stack([mesh1.ravel(), mesh2.ravel()]), (low[0], high[0], low[1], high[1])


def train(
    keys: Sequence[str],
    *,
    dataset: str = "circles",
    activation: str = "tanh",
    depth: int = 5,
    width: int = MAX_WIDTH,
    bias: float = 0.0,
    optimizer: str = "adam",
    lr: float = 0.01,
    steps: int = 300,
    n_points: int = DEFAULT_POINTS,
    seed: int = 0,
    grid: int = GRID,
    progress: Callable[[int, int], None] | None = None,
) -> TrainingResult:
    """Train one network per compared initializer on the same data with the same optimizer.

    ``keys`` are compared initializer keys (``"he_normal"``, ``"normal:0.01"``).
    The same ``seed`` gives the same data, weights and curves. ``progress``,
    if given, is called as ``progress(step, steps)`` now and then.

    >>> r = train(["he_normal", "zeros"], activation="relu", depth=2, width=16, steps=20)
    >>> sorted(r.history.columns)
    ['accuracy', 'init', 'label', 'loss', 'step']
    """
    keys = tuple(dict.fromkeys(keys))
    if not keys:
        raise ValueError("keys: give at least one initializer")
    for key in keys:
        parse_key(key)
    act_mod.get(activation)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; allowed: {', '.join(OPTIMIZERS)}")
    depth = _check_int("depth", depth, 1)
    width = _check_int("width", width, 1)
    steps = _check_int("steps", steps, 0)
    seed = _check_int("seed", seed, 0)
    grid = _check_int("grid", grid, 2)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    if isinstance(bias, bool) or not isinstance(bias, (int, float)) or not math.isfinite(bias):
        raise ValueError(f"bias must be a finite number, got {bias!r}")

    data_seq, weight_seq = np.random.SeedSequence(seed).spawn(2)
    x, y = make_dataset(dataset, n_points, np.random.default_rng(data_seq))
    nets = init_networks(keys, depth=depth, width=width, bias=bias, rng=np.random.default_rng(weight_seq))
    start = Networks([w.copy() for w in nets.weights], [b.copy() for b in nets.biases])
    opt = OPTIMIZERS[optimizer](nets.parameters(), float(lr))

    k = len(keys)
    losses = np.full((k, steps + 1), np.nan)
    accuracies = np.full((k, steps + 1), np.nan)
    diverged_at = np.full(k, np.nan)
    alive = np.arange(k)  # original index of each network still in the batch
    final = [None] * k  # each network's parameters when it stopped
    every = max(1, steps // PROGRESS_UPDATES)

    with np.errstate(all="ignore"):
        for step in range(steps + 1):
            loss, accuracy, grads = loss_and_gradients(nets, x, y, activation)
            finite = np.isfinite(loss)
            for g in grads.parameters():
                finite &= np.isfinite(g.sum(axis=(1, 2)))
            if not finite.all():
                for i in np.flatnonzero(~finite):
                    diverged_at[alive[i]] = step
                    final[alive[i]] = nets.select([i])
                keep = np.flatnonzero(finite)
                nets, grads = nets.select(keep), grads.select(keep)
                opt.select(keep)
                loss, accuracy, alive = loss[keep], accuracy[keep], alive[keep]
                if alive.size == 0:
                    break
            losses[alive, step] = loss
            accuracies[alive, step] = accuracy
            if step == steps:
                break
            params = nets.parameters()
            opt.step(params, grads.parameters())
            if progress is not None and (step + 1) % every == 0:
                progress(step + 1, steps)
        for i, original in enumerate(alive):
            final[original] = nets.select([i])

        finals = Networks(
            [np.concatenate([f.weights[l] for f in final]) for l in range(depth + 1)],
            [np.concatenate([f.biases[l] for f in final]) for l in range(depth + 1)],
        )
        change = _hidden_change(start, finals)
        cells, extent = grid_points(x, grid)
        z_grid, _ = forward(finals, cells, activation)
        probability = sigmoid(z_grid)
    if progress is not None:
        progress(steps, steps)

    labels = [key_label(key) for key in keys]
    history = _history(keys, labels, losses, accuracies)
    last = [_last_finite(losses[i]) for i in range(k)]
    summary = pd.DataFrame(
        {
            "init": keys,
            "label": labels,
            "loss": [losses[i, j] if j >= 0 else math.nan for i, j in enumerate(last)],
            "accuracy": [accuracies[i, j] if j >= 0 else math.nan for i, j in enumerate(last)],
            "diverged_at": diverged_at,
            "steps_run": [int(j) for j in last],
            "weight_change": change,
        },
        columns=SUMMARY_COLUMNS,
    )
    boundary = {
        key: (np.full((grid, grid), np.nan) if math.isfinite(diverged_at[i]) else probability[i].reshape(grid, grid))
        for i, key in enumerate(keys)
    }
    points = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "label": y.astype(int)})
    return TrainingResult(
        keys=keys,
        dataset=dataset,
        activation=activation,
        depth=depth,
        width=width,
        optimizer=optimizer,
        lr=float(lr),
        steps=steps,
        history=history,
        summary=summary,
        points=points,
        boundary=boundary,
        extent=tuple(float(v) for v in extent),
    )


def _last_finite(row: Array) -> int:
    """Index of the last finite value of ``row``, -1 if none."""
    finite = np.flatnonzero(np.isfinite(row))
    return int(finite[-1]) if finite.size else -1


def _history(keys: Sequence[str], labels: Sequence[str], losses: Array, accuracies: Array) -> pd.DataFrame:
    k, columns = losses.shape
    steps = np.tile(np.arange(columns), k)
    frame = pd.DataFrame(
        {
            "init": np.repeat(keys, columns),
            "label": np.repeat(labels, columns),
            "step": steps,
            "loss": losses.ravel(),
            "accuracy": accuracies.ravel(),
        },
        columns=HISTORY_COLUMNS,
    )
    return frame[np.isfinite(frame["loss"].to_numpy())].reset_index(drop=True)
