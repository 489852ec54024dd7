"""k fully connected networks of one shape, stacked, with their forward and backward passes.

The network: inputs x (N, d), ``depth`` hidden layers of ``width`` units,
s_l = a_{l-1} W_l + b_l and a_l = phi(s_l), then a linear output layer of
logits z = a_L W + c. Two output heads:

- ``sigmoid`` (two classes, one logit): p = sigma(z), the binary
  cross-entropy L = -(1/N) sum [y log p + (1 - y) log(1 - p)], computed as
  softplus(z) - y z (``losses.logit_cross_entropy``);
- ``softmax`` (C classes, C logits): p_c = e^{z_c} / sum_j e^{z_j}, the
  cross-entropy L = -(1/N) sum log p_y = (1/N) sum [logsumexp(z) - z_y],
  with the largest logit subtracted first so that nothing overflows.

Both give dL/dz = (p - onehot(y)) / N at the output (Bishop 2006, "Pattern
Recognition and Machine Learning", section 4.3.4: the canonical link).

All k networks' parameters live in one array of shape (k, P), network after
network, and every weight matrix W_l (k, fan_in, fan_out) and bias b_l
(k, 1, fan_out) is a view into it: an optimizer updates every parameter of
every network in one operation, and networks are dropped by selecting rows.
Every product is one batched ``np.matmul``. Weights are drawn from one
seed per layer shared by all initializers, so He and LeCun differ by
exactly the factor sqrt(2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import activations as act_mod
from . import initializers as init_mod
from .init_keys import layer_params, parse_key
from .losses import logit_cross_entropy, sigmoid

Array = np.ndarray


def layer_sizes(inputs: int, depth: int, width: int, outputs: int) -> list[int]:
    """[inputs, width, ..., width, outputs]: ``depth`` hidden layers."""
    return [inputs] + [width] * depth + [outputs]


def _offsets(sizes: Sequence[int]) -> list[tuple[int, int, int]]:
    """Per layer: where its W starts, where its b starts, where the next layer starts, in one network's row."""
    offsets, start = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bias = start + fan_in * fan_out
        offsets.append((start, bias, bias + fan_out))
        start = bias + fan_out
    return offsets


class Networks:
    """k networks of layer sizes ``sizes``: ``flat`` (k, P) holds every parameter, ``weights`` and ``biases`` view it.

    ``weights[l]`` is (k, fan_in, fan_out), ``biases[l]`` (k, 1, fan_out);
    the last of each is the output layer.
    """

    def __init__(self, flat: Array, sizes: Sequence[int]):
        self.sizes = tuple(int(s) for s in sizes)
        self.flat = flat
        k = flat.shape[0]
        self.weights: list[Array] = []
        self.biases: list[Array] = []
        for (w0, b0, end), fan_in, fan_out in zip(_offsets(self.sizes), self.sizes[:-1], self.sizes[1:], strict=True):
            self.weights.append(flat[:, w0:b0].reshape(k, fan_in, fan_out))
            self.biases.append(flat[:, b0:end].reshape(k, 1, fan_out))

    @classmethod
    def zeros(cls, k: int, sizes: Sequence[int], dtype=np.float64) -> Networks:
        total = _offsets(sizes)[-1][2]
        return cls(np.zeros((k, total), dtype=dtype), sizes)

    @classmethod
    def from_layers(cls, weights: Sequence[Array], biases: Sequence[Array]) -> Networks:
        """Copy per-layer stacks (k, fan_in, fan_out) and (k, 1, fan_out) into one buffer."""
        sizes = [weights[0].shape[1]] + [w.shape[2] for w in weights]
        nets = cls.zeros(weights[0].shape[0], sizes, np.result_type(*weights, *biases))
        for target, source in zip(nets.parameters(), [*weights, *biases], strict=True):
            target[...] = source
        return nets

    @property
    def count(self) -> int:
        return self.flat.shape[0]

    def select(self, keep) -> Networks:
        """The networks at positions ``keep``, as a new buffer."""
        return Networks(self.flat[np.asarray(keep, dtype=np.int64)], self.sizes)

    def copy(self) -> Networks:
        return Networks(self.flat.copy(), self.sizes)

    def parameters(self) -> list[Array]:
        return self.weights + self.biases

    def offsets(self) -> list[tuple[int, int, int]]:
        """Per layer, in a network's row of ``flat``: where its W starts, where its b starts, where it ends."""
        return _offsets(self.sizes)


