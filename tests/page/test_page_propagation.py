"""The signal-propagation section in AppTest: it shows what the propagation module and its sentences say."""

import math

from conftest import assert_shown

from playground import plan, propagation, theory
from playground.explain import propagation as explain
from playground.settings import Network

SMALL = {"view": "propagation", "depth": "6", "width": "120", "bias_std": "0.2"}


def test_the_section_shows_what_explain_says(page):
    at = page(SMALL | {"init": "lecun_normal", "c0": "0.5"})
    assert not at.exception, [e.value for e in at.exception]
    network = Network(depth=6, width=120, bias_std=0.2).with_init("lecun_normal")
    sigma_w2, sigma_b2 = 1.0, 0.2**2
    point = propagation.phase_point("tanh", sigma_w2, sigma_b2)
    pair = propagation.propagate_pair("tanh", "lecun_normal", depth=6, width=120, c0=0.5, bias_std=0.2)
    planned = plan.propagation(network)
    spectrum = propagation.spectrum_comparison("tanh", sigma_w2, sigma_b2, layers=planned.layers,
                                               width=planned.jacobian_width)
    predicted = propagation.jacobian_theory("tanh", sigma_w2, sigma_b2, depth=6)
    assert_shown(
        at,
        [
            explain.notation(),
            explain.phase_verdict(point, 6),
            explain.PHASE_CLICK,
            explain.pair_verdict(pair, point, 0.5),
            explain.SPECTRUM_INTRO,
            explain.spectrum_verdict(propagation.spectrum_summary(spectrum), predicted, "tanh"),
        ],
    )
    assert at.slider(key="c0").value == 0.5 and at.query_params["c0"] == "0.5"
    assert len(at.get("vega_lite_chart")) == 4


def test_the_slider_moves_the_pair_and_the_link(page):
    at = page(SMALL)
    at.slider(key="c0").set_value(0.2).run()
    assert not at.exception and at.query_params["c0"] == "0.2"
    pair = propagation.propagate_pair("tanh", "normal", depth=6, width=120, c0=0.2, bias_std=0.2,
                                      init_params={"std": 0.01})
    point = propagation.phase_point("tanh", theory.weight_gain("normal", 120, {"std": 0.01}), 0.04)
    assert_shown(at, [explain.pair_verdict(pair, point, 0.2)])


def test_weights_of_non_zero_mean_are_explained_not_raised(page):
    at = page(SMALL | {"init": "constant"})
    assert not at.exception
    assert any("assume zero-mean independent weights" in i.value for i in at.info)
    assert len(at.get("vega_lite_chart")) == 1  # the phase diagram only


def test_a_big_network_lowers_the_spectra_width_and_says_so(page):
    at = page({"view": "propagation", "depth": "40", "width": "600", "init": "xavier_normal"})
    assert not at.exception
    assert plan.fit_width(40, 600, "xavier_normal") is None  # the sidebar keeps its width
    planned = plan.propagation(Network(depth=40, width=600))
    assert planned.jacobian_width < 600 and not math.isnan(planned.jacobian_width)
    assert any(f"The spectra use {planned.jacobian_width} units per layer instead of 600" in i.value for i in at.info)


def test_a_signal_that_dies_is_called_dead_not_overflowed(page):
    # ReLU below a bias of -1: every unit turns off within a few layers, and q is 0 to float64 from there on.
    at = page({"view": "propagation", "depth": "10", "width": "100", "activation": "relu", "bias": "-1",
               "bias_std": "1e-20", "init": "he_normal"})
    assert not at.exception, [e.value for e in at.exception]
    texts = [box.value for box in at.warning] + [box.value for box in at.info]
    assert any(text.startswith("The signal died at layer ") for text in texts), texts
    assert not any("overflowed" in text for text in texts)
