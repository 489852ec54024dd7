"""One-click scenarios that walk through the notes, each with its claim measured live.

A lesson sets the page's controls and gives a takeaway; its ``measure``
function runs the lesson's own networks (through whatever runner the caller
passes, the page's cached one or ``simulate`` itself) and returns the key
numbers, and whether the claim holds in them. Nothing in a caption is a
number written in advance.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable

from . import symmetry
from .settings import Network, PageState, Symmetry
from .simulation import SimulationResult

Runner = Callable[[Network], SimulationResult]


@dataclass(frozen=True)
class Finding:
    """What a lesson measured: a sentence with the live numbers, and whether its claim holds."""

    text: str
    holds: bool


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    takeaway: str
    state: PageState
    measure: Callable[[Runner], Finding] = field(compare=False)


TANH_DEEP = Network(activation="tanh", depth=10, width=500)
RELU_DEEP = Network(activation="relu", depth=10, width=500)
LESSONS_EQUAL_NETWORK = Network(activation="tanh", init="constant", init_params=(("value", 0.5),), depth=3, width=50)


def _std(result: SimulationResult) -> tuple[float, float]:
    """The std of the first and the last layer's activations."""
    std = result.layers["std"]
    return float(std.iloc[0]), float(std.iloc[-1])


@lru_cache(maxsize=4)
def _symmetry_facts(activation: str) -> tuple[tuple[tuple[int, ...], ...], float, int]:
    """Equal-column groups of dW1 with W2 = [2, 2, 2], and the constant start's spread after training."""
    groups = tuple(symmetry.equal_column_groups(symmetry.worked_example(w2=(2, 2, 2))["dW1"]))
    trained = symmetry.symmetry_over_training(activation, eps=0.0)
    return groups, trained.final_spread["constant"], trained.steps


def _equal_weights(run: Runner) -> Finding:
    activation = LESSONS_EQUAL_NETWORK.activation
    groups, spread, steps = _symmetry_facts(activation)
    equal = " = ".join(f"column {c + 1}" for c in groups[0]) if groups else "no two columns"
    text = (
        f"Notes 001's example with every outgoing weight 2: in dW1, {equal}, so one update keeps the units "
        f"equal. Trained for {steps} steps from all weights 0.5, the {activation} hidden units end "
        f"{spread!r} apart: bit-for-bit identical."
    )
    return Finding(text, holds=len(groups) == 1 and len(groups[0]) == 3 and spread == 0.0)


def _small_weights(run: Runner) -> Finding:
    net = TANH_DEEP.with_init("normal", std=0.01)
    first, last = _std(run(net))
    ratio = last / first
    text = (
        f"Layer 1's std is {first:.3g}; layer {net.depth}'s is {last:.2g}, {ratio:.1e} of it. "
        f"Each layer multiplies the spread by about √500 × 0.01 = 0.22."
    )
    return Finding(text, holds=ratio < 1e-5)


def _large_weights(run: Runner) -> Finding:
    net = TANH_DEEP.with_init("normal", std=1.0)
    result = run(net)
    saturated = result.layers["saturated"]
    delta = result.layers["delta_std"]
    text = (
        f"Between {saturated.min():.0%} and {saturated.max():.0%} of the units of every layer sit within 0.01 "
        f"of ±1, where tanh' ≈ 0. Yet dL/ds is {delta.iloc[0]:.3g} at layer 1 against {delta.iloc[-1]:.3g} at "
        f"layer {net.depth}: the few unsaturated units are multiplied by weights of std 1 over 500 inputs, so the "
        "gradient explodes on the way back rather than vanishing."
    )
    return Finding(text, holds=bool(saturated.min() > 0.85))


