"""The gradients section's sentences, against the numbers of small simulations computed here."""

import math

import pytest

from playground import plan, theory
from playground.explain import gradients as explain
from playground.explain.message import number, percent
from playground.settings import Network
from playground.simulation import simulate

SMALL = Network(depth=6, width=120, samples=200)


def run(network: Network):
    return simulate(**network.simulate_kwargs())


def runs_of(network: Network) -> dict:
    variants, skipped = plan.gradient_variants(network)
    assert not skipped
    return {label: run(net) for label, net in variants}


def test_the_headline_metrics_are_the_ratios_of_the_measured_stds():
    result = run(SMALL)
    delta, grad = result.layers["delta_std"], result.layers["grad_std"]
    metrics = explain.headline_metrics(result)
    assert [label for label, _, _ in metrics] == [
        "dL/ds: layer 1 ÷ layer 6", "dL/ds at layer 1 (std)", "dL/ds at layer 6 (std)", "dL/dW: layer 1 ÷ layer 6",
    ]
    values = [value for _, value, _ in metrics]
    assert values == [number(delta.iloc[0] / delta.iloc[-1]), number(delta.iloc[0]), number(delta.iloc[-1]),
                      number(grad.iloc[0] / grad.iloc[-1])]


def test_the_headline_explains_dl_dw_by_dl_ds_and_the_feeding_activations():
    result = run(SMALL)
    layers = result.layers
    said = explain.headline(SMALL, result, theory.prediction_table(**SMALL.simulate_kwargs()))
    into_last = math.hypot(layers["mean"].iloc[-2], layers["std"].iloc[-2])
    into_first = math.hypot(result.input["mean"], result.input["std"])
    assert said.tone == "markdown"
    assert f"the RMS of the activations feeding the layer ×{number(into_first / into_last)}" in said.text
    assert f"(into layer 6: {number(into_last)}; into layer 1, the inputs: {number(into_first)})" in said.text
    # std 0.01 in tanh layers: dL/ds vanishes toward the input while dL/dW stays flat.
    assert "What vanishes is dL/ds" in said.text


def test_saturated_tanh_says_notes_003_is_wrong_with_the_measured_factor():
    network = SMALL.with_init("normal", std=1.0)
    result = run(network)
    said = explain.headline(network, result, theory.prediction_table(**network.simulate_kwargs()))
    delta = result.layers["delta_std"]
    per_layer = (delta.iloc[0] / delta.iloc[-1]) ** (1 / 5)
    assert per_layer > 1
    assert f"×{number(per_layer)} per layer" in said.text and "is wrong here" in said.text


def test_the_bias_effect_for_small_relu_weights_names_the_layer_it_moves_most():
    network = Network(activation="relu", depth=4, width=120, samples=200).with_init("normal", std=0.01)
    runs = runs_of(network)
    by_bias = explain.by_bias(runs)
    assert list(by_bias) == [0.0, 0.01]
    dead0 = by_bias[0.0].layers["dead"].to_numpy()
    dead1 = by_bias[0.01].layers["dead"].to_numpy()
    at = int(abs(dead1 - dead0).argmax())
    said = explain.bias_effect(network, runs).text
    assert f"The bias moves it most at layer {at + 1}: {percent(dead0[at])} → {percent(dead1[at])}" in said
    assert "That is 003's reason for 0.01" in said
    table = explain.unit_share_table(network, runs)
    assert list(table["dead, layer 1"]) == [percent(dead0[0]), percent(dead1[0])]


def test_he_weights_make_the_bias_too_small_to_matter():
    network = Network(activation="relu", depth=4, width=120, samples=200).with_init("he_normal")
    said = explain.bias_effect(network, runs_of(network)).text
    assert "it moves no layer's share by 1 point" in said and "does not hold here" in said


def test_batch_norm_undoes_the_bias_and_the_remedies_quote_both_runs():
    network = SMALL
    runs = runs_of(network)
    bn_on = runs["batch norm on"]
    said = explain.batch_norm_remedy(network, runs).text
    assert (
        f"the last layer's activation std is {number(runs['this setting'].layers['std'].iloc[-1])} without it" in said
    )
    assert f"{number(bn_on.layers['std'].iloc[-1])} with it" in said
    raw = runs["inputs raw"]
    text = explain.input_normalization(network, runs).text
    second = raw.input["mean"] ** 2 + raw.input["std"] ** 2
    assert f"E[x²] = {number(second)}" in text
    assert f"{percent(raw.layers['saturated'].iloc[0])} raw" in text
    table = explain.remedies_table(network, runs)
    assert list(table["inputs"]) == ["normalized", "raw", "normalized"]
    assert list(table["batch norm"]) == ["off", "off", "on"]
    on = explain.bias_effect(network.__class__(**{**network.__dict__, "batch_norm": True}),
                             runs_of(network.__class__(**{**network.__dict__, "batch_norm": True})))
    assert on.text.startswith("With batch norm on, the bias does nothing")


def test_zero_weights_and_no_prediction_are_said_in_words():
    zeros = SMALL.with_init("zeros")
    said = explain.zero_gain(zeros, run(zeros))
    assert said.tone == "info" and "n Var(w) = 0 here" in said.text
    assert explain.zero_gain(SMALL, run(SMALL)) is None
    with pytest.raises(ValueError) as problem:
        theory.prediction_table(**SMALL.with_init("constant").simulate_kwargs())
    assert explain.no_prediction(str(problem.value)).text.startswith("No prediction here: the variance argument")


def test_stopped_columns_and_skipped_comparisons():
    assert [explain.stopped_column(a) for a in ("tanh", "sigmoid", "relu", "selu", "linear")] == [
        "saturated", "saturated", "dead", None, None]
    big = Network(activation="relu", depth=60, width=500).with_init("he_normal")
    assert plan.gradient_variants(big) == ((), True)
    assert "left out for 60 layers of 500 units" in explain.comparisons_skipped(big).text
