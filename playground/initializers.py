"""Weight initializers: one pure function each, and a registry of them.

Every function returns a ``(fan_in, fan_out)`` array: a layer computes
``X @ W``, as in the notes (``W = np.random.randn(fan_in, fan_out) * scale``).
Randomness comes only from the ``numpy.random.Generator`` passed in.

Naming follows Keras and PyTorch. The notes (003, 004) call
``randn(fan_in, fan_out) / sqrt(fan_in)`` "Xavier": that is ``lecun_normal``
here; Glorot and Bengio's own formula averages fan-in and fan-out
(``xavier_normal``). Their ``randn * sqrt(2 / fan_in)`` is He's formula
(``he_normal``), which 003 also calls "Xavier".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

Array = np.ndarray


# --- the initializers ------------------------------------------------------


def zeros(fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    """All weights 0. Every unit of a layer computes the same thing forever."""
    return np.zeros((fan_in, fan_out))


def constant(fan_in: int, fan_out: int, rng: np.random.Generator, *, value: float = 0.5) -> Array:
    """All weights equal to ``value``: the symmetric start of notes 001 and 004."""
    return np.full((fan_in, fan_out), float(value))


def normal(fan_in: int, fan_out: int, rng: np.random.Generator, *, std: float = 0.01) -> Array:
    """W ~ N(0, std^2), whatever the layer's size.

    The notes' "small random numbers" are std 0.01, "large" std 1.0
    (CS231n, "Neural Networks Part 2: Setting up the Data and the Loss").
    """
    w = rng.standard_normal((fan_in, fan_out))
    w *= std
    return w


def uniform(fan_in: int, fan_out: int, rng: np.random.Generator, *, limit: float = 0.05) -> Array:
    """W ~ U(-limit, limit), so Var(w) = limit^2 / 3."""
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def lecun_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    """W ~ N(0, 1/fan_in), so n Var(w) = 1 with n = fan_in.

    LeCun, Bottou, Orr and Mueller 1998, "Efficient BackProp". This is the
    notes' ``randn(fan_in, fan_out) / sqrt(fan_in)``, which they call "Xavier".
    """
    w = rng.standard_normal((fan_in, fan_out))
    w *= 1.0 / math.sqrt(fan_in)
    return w


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    """W ~ N(0, 2 / (fan_in + fan_out)).

    Glorot and Bengio 2010, "Understanding the difficulty of training deep
    feedforward neural networks": a compromise between keeping the forward
    variance (1/fan_in) and the backward variance (1/fan_out).
    """
    w = rng.standard_normal((fan_in, fan_out))
    w *= math.sqrt(2.0 / (fan_in + fan_out))
    return w


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    """W ~ U(-sqrt(6 / (fan_in + fan_out)), +sqrt(6 / (fan_in + fan_out))).

    Glorot and Bengio 2010, their equation 16; the same variance as
    ``xavier_normal``.
    """
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    """W ~ N(0, 2/fan_in): n Var(w) = 2 makes up for ReLU zeroing half its inputs.

    He, Zhang, Ren and Sun 2015, "Delving Deep into Rectifiers". The notes'
    ``randn(fan_in, fan_out) / sqrt(fan_in / 2)``.
    """
    w = rng.standard_normal((fan_in, fan_out))
    w *= math.sqrt(2.0 / fan_in)
    return w


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    """W ~ U(-sqrt(6/fan_in), +sqrt(6/fan_in)): the variance of ``he_normal``.

    He et al. 2015, in the uniform form of Keras and PyTorch.
    """
    limit = math.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def orthogonal(fan_in: int, fan_out: int, rng: np.random.Generator, *, gain: float = 1.0) -> Array:
    """Orthonormal columns (fan_in >= fan_out) or rows, times ``gain``.

    Saxe, McClelland and Ganguli 2013, "Exact solutions to the nonlinear
    dynamics of learning in deep linear neural networks". Q comes from the QR
    decomposition of a Gaussian matrix; multiplying Q's columns by the signs
    of R's diagonal makes Q uniformly (Haar) distributed (Mezzadri 2007).
    """
    rows, cols = max(fan_in, fan_out), min(fan_in, fan_out)
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    q *= np.sign(np.diag(r))
    if fan_in < fan_out:
        q = q.T
    return gain * q


def sparse(fan_in: int, fan_out: int, rng: np.random.Generator, *, nonzero: int = 10) -> Array:
    """Exactly ``nonzero`` non-zero incoming weights per unit, each N(0, 1/nonzero).

    Martens 2010, "Deep learning via Hessian-free optimization" (section 5),
    the notes' "sparse initialization". Each unit's sum of squared weights is
    then about 1 whatever fan_in is: n Var(w) = 1 as for ``lecun_normal``.
    """
    nonzero = int(nonzero)
    weights = np.zeros((fan_in, fan_out))
    if nonzero == fan_in:
        rows = np.broadcast_to(np.arange(fan_in)[:, None], (fan_in, fan_out))
    else:
        # The k smallest of fan_in uniform keys per column: k distinct random rows.
        keys = rng.random((fan_in, fan_out))
        rows = np.argpartition(keys, nonzero - 1, axis=0)[:nonzero]
    cols = np.broadcast_to(np.arange(fan_out), rows.shape)
    weights[rows, cols] = rng.standard_normal(rows.shape) / math.sqrt(nonzero)
    return weights


# --- the registry ------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A parameter of an initializer, with the range the page offers."""

    name: str
    label: str
    default: float
    low: float
    high: float
    help: str
    log: bool = False
    integer: bool = False


