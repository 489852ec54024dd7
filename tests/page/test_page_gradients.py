"""The "Gradients & theory" section in AppTest: it renders for every activation and the notes' initializers,
and its headline numbers are the simulation's."""

import math

import pytest
from conftest import assert_shown
from streamlit.testing.v1 import AppTest

from playground import activations, plan, theory
from playground.explain import gradients as explain
from playground.settings import Network
from playground.simulation import simulate


def gradients_page(page, **params) -> AppTest:
    at = page(view="gradients", **params)
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    elements = [*at.markdown, *at.info, *at.error, *at.caption]
    return "\n".join(e.value for e in elements)


# Every activation once and the notes' initializers, batch norm on and raw inputs;
# a small network keeps the page's five simulations quick.
CASES = [
    dict(activation="tanh", init="zeros"),
    dict(activation="relu", init="constant"),
    dict(activation="sigmoid", init="normal", std=1),
    dict(activation="relu", init="he_normal", bias=0.01, batchnorm="true"),
    dict(activation="leaky_relu", init="lecun_normal", normalize="false"),
    dict(activation="selu", init="orthogonal"),
    dict(activation="linear", init="sparse"),
    dict(activation="tanh", init="normal", std=0.01, batchnorm="true", normalize="false"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_section_renders(page, case):
    at = gradients_page(page, depth=4, width=60, samples=100, **case)
    shown = texts(at)
    assert [m.label for m in at.metric][:1] == ["dL/ds: layer 1 ÷ layer 4"]
    assert "The variance argument against the measurement" in [h.value for h in at.subheader]
    if case["init"] == "zeros":
        assert "n Var(w) = 0 here" in shown
    elif case["init"] == "constant":
        assert "No prediction here: the variance argument assumes zero-mean independent weights" in shown
    elif case.get("batchnorm") == "true":
        assert "With batch norm the notes' formula does not apply" in shown
    else:
        assert "notes' formula" in shown and "mean-field theory" in shown
    spec = activations.get(case["activation"])
    stops = spec.bounds is not None or spec.can_die
    assert ("neither saturates nor dies" in shown) == (not stops)


def test_headline_numbers_are_the_simulations(page):
    # Notes 004's network: tanh, W = 0.01 randn, 1000 examples; 8 layers of 300 here.
    at = gradients_page(page, activation="tanh", init="normal", std=0.01, depth=8, width=300)
    network = Network(activation="tanh", init="normal", init_params=(("std", 0.01),), depth=8, width=300)
    samples = plan.affordable_samples(8, 300, network.samples)
    layers = simulate(**{**network.simulate_kwargs(), "n_samples": samples}).layers
    delta, grad = layers["delta_std"].to_numpy(), layers["grad_std"].to_numpy()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["dL/ds: layer 1 ÷ layer 8"] == f"{delta[0] / delta[-1]:.3g}"
    assert metrics["dL/ds at layer 1 (std)"] == f"{delta[0]:.3g}"
    assert metrics["dL/ds at layer 8 (std)"] == f"{delta[-1]:.3g}"
    assert metrics["dL/dW: layer 1 ÷ layer 8"] == f"{grad[0] / grad[-1]:.3g}"
    # dL/ds vanishes toward the input while dL/dW stays flat, as measured
    assert delta[0] / delta[-1] < 1e-4 and math.isclose(grad[0] / grad[-1], 1.0, rel_tol=0.1)


def test_saturated_tanh_says_gradients_grow_going_back(page):
    at = gradients_page(page, activation="tanh", init="normal", std=1, depth=5, width=300)
    ratio = float(next(m.value for m in at.metric if m.label == "dL/ds: layer 1 ÷ layer 5"))
    # x sqrt(300 E[tanh'(s)^2]) = x3.0 per layer back, over 4 layers
    assert ratio > 50
    shown = texts(at)
    assert "and yet dL/ds grows going back" in shown and "The mean-field theory matches" in shown


def test_big_networks_leave_the_comparison_runs_out_and_say_so(page):
    # 60 x 500^2 weights, drawn twice (too many to keep), for the sidebar's run and 3 comparison
    # runs (bias 0.01, raw inputs, batch norm): 1.2e8 Gaussian draws, past the page's weight plan.
    assert 4 * plan.weight_draws(60, 500, "he_normal") > plan.WEIGHT_BUDGET
    at = gradients_page(page, activation="relu", init="he_normal", depth=60, width=500, samples=100)
    shown = texts(at)
    assert "The comparison runs (bias 0 against 0.01, inputs and batch norm switched) are left out" in shown
    assert "Remedies: input normalization and batch norm" not in [h.value for h in at.subheader]
    assert "The variance argument against the measurement" in [h.value for h in at.subheader]


def test_the_section_shows_what_explain_says(page):
    at = gradients_page(page, activation="relu", init="normal", std=0.01, bias=0.01, depth=4, width=80, samples=100)
    network = Network(activation="relu", depth=4, width=80, samples=100, bias=0.01).with_init("normal", std=0.01)
    page_plan = plan.for_view(network, "gradients")
    result = simulate(**page_plan.simulated.simulate_kwargs())
    table = theory.prediction_table(**network.simulate_kwargs())
    runs = {label: simulate(**net.simulate_kwargs()) for label, net in page_plan.variants}
    assert_shown(at, [
        explain.headline(network, result, table), explain.bias_heading(runs), explain.bias_effect(network, runs),
        explain.notes_verdict(result, table), explain.theory_verdict(result, table),
        explain.input_normalization(network, runs), explain.batch_norm_remedy(network, runs),
    ])
    assert [(m.label, m.value) for m in at.metric] == [(label, value) for label, value, _ in
                                                        explain.headline_metrics(result)]
