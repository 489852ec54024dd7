"""What one training run may ask for: the trainer's limits, its cost in seconds, and what the budget lowers.

The cost model (``estimated_seconds``) counts what a run does: every step
multiplies ``batch`` rows through every layer three times (forward, dW,
dA), passes element-wise over every unit a few times (bias, phi, phi', the
loss), and pays a fixed price per step and per layer for the numpy calls
whatever their size; every recorded step adds a forward pass over the
held-out points (and, with minibatches, the first and last over the
training split), and every step updates every parameter in a few
element-wise passes (twelve for Adam). Its five coefficients were fitted
to ``train``'s own timings on the page's 2-core machine, idle, one BLAS
thread (``benchmarks/fit_training_cost.py``, which prints the error on
each setting). ``benchmarks/bench_compare.py`` prints the estimate beside
the measured time.

``fit_training`` returns the settings a run will use and each one it
lowered, with the reason, so that the page can say what and why. Nothing
here imports Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import datasets as data_mod
from .datasets import DEFAULT_POINTS, TEST_FRACTION

# The deepest and widest network and the longest training the page offers:
# deep enough for He et al.'s 30 layers and Saxe et al.'s 50.
MAX_DEPTH = 50
MAX_WIDTH = 128
MAX_STEPS = 2000
# Points per minibatch when SGD is not told.
DEFAULT_BATCH = 64
# Recorded steps per run (plus step 0), evenly spaced: the frames stay small whatever the steps.
RECORDED_STEPS = 50
OPTIMIZER_KEYS = ("gd", "sgd", "adam")

# The cost model's coefficients, in seconds (see the module's docstring).
STEP_SECONDS = 1.2e-4
LAYER_STEP_SECONDS = 6e-6
MULTIPLY_ADD_SECONDS = 1.6e-11
ELEMENT_SECONDS = 2.1e-9
# The update: one element-wise pass over every parameter costs UPDATE_SECONDS a value, and each
# optimizer makes this many passes a step (optimizers.py: g *= lr, p -= g; Adam's twelve).
UPDATE_SECONDS = 3.5e-10
UPDATE_PASSES = {"gd": 2, "sgd": 2, "adam": 12}
# What one training run may take by the estimate: with the comparison and the charts beside it, the
# section stays near 3 s cold (the estimate is within about 20% of the run: fit_training_cost.py), and the
# lessons' runs fit (He et al.'s two 30-layer networks, 800 steps: 1.72 s by the estimate).
BUDGET_SECONDS = 1.8
# What the budget never lowers below.
MIN_POINTS = 50
MIN_WIDTH = 16
MIN_STEPS = 100


def check_int(name: str, value, low: int, high: int | None = None) -> int:
    """``value`` as an int if it is an integer in [low, high]; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low or (
        high is not None and value > high
    ):
        raise ValueError(f"{name} must be an integer in [{low}, {high if high is not None else '∞'}], got {value!r}")
    return int(value)


def check_batch_size(optimizer: str, batch_size) -> int | None:
    """The batch size SGD or Adam will use (None: the whole training split); ValueError where it makes no sense.

    Gradient descent ("gd") is full-batch by definition: it takes no batch
    size. SGD without one uses DEFAULT_BATCH; Adam without one is full-batch.
    """
    if optimizer not in OPTIMIZER_KEYS:
        raise ValueError(f"unknown optimizer {optimizer!r}; allowed: {', '.join(OPTIMIZER_KEYS)}")
    if batch_size is None:
        return DEFAULT_BATCH if optimizer == "sgd" else None
    if optimizer == "gd":
        raise ValueError("gradient descent ('gd') uses every training point at each step: give no batch_size, "
                         "or use optimizer='sgd'")
    return check_int("batch_size", batch_size, 1)


def recorded_count(steps: int, most: int = RECORDED_STEPS) -> int:
    """How many steps a run of ``steps`` steps records: at most ``most`` + 1."""
    return min(most, steps) + 1


