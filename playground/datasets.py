"""The data the networks are trained on: four 2-D toy sets and the 8 x 8 handwritten digits.

Each 2-D generator takes a number of points and a ``numpy.random.Generator``
and returns ``(X, y)``: X of shape (n, 2), y of shape (n,) with labels 0 and
1, half of each. The digits are the 1797 images of the UCI "optdigits" test
set (8 x 8 pixels of 0..16, ten classes), read from ``data/digits.csv.gz``,
which ships with the package (provenance and licence in ``data/README.md``).

``split_dataset`` is what training uses: a seeded stratified split into
training and held-out points, then inputs standardized with the training
split's own mean and standard deviation per feature (per pixel for the
digits), the normalized inputs the notes' variance argument assumes
(Var(x) = 1 in Var(s) = n Var(w) Var(x)). The held-out points never
contribute to those statistics. A feature constant over the training split
(the digits' corner pixels are 0 in nearly every image) is only centred:
it carries nothing, and dividing by its zero spread would make NaN.

The same seed gives the same points and the same split. Nothing here imports Streamlit.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

Array = np.ndarray

# A few hundred points: enough for a visible shape, few enough to train fast.
DEFAULT_POINTS = 300
# Standard deviation of the Gaussian jitter added to every point, before standardizing.
NOISE = 0.1
# The share of points held out of training by default: about a quarter.
TEST_FRACTION = 0.25
DIGITS_FILE = Path(__file__).resolve().parent / "data" / "digits.csv.gz"
DIGITS_SHAPE = (1797, 64)
DIGITS_PIXEL_MAX = 16


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


@lru_cache(maxsize=1)
def _digits_file() -> tuple[Array, Array]:
    table = np.loadtxt(gzip.open(DIGITS_FILE, "rt"), delimiter=",", dtype=np.int64)
    if table.shape != (DIGITS_SHAPE[0], DIGITS_SHAPE[1] + 1):
        raise ValueError(f"{DIGITS_FILE.name}: expected {DIGITS_SHAPE[0]} rows of 65 numbers, got {table.shape}")
    images, labels = table[:, :-1].astype(float), table[:, -1]
    if images.min() < 0 or images.max() > DIGITS_PIXEL_MAX or not set(np.unique(labels)) <= set(range(10)):
        raise ValueError(f"{DIGITS_FILE.name}: pixels must be 0..{DIGITS_PIXEL_MAX} and labels 0..9")
    # Shared by every caller through the cache: read-only, so nobody changes them for the others.
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_digits() -> tuple[Array, Array]:
    """The 1797 handwritten digits: images (1797, 64) of pixel counts 0..16 (row-major 8 x 8), labels (1797,) 0..9.

    Alpaydin and Kaynak 1998, the test set of UCI's "Optical Recognition of
    Handwritten Digits" (the copy scikit-learn bundles as ``load_digits``).
    Read once from the package's own file; the arrays are read-only.
    """
    return _digits_file()


def digits(n: int, rng: np.random.Generator, noise: float = NOISE) -> tuple[Array, Array]:
    """All 1797 digit images and their labels, whatever ``n``, ``rng`` and ``noise``: the data set is fixed."""
    images, labels = load_digits()
    return images.copy(), labels.astype(float)


@dataclass(frozen=True)
class Dataset:
    key: str
    label: str
    fn: Callable[..., tuple[Array, Array]]
    description: str
    # Input features and classes: 2 and 2 for the plane, 64 pixels and 10 digits for the images.
    features: int = 2
    classes: int = 2
    # Whether the number of points is the caller's to choose (the digits are a fixed set).
    sized: bool = True

    @property
    def planar(self) -> bool:
        """Points in the plane, where a decision map can be drawn."""
        return self.features == 2


DATASETS: dict[str, Dataset] = {
    "circles": Dataset("circles", "circles", circles, "one ring inside another"),
    "moons": Dataset("moons", "moons", moons, "two interleaved half circles"),
    "spirals": Dataset("spirals", "spirals", spirals, "two intertwined spiral arms"),
    "xor": Dataset("xor", "XOR", xor, "four clusters, opposite corners alike"),
    "digits": Dataset(
        "digits", "handwritten digits", digits, "1797 images of 8 × 8 pixels, ten classes",
        features=DIGITS_SHAPE[1], classes=10, sized=False,
    ),
}


def get(name: str) -> Dataset:
    """The dataset registered under ``name``; ValueError names the allowed keys."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown dataset {name!r}; allowed: {', '.join(DATASETS)}") from None


