"""Two-class toy datasets in the plane, for the "does it train?" experiment.

Each generator takes a number of points and a ``numpy.random.Generator`` and
returns ``(X, y)``: X of shape (n, 2), y of shape (n,) with labels 0 and 1,
half of each. ``make_dataset`` then standardizes X (zero mean, unit variance
per feature, the normalized inputs the notes' variance argument assumes).
The same seed gives the same points. Nothing here imports Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray

# A few hundred points: enough for a visible shape, few enough to train fast.
DEFAULT_POINTS = 300
# Standard deviation of the Gaussian jitter added to every point, before standardizing.
NOISE = 0.1


def _split(n: int) -> tuple[int, int]:
    """Points of class 0 and of class 1: half each, class 0 takes the odd one."""
    return n - n // 2, n // 2


def circles(n: int, rng: np.random.Generator, noise: float = NOISE) -> tuple[Array, Array]:
    """Class 1 on a circle of radius 0.5 inside class 0 on the unit circle.

    As scikit-learn's ``make_circles(factor=0.5)``: no line separates them, a
    network must bend its boundary into a closed curve.
    """
    n0, n1 = _split(n)
    angle = rng.uniform(0.0, 2.0 * math.pi, n)
    radius = np.concatenate([np.full(n0, 1.0), np.full(n1, 0.5)])
    x = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    x += noise * rng.standard_normal((n, 2))
    return x, np.concatenate([np.zeros(n0), np.ones(n1)])


def moons(n: int, rng: np.random.Generator, noise: float = NOISE) -> tuple[Array, Array]:
    """Two interleaved half circles, as scikit-learn's ``make_moons``.

    Class 0: (cos t, sin t); class 1: (1 - cos t, 1/2 - sin t), t in [0, pi].
    """
    n0, n1 = _split(n)
    t0 = rng.uniform(0.0, math.pi, n0)
    t1 = rng.uniform(0.0, math.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    x = np.concatenate([upper, lower])
    x += noise * rng.standard_normal((n, 2))
    return x, np.concatenate([np.zeros(n0), np.ones(n1)])


def spirals(n: int, rng: np.random.Generator, noise: float = NOISE) -> tuple[Array, Array]:
    """Two arms of an Archimedean spiral, r = t / (3 pi), the second turned by pi.

    t runs over [pi/2, 3 pi]: one and a quarter turns each, the hardest of the four.
    """
    n0, n1 = _split(n)
    t = rng.uniform(0.5 * math.pi, 3.0 * math.pi, n)
    turn = np.concatenate([np.zeros(n0), np.full(n1, math.pi)])
    radius = t / (3.0 * math.pi)
    x = np.column_stack([radius * np.cos(t + turn), radius * np.sin(t + turn)])
    x += 0.5 * noise * rng.standard_normal((n, 2))
    return x, np.concatenate([np.zeros(n0), np.ones(n1)])


def xor(n: int, rng: np.random.Generator, noise: float = NOISE) -> tuple[Array, Array]:
    """Four clusters at (±1, ±1): class 1 where the signs agree (x1 x2 > 0), the XOR problem."""
    n0, n1 = _split(n)
    signs0 = rng.choice([-1.0, 1.0], size=n0)
    signs1 = rng.choice([-1.0, 1.0], size=n1)
    corners = np.concatenate([np.column_stack([signs0, -signs0]), np.column_stack([signs1, signs1])])
    x = corners + 3.0 * noise * rng.standard_normal((n, 2))
    return x, np.concatenate([np.zeros(n0), np.ones(n1)])


@dataclass(frozen=True)
class Dataset:
    key: str
    label: str
    fn: Callable[..., tuple[Array, Array]]
    description: str


DATASETS: dict[str, Dataset] = {
    "circles": Dataset("circles", "circles", circles, "one ring inside another"),
    "moons": Dataset("moons", "moons", moons, "two interleaved half circles"),
    "spirals": Dataset("spirals", "spirals", spirals, "two intertwined spiral arms"),
    "xor": Dataset("xor", "XOR", xor, "four clusters, opposite corners alike"),
}


def get(name: str) -> Dataset:
    """The dataset registered under ``name``; ValueError names the allowed keys."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown dataset {name!r}; allowed: {', '.join(DATASETS)}") from None


def make_dataset(
    name: str, n: int = DEFAULT_POINTS, rng: np.random.Generator | int = 0, noise: float = NOISE
) -> tuple[Array, Array]:
    """Standardized points ``X`` (n, 2) and labels ``y`` (n,) in {0.0, 1.0}.

    ``rng`` is a Generator or an int seed: the same one gives the same points.
    Standardizing makes each feature's mean 0 and variance 1, so Var(x) = 1
    in the notes' Var(s) = n Var(w) Var(x).
    """
    spec = get(name)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    x, y = spec.fn(int(n), rng, noise)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x, y