@dataclass(frozen=True)
class Initializer:
    key: str
    label: str
    fn: Callable[..., Array]
    latex: str
    # Var(w) of one weight, from the formula, for the variance argument.
    variance: Callable[..., float]
    params: tuple[Param, ...] = ()
    # What the lecture notes call it, where their name differs.
    notes_name: str = ""
    # Mean of one weight (only ``constant`` is not centred).
    mean: Callable[..., float] = field(default=lambda fan_in, fan_out, **p: 0.0)
    # Whether two matrices may be drawn at once on two threads. Not when the
    # draw is linear algebra: LAPACK already uses every core, and two calls at
    # once contend for OpenBLAS (4 times slower at width 1000).
    parallel_draws: bool = True

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}


STD = Param("std", "std", 0.01, 0.001, 10.0, "Standard deviation of every weight.", log=True)
# The choices of a log parameter's slider: 20 per decade over its range (0.001 to 10 for std).
LOG_STEPS = tuple(float(f"{10 ** (k / 20):.3g}") for k in range(-60, 21))
LIMIT = Param("limit", "limit", 0.05, 0.0, 10.0, "Weights are drawn uniformly from [-limit, limit].")
VALUE = Param("value", "value", 0.5, -10.0, 10.0, "The value every weight starts at.")
GAIN = Param("gain", "gain", 1.0, 0.0, 10.0, "Multiplies the orthonormal matrix; 1 keeps n Var(w) = 1.")
NONZERO = Param(
    "nonzero",
    "non-zeros per unit",
    10,
    1,
    1000,
    "How many incoming weights of each unit are non-zero (Martens used 15; CS231n says about 10).",
    integer=True,
)


INITIALIZERS: dict[str, Initializer] = {
    "zeros": Initializer(
        key="zeros",
        label="zeros",
        fn=zeros,
        latex=r"W_{ij} = 0",
        variance=lambda fan_in, fan_out: 0.0,
    ),
    "constant": Initializer(
        key="constant",
        label="constant",
        fn=constant,
        latex=r"W_{ij} = c",
        variance=lambda fan_in, fan_out, value=VALUE.default: 0.0,
        params=(VALUE,),
        mean=lambda fan_in, fan_out, value=VALUE.default: float(value),
    ),
    "normal": Initializer(
        key="normal",
        label="normal (fixed std)",
        fn=normal,
        latex=r"W_{ij} \sim \mathcal{N}(0,\ \sigma^2)",
        variance=lambda fan_in, fan_out, std=STD.default: float(std) ** 2,
        params=(STD,),
        notes_name="small random numbers (std 0.01) or large ones (std 1)",
    ),
    "uniform": Initializer(
        key="uniform",
        label="uniform (fixed limit)",
        fn=uniform,
        latex=r"W_{ij} \sim \mathcal{U}(-\ell,\ \ell)",
        variance=lambda fan_in, fan_out, limit=LIMIT.default: float(limit) ** 2 / 3.0,
        params=(LIMIT,),
    ),
    "lecun_normal": Initializer(
        key="lecun_normal",
        label="LeCun normal (1/fan_in)",
        fn=lecun_normal,
        latex=r"W_{ij} \sim \mathcal{N}\!\left(0,\ \frac{1}{n_\text{in}}\right)",
        variance=lambda fan_in, fan_out: 1.0 / fan_in,
        notes_name='"Xavier" in notes 003 and 004: randn(fan_in, fan_out) / sqrt(fan_in)',
    ),
    "xavier_normal": Initializer(
        key="xavier_normal",
        label="Xavier/Glorot normal",
        fn=xavier_normal,
        latex=r"W_{ij} \sim \mathcal{N}\!\left(0,\ \frac{2}{n_\text{in} + n_\text{out}}\right)",
        variance=lambda fan_in, fan_out: 2.0 / (fan_in + fan_out),
    ),
    "xavier_uniform": Initializer(
        key="xavier_uniform",
        label="Xavier/Glorot uniform",
        fn=xavier_uniform,
        latex=r"W_{ij} \sim \mathcal{U}\!\left(\pm\sqrt{\frac{6}{n_\text{in} + n_\text{out}}}\right)",
        variance=lambda fan_in, fan_out: 2.0 / (fan_in + fan_out),
    ),
    "he_normal": Initializer(
        key="he_normal",
        label="He normal (2/fan_in)",
        fn=he_normal,
        latex=r"W_{ij} \sim \mathcal{N}\!\left(0,\ \frac{2}{n_\text{in}}\right)",
        variance=lambda fan_in, fan_out: 2.0 / fan_in,
        notes_name='randn(fan_in, fan_out) / sqrt(fan_in/2) in 004; "Xavier for ReLU" in 003',
    ),
    "he_uniform": Initializer(
        key="he_uniform",
        label="He uniform",
        fn=he_uniform,
        latex=r"W_{ij} \sim \mathcal{U}\!\left(\pm\sqrt{\frac{6}{n_\text{in}}}\right)",
        variance=lambda fan_in, fan_out: 2.0 / fan_in,
    ),
    "orthogonal": Initializer(
        key="orthogonal",
        label="orthogonal",
        fn=orthogonal,
        latex=r"W = g\,Q,\quad Q^\top Q = I \text{ (or } Q Q^\top = I)",
        variance=lambda fan_in, fan_out, gain=GAIN.default: float(gain) ** 2 / max(fan_in, fan_out),
        params=(GAIN,),
        parallel_draws=False,
    ),
    "sparse": Initializer(
        key="sparse",
        label="sparse",
        fn=sparse,
        latex=r"k \text{ non-zeros per unit},\ W_{ij} \sim \mathcal{N}\!\left(0,\ \frac{1}{k}\right)",
        variance=lambda fan_in, fan_out, nonzero=NONZERO.default: 1.0 / fan_in,
        params=(NONZERO,),
        notes_name="sparse initialization (003)",
    ),
}


