"""How much work one page view may ask for, and how the sample count is fitted to it.

The cost of the experiment is its matrix products: depth x width^2 x samples
multiply-adds each for the forward pass, dL/dW and dL/da. Its memory is the
activations the backward pass needs: (depth + 1) x width x samples values
(twice that with batch norm). The page keeps both under a budget by lowering
the number of samples, never the network the user asked for.
"""

from __future__ import annotations

import math

# Ranges the page offers and accepts from a link.
DEPTH_RANGE = (1, 100)
WIDTH_RANGE = (1, 1000)
SAMPLES_RANGE = (10, 5000)
SEED_RANGE = (0, 2**31 - 1)
BIAS_RANGE = (-1.0, 1.0)

# Multiply-adds of one forward pass: about 1 s for simulate on a 2-core machine.
WORK_BUDGET = 1.5e10
# Activations kept for the backward pass: 128 MB of float64.
VALUES_BUDGET = 1.6e7
# Samples never go below this, whatever the budget says.
MIN_SAMPLES = SAMPLES_RANGE[0]


def affordable_samples(depth: int, width: int, requested: int, *, batch_norm: bool = False, runs: int = 1) -> int:
    """The largest sample count <= ``requested`` that keeps ``runs`` simulations within budget."""
    by_work = WORK_BUDGET / (runs * depth * width * width)
    by_memory = VALUES_BUDGET / ((depth + 1) * width * (2 if batch_norm else 1))
    return max(MIN_SAMPLES, min(int(requested), math.floor(by_work), math.floor(by_memory)))


LARGEST_SETTING = dict(
    activation="tanh",
    initializer="normal",
    depth=DEPTH_RANGE[1],
    width=WIDTH_RANGE[1],
    n_samples=affordable_samples(DEPTH_RANGE[1], WIDTH_RANGE[1], SAMPLES_RANGE[1], batch_norm=True),
    init_params={"std": 0.01},
    batch_norm=True,
)