def _lecun_keeps_tanh_alive(run: Runner) -> Finding:
    lecun_first, lecun_last = _std(run(TANH_DEEP.with_init("lecun_normal")))
    xavier_first, xavier_last = _std(run(TANH_DEEP.with_init("xavier_normal")))
    text = (
        f"With Var(w) = 1/n the std goes from {lecun_first:.2f} at layer 1 to {lecun_last:.2f} at layer 10, "
        f"slowly, instead of collapsing. Glorot's 2/(n_in + n_out) gives {xavier_first:.2f} → {xavier_last:.2f}: "
        "the same here, because every layer has n_in = n_out."
    )
    holds = lecun_last / lecun_first > 0.2 and abs(xavier_last - lecun_last) < 0.05 * lecun_last
    return Finding(text, holds=holds)


def _relu_needs_two(run: Runner) -> Finding:
    he_first, he_last = _std(run(RELU_DEEP.with_init("he_normal")))
    lecun_first, lecun_last = _std(run(RELU_DEEP.with_init("lecun_normal")))
    text = (
        f"He (2/n): std {he_first:.2f} at layer 1, {he_last:.2f} at layer 10. "
        f"LeCun (1/n): {lecun_first:.2f} → {lecun_last:.3f}, halving the variance at every layer, "
        "because ReLU zeroes half of its inputs."
    )
    holds = 0.5 < he_last / he_first < 2 and not 0.5 < lecun_last / lecun_first < 2
    return Finding(text, holds=holds)


def _bias(run: Runner) -> Finding:
    with_bias = run(replace(RELU_DEEP.with_init("he_normal"), bias=0.01))
    without = run(RELU_DEEP.with_init("he_normal"))
    small_with = run(replace(RELU_DEEP.with_init("normal", std=0.01), bias=0.01))
    small_without = run(RELU_DEEP.with_init("normal", std=0.01))
    dead = lambda r: float(r.layers["dead"].mean())  # noqa: E731
    text = (
        f"With He weights, bias 0.01 changes the share of dead (zero) ReLU outputs from {dead(without):.1%} "
        f"to {dead(with_bias):.1%}: the pre-activations have std about 1.4, so 0.01 hardly moves them. "
        f"With weights of std 0.01 it is another story: {dead(small_without):.1%} dead with bias 0, "
        f"{dead(small_with):.1%} with 0.01, because there the bias is larger than the signal."
    )
    holds = abs(dead(with_bias) - dead(without)) < 0.02 and dead(small_with) < dead(small_without) - 0.2
    return Finding(text, holds=holds)


def _sparse(run: Runner) -> Finding:
    sparse_first, sparse_last = _std(run(TANH_DEEP.with_init("sparse", nonzero=10)))
    lecun_first, lecun_last = _std(run(TANH_DEEP.with_init("lecun_normal")))
    text = (
        f"Only 10 of each unit's 500 incoming weights are non-zero, each N(0, 1/10): n Var(w) = 1 as for LeCun. "
        f"Std at layer 10: {sparse_last:.2f} (sparse) against {lecun_last:.2f} (LeCun)."
    )
    return Finding(text, holds=abs(sparse_last - lecun_last) < 0.2 * lecun_last)


def _batch_norm(run: Runner) -> Finding:
    plain = run(TANH_DEEP.with_init("normal", std=0.01))
    normed = run(replace(TANH_DEEP.with_init("normal", std=0.01), batch_norm=True))
    std = normed.layers["std"]
    text = (
        f"The same W = 0.01·randn: without batch norm layer 10's std is {plain.layers['std'].iloc[-1]:.1e}; "
        f"with it, every layer's std stays between {std.min():.2f} and {std.max():.2f}, because each unit's "
        "pre-activation is rescaled to variance 1 whatever the weights did."
    )
    return Finding(text, holds=bool(std.min() > 0.5 and plain.layers["std"].iloc[-1] < 1e-5))