def split_sizes(dataset: str, points: int = DEFAULT_POINTS, test_fraction: float = TEST_FRACTION) -> tuple[int, int]:
    """Training and held-out points of ``dataset`` from ``points`` points (the digits: always 1797), as split."""
    spec = data_mod.get(dataset)
    if spec.sized:
        per_class = [points // spec.classes + (1 if c < points % spec.classes else 0) for c in range(spec.classes)]
    else:
        per_class = np.bincount(data_mod.load_digits()[1], minlength=spec.classes).tolist()
    held = sum(data_mod.held_out_count(n, test_fraction) for n in per_class)
    return sum(per_class) - held, held


def estimated_seconds(
    networks: int, depth: int, width: int, steps: int, *, inputs: int, outputs: int, batch: int,
    train_points: int, test_points: int, optimizer: str = "sgd",
) -> float:
    """Seconds one run takes by the cost model: ``networks`` networks, ``steps`` steps of ``batch`` rows."""
    sizes = [inputs] + [width] * depth + [outputs]
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    units = sum(sizes[1:])
    parameters = weights + units
    evaluated = recorded_count(steps) * test_points + (2 * train_points if batch < train_points else 0)
    trained = (steps + 1) * batch
    return (
        STEP_SECONDS * (steps + 1)
        + LAYER_STEP_SECONDS * (steps + 1) * (depth + 1)
        + MULTIPLY_ADD_SECONDS * networks * weights * (3 * trained + evaluated)
        + ELEMENT_SECONDS * networks * units * (trained + evaluated)
        + UPDATE_SECONDS * UPDATE_PASSES[optimizer] * networks * parameters * steps
    )


@dataclass(frozen=True)
class Lowered:
    """One setting the trainer lowered: what ("depth", "width", "steps", "points", "batch_size"), asked, used, why.

    ``reason``: "limit" (beyond what the trainer offers), "budget" (to keep
    the run within BUDGET_SECONDS), "data" (more than the training split holds).
    """

    what: str
    asked: int
    used: int
    reason: str


@dataclass(frozen=True)
class TrainingFit:
    """The settings a run will use, what was lowered to get there, and the estimated seconds as asked and as used."""

    depth: int
    width: int
    steps: int
    # Points of a 2-D set before the split (the digits: 1797, whatever was asked).
    points: int
    # None: the whole training split at every step.
    batch_size: int | None
    lowered: tuple[Lowered, ...]
    asked_seconds: float
    seconds: float
    budget_seconds: float = BUDGET_SECONDS


def _run_seconds(networks: int, dataset: str, depth: int, width: int, steps: int, points: int,
                 batch_size: int | None, test_fraction: float, optimizer: str) -> float:
    spec = data_mod.get(dataset)
    train, test = split_sizes(dataset, points, test_fraction)
    batch = min(batch_size, train) if batch_size else train
    outputs = 1 if spec.classes == 2 else spec.classes
    return estimated_seconds(networks, depth, width, steps, inputs=spec.features, outputs=outputs, batch=batch,
                             train_points=train, test_points=test, optimizer=optimizer)


def largest_fitting(fits: Callable[[int], bool], low: int, high: int) -> int:
    """The largest value in [low, high] for which ``fits`` holds (``low`` if none); ``fits`` must be monotone."""
    if fits(high):
        return high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def fit_training(
    networks: int, *, dataset: str, depth: int, width: int, steps: int, optimizer: str,
    batch_size: int | None = None, points: int = DEFAULT_POINTS, test_fraction: float = TEST_FRACTION,
    budget_seconds: float = BUDGET_SECONDS,
) -> TrainingFit:
    """The settings closest to those asked that the trainer offers and the budget allows, and what was lowered.

    First the trainer's limits (MAX_DEPTH, MAX_WIDTH, MAX_STEPS) and a
    minibatch no larger than the training split; then, while the estimate
    exceeds ``budget_seconds``, in this order: the 2-D sets' points (to
    MIN_POINTS), the width (to MIN_WIDTH), the steps (to MIN_STEPS), the
    depth. The depth goes last: it is what the deep lessons are about.
    ValueError for an unknown dataset or optimizer, or a batch size "gd" cannot take.
    """
    batch_size = check_batch_size(optimizer, batch_size)
    spec = data_mod.get(dataset)
    asked = dict(depth=depth, width=width, steps=steps, points=points if spec.sized else data_mod.DIGITS_SHAPE[0],
                 batch_size=batch_size)
    used = dict(asked, depth=min(depth, MAX_DEPTH), width=min(width, MAX_WIDTH), steps=min(steps, MAX_STEPS))
    reasons = {name: "limit" for name in ("depth", "width", "steps") if used[name] < asked[name]}

    def seconds(**change) -> float:
        s = used | change
        return _run_seconds(networks, dataset, s["depth"], s["width"], s["steps"], s["points"], s["batch_size"],
                            test_fraction, optimizer)

    def lower(name: str, floor: int) -> None:
        if seconds() > budget_seconds and used[name] > floor:
            used[name] = largest_fitting(lambda value: seconds(**{name: value}) <= budget_seconds, floor, used[name])
            reasons[name] = "budget"

    if spec.sized:
        lower("points", MIN_POINTS)
    for name, floor in (("width", MIN_WIDTH), ("steps", MIN_STEPS), ("depth", 1)):
        lower(name, floor)
    train_points = split_sizes(dataset, used["points"], test_fraction)[0]
    if batch_size is not None and batch_size > train_points:
        used["batch_size"], reasons["batch_size"] = train_points, "data"
    lowered = tuple(
        Lowered(name, int(asked[name]), int(used[name]), reasons[name])
        for name in ("depth", "width", "steps", "points", "batch_size") if name in reasons
    )
    asked_seconds = _run_seconds(networks, dataset, asked["depth"], asked["width"], asked["steps"], asked["points"],
                                 batch_size, test_fraction, optimizer)
    return TrainingFit(used["depth"], used["width"], used["steps"], used["points"], used["batch_size"], lowered,
                       asked_seconds, seconds(), budget_seconds)


def affordable_points(networks: int, depth: int, steps: int, requested: int = DEFAULT_POINTS, *,
                      width: int = MAX_WIDTH, batch_size: int | None = None) -> int:
    """The most points <= ``requested`` (and >= MIN_POINTS) of a 2-D set that keep a run within the budget.

    The points alone, with full-batch training unless ``batch_size``:
    ``fit_training`` lowers the rest too.
    """
    def fits(n: int) -> bool:
        optimizer = "gd" if batch_size is None else "sgd"
        return _run_seconds(networks, "circles", depth, width, steps, n, batch_size, TEST_FRACTION,
                            optimizer) <= BUDGET_SECONDS

    return largest_fitting(fits, MIN_POINTS, max(MIN_POINTS, int(requested)))

