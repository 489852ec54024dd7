"""The update rules, on the stacked networks' parameter arrays (``networks.Networks.flat``).

Each optimizer updates a list of parameter arrays in place from their
gradients, and ``select`` keeps only some networks' state (the rows of a
(k, P) array) when others are taken out of the batch. Gradient descent is
the same rule whether the gradient comes from every training point ("gd")
or from a minibatch ("sgd"): which points, the trainer decides.
"""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray

# Kingma and Ba 2015's defaults.
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


class GradientDescent:
    """theta <- theta - lr g (Robbins and Monro 1951 with a constant step)."""

    def __init__(self, params: list[Array], lr: float):
        self.lr = lr

    def step(self, params: list[Array], grads: list[Array]) -> None:
        for p, g in zip(params, grads, strict=True):
            g *= self.lr
            p -= g

    def select(self, keep: Array) -> None:
        pass


class Adam:
    """m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; theta <- theta - lr m^ / (sqrt(v^) + eps),

    with the bias corrections m^ = m / (1 - b1^t), v^ = v / (1 - b2^t).
    Kingma and Ba 2015, "Adam: A Method for Stochastic Optimization",
    Algorithm 1, with their defaults beta1 = 0.9, beta2 = 0.999, eps = 1e-8.
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
        for p, g, m, v in zip(params, grads, self.m, self.v, strict=True):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            g *= g  # g is spent: it holds g^2 from here
            g *= 1.0 - b2
            v += g
            denominator = np.sqrt(v)
            denominator += eps
            np.divide(m, denominator, out=denominator)
            denominator *= size
            p -= denominator

    def select(self, keep: Array) -> None:
        self.m = [m[keep] for m in self.m]
        self.v = [v[keep] for v in self.v]


# Optimizer key -> class. "sgd" is gradient descent on minibatches.
OPTIMIZERS: dict[str, type] = {"gd": GradientDescent, "sgd": GradientDescent, "adam": Adam}
OPTIMIZER_LABELS = {"gd": "gradient descent", "sgd": "minibatch SGD", "adam": "Adam"}
