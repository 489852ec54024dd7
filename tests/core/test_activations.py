"""Activations against closed forms, finite differences and PyTorch's published gains."""

import math

import numpy as np
import pytest

from playground import activations
from playground.activations import ACTIVATIONS

S = np.linspace(-6, 6, 2401)
S = S[np.abs(S) > 1e-3]  # keep finite differences off ReLU's kink


# torch.nn.init.calculate_gain, as documented for PyTorch 2.x.
TORCH_GAINS = {
    "linear": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3,
    "relu": math.sqrt(2.0),
    "leaky_relu": math.sqrt(2.0 / (1 + 0.01**2)),
    "selu": 3.0 / 4,
}


def test_registry_has_the_six_activations():
    assert set(ACTIVATIONS) == set(TORCH_GAINS)


@pytest.mark.parametrize("name", TORCH_GAINS)
def test_gain_matches_torch(name):
    assert activations.gain(name) == pytest.approx(TORCH_GAINS[name], rel=1e-12)


@pytest.mark.parametrize("name", TORCH_GAINS)
def test_derivative_matches_finite_differences(name):
    spec = activations.get(name)
    h = 1e-6
    numeric = (spec.fn(S + h) - spec.fn(S - h)) / (2 * h)
    np.testing.assert_allclose(spec.derivative(S), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", TORCH_GAINS)
def test_derivative_from_output_equals_derivative(name):
    spec = activations.get(name)
    np.testing.assert_allclose(spec.derivative_from_output(spec.fn(S)), spec.derivative(S), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", TORCH_GAINS)
def test_in_place_forms_agree_with_fresh_ones(name):
    spec = activations.get(name)
    buffer = S.copy()
    out = spec.fn(buffer, out=buffer)
    assert out is buffer
    np.testing.assert_array_equal(out, spec.fn(S))
    d = spec.derivative_from_output(out, out=out)
    np.testing.assert_allclose(d, spec.derivative(S), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(S, np.linspace(-6, 6, 2401)[np.abs(np.linspace(-6, 6, 2401)) > 1e-3])


def test_closed_forms():
    np.testing.assert_allclose(activations.get("sigmoid").fn(S), 1 / (1 + np.exp(-S)), rtol=1e-12)
    np.testing.assert_allclose(activations.get("relu").fn(S), np.maximum(S, 0))
    selu = activations.get("selu").fn(np.array([-1.0, 2.0]))
    # torch.selu(tensor([-1., 2.])) = [-1.1113, 2.1014]
    np.testing.assert_allclose(selu, [-1.1113307378125625, 2.101401974710961], rtol=1e-12)


def test_sigmoid_does_not_overflow():
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(activations.get("sigmoid").fn(np.array([-1e308, 1e308])), [0.0, 1.0])
        assert activations.get("selu").fn(np.array([1e308]))[0] == pytest.approx(1e308 * 1.0507009873554805)


def test_unknown_activation_names_the_allowed_ones():
    with pytest.raises(ValueError, match="allowed: linear, sigmoid, tanh, relu, leaky_relu, selu"):
        activations.get("softmax")
