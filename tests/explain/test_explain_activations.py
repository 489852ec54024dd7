"""The activations section's sentences: the diagnosis of a layers frame and the verdict's numbers."""

import math

import numpy as np
import pandas as pd
import pytest

from playground.diagnosis import diagnose
from playground.explain import activations as explain
from playground.explain.message import magnitude, number, percent
from playground.settings import Network
from playground.simulation import simulate


def layers(std, saturated=None, dead=None, status=None) -> pd.DataFrame:
    """A per-layer frame as ``simulate`` returns it, with only the columns the diagnosis reads."""
    n = len(std)
    return pd.DataFrame({
        "layer": np.arange(1, n + 1), "std": std,
        "saturated": saturated if saturated is not None else [0.0] * n,
        "dead": dead if dead is not None else [0.0] * n,
        "status": status if status is not None else ["ok"] * n,
    })


@pytest.mark.parametrize("frame, kind", [
    (layers([0.5, 0.4, math.nan], status=["ok", "ok", "overflow"]), "overflow"),
    (layers([0.0, 0.0]), "constant"),
    (layers([0.9, 0.9], saturated=[0.2, 0.51]), "saturated"),
    (layers([0.9, 0.089]), "vanishing"),
    (layers([0.9, 0.091]), "healthy"),
    (layers([0.1, 1.01]), "exploding"),
    (layers([0.5, 0.5], dead=[0.5, 0.91]), "dead"),
    (layers([0.5, 0.5], dead=[0.5, 0.89]), "healthy"),
])
def test_the_diagnosis_applies_its_thresholds_in_order(frame, kind):
    assert diagnose(frame).kind == kind


def test_each_kind_has_its_tone_and_numbers():
    overflow = explain.verdict(diagnose(layers([0.5, math.nan], status=["ok", "overflow"])), "relu")
    assert overflow.tone == "error" and "overflow at layer 2" in overflow.text and "float64" in overflow.text
    saturated = explain.verdict(diagnose(layers([0.9, 0.9], saturated=[0.2, 0.734])), "sigmoid")
    assert saturated.tone == "warning"
    assert saturated.text.startswith("saturated: 73% of the units of layer 2 sit within 0.01 of 0 or 1")
    dead = explain.verdict(diagnose(layers([0.5, 0.5], dead=[0.95, 0.5])), "relu")
    assert dead.text == "dead: 95% of the ReLU outputs of layer 1 are exactly 0"


def test_the_vanishing_verdict_carries_the_simulations_own_ratio():
    result = simulate("tanh", "normal", depth=6, width=200, n_samples=200, init_params={"std": 0.01})
    std = result.layers["std"].to_numpy()
    said = explain.verdict(diagnose(result.layers), "tanh")
    assert said.tone == "warning"
    assert said.text == (
        f"activations vanish: layer 6's std is {magnitude(std[-1] / std[0])} of layer 1's "
        f"({number(std[-1])} against {number(std[0])})"
    )
    # 0.01 * sqrt(200) per layer: five layers shrink the spread about 0.14^5 = 6e-5 times.
    assert magnitude(std[-1] / std[0]) == "1e-4"


def test_a_healthy_network_gives_its_range():
    result = simulate("tanh", "lecun_normal", depth=5, width=200, n_samples=200)
    std = result.layers["std"]
    said = explain.verdict(diagnose(result.layers), "tanh")
    assert (said.tone, said.text) == (
        "success", f"healthy: the std stays between {number(std.min())} and {number(std.max())} across layers"
    )


def test_the_gain_and_the_notes_name():
    assert explain.gain(Network(width=500)) == number(500 * 0.01**2) == "0.05"
    assert explain.gain(Network().with_init("he_normal")) == "2"
    assert "Xavier" in explain.notes_name(Network().with_init("lecun_normal")).text
    assert explain.notes_name(Network().with_init("orthogonal")) is None


def test_the_number_formats():
    assert (number(0.012345), number(1.0), number(math.inf), number(2.5e-9)) == ("0.0123", "1", "—", "2.5e-09")
    assert (percent(0.5), percent(0.12345, 0), percent(math.nan)) == ("50.0%", "12%", "—")
    assert (magnitude(5.0), magnitude(0.02), magnitude(1e-7), magnitude(3e5)) == ("5", "0.02", "1e-7", "1e5")
