"""The symmetry problem: the notes' worked example done right, and symmetry over training.

Two parts.

1. **The worked example of notes 001**, in exact arithmetic. One hidden layer
   of 3 units with duplicate columns of W1, identity activation, and the
   notes' formulas (a layer computes ``Z = A W``):

   .. math::

       dW^{[2]} = \\tfrac{1}{m} {A^{[1]}}^T dZ^{[2]}, \\quad
       dA^{[1]} = dZ^{[2]} {W^{[2]}}^T, \\quad
       dZ^{[1]} = dA^{[1]} \\odot g'(Z^{[1]}), \\quad
       dW^{[1]} = \\tfrac{1}{m} X^T dZ^{[1]}.

   Column j of dA1 is dZ2 times W2[j], so dW1's columns are proportional to
   W2's entries: duplicates only when the outgoing weights are equal too.
   The notes get duplicates anyway because they use dW2 (whose entries are
   equal) where W2 belongs and multiply by Z1 as a matrix where g'(Z1)
   belongs elementwise (``notes_version`` has their numbers).

2. **Symmetry over training.** A 2 -> H -> 1 network trained by plain
   gradient descent in float64 from constant weights, from the same plus
   ``eps * N(0, 1)``, and from a random (LeCun normal) start. Units that
   start bit-for-bit equal stay so forever (notes 004: "this symmetry will
   never break during training"); a perturbation as small as float64's
   resolution (notes 000) grows once the symmetric state is a saddle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from . import activations, initializers
from .losses import logit_cross_entropy, sigmoid

Array = np.ndarray

# --- 1. the worked example of notes 001 -------------------------------------------

# The notes' data: m = 3 examples of 2 features, 3 hidden units whose incoming
# weights (the columns of W1) are duplicates, and their assumed dZ2.
X_NOTES = ((1, 2), (0, 3), (4, 1))
W1_NOTES = ((1, 1, 1), (2, 2, 2))
DZ2_NOTES = (1, 2, 3)
# A learning rate for showing one update exactly.
WORKED_LR = Fraction(1, 10)


@dataclass(frozen=True)
class W2Case:
    key: str
    label: str
    w2: tuple[int, int, int]


# The two outgoing-weight cases of the worked example. c = 2 makes Z2 the
# notes' [30, 36, 36] in both cases, since 3 + 1 + 2 = 3 * 2.
W2_CASES: dict[str, W2Case] = {
    "notes": W2Case("notes", "W2 = [3, 1, 2] (as in the notes)", (3, 1, 2)),
    "equal": W2Case("equal", "W2 = [2, 2, 2] (all outgoing weights equal)", (2, 2, 2)),
}


def _exact(values) -> Array:
    """An object array of Fractions: numpy's + and @ on it are exact."""
    return np.vectorize(Fraction, otypes=[object])(np.asarray(values, dtype=object))


def _plain(matrix: Array) -> Array:
    """An int64 array where every entry is a whole number, else the Fractions as they are."""
    if all(Fraction(v).denominator == 1 for v in matrix.flat):
        return np.vectorize(int, otypes=[np.int64])(matrix) if matrix.size else matrix.astype(np.int64)
    return matrix


def worked_example(w2: Sequence = (3, 1, 2), lr: Fraction | int = WORKED_LR) -> dict[str, Array]:
    """The forward and backward pass of notes 001, exactly, for outgoing weights ``w2``.

    Returns the named matrices ``X``, ``W1``, ``W2``, ``Z1``, ``A1``, ``Z2``,
    ``Y_hat``, ``dZ2``, ``dW2``, ``dA1``, ``g_prime`` (g'(Z1), all ones for
    the identity), ``dZ1``, ``dW1``; the sums before the 1/m, ``A1T_dZ2``
    (the notes' 35s) and ``XT_dZ1``; and one gradient step with learning
    rate ``lr``: ``W1_next``, ``W2_next``. Whole-number matrices are int64,
    the others object arrays of ``fractions.Fraction``; ``Y_hat`` = sigma(Z2)
    is float64.

    >>> worked_example((3, 1, 2))["dW1"][0].tolist()
    [Fraction(13, 1), Fraction(13, 3), Fraction(26, 3)]
    """
    w2 = tuple(w2)
    if len(w2) != 3:
        raise ValueError(f"w2 must have 3 entries, one per hidden unit, got {len(w2)}")
    try:
        w2_exact = [Fraction(v) for v in w2]
        lr = Fraction(lr)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"w2 and lr must be finite rational numbers, got {w2!r} and {lr!r}") from None

    X = _exact(X_NOTES)
    W1 = _exact(W1_NOTES)
    W2 = _exact(w2_exact).reshape(3, 1)
    m = X.shape[0]
    Z1 = X @ W1  # b = 0
    A1 = Z1.copy()  # identity activation
    Z2 = A1 @ W2
    dZ2 = _exact(DZ2_NOTES).reshape(3, 1)
    A1T_dZ2 = A1.T @ dZ2
    dW2 = A1T_dZ2 * Fraction(1, m)
    dA1 = dZ2 @ W2.T
    g_prime = _exact(np.ones_like(Z1, dtype=int))  # identity: g'(z) = 1
    dZ1 = dA1 * g_prime  # elementwise
    XT_dZ1 = X.T @ dZ1
    dW1 = XT_dZ1 * Fraction(1, m)
    exact = dict(
        X=X, W1=W1, W2=W2, Z1=Z1, A1=A1, Z2=Z2, dZ2=dZ2, A1T_dZ2=A1T_dZ2, dW2=dW2, dA1=dA1,
        g_prime=g_prime, dZ1=dZ1, XT_dZ1=XT_dZ1, dW1=dW1, W1_next=W1 - lr * dW1, W2_next=W2 - lr * dW2,
    )
    result = {name: _plain(matrix) for name, matrix in exact.items()}
    result["Y_hat"] = sigmoid(Z2.astype(float))
    return result


