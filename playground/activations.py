"""Activation functions, their derivatives and their recommended gains.

Each activation is a plain record in the ``ACTIVATIONS`` registry. The
simulation stores only the outputs ``a = phi(s)`` of every layer, so each
activation also gives its derivative as a function of its output, which all
six of these allow (for leaky ReLU and SELU the sign of ``a`` is the sign of
``s``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01
# Klambauer et al. 2017, "Self-Normalizing Neural Networks".
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    key: str
    label: str
    fn: Callable[[Array], Array]
    derivative: Callable[[Array], Array]
    derivative_from_output: Callable[[Array], Array]
    gain: float
    latex: str
    # Output range of a saturating activation, None for unbounded ones.
    bounds: tuple[float, float] | None = None
    # ReLU's zero outputs carry no gradient: those units are "dead".
    can_die: bool = False


def _target(s: Array, out: Array | None) -> Array:
    """``out`` holding a copy of ``s`` (``out`` may be ``s`` itself), or a new copy, in s's precision."""
    s = np.asarray(s)
    if s.dtype.kind != "f":
        s = s.astype(float)
    if out is None:
        return s.copy()
    if out is not s:
        np.copyto(out, s)
    return out


# Every function takes ``out=`` so that the simulation can work in place:
# fresh multi-megabyte arrays cost page faults comparable to the arithmetic.


def _linear(s: Array, out: Array | None = None) -> Array:
    return _target(s, out)


def _ones(x: Array, out: Array | None = None) -> Array:
    if out is None:
        return np.ones_like(x, dtype=x.dtype if x.dtype.kind == "f" else float)
    out.fill(1.0)
    return out


def _sigmoid(s: Array, out: Array | None = None) -> Array:
    # 0.5 (1 + tanh(s/2)) never overflows, unlike 1 / (1 + exp(-s)).
    out = np.multiply(s, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _sigmoid_derivative(s: Array) -> Array:
    a = _sigmoid(s)
    return a * (1.0 - a)


def _sigmoid_derivative_from_output(a: Array, out: Array | None = None) -> Array:
    # a (1 - a) = 1/4 - (a - 1/2)^2, a form that can overwrite a.
    out = np.subtract(a, 0.5, out=out)
    np.square(out, out=out)
    return np.subtract(0.25, out, out=out)


def _tanh(s: Array, out: Array | None = None) -> Array:
    return np.tanh(s, out=out)


def _tanh_derivative(s: Array) -> Array:
    return 1.0 - np.tanh(s) ** 2


def _tanh_derivative_from_output(a: Array, out: Array | None = None) -> Array:
    out = np.square(a, out=out)
    return np.subtract(1.0, out, out=out)


def _relu(s: Array, out: Array | None = None) -> Array:
    return np.maximum(s, 0.0, out=out)


def _relu_derivative(s: Array) -> Array:
    return (np.asarray(s) > 0).astype(float)


def _relu_derivative_from_output(a: Array, out: Array | None = None) -> Array:
    # ReLU outputs are >= 0, so the derivative is 1 where a > 0 and 0 elsewhere:
    # a comparison, about three times faster than np.sign.
    positive = np.greater(a, 0.0)
    if out is None:
        return positive.astype(a.dtype if a.dtype.kind == "f" else float)
    np.copyto(out, positive)
    return out


def _leaky_relu(s: Array, out: Array | None = None) -> Array:
    out = _target(s, out)
    np.multiply(out, LEAKY_SLOPE, out=out, where=out < 0)
    return out


def _leaky_relu_derivative(s: Array) -> Array:
    return np.where(np.asarray(s) > 0, 1.0, LEAKY_SLOPE)


def _leaky_relu_derivative_from_output(a: Array, out: Array | None = None) -> Array:
    positive = a > 0
    if out is None:
        out = np.empty_like(a, dtype=a.dtype if a.dtype.kind == "f" else float)
    out.fill(LEAKY_SLOPE)
    np.copyto(out, 1.0, where=positive)
    return out


def _selu(s: Array, out: Array | None = None) -> Array:
    out = _target(s, out)
    negative = out < 0
    # expm1 only of the negative part, so large positive s cannot overflow.
    np.expm1(out, out=out, where=negative)
    np.multiply(out, SELU_ALPHA, out=out, where=negative)
    out *= SELU_SCALE
    return out


def _selu_derivative(s: Array) -> Array:
    s = np.asarray(s, dtype=float)
    return SELU_SCALE * np.where(s > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(s, 0.0)))


def _selu_derivative_from_output(a: Array, out: Array | None = None) -> Array:
    # For s <= 0: a = scale*alpha*(e^s - 1), so phi'(s) = scale*alpha*e^s = a + scale*alpha.
    positive = a > 0
    out = np.add(a, SELU_SCALE * SELU_ALPHA, out=out)
    np.copyto(out, SELU_SCALE, where=positive)
    return out


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation(
        key="linear",
        label="linear (identity)",
        fn=_linear,
        derivative=_ones,
        derivative_from_output=_ones,
        gain=1.0,
        latex=r"\phi(s) = s",
    ),
    "sigmoid": Activation(
        key="sigmoid",
        label="sigmoid",
        fn=_sigmoid,
        derivative=_sigmoid_derivative,
        derivative_from_output=_sigmoid_derivative_from_output,
        gain=1.0,
        latex=r"\phi(s) = \frac{1}{1 + e^{-s}}",
        bounds=(0.0, 1.0),
    ),
    "tanh": Activation(
        key="tanh",
        label="tanh",
        fn=_tanh,
        derivative=_tanh_derivative,
        derivative_from_output=_tanh_derivative_from_output,
        gain=5.0 / 3.0,
        latex=r"\phi(s) = \tanh s",
        bounds=(-1.0, 1.0),
    ),
    "relu": Activation(
        key="relu",
        label="ReLU",
        fn=_relu,
        derivative=_relu_derivative,
        derivative_from_output=_relu_derivative_from_output,
        gain=math.sqrt(2.0),
        latex=r"\phi(s) = \max(0, s)",
        can_die=True,
    ),
    "leaky_relu": Activation(
        key="leaky_relu",
        label=f"leaky ReLU (slope {LEAKY_SLOPE})",
        fn=_leaky_relu,
        derivative=_leaky_relu_derivative,
        derivative_from_output=_leaky_relu_derivative_from_output,
        gain=math.sqrt(2.0 / (1.0 + LEAKY_SLOPE**2)),
        latex=rf"\phi(s) = \max({LEAKY_SLOPE}\,s,\ s)",
    ),
    "selu": Activation(
        key="selu",
        label="SELU",
        fn=_selu,
        derivative=_selu_derivative,
        derivative_from_output=_selu_derivative_from_output,
        # torch.nn.init.calculate_gain("selu") returns 3/4.
        gain=0.75,
        latex=r"\phi(s) = \lambda \begin{cases} s & s > 0 \\ \alpha (e^{s} - 1) & s \le 0 \end{cases}",
    ),
}


def get(name: str) -> Activation:
    """The activation registered under ``name``; ValueError names the allowed keys."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        allowed = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; allowed: {allowed}") from None


def gain(name: str) -> float:
    """The gain ``torch.nn.init.calculate_gain`` recommends for this activation."""
    return get(name).gain