def init_networks(
    keys: Sequence[str],
    *,
    depth: int,
    width: int,
    bias: float = 0.0,
    rng: np.random.Generator | int = 0,
    inputs: int = 2,
    outputs: int = 1,
    dtype=np.float64,
    bias_std: float = 0.0,
) -> Networks:
    """One network per compared key, stacked; layer l's draws come from layer l's own seed.

    ``rng`` (a Generator or an int seed) only provides the per-layer seeds,
    so every initializer starts from the same random draws. The initializer
    draws every weight matrix, the output layer's included; hidden biases
    start at ``bias``, or N(bias, bias_std^2) per unit (the same for every
    initializer), the output biases at 0. Draws are made in float64 and then
    stored as ``dtype``.
    """
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    sizes = layer_sizes(inputs, depth, width, outputs)
    layer_seeds = rng.integers(0, 2**63 - 1, size=len(sizes) - 1)
    # Drawn after the layers' seeds, so that the weights do not depend on the biases' spread.
    bias_rng = np.random.default_rng(rng.integers(0, 2**63 - 1)) if bias_std else None
    parsed = [parse_key(key) for key in keys]
    nets = Networks.zeros(len(keys), sizes, dtype)
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        for k, (name, params) in enumerate(parsed):
            layer_rng = np.random.default_rng(layer_seeds[index])
            nets.weights[index][k] = init_mod.init_weights(
                name, fan_in, fan_out, layer_rng, **layer_params(name, params, fan_in)
            )
        if index < depth:
            spread = bias_std * bias_rng.standard_normal(fan_out) if bias_rng is not None else 0.0
            nets.biases[index][...] = float(bias) + spread
    return nets


def _is_identity(activation: str) -> bool:
    # The linear activation: nothing to compute, and its float64-only copy would cost a pass per layer.
    return activation == "linear"


def forward(nets: Networks, x: Array, activation: str) -> tuple[Array, list[Array]]:
    """Logits z (k, N, outputs) and every layer's output a_0 = x (N, d), a_1, ..., a_L (k, N, width)."""
    phi = act_mod.get(activation).fn
    outputs = [x]
    for w, b in zip(nets.weights[:-1], nets.biases[:-1], strict=True):
        s = np.matmul(outputs[-1], w)
        s += b
        outputs.append(s if _is_identity(activation) else phi(s, out=s))
    z = np.matmul(outputs[-1], nets.weights[-1])
    z += nets.biases[-1]
    return z, outputs


def predict(nets: Networks, x: Array, activation: str) -> tuple[Array, Array]:
    """Logits z (k, N, outputs) and the last hidden layer's output a_L, keeping only two layers in memory."""
    phi = act_mod.get(activation).fn
    a = x
    buffers: list[Array] = []
    for index, (w, b) in enumerate(zip(nets.weights[:-1], nets.biases[:-1], strict=True)):
        shape = (nets.count, x.shape[0], w.shape[2])
        # Two buffers taken in turn: layer l reads one and writes the other.
        if len(buffers) < 2:
            buffers.append(np.empty(shape, dtype=nets.flat.dtype))
        s = buffers[index % 2]
        np.matmul(a, w, out=s)
        s += b
        a = s if _is_identity(activation) else phi(s, out=s)
    z = np.matmul(a, nets.weights[-1])
    z += nets.biases[-1]
    return z, a


# --- the output heads ----------------------------------------------------------------


def softmax(z: Array) -> Array:
    """p_c = e^{z_c - max z} / sum_j e^{z_j - max z} over the last axis: the largest exponent is e^0."""
    shifted = z - z.max(axis=-1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=-1, keepdims=True)
    return shifted


def softmax_cross_entropy(z: Array, y: Array) -> Array:
    """Mean cross-entropy over the examples, (1/N) sum_n [logsumexp(z_n) - z_{n, y_n}], from logits.

    ``z`` is (..., N, C), ``y`` (N,) integer labels in 0..C-1; the result
    has z's leading shape. logsumexp(z) = m + log sum_c e^{z_c - m} with m
    the largest logit, so no exponent exceeds 0.
    """
    y = np.asarray(y, dtype=np.int64)
    top = z.max(axis=-1, keepdims=True)
    log_sum = np.log(np.exp(z - top).sum(axis=-1)) + top[..., 0]
    picked = np.take_along_axis(z, np.broadcast_to(y[:, None], z.shape[:-1] + (1,)), axis=-1)[..., 0]
    return np.mean(log_sum - picked, axis=-1)


