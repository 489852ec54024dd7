"""Fit the training cost model's five coefficients to the trainer's own timings on this machine.

    python benchmarks/fit_training_cost.py [--repeats 2]

Times ``training.train`` (one BLAS thread, as the page runs it) on settings
spanning what the panel offers (1 to 8 networks, 1 to 50 layers, widths 8
to 128, minibatches and full batches, the digits and a 2-D set), and solves
for the coefficients of ``training_budget.estimated_seconds`` by
non-negative least squares on the relative error (each run weighs the same,
whatever its length). Prints the fitted coefficients, the ones in use, and
each setting's measured time beside both estimates. Run it on an idle
machine; the budget then leaves headroom for a busy one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import playground  # noqa: E402, F401
from playground import training, training_budget  # noqa: E402
from playground.settings import DEFAULT_COMPARED  # noqa: E402

# (networks, dataset, optimizer, depth, width, steps, batch size)
SETTINGS = [
    (8, "digits", "sgd", 10, 64, 300, 64),
    (8, "digits", "adam", 50, 16, 300, 256),
    (8, "digits", "sgd", 50, 128, 60, 64),
    (8, "digits", "adam", 30, 64, 200, 128),
    (2, "digits", "sgd", 30, 64, 400, 64),
    (1, "digits", "sgd", 5, 32, 1000, 32),
    (8, "spirals", "gd", 50, 18, 500, None),
    (8, "circles", "gd", 5, 8, 1000, None),
    (8, "moons", "adam", 20, 128, 100, 64),
    (4, "xor", "sgd", 40, 32, 800, 16),
    (8, "digits", "gd", 3, 128, 100, None),
    (1, "spirals", "gd", 1, 128, 2000, None),
]
NAMES = ("STEP_SECONDS", "LAYER_STEP_SECONDS", "MULTIPLY_ADD_SECONDS", "ELEMENT_SECONDS", "UPDATE_SECONDS")


def terms(networks, dataset, optimizer, depth, width, steps, batch) -> np.ndarray:
    """The five terms of ``estimated_seconds`` with unit coefficients, by evaluating it with one at a time."""
    saved = {name: getattr(training_budget, name) for name in NAMES}
    row = []
    for name in NAMES:
        for other in NAMES:
            setattr(training_budget, other, 1.0 if other == name else 0.0)
        row.append(training_budget._run_seconds(networks, dataset, depth, width, steps,
                                                training_budget.DEFAULT_POINTS, batch, training_budget.TEST_FRACTION,
                                                optimizer))
    for name, value in saved.items():
        setattr(training_budget, name, value)
    return np.array(row)


def timed(networks, dataset, optimizer, depth, width, steps, batch, repeats: int) -> float:
    keys = list(DEFAULT_COMPARED)[:networks]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        training.train(keys, dataset=dataset, activation="relu", depth=depth, width=width, optimizer=optimizer,
                       lr=0.01, steps=steps, batch_size=batch)
        best = min(best, time.perf_counter() - start)
    return best


def nnls(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Least squares with non-negative coefficients, by dropping the most negative one until none is."""
    active = list(range(a.shape[1]))
    while True:
        x = np.zeros(a.shape[1])
        x[active] = np.linalg.lstsq(a[:, active], b, rcond=None)[0]
        if (x >= 0).all():
            return x
        active.remove(int(np.argmin(x)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    timed(1, "digits", "sgd", 2, 8, 10, 16, 1)  # warm up
    rows, measured = [], []
    for setting in SETTINGS:
        networks, dataset, optimizer, depth, width, steps, batch = setting
        measured.append(timed(*setting, repeats=args.repeats))
        rows.append(terms(networks, dataset, optimizer, depth, width, steps, batch))
    a, b = np.array(rows), np.array(measured)
    fitted = nnls(a / b[:, None], np.ones_like(b))
    current = np.array([getattr(training_budget, name) for name in NAMES])
    print(f"load average {os.getloadavg()[0]:.2f}")
    for name, new, old in zip(NAMES, fitted, current, strict=True):
        print(f"{name:<22} fitted {new:.3g}   in use {old:.3g}")
    print(f"{'setting':<46}{'measured s':>11}{'fitted s':>10}{'in use s':>10}")
    for setting, row, seconds in zip(SETTINGS, rows, measured, strict=True):
        print(f"{str(setting):<46}{seconds:>11.2f}{row @ fitted:>10.2f}{row @ current:>10.2f}")
    for label, coefficients in (("fitted", fitted), ("in use", current)):
        error = a @ coefficients / b - 1
        print(f"{label}: estimate / measured - 1 from {error.min():+.0%} to {error.max():+.0%}")


if __name__ == "__main__":
    main()
