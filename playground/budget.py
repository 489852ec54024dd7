"""How much work one page view may ask for, and how the sample count is fitted to it.

The cost of the experiment is its matrix products: depth x width^2 x samples
multiply-adds each for the forward pass, dL/dW and dL/da. Its memory is the
activations the backward pass needs: (depth + 1) x width x samples values
(twice that with batch norm). The page keeps both under a budget by lowering
the number of samples.

Drawing the weights costs depth x width^2 random numbers whatever the number
of samples (twice, when they are too many to keep for the backward pass), and
a Gaussian draw costs as much as a few hundred multiply-adds. Where that alone
would exceed its own budget, the page lowers the width, and says so.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable

from .simulation import KEPT_WEIGHT_VALUES

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
# The comparison's share of a page view's work and of its weight draws: the rest goes to
# training from each initializer. Eight initializers at the default 5 x 500 draw 1.7e7
# weights (in Gaussian draws), within their share: the default comparison keeps its width.
COMPARISON_SHARE = 0.25
COMPARISON_WEIGHT_SHARE = 0.5
# Samples never go below this, whatever the budget says.
MIN_SAMPLES = SAMPLES_RANGE[0]
# Random weights one page view may draw, counted in Gaussian draws: about 0.5 s.
WEIGHT_BUDGET = 5e7

# What drawing one weight costs against a Gaussian draw, measured at widths
# 200 to 1000 (orthogonal's QR grows with the width).
_DRAW_COSTS: dict[str, Callable[[int], float]] = {
    "zeros": lambda width: 0.1,
    "constant": lambda width: 0.1,
    "uniform": lambda width: 0.5,
    "xavier_uniform": lambda width: 0.5,
    "he_uniform": lambda width: 0.5,
    "orthogonal": lambda width: 5.0 + width / 250,
    "sparse": lambda width: 1.5,
}


def affordable_samples(
    depth: int, width: int, requested: int, *, batch_norm: bool = False, runs: int = 1, share: float = 1.0
) -> int:
    """The largest sample count <= ``requested`` that keeps ``runs`` simulations within ``share`` of the budget."""
    by_work = share * WORK_BUDGET / (runs * depth * width * width)
    by_memory = VALUES_BUDGET / ((depth + 1) * width * (2 if batch_norm else 1))
    return max(MIN_SAMPLES, min(int(requested), math.floor(by_work), math.floor(by_memory)))


def weight_draws(depth: int, width: int, init: str) -> float:
    """Cost of drawing one network's weights, in Gaussian draws (``init`` may be "normal:0.5")."""
    cost = _DRAW_COSTS.get(init.partition(":")[0], lambda w: 1.0)(width)
    redrawn = 2 if depth * width * width > KEPT_WEIGHT_VALUES else 1
    return depth * width * width * cost * redrawn


def affordable_width(depth: int, width: int, inits: Iterable[str], *, share: float = 1.0) -> int:
    """The largest width <= ``width`` at which one network per initializer stays within ``share`` of WEIGHT_BUDGET."""
    inits = list(inits)

    def fits(w: int) -> bool:
        return sum(weight_draws(depth, w, init) for init in inits) <= share * WEIGHT_BUDGET

    if fits(width):
        return width
    low, high = WIDTH_RANGE[0], width  # fits(low) holds for any depth and catalogue
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def _largest(depth: int, width: int) -> dict:
    """The setting with the most work and memory at this depth and width: batch norm on, samples at the budget."""
    width = affordable_width(depth, width, ["normal"])
    return dict(
        activation="tanh",
        initializer="normal",
        depth=depth,
        width=width,
        n_samples=affordable_samples(depth, width, SAMPLES_RANGE[1], batch_norm=True),
        init_params={"std": 0.01},
        batch_norm=True,
    )


def deepest_at(width: int, init: str = "normal") -> int:
    """The most layers the weight budget allows at this width."""
    fitting = [d for d in range(DEPTH_RANGE[0], DEPTH_RANGE[1] + 1) if affordable_width(d, width, [init]) == width]
    return max(fitting, default=DEPTH_RANGE[0])


# The heaviest corners the page allows: the deepest network, and the deepest at full width.
LARGEST_SETTINGS = {
    "deepest": _largest(DEPTH_RANGE[1], WIDTH_RANGE[1]),
    "widest": _largest(deepest_at(WIDTH_RANGE[1]), WIDTH_RANGE[1]),
}
