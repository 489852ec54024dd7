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
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray


# The precisions the weights may be drawn in: float32, as PyTorch and Keras compute, or float64.
DTYPES = ("float32", "float64")
SQRT2 = math.sqrt(2.0)
SQRT3 = math.sqrt(3.0)


# --- the fan and the gain: every scaled formula's std, written once ---------


def scaled_std(fan_in: int, fan_out: int, *, gain: float = 1.0, mode: str = "fan_in") -> float:
    """std = gain / sqrt(fan), so that n Var(w) = gain^2 with n = fan.

    ``mode`` "fan_in" keeps the forward variance (LeCun 1998, He 2015);
    "fan_avg", fan = (fan_in + fan_out) / 2, is Glorot and Bengio's
    compromise between the forward and the backward variance. As
    ``torch.nn.init``'s ``_calculate_correct_fan`` and ``calculate_gain``.
    """
    fan = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    return gain / math.sqrt(fan)


# --- the base draws: the random part of every initializer ------------------
# Each initializer is a base draw times a scale. The simulation keeps the base
# draws of a seed (see draws.py), so that another scale, activation or bias
# needs no new random numbers; scaling a kept draw gives the same numbers, bit
# for bit, as drawing it again, because ``fn`` below does exactly the same.


def standard_normal(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: str = "float64") -> Array:
    """N(0, 1) draws (numpy's ziggurat; its float32 path draws float32 directly)."""
    return rng.standard_normal((fan_in, fan_out), dtype=np.dtype(dtype))


def symmetric_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: str = "float64") -> Array:
    """U(-1, 1) draws: 2u - 1 for u ~ U[0, 1)."""
    u = rng.random((fan_in, fan_out), dtype=np.dtype(dtype))
    u *= 2.0
    u -= 1.0
    return u


def haar_orthogonal(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: str = "float64") -> Array:
    """Orthonormal columns (fan_in >= fan_out) or rows, uniformly (Haar) distributed.

    Q comes from the QR decomposition of a Gaussian matrix; multiplying Q's
    columns by the signs of R's diagonal makes Q uniformly (Haar) distributed
    (Mezzadri 2007).
    """
    rows, cols = max(fan_in, fan_out), min(fan_in, fan_out)
    q, r = np.linalg.qr(rng.standard_normal((rows, cols), dtype=np.dtype(dtype)))
    q *= np.sign(np.diag(r))
    return q.T.copy() if fan_in < fan_out else q


def sparse_normal(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: str = "float64", *,
                  nonzero: int) -> Array:
    """Exactly ``nonzero`` N(0, 1) weights per column (unit) at random rows, the others 0."""
    nonzero = int(nonzero)
    weights = np.zeros((fan_in, fan_out), dtype=np.dtype(dtype))
    if nonzero == fan_in:
        rows = np.broadcast_to(np.arange(fan_in)[:, None], (fan_in, fan_out))
    else:
        # The k smallest of fan_in uniform keys per column: k distinct random rows.
        keys = rng.random((fan_in, fan_out))
        rows = np.argpartition(keys, nonzero - 1, axis=0)[:nonzero]
    cols = np.broadcast_to(np.arange(fan_out), rows.shape)
    weights[rows, cols] = rng.standard_normal(rows.shape, dtype=np.dtype(dtype))
    return weights


def _base(base: Array | None, draw: Callable[..., Array], fan_in: int, fan_out: int, rng, dtype: str,
          **params) -> Array:
    """The kept base draw ``base`` (read-only) if given, else a fresh one."""
    return draw(fan_in, fan_out, rng, dtype, **params) if base is None else base


def _scaled(base: Array, scale: float) -> Array:
    """``base`` times ``scale``: in place for a fresh draw, into a new array for a kept (read-only) one.

    Either way the same multiplication, so a kept draw scaled equals a fresh one, bit for bit.
    """
    if base.flags.writeable:
        base *= scale
        return base
    return np.multiply(base, scale)


# --- the initializers ------------------------------------------------------