def get(name: str) -> Initializer:
    """The initializer registered under ``name``; ValueError names the allowed keys."""
    try:
        return INITIALIZERS[name]
    except (KeyError, TypeError):
        allowed = ", ".join(INITIALIZERS)
        raise ValueError(f"unknown initializer {name!r}; allowed: {allowed}") from None


def check_params(name: str, fan_in: int, fan_out: int, params: dict | None) -> dict[str, float]:
    """The initializer's full parameter dict, or ValueError saying what is allowed."""
    init = get(name)
    for size_name, size in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size <= 0:
            raise ValueError(f"{size_name} must be a positive integer, got {size!r}")
    given = dict(params or {})
    allowed = {p.name: p for p in init.params}
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        names = ", ".join(allowed) or "none"
        raise ValueError(f"{name} takes no parameter {', '.join(unknown)}; it takes: {names}")
    full = init.defaults() | given
    for pname, value in full.items():
        spec = allowed[pname]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"{name}: {pname} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{name}: {pname} must be finite, got {value!r}")
        if spec.integer and value != int(value):
            raise ValueError(f"{name}: {pname} must be a whole number, got {value!r}")
    if init.key == "normal" and full["std"] < 0:
        raise ValueError(f"normal: std must be >= 0, got {full['std']}")
    if init.key == "uniform" and full["limit"] < 0:
        raise ValueError(f"uniform: limit must be >= 0, got {full['limit']}")
    if init.key == "orthogonal" and full["gain"] < 0:
        raise ValueError(f"orthogonal: gain must be >= 0, got {full['gain']}")
    if init.key == "sparse":
        k = full["nonzero"]
        if not 1 <= k <= fan_in:
            raise ValueError(f"sparse: nonzero must be between 1 and fan_in = {fan_in}, got {k}")
        full["nonzero"] = int(k)
    return full


def init_weights(name: str, fan_in: int, fan_out: int, rng: np.random.Generator, **params) -> Array:
    """Weights of shape ``(fan_in, fan_out)`` from the initializer ``name``.

    >>> w = init_weights("he_normal", 500, 500, np.random.default_rng(0))
    >>> w.shape
    (500, 500)
    """
    full = check_params(name, fan_in, fan_out, params)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return INITIALIZERS[name].fn(int(fan_in), int(fan_out), rng, **full)


def weight_variance(name: str, fan_in: int, fan_out: int, **params) -> float:
    """Var(w) of one weight as the initializer's formula gives it."""
    full = check_params(name, fan_in, fan_out, params)
    return INITIALIZERS[name].variance(fan_in, fan_out, **full)


def weight_mean(name: str, fan_in: int, fan_out: int, **params) -> float:
    """E[w] of one weight (non-zero only for ``constant``)."""
    full = check_params(name, fan_in, fan_out, params)
    return INITIALIZERS[name].mean(fan_in, fan_out, **full)
