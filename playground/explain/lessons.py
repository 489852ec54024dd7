"""What the nine notes lessons measure, in words: each runs its own networks and returns a ``Finding``.

``run`` is whatever runs a network (the page's cached simulation, or
``simulate`` itself); each finding's numbers are measured from it, in the
page's number format, and its ``holds`` says whether the lesson's claim
holds in them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

from .. import symmetry
from ..settings import Network
from ..simulation import SimulationResult
from .message import Finding, magnitude, number, percent

Runner = Callable[[Network], SimulationResult]

TANH_DEEP = Network(activation="tanh", depth=10, width=500)
RELU_DEEP = Network(activation="relu", depth=10, width=500)
LESSONS_EQUAL_NETWORK = Network(activation="tanh", init="constant", init_params=(("value", 0.5),), depth=3, width=50)


def first_and_last(run: Runner, network: Network) -> tuple[float, float]:
    """The std of the first and the last layer's activations of ``network``."""
    std = run(network).layers["std"]
    return float(std.iloc[0]), float(std.iloc[-1])


@lru_cache(maxsize=4)
def _symmetry_facts(activation: str) -> tuple[tuple[tuple[int, ...], ...], float, int]:
    """Equal-column groups of dW1 with W2 = [2, 2, 2], and the constant start's spread after training."""
    groups = tuple(symmetry.equal_column_groups(symmetry.worked_example(w2=(2, 2, 2))["dW1"]))
    trained = symmetry.symmetry_over_training(activation, eps=0.0)
    return groups, trained.final_spread["constant"], trained.steps


def equal_weights(run: Runner) -> Finding:
    activation = LESSONS_EQUAL_NETWORK.activation
    groups, spread, steps = _symmetry_facts(activation)
    equal = " = ".join(f"column {c + 1}" for c in groups[0]) if groups else "no two columns"
    text = (
        f"Notes 001's example with every outgoing weight 2: in dW1, {equal}, so one update keeps the units "
        f"equal. Trained for {steps} steps from all weights 0.5, the {activation} hidden units end "
        f"{spread!r} apart: bit-for-bit identical."
    )
    return Finding(text, holds=len(groups) == 1 and len(groups[0]) == 3 and spread == 0.0)


def small_weights(run: Runner) -> Finding:
    net = TANH_DEEP.with_init("normal", std=0.01)
    first, last = first_and_last(run, net)
    ratio = last / first
    text = (
        f"Layer 1's std is {number(first)}; layer {net.depth}'s is {number(last)}, {magnitude(ratio)} of it. "
        f"Each layer multiplies the spread by about √500 × 0.01 = 0.22."
    )
    return Finding(text, holds=ratio < 1e-5)


def large_weights(run: Runner) -> Finding:
    net = TANH_DEEP.with_init("normal", std=1.0)
    result = run(net)
    saturated = result.layers["saturated"]
    delta = result.layers["delta_std"]
    text = (
        f"Between {percent(saturated.min(), 0)} and {percent(saturated.max(), 0)} of the units of every layer sit "
        f"within 0.01 of ±1, where tanh' ≈ 0. Yet dL/ds is {number(delta.iloc[0])} at layer 1 against "
        f"{number(delta.iloc[-1])} at "
        f"layer {net.depth}: the few unsaturated units are multiplied by weights of std 1 over 500 inputs, so the "
        "gradient explodes on the way back rather than vanishing."
    )
    return Finding(text, holds=bool(saturated.min() > 0.85))


def lecun_keeps_tanh_alive(run: Runner) -> Finding:
    lecun_first, lecun_last = first_and_last(run, TANH_DEEP.with_init("lecun_normal"))
    xavier_first, xavier_last = first_and_last(run, TANH_DEEP.with_init("xavier_normal"))
    text = (
        f"With Var(w) = 1/n the std goes from {number(lecun_first)} at layer 1 to {number(lecun_last)} at layer 10, "
        f"slowly, instead of collapsing. Glorot's 2/(n_in + n_out) gives {number(xavier_first)} → "
        f"{number(xavier_last)}: "
        "the same here, because every layer has n_in = n_out."
    )
    holds = lecun_last / lecun_first > 0.2 and abs(xavier_last - lecun_last) < 0.05 * lecun_last
    return Finding(text, holds=holds)