def zeros(
    fan_in: int, fan_out: int, rng: np.random.Generator, *, dtype: str = "float64", base: Array | None = None
) -> Array:
    """All weights 0. Every unit of a layer computes the same thing forever."""
    return np.zeros((fan_in, fan_out), dtype=np.dtype(dtype))


def constant(fan_in: int, fan_out: int, rng: np.random.Generator, *, value: float = 0.5,
             dtype: str = "float64", base: Array | None = None) -> Array:
    """All weights equal to ``value``: the symmetric start of notes 001 and 004."""
    return np.full((fan_in, fan_out), float(value), dtype=np.dtype(dtype))


def normal(fan_in: int, fan_out: int, rng: np.random.Generator, *, std: float = 0.01,
           dtype: str = "float64", base: Array | None = None) -> Array:
    """W ~ N(0, std^2), whatever the layer's size.

    The notes' "small random numbers" are std 0.01, "large" std 1.0
    (CS231n, "Neural Networks Part 2: Setting up the Data and the Loss").
    """
    return _scaled(_base(base, standard_normal, fan_in, fan_out, rng, dtype), std)


def uniform(fan_in: int, fan_out: int, rng: np.random.Generator, *, limit: float = 0.05,
            dtype: str = "float64", base: Array | None = None) -> Array:
    """W ~ U(-limit, limit), so Var(w) = limit^2 / 3."""
    return _scaled(_base(base, symmetric_uniform, fan_in, fan_out, rng, dtype), limit)


def lecun_normal(
    fan_in: int, fan_out: int, rng: np.random.Generator, *, dtype: str = "float64", base: Array | None = None
) -> Array:
    """W ~ N(0, 1/fan_in), so n Var(w) = 1 with n = fan_in.

    LeCun, Bottou, Orr and Mueller 1998, "Efficient BackProp". This is the
    notes' ``randn(fan_in, fan_out) / sqrt(fan_in)``, which they call "Xavier".
    """
    return _scaled(_base(base, standard_normal, fan_in, fan_out, rng, dtype), scaled_std(fan_in, fan_out))


def xavier_normal(
    fan_in: int, fan_out: int, rng: np.random.Generator, *, dtype: str = "float64", base: Array | None = None
) -> Array:
    """W ~ N(0, 2 / (fan_in + fan_out)).

    Glorot and Bengio 2010, "Understanding the difficulty of training deep
    feedforward neural networks": a compromise between keeping the forward
    variance (1/fan_in) and the backward variance (1/fan_out).
    """
    return _scaled(
        _base(base, standard_normal, fan_in, fan_out, rng, dtype), scaled_std(fan_in, fan_out, mode="fan_avg")
    )


def xavier_uniform(
    fan_in: int, fan_out: int, rng: np.random.Generator, *, dtype: str = "float64", base: Array | None = None
) -> Array:
    """W ~ U(-sqrt(6 / (fan_in + fan_out)), +sqrt(6 / (fan_in + fan_out))).

    Glorot and Bengio 2010, their equation 16; the same variance as
    ``xavier_normal`` (a uniform's limit is sqrt(3) times its std).
    """
    limit = SQRT3 * scaled_std(fan_in, fan_out, mode="fan_avg")
    return _scaled(_base(base, symmetric_uniform, fan_in, fan_out, rng, dtype), limit)


def he_normal(
    fan_in: int, fan_out: int, rng: np.random.Generator, *, dtype: str = "float64", base: Array | None = None
) -> Array:
    """W ~ N(0, 2/fan_in): n Var(w) = 2 makes up for ReLU zeroing half its inputs.

    He, Zhang, Ren and Sun 2015, "Delving Deep into Rectifiers". The notes'
    ``randn(fan_in, fan_out) / sqrt(fan_in / 2)``.
    """
    return _scaled(_base(base, standard_normal, fan_in, fan_out, rng, dtype), scaled_std(fan_in, fan_out, gain=SQRT2))