def _normalize_inputs(run: Runner) -> Finding:
    raw = run(replace(TANH_DEEP.with_init("lecun_normal"), normalize_inputs=False))
    normalized = run(TANH_DEEP.with_init("lecun_normal"))
    text = (
        f"Raw inputs (mean {raw.input['mean']:.0f}, std {raw.input['std']:.0f}) saturate "
        f"{raw.layers['saturated'].iloc[0]:.0%} of layer 1's units even with LeCun weights; "
        f"normalized inputs (mean 0, std 1) saturate {normalized.layers['saturated'].iloc[0]:.1%}."
    )
    holds = raw.layers["saturated"].iloc[0] > 0.9 and normalized.layers["saturated"].iloc[0] < 0.05
    return Finding(text, holds=bool(holds))


def _lesson(key, title, takeaway, measure, view="activations", network=TANH_DEEP, **state) -> Lesson:
    return Lesson(key, title, takeaway, PageState(view=view, network=network, lesson=key, **state), measure)


LESSONS: dict[str, Lesson] = {
    lesson.key: lesson
    for lesson in (
        _lesson(
            "equal-weights",
            "1. All weights equal: the symmetry never breaks",
            "Units that start equal compute the same thing, get the same gradient and stay equal.",
            _equal_weights,
            view="symmetry",
            network=LESSONS_EQUAL_NETWORK,
            symmetry=Symmetry(w2="equal", eps=0.0),
        ),
        _lesson(
            "small-weights",
            "2. Small weights vanish",
            "W = 0.01·randn in 10 tanh layers: every layer shrinks the signal, and it is gone long before the end.",
            _small_weights,
            network=TANH_DEEP.with_init("normal", std=0.01),
        ),
        _lesson(
            "large-weights",
            "3. Large weights saturate",
            "W = randn: the pre-activations are about 22 wide, so tanh sits at ±1.",
            _large_weights,
            network=TANH_DEEP.with_init("normal", std=1.0),
        ),
        _lesson(
            "lecun",
            "4. 1/√n keeps tanh alive (LeCun, the notes' \"Xavier\")",
            "Scale the weights by 1/√fan_in and n Var(w) = 1: the variance neither grows nor shrinks.",
            _lecun_keeps_tanh_alive,
            network=TANH_DEEP.with_init("lecun_normal"),
        ),
        _lesson(
            "he",
            "5. ReLU needs the factor 2 (He)",
            "ReLU halves the variance at every layer; Var(w) = 2/n makes up for it.",
            _relu_needs_two,
            network=RELU_DEEP.with_init("he_normal"),
        ),
        _lesson(
            "bias",
            "6. Bias 0.01 and dead ReLUs",
            "Some start ReLU biases at 0.01 so that every unit fires (notes 003). Measure what it changes.",
            _bias,
            network=replace(RELU_DEEP.with_init("he_normal"), bias=0.01),
        ),
        _lesson(
            "sparse",
            "7. Sparse initialization",
            "Connect each unit to a few inputs only: the variance is calibrated without 1/n scaling of every weight.",
            _sparse,
            network=TANH_DEEP.with_init("sparse", nonzero=10),
        ),
        _lesson(
            "batch-norm",
            "8. Batch norm rescues a bad initialization",
            "Normalizing every unit over the batch undoes a bad scale of the weights, layer by layer.",
            _batch_norm,
            network=replace(TANH_DEEP.with_init("normal", std=0.01), batch_norm=True),
        ),
        _lesson(
            "inputs",
            "9. Normalize the inputs",
            "Good weights assume inputs of mean 0 and variance 1; raw pixel-like inputs break that at layer 1.",
            _normalize_inputs,
            network=replace(TANH_DEEP.with_init("lecun_normal"), normalize_inputs=False),
        ),
    )
}

LESSON_ORDER = list(LESSONS)


def neighbours(key: str) -> tuple[str | None, str | None]:
    """The lessons before and after ``key`` in teaching order."""
    index = LESSON_ORDER.index(key)
    before = LESSON_ORDER[index - 1] if index > 0 else None
    after = LESSON_ORDER[index + 1] if index + 1 < len(LESSON_ORDER) else None
    return before, after