def relu_needs_two(run: Runner) -> Finding:
    he_first, he_last = first_and_last(run, RELU_DEEP.with_init("he_normal"))
    lecun_first, lecun_last = first_and_last(run, RELU_DEEP.with_init("lecun_normal"))
    text = (
        f"He (2/n): std {number(he_first)} at layer 1, {number(he_last)} at layer 10. "
        f"LeCun (1/n): {number(lecun_first)} → {number(lecun_last)}, halving the variance at every layer, "
        "because ReLU zeroes half of its inputs."
    )
    holds = 0.5 < he_last / he_first < 2 and not 0.5 < lecun_last / lecun_first < 2
    return Finding(text, holds=holds)


def bias(run: Runner) -> Finding:
    with_bias = run(replace(RELU_DEEP.with_init("he_normal"), bias=0.01))
    without = run(RELU_DEEP.with_init("he_normal"))
    small_with = run(replace(RELU_DEEP.with_init("normal", std=0.01), bias=0.01))
    small_without = run(RELU_DEEP.with_init("normal", std=0.01))
    dead = lambda r: float(r.layers["dead"].mean())  # noqa: E731
    text = (
        f"With He weights, bias 0.01 changes the share of dead (zero) ReLU outputs from {percent(dead(without))} "
        f"to {percent(dead(with_bias))}: the pre-activations have std about 1.4, so 0.01 hardly moves them. "
        f"With weights of std 0.01 it is another story: {percent(dead(small_without))} dead with bias 0, "
        f"{percent(dead(small_with))} with 0.01, because there the bias is larger than the signal."
    )
    holds = abs(dead(with_bias) - dead(without)) < 0.02 and dead(small_with) < dead(small_without) - 0.2
    return Finding(text, holds=holds)


def sparse(run: Runner) -> Finding:
    sparse_first, sparse_last = first_and_last(run, TANH_DEEP.with_init("sparse", nonzero=10))
    lecun_first, lecun_last = first_and_last(run, TANH_DEEP.with_init("lecun_normal"))
    text = (
        f"Only 10 of each unit's 500 incoming weights are non-zero, each N(0, 1/10): n Var(w) = 1 as for LeCun. "
        f"Std at layer 10: {number(sparse_last)} (sparse) against {number(lecun_last)} (LeCun)."
    )
    return Finding(text, holds=abs(sparse_last - lecun_last) < 0.2 * lecun_last)


def batch_norm(run: Runner) -> Finding:
    plain = run(TANH_DEEP.with_init("normal", std=0.01))
    normed = run(replace(TANH_DEEP.with_init("normal", std=0.01), batch_norm=True))
    std = normed.layers["std"]
    text = (
        f"The same W = 0.01·randn: without batch norm layer 10's std is {number(plain.layers['std'].iloc[-1])}; "
        f"with it, every layer's std stays between {number(std.min())} and {number(std.max())}, because each unit's "
        "pre-activation is rescaled to variance 1 whatever the weights did."
    )
    return Finding(text, holds=bool(std.min() > 0.5 and plain.layers["std"].iloc[-1] < 1e-5))


def normalize_inputs(run: Runner) -> Finding:
    raw = run(replace(TANH_DEEP.with_init("lecun_normal"), normalize_inputs=False))
    normalized = run(TANH_DEEP.with_init("lecun_normal"))
    text = (
        f"Raw inputs (mean {number(raw.input['mean'])}, std {number(raw.input['std'])}) saturate "
        f"{percent(raw.layers['saturated'].iloc[0], 0)} of layer 1's units even with LeCun weights; "
        f"normalized inputs (mean 0, std 1) saturate {percent(normalized.layers['saturated'].iloc[0])}."
    )
    holds = raw.layers["saturated"].iloc[0] > 0.9 and normalized.layers["saturated"].iloc[0] < 0.05
    return Finding(text, holds=bool(holds))