def he_uniform(
    fan_in: int, fan_out: int, rng: np.random.Generator, *, dtype: str = "float64", base: Array | None = None
) -> Array:
    """W ~ U(-sqrt(6/fan_in), +sqrt(6/fan_in)): the variance of ``he_normal``.

    He et al. 2015, in the uniform form of Keras and PyTorch.
    """
    limit = SQRT3 * scaled_std(fan_in, fan_out, gain=SQRT2)
    return _scaled(_base(base, symmetric_uniform, fan_in, fan_out, rng, dtype), limit)


def orthogonal(fan_in: int, fan_out: int, rng: np.random.Generator, *, gain: float = 1.0,
               dtype: str = "float64", base: Array | None = None) -> Array:
    """Orthonormal columns (fan_in >= fan_out) or rows, times ``gain``.

    Saxe, McClelland and Ganguli 2013, "Exact solutions to the nonlinear
    dynamics of learning in deep linear neural networks"; Q as in
    ``haar_orthogonal``.
    """
    return _scaled(_base(base, haar_orthogonal, fan_in, fan_out, rng, dtype), gain)


def sparse(fan_in: int, fan_out: int, rng: np.random.Generator, *, nonzero: int = 10,
           dtype: str = "float64", base: Array | None = None) -> Array:
    """Exactly ``nonzero`` non-zero incoming weights per unit, each N(0, 1/nonzero).

    Martens 2010, "Deep learning via Hessian-free optimization" (section 5),
    the notes' "sparse initialization". Each unit's sum of squared weights is
    then about 1 whatever fan_in is: n Var(w) = 1 as for ``lecun_normal``.
    """
    return _scaled(
        _base(base, sparse_normal, fan_in, fan_out, rng, dtype, nonzero=nonzero), 1.0 / math.sqrt(int(nonzero))
    )


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
class Base:
    """A base draw: its function, the variance of one of its values, and the initializer parameters it takes."""

    draw: Callable[..., Array]
    variance: Callable[..., float]
    params: tuple[str, ...] = ()


BASES: dict[str, Base] = {
    "normal": Base(standard_normal, lambda fan_in, fan_out: 1.0),
    "uniform": Base(symmetric_uniform, lambda fan_in, fan_out: 1.0 / 3.0),
    # Unit columns (or rows) of max(fan_in, fan_out) entries each.
    "orthogonal": Base(haar_orthogonal, lambda fan_in, fan_out: 1.0 / max(fan_in, fan_out)),
    # k of fan_in rows are N(0, 1), the others 0.
    "sparse": Base(sparse_normal, lambda fan_in, fan_out, nonzero: nonzero / fan_in, params=("nonzero",)),
}
# A kept base of one value 1: an initializer applied to it returns its scale.
_UNIT = np.ones((1, 1))
_UNIT.flags.writeable = False