def notes_version() -> dict[str, Array]:
    """The backward pass exactly as notes 001 writes it, mistakes included (int64).

    - ``dW2``: A1^T dZ2 = [35, 35, 35]^T, without the 1/m of their own formula;
    - ``dA1``: dZ2 dW2^T, with dW2 where W2 belongs;
    - ``dZ1``: dA1 Z1 as a matrix product, where dA1 * g'(Z1) elementwise belongs;
    - ``dW1``: written 3 x 3 (rows 7735, 1190, 6545), although X^T (2 x 3)
      times dZ1 (3 x 3) is 2 x 3; ``dW1_product`` is that 2 x 3 product.
    """
    X = np.array(X_NOTES)
    Z1 = X @ np.array(W1_NOTES)
    dZ2 = np.array(DZ2_NOTES).reshape(3, 1)
    dW2 = Z1.T @ dZ2
    dA1 = dZ2 @ dW2.T
    dZ1 = dA1 @ Z1
    product = X.T @ dZ1
    # The notes' matrix: the product's two rows with dZ1's second row between them.
    written = np.vstack([product[0], dZ1[1], product[1]])
    return dict(dZ2=dZ2, dW2=dW2, dA1=dA1, dZ1=dZ1, dW1=written, dW1_product=product)


def equal_column_groups(matrix: Array) -> list[tuple[int, ...]]:
    """Indices of columns that are exactly equal, in groups of two or more."""
    matrix = np.asarray(matrix)
    groups: dict[tuple, list[int]] = {}
    for j in range(matrix.shape[1]):
        groups.setdefault(tuple(matrix[:, j].tolist()), []).append(j)
    return [tuple(g) for g in groups.values() if len(g) > 1]