def softmax_cross_entropy_gradient(z: Array, y: Array) -> Array:
    """dL/dz of ``softmax_cross_entropy``: (softmax(z) - onehot(y)) / N, shaped as z."""
    y = np.asarray(y, dtype=np.int64)
    grad = softmax(z)
    rows = np.arange(y.size)
    grad[..., rows, y] -= 1.0
    grad /= y.size
    return grad


@dataclass(frozen=True)
class Head:
    """An output layer's loss: how many logits it reads, and its loss and dL/dz from logits and labels."""

    key: str
    # The loss of a network that has learned nothing and answers every class
    # with equal probability: ln 2 for two classes, ln C for C.
    classes: int

    @property
    def outputs(self) -> int:
        return 1 if self.key == "sigmoid" else self.classes

    @property
    def chance_loss(self) -> float:
        return math.log(self.classes)

    def loss(self, z: Array, y: Array) -> Array:
        """Mean loss per network (k,)."""
        if self.key == "sigmoid":
            return logit_cross_entropy(z[..., 0], y)
        return softmax_cross_entropy(z, y)

    def delta(self, z: Array, y: Array) -> Array:
        """dL/dz (k, N, outputs)."""
        if self.key == "sigmoid":
            grad = sigmoid(z)
            grad -= y[:, None]
            grad /= y.size
            return grad
        return softmax_cross_entropy_gradient(z, y)

    def predicted(self, z: Array) -> Array:
        """The predicted class of every example (k, N)."""
        if self.key == "sigmoid":
            return (z[..., 0] > 0).astype(np.int64)
        return z.argmax(axis=-1)

    def accuracy(self, z: Array, y: Array) -> Array:
        """Share of examples whose predicted class is the label, per network (k,)."""
        return np.mean(self.predicted(z) == y, axis=-1)


def head_for(classes: int) -> Head:
    """The sigmoid head for two classes, the softmax head for more."""
    if classes < 2:
        raise ValueError(f"a classifier needs at least 2 classes, got {classes}")
    return Head("sigmoid" if classes == 2 else "softmax", classes)


# --- the backward pass ---------------------------------------------------------------


def backward(nets: Networks, outputs: list[Array], delta: Array, activation: str, grads: Networks) -> Networks:
    """Backpropagation from dL/dz ``delta`` (k, N, outputs) into ``grads`` (shaped as ``nets``), in place.

    dL/dW_l = a_{l-1}^T dL/ds_l, dL/db_l = sum over examples of dL/ds_l,
    dL/da_{l-1} = dL/ds_l W_l^T and dL/ds_l = dL/da_l * phi'(s_l), phi'
    taken from the output a_l, which it overwrites: ``outputs`` is spent.
    """
    derivative = act_mod.get(activation).derivative_from_output
    # The sum over examples as a product with a row of ones: a third of the time of np.sum over that axis.
    ones = np.ones((1, delta.shape[-2]), dtype=delta.dtype)
    for layer in range(len(nets.weights) - 1, -1, -1):
        a_prev = outputs[layer]
        np.matmul(np.swapaxes(a_prev, -1, -2), delta, out=grads.weights[layer])
        np.matmul(ones, delta, out=grads.biases[layer])
        if layer > 0:
            # A contiguous W^T: numpy's batched matmul is slower on the transposed view.
            upstream = np.matmul(delta, np.ascontiguousarray(np.swapaxes(nets.weights[layer], -1, -2)))
            if _is_identity(activation):
                delta = upstream
            else:
                delta = derivative(a_prev, out=a_prev)
                delta *= upstream
    return grads


def loss_and_gradients(
    nets: Networks, x: Array, y: Array, activation: str, head: Head | None = None
) -> tuple[Array, Array, Networks]:
    """Loss (k,), accuracy (k,) and the gradients of each network's loss, shaped as its parameters.

    ``y`` holds integer labels (floats 0.0 and 1.0 are read as classes 0
    and 1); ``head`` defaults to the one for the number of logits.
    """
    z, outputs = forward(nets, x, activation)
    head = head or head_for(max(2, z.shape[-1]))
    labels = np.asarray(y).astype(np.int64)
    loss = head.loss(z, labels)
    accuracy = head.accuracy(z, labels)
    grads = Networks.zeros(nets.count, nets.sizes, nets.flat.dtype)
    backward(nets, outputs, head.delta(z, labels), activation, grads)
    return loss, accuracy, grads