@dataclass(frozen=True)
class Initializer:
    key: str
    label: str
    fn: Callable[..., Array]
    latex: str
    # The base draw the weights are a multiple of (a key of BASES), None where nothing is random.
    base: str | None = None
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

    def scale(self, fan_in: int, fan_out: int, **params) -> float:
        """What the initializer multiplies its base draw by (its own function, applied to a base of 1)."""
        return float(self.fn(fan_in, fan_out, None, base=_UNIT, **params)[0, 0])

    def variance(self, fan_in: int, fan_out: int, **params) -> float:
        """Var(w) of one weight from the formula: scale^2 times the base draw's variance."""
        if self.base is None:
            return 0.0
        base = BASES[self.base]
        base_params = {name: params[name] for name in base.params}
        return self.scale(fan_in, fan_out, **params) ** 2 * base.variance(fan_in, fan_out, **base_params)


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
    ),
    "constant": Initializer(
        key="constant",
        label="constant",
        fn=constant,
        latex=r"W_{ij} = c",
        params=(VALUE,),
        mean=lambda fan_in, fan_out, value=VALUE.default: float(value),
    ),
    "normal": Initializer(
        key="normal",
        base="normal",
        label="normal (fixed std)",
        fn=normal,
        latex=r"W_{ij} \sim \mathcal{N}(0,\ \sigma^2)",
        params=(STD,),
        notes_name="small random numbers (std 0.01) or large ones (std 1)",
    ),
    "uniform": Initializer(
        key="uniform",
        base="uniform",
        label="uniform (fixed limit)",
        fn=uniform,
        latex=r"W_{ij} \sim \mathcal{U}(-\ell,\ \ell)",
        params=(LIMIT,),
    ),
    "lecun_normal": Initializer(
        key="lecun_normal",
        base="normal",
        label="LeCun normal (1/fan_in)",
        fn=lecun_normal,
        latex=r"W_{ij} \sim \mathcal{N}\!\left(0,\ \frac{1}{n_\text{in}}\right)",
        notes_name='"Xavier" in notes 003 and 004: randn(fan_in, fan_out) / sqrt(fan_in)',
    ),
    "xavier_normal": Initializer(
        key="xavier_normal",
        base="normal",
        label="Xavier/Glorot normal",
        fn=xavier_normal,
        latex=r"W_{ij} \sim \mathcal{N}\!\left(0,\ \frac{2}{n_\text{in} + n_\text{out}}\right)",
    ),
    "xavier_uniform": Initializer(
        key="xavier_uniform",
        base="uniform",
        label="Xavier/Glorot uniform",
        fn=xavier_uniform,
        latex=r"W_{ij} \sim \mathcal{U}\!\left(\pm\sqrt{\frac{6}{n_\text{in} + n_\text{out}}}\right)",
    ),
    "he_normal": Initializer(
        key="he_normal",
        base="normal",
        label="He normal (2/fan_in)",
        fn=he_normal,
        latex=r"W_{ij} \sim \mathcal{N}\!\left(0,\ \frac{2}{n_\text{in}}\right)",
        notes_name='randn(fan_in, fan_out) / sqrt(fan_in/2) in 004; "Xavier for ReLU" in 003',
    ),
    "he_uniform": Initializer(
        key="he_uniform",
        base="uniform",
        label="He uniform",
        fn=he_uniform,
        latex=r"W_{ij} \sim \mathcal{U}\!\left(\pm\sqrt{\frac{6}{n_\text{in}}}\right)",
    ),
    "orthogonal": Initializer(
        key="orthogonal",
        base="orthogonal",
        label="orthogonal",
        fn=orthogonal,
        latex=r"W = g\,Q,\quad Q^\top Q = I \text{ (or } Q Q^\top = I)",
        params=(GAIN,),
        parallel_draws=False,
    ),
    "sparse": Initializer(
        key="sparse",
        base="sparse",
        label="sparse",
        fn=sparse,
        latex=r"k \text{ non-zeros per unit},\ W_{ij} \sim \mathcal{N}\!\left(0,\ \frac{1}{k}\right)",
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


def check_dtype(dtype) -> str:
    """The precision's name, one of DTYPES, or ValueError naming them."""
    name = np.dtype(dtype).name if isinstance(dtype, (type, np.dtype)) else dtype
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return name


def init_weights(
    name: str, fan_in: int, fan_out: int, rng: np.random.Generator, *, dtype: str = "float64", **params
) -> Array:
    """Weights of shape ``(fan_in, fan_out)`` and precision ``dtype`` from the initializer ``name``.

    >>> w = init_weights("he_normal", 500, 500, np.random.default_rng(0))
    >>> w.shape, w.dtype
    ((500, 500), dtype('float64'))
    """
    full = check_params(name, fan_in, fan_out, params)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return INITIALIZERS[name].fn(int(fan_in), int(fan_out), rng, dtype=check_dtype(dtype), **full)


def weight_variance(name: str, fan_in: int, fan_out: int, **params) -> float:
    """Var(w) of one weight as the initializer's formula gives it."""
    full = check_params(name, fan_in, fan_out, params)
    return INITIALIZERS[name].variance(fan_in, fan_out, **full)


def weight_mean(name: str, fan_in: int, fan_out: int, **params) -> float:
    """E[w] of one weight (non-zero only for ``constant``)."""
    full = check_params(name, fan_in, fan_out, params)
    return INITIALIZERS[name].mean(fan_in, fan_out, **full)