def _check_points(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    return int(n)


def _generator(rng: np.random.Generator | int) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def raw_dataset(
    name: str, n: int = DEFAULT_POINTS, rng: np.random.Generator | int = 0, noise: float = NOISE
) -> tuple[Array, Array]:
    """The points as generated (or the images as stored), not standardized, and their labels as floats."""
    spec = get(name)
    n = _check_points(n)
    return spec.fn(n, _generator(rng), noise)


def standardize(train: Array, *others: Array) -> tuple[Array, ...]:
    """``train`` and each of ``others`` as (x - mean) / scale, mean and scale per feature over ``train`` only.

    scale is the training split's standard deviation, or 1 where that is 0
    (a constant feature is centred, not divided by zero).
    """
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    return tuple((x - mean) / scale for x in (train, *others))


def make_dataset(
    name: str, n: int = DEFAULT_POINTS, rng: np.random.Generator | int = 0, noise: float = NOISE
) -> tuple[Array, Array]:
    """Standardized points ``X`` (n, features) and labels ``y`` (n,) as floats, all points together.

    ``rng`` is a Generator or an int seed: the same one gives the same points.
    Standardizing makes each feature's mean 0 and variance 1 (constant
    features: mean 0), so Var(x) = 1 in the notes' Var(s) = n Var(w) Var(x).
    Training holds points out first and standardizes with the rest only:
    see ``split_dataset``.
    """
    x, y = raw_dataset(name, n, rng, noise)
    (x,) = standardize(x)
    return x, y


def held_out_count(members: int, test_fraction: float) -> int:
    """How many of a class's ``members`` points are held out: round(test_fraction x members), at least 1 and
    at most members - 1 where the class has two points or more."""
    count = int(round(test_fraction * members))
    return min(max(count, 1), members - 1) if members >= 2 else count


def stratified_split(labels: Array, test_fraction: float, rng: np.random.Generator | int) -> tuple[Array, Array]:
    """Indices of the training and the held-out points, sorted, each class held out in the same share.

    Class c of n_c points gives ``held_out_count(n_c, test_fraction)`` of
    them, drawn without replacement by ``rng``, to the held-out set: the
    classes keep their shares on both sides, up to rounding.
    """
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)) or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be a number strictly between 0 and 1, got {test_fraction!r}")
    rng = _generator(rng)
    labels = np.asarray(labels)
    held = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        held.append(rng.choice(members, size=held_out_count(members.size, test_fraction), replace=False))
    test = np.sort(np.concatenate(held)).astype(np.int64)
    train = np.setdiff1d(np.arange(labels.size), test)
    return train, test


@dataclass(frozen=True)
class Split:
    """Training and held-out inputs, standardized by the training split; labels as integers 0..classes-1."""

    name: str
    x_train: Array
    y_train: Array
    x_test: Array
    y_test: Array
    # Row numbers of each side in the data as generated.
    train_index: Array
    test_index: Array
    classes: int


def split_dataset(
    name: str,
    n: int = DEFAULT_POINTS,
    *,
    test_fraction: float = TEST_FRACTION,
    rng: np.random.Generator | int = 0,
    noise: float = NOISE,
) -> Split:
    """The data set ``name`` (``n`` points for the 2-D sets; the digits are all 1797), split and standardized.

    One Generator (or int seed) makes both the points and the split: the
    same one gives the same of both.
    """
    spec = get(name)
    rng = _generator(rng)
    x, y = raw_dataset(name, n, rng, noise)
    train, test = stratified_split(y, test_fraction, rng)
    x_train, x_test = standardize(x[train], x[test])
    labels = y.astype(np.int64)
    return Split(name, x_train, labels[train], x_test, labels[test], train, test, spec.classes)