def column_proportions(matrix: Array) -> tuple[int, ...] | None:
    """The smallest whole numbers the columns are proportional to, or None if they are not.

    Exact: entries are converted to Fractions, so use it on the worked
    example's matrices. For dW1 with W2 = [3, 1, 2] this is (3, 1, 2).
    """
    m = [[Fraction(v) for v in row] for row in np.asarray(matrix).tolist()]
    pivot = next((row for row in m if row[0] != 0), None)
    if pivot is None or any(v == 0 for v in pivot):
        return None
    # Column j is pivot[j] / pivot[0] times column 0 in every row.
    if any(row[j] * pivot[0] != row[0] * pivot[j] for row in m for j in range(len(pivot))):
        return None
    ratios = [v / pivot[0] for v in pivot]
    scale = math.lcm(*(r.denominator for r in ratios))
    whole = [int(r * scale) for r in ratios]
    divisor = math.gcd(*whole)
    return tuple(w // divisor for w in whole)


# Colours of groups of equal columns, as KaTeX \textcolor takes them.
HIGHLIGHT_COLORS = ("#d62728", "#1f77b4", "#2ca02c")


def latex_number(value) -> str:
    """An exact number as LaTeX: ``5``, ``\\dfrac{35}{3}``, ``-\\dfrac{1}{6}`` (full-size fractions in matrices)."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.16g}"
    q = Fraction(value)
    if q.denominator == 1:
        return str(q.numerator)
    sign = "-" if q < 0 else ""
    return rf"{sign}\dfrac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def latex_matrix(matrix: Array, *, highlight: bool = True) -> str:
    """A bmatrix; with ``highlight``, columns equal to another are coloured, one colour per group."""
    matrix = np.asarray(matrix)
    colors: dict[int, str] = {}
    if highlight:
        for group, color in zip(equal_column_groups(matrix), HIGHLIGHT_COLORS * matrix.shape[1]):
            colors.update({j: color for j in group})
    rows = []
    for row in matrix.tolist():
        cells = [latex_number(v) for v in row]
        cells = [rf"\textcolor{{{colors[j]}}}{{{c}}}" if j in colors else c for j, c in enumerate(cells)]
        rows.append(" & ".join(cells))
    # Full-size fractions need room between the rows.
    fractions = any(isinstance(v, Fraction) and v.denominator != 1 for v in matrix.flat)
    newline = r" \\[10pt] " if fractions else r" \\ "
    return r"\begin{bmatrix}" + newline.join(rows) + r"\end{bmatrix}"


# --- 2. symmetry over training --------------------------------------------------------

HIDDEN = 4
STEPS = 3000
LR = 1.0
# Constant every weight starts at in the symmetric cases (as initializers.constant).
CONSTANT = 0.5
# The eps case "matters" once its spread reaches this share of the random case's.
MATTERS = 0.01
# ... or once its loss differs from the constant case's by this share.
LOSS_MATTERS = 0.01
# Points of the log-spaced step grid the charts get.
GRID_POINTS = 120
# The perturbations ε a link may ask for, and those offered: 0, then one per
# decade from float64's resolution next to 0.5 (notes 000) up.
EPS_RANGE = (0.0, 0.1)
EPS_STEPS = (0.0,) + tuple(float(f"1e{k}") for k in range(-16, 0))


def ring_dataset(seed: int = 0, inner: int = 16, outer: int = 32) -> tuple[Array, Array]:
    """A disc of class 1 inside a ring of class 0, in 2-D: ``(X (m, 2), y (m,))``.

    No single tanh or ReLU unit separates it, so equal units (which act as
    one) cannot fit it: the symmetric state is a saddle that a perturbation
    can roll off. The classes are unbalanced on purpose: with mean(y) = 1/2,
    a zero-initialized network would have mean(dZ2) = 0 at the start and
    not even sigmoid's output weights would move. m = inner + outer = 48 is
    a multiple of 8 (see ``gradient_descent``).
    """
    rng = np.random.default_rng(seed)
    r = np.concatenate([0.6 * np.sqrt(rng.uniform(0.0, 1.0, inner)), rng.uniform(1.2, 1.8, outer)])
    angle = rng.uniform(0.0, 2.0 * np.pi, inner + outer)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    y = np.concatenate([np.ones(inner), np.zeros(outer)])
    return X, y


@dataclass(frozen=True)
class Params:
    """A stack of C networks 2 -> H -> 1: W1 (C, 2, H), b1 (C, H), W2 (C, H), b2 (C,)."""

    W1: Array
    b1: Array
    W2: Array
    b2: Array


@dataclass(frozen=True)
class InitCase:
    key: str
    label: str
    # (fan_in, fan_out, rng, eps) -> weights (fan_in, fan_out)
    weights: Callable[[int, int, np.random.Generator, float], Array]


def _constant(fan_in: int, fan_out: int, rng: np.random.Generator, eps: float) -> Array:
    return initializers.init_weights("constant", fan_in, fan_out, rng, value=CONSTANT)


def _perturbed(fan_in: int, fan_out: int, rng: np.random.Generator, eps: float) -> Array:
    return _constant(fan_in, fan_out, rng, eps) + eps * rng.standard_normal((fan_in, fan_out))


INIT_CASES: dict[str, InitCase] = {
    "constant": InitCase("constant", f"constant {CONSTANT}", _constant),
    "perturbed": InitCase("perturbed", f"constant {CONSTANT} + ε·N(0, 1)", _perturbed),
    "random": InitCase("random", "random (LeCun normal)", lambda i, o, rng, eps: initializers.init_weights(
        "lecun_normal", i, o, rng)),
    "zeros": InitCase("zeros", "zeros", lambda i, o, rng, eps: initializers.init_weights("zeros", i, o, rng)),
}


def initial_params(cases: Sequence[str], *, eps: float = 0.0, seed: int = 0, hidden: int = HIDDEN) -> Params:
    """The starting weights of one network per case; biases start at 0.

    Case ``cases[i]`` draws from ``default_rng([seed, i])``, so each case's
    numbers depend only on the seed and its place.
    """
    W1, W2 = [], []
    for i, key in enumerate(cases):
        case = INIT_CASES[key]
        rng = np.random.default_rng([seed, i])
        W1.append(case.weights(2, hidden, rng, eps))
        W2.append(case.weights(hidden, 1, rng, eps)[:, 0])
    c = len(cases)
    return Params(np.array(W1), np.zeros((c, hidden)), np.array(W2), np.zeros(c))


def unit_spread(W1: Array, b1: Array) -> Array:
    """Largest pairwise Euclidean distance between hidden units' incoming weights and bias, per network.

    Unit h's vector is (W1[:, 0, h], W1[:, 1, h], b1[:, h]); 0.0 exactly when all units are equal.
    """
    v = np.concatenate([W1, b1[:, None, :]], axis=1)  # (C, 3, H)
    diff = v[:, :, :, None] - v[:, :, None, :]
    return np.sqrt((diff * diff).sum(axis=1)).max(axis=(1, 2))


@dataclass(frozen=True)
class Trace:
    """Per step 0..steps of each network: ``loss`` and ``spread`` (C, steps + 1); the last weights."""

    loss: Array
    spread: Array
    final: Params


def gradient_descent(
    activation: str, start: Params, X: Array, y: Array, *, steps: int = STEPS, lr: float = LR
) -> Trace:
    """Full-batch gradient descent on the mean cross-entropy, all C networks at once.

    Hidden layer: a = phi(X W1 + b1); output: y_hat = sigmoid(a W2 + b2).
    Backward: dZ2 = (y_hat - y)/m, dW2 = A1^T dZ2, dA1 = dZ2 W2^T,
    dZ1 = dA1 * phi'(Z1), dW1 = X^T dZ1.

    Every per-unit quantity is computed elementwise or by a sum over
    examples, never by BLAS, whose kernels may round different columns
    differently; hidden arrays are (C, H, m) so that, with m a multiple of
    8, every unit's row meets numpy's SIMD loops at the same lane offsets.
    Equal units then get bit-for-bit equal updates.
    """
    phi = activations.get(activation)
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    XT = np.ascontiguousarray(X.T)  # (2, m)
    m = X.shape[0]
    W1, b1, W2, b2 = (np.array(a, dtype=float) for a in (start.W1, start.b1, start.W2, start.b2))
    loss = np.empty((W1.shape[0], steps + 1))
    spread = np.empty_like(loss)
    for t in range(steps + 1):
        Z1 = b1[:, :, None] + W1[:, 0, :, None] * XT[0]
        for k in range(1, XT.shape[0]):
            Z1 += W1[:, k, :, None] * XT[k]
        A1 = phi.fn(Z1)
        Z2 = (W2[:, :, None] * A1).sum(axis=1) + b2[:, None]  # (C, m)
        loss[:, t] = logit_cross_entropy(Z2, y)
        spread[:, t] = unit_spread(W1, b1)
        if t == steps:
            break
        dZ2 = (sigmoid(Z2) - y) / m
        dW2 = (A1 * dZ2[:, None, :]).sum(axis=-1)
        db2 = dZ2.sum(axis=-1)
        dZ1 = W2[:, :, None] * dZ2[:, None, :] * phi.derivative(Z1)
        dW1 = (dZ1[:, None, :, :] * XT[None, :, None, :]).sum(axis=-1)
        db1 = dZ1.sum(axis=-1)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    return Trace(loss, spread, Params(W1, b1, W2, b2))


def log_grid(steps: int, points: int = GRID_POINTS) -> Array:
    """About ``points`` whole steps from 1 to ``steps``, evenly spaced on a log axis."""
    if steps < 1:
        return np.array([], dtype=int)
    return np.unique(np.round(np.geomspace(1, steps, points)).astype(int))


def first_step(condition: Array) -> int | None:
    """The first index where ``condition`` holds, or None."""
    hits = np.flatnonzero(condition)
    return int(hits[0]) if hits.size else None


@dataclass(frozen=True)
class OverTraining:
    """Symmetry over training, ready to show.

    ``history``: rows (case, label, step, spread, loss) on a log-spaced step
    grid. ``final_spread`` / ``final_loss``: per case after ``steps``.
    ``eps_matters_at``: first step at which the perturbed case's spread is
    at least ``MATTERS`` times the random case's; ``loss_splits_at``: first
    step at which its loss differs from the constant case's by more than
    ``LOSS_MATTERS`` of it (None: not within ``steps``).
    ``perturbed_weights`` / ``weights``: how many of the perturbed case's
    weights differ from the constant at all in float64.
    """

    activation: str
    eps: float
    steps: int
    lr: float
    hidden: int
    m: int
    history: pd.DataFrame
    final_spread: dict[str, float]
    final_loss: dict[str, float]
    start_spread: dict[str, float]
    eps_matters_at: int | None
    loss_splits_at: int | None
    perturbed_weights: int
    weights: int

    def summary(self) -> pd.DataFrame:
        """One row per start: its spread before and after training, and its final loss."""
        return pd.DataFrame(
            {
                "start": [INIT_CASES[k].label for k in self.final_spread],
                "spread at step 0": list(self.start_spread.values()),
                f"spread after {self.steps} steps": list(self.final_spread.values()),
                f"loss after {self.steps} steps": list(self.final_loss.values()),
            }
        )


TRAINING_CASES = ("constant", "perturbed", "random")


def symmetry_over_training(
    activation: str = "tanh", eps: float = 1e-8, *, steps: int = STEPS, lr: float = LR, seed: int = 0,
    hidden: int = HIDDEN,
) -> OverTraining:
    """Train from constant, constant + eps N(0, 1) and random weights; track unit spread and loss."""
    if not (isinstance(eps, (int, float)) and math.isfinite(eps) and eps >= 0):
        raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
    X, y = ring_dataset(seed)
    start = initial_params(TRAINING_CASES, eps=float(eps), seed=seed, hidden=hidden)
    trace = gradient_descent(activation, start, X, y, steps=steps, lr=lr)
    index = {key: i for i, key in enumerate(TRAINING_CASES)}
    const, pert, rand = (index[k] for k in ("constant", "perturbed", "random"))

    grid = log_grid(steps)
    history = pd.DataFrame(
        {
            "case": np.repeat(TRAINING_CASES, grid.size),
            "label": np.repeat([INIT_CASES[k].label for k in TRAINING_CASES], grid.size),
            "step": np.tile(grid, len(TRAINING_CASES)),
            "spread": trace.spread[:, grid].ravel(),
            "loss": trace.loss[:, grid].ravel(),
        }
    )
    loss_gap = np.abs(trace.loss[pert] - trace.loss[const])
    perturbed = np.concatenate([start.W1[pert].ravel(), start.W2[pert].ravel()])
    return OverTraining(
        activation=activation,
        eps=float(eps),
        steps=int(steps),
        lr=float(lr),
        hidden=int(hidden),
        m=int(X.shape[0]),
        history=history,
        final_spread={k: float(trace.spread[i, -1]) for k, i in index.items()},
        final_loss={k: float(trace.loss[i, -1]) for k, i in index.items()},
        start_spread={k: float(trace.spread[i, 0]) for k, i in index.items()},
        eps_matters_at=first_step(trace.spread[pert] >= MATTERS * trace.spread[rand]),
        loss_splits_at=first_step(loss_gap > LOSS_MATTERS * trace.loss[const]),
        perturbed_weights=int(np.count_nonzero(perturbed != CONSTANT)),
        weights=int(perturbed.size),
    )


ZERO_INIT_ACTIVATIONS = ("tanh", "relu", "sigmoid")


def zero_init(
    names: Sequence[str] = ZERO_INIT_ACTIVATIONS, *, steps: int = 500, lr: float = LR, seed: int = 0,
    hidden: int = HIDDEN,
) -> pd.DataFrame:
    """All weights and biases 0, trained ``steps`` steps: how far each layer moved, per activation.

    With phi(0) = 0 (tanh, ReLU) the hidden outputs are 0, so dW2 = A1^T dZ2
    = 0 and W2 stays 0, so dA1 = dZ2 W2^T = 0 and W1 never gets a gradient:
    only b2 learns. Sigmoid's phi(0) = 1/2 gives W2 a gradient first; then
    W1 moves, every unit by the same amount.
    """
    X, y = ring_dataset(seed)
    rows = []
    for name in names:
        start = initial_params(("zeros",), seed=seed, hidden=hidden)
        trace = gradient_descent(name, start, X, y, steps=steps, lr=lr)
        end = trace.final
        rows.append(
            {
                "activation": name,
                "φ(0)": float(activations.get(name).fn(np.zeros(1))[0]),
                "largest change of W1, b1": float(max(np.abs(end.W1).max(), np.abs(end.b1).max())),
                "spread of hidden units": float(trace.spread[0, -1]),
                "largest change of W2": float(np.abs(end.W2).max()),
                "loss at start": float(trace.loss[0, 0]),
                f"loss after {steps} steps": float(trace.loss[0, -1]),
            }
        )
    return pd.DataFrame(rows)
