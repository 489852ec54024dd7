"""The variance theory against closed forms, Gauss-Hermite, Monte Carlo and the simulation."""

import math

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss

from playground import activations, theory
from playground.explain import gradients as explain_gradients
from playground.simulation import make_inputs, simulate

NOTES = dict(depth=10, width=500, n_samples=1000)


def normal_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def normal_pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


# --- the quadrature -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("mean,var", [(0.0, 0.3), (0.2, 1.0)])
def test_expectation_matches_gauss_hermite_where_that_converges(name, mean, var):
    # On smooth integrands of unit scale 120 probabilists' Hermite nodes are exact to ~1e-12.
    x, w = hermegauss(120)
    w = w / math.sqrt(2.0 * math.pi)
    spec = activations.get(name)
    reference = w @ spec.fn(mean + math.sqrt(var) * x) ** 2
    got = theory.gaussian_expectation(lambda s: spec.fn(s) ** 2, mean, var)
    assert got == pytest.approx(reference, rel=1e-9)


@pytest.mark.parametrize("mean,sd", [(0.0, 1.0), (0.2, 1.0), (-0.5, 3.0)])
def test_selu_expectation_matches_its_closed_form(mean, sd):
    # s = mean + sd z. Positive side: scale^2 E[s^2; s > 0]; negative side
    # (scale alpha)^2 E[(e^s - 1)^2; s < 0], with
    # E[e^(k s); s < 0] = e^(k mean + k^2 sd^2 / 2) Phi(-(mean + k sd^2) / sd).
    # Gauss-Hermite misses this by 2e-4 at mean 0.2: the kink at 0 falls between its nodes.
    t = mean / sd

    def exp_below_zero(k):
        return math.exp(k * mean + k * k * sd * sd / 2) * normal_cdf(-(mean + k * sd * sd) / sd)

    positive = (mean**2 + sd**2) * normal_cdf(t) + mean * sd * normal_pdf(t)
    negative = exp_below_zero(2) - 2 * exp_below_zero(1) + normal_cdf(-t)
    expected = activations.SELU_SCALE**2 * (positive + activations.SELU_ALPHA**2 * negative)
    selu = activations.get("selu")
    assert theory.gaussian_expectation(lambda s: selu.fn(s) ** 2, mean, sd**2) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("mean,sd", [(0.0, 1.0), (0.01, 1e-3), (0.3, 2.0), (-0.01, 0.05), (0.01, 300.0)])
def test_relu_expectations_match_their_closed_forms(mean, sd):
    # s = mean + sd z: E[relu(s)^2] = (mean^2 + sd^2) Phi(mean/sd) + mean sd phi(mean/sd), E[relu'(s)^2] = Phi(mean/sd).
    t = mean / sd
    second = (mean**2 + sd**2) * normal_cdf(t) + mean * sd * normal_pdf(t)
    relu = activations.get("relu")
    assert theory.gaussian_expectation(lambda s: relu.fn(s) ** 2, mean, sd**2) == pytest.approx(second, rel=1e-9)
    assert theory.gaussian_expectation(relu.derivative, mean, sd**2) == pytest.approx(normal_cdf(t), rel=1e-9)


def test_saturated_tanh_slope_matches_its_asymptote_and_monte_carlo():
    # E[sech^4(sd z)] -> (4/3) / (sqrt(2 pi) sd) as sd grows (the integral of sech^4 is 4/3);
    # Gauss-Hermite with 200 nodes gives 1.6e-4 instead of 0.0242 at sd = 22.
    slope = activations.get("tanh").derivative
    for sd in (1e3, 1e5):
        expected = 4.0 / 3.0 / (math.sqrt(2.0 * math.pi) * sd)
        assert theory.gaussian_expectation(lambda s: slope(s) ** 2, 0.0, sd**2) == pytest.approx(expected, rel=1e-5)
    z = np.random.default_rng(1).standard_normal(2_000_000)
    sd = 22.0
    monte_carlo = np.mean(slope(sd * z) ** 2)
    assert theory.gaussian_expectation(lambda s: slope(s) ** 2, 0.0, sd**2) == pytest.approx(monte_carlo, rel=0.01)


def test_raw_input_moments_match_monte_carlo():
    x = make_inputs(2000, 1000, np.random.default_rng(2), normalize=False)
    mean, var = theory.input_moments(normalize_inputs=False)
    assert mean == pytest.approx(x.mean(), rel=1e-3)
    assert var == pytest.approx(x.var(), rel=3e-3)
    assert theory.input_moments(normalize_inputs=True) == (0.0, 1.0)


# --- the recursions reduce to the closed forms ------------------------------------------


@pytest.mark.parametrize("std", [0.01, 0.05, 0.1])
def test_linear_units_give_the_notes_formula(std):
    # Var(s_k) = [n Var(w)]^k Var(x), forward; Var(dL/ds_l) = [n Var(w)]^(L-l), backward.
    width, depth = 300, 12
    gain = width * std**2
    args = dict(depth=depth, width=width, init_params={"std": std})
    k = np.arange(1, depth + 1)
    np.testing.assert_allclose(theory.predicted_variance("linear", "normal", **args), gain**k, rtol=1e-10)
    delta = theory.predicted_delta_variance("linear", "normal", **args)
    np.testing.assert_allclose(delta, gain ** (depth - k), rtol=1e-10)
    np.testing.assert_allclose(theory.notes_variance("linear", "normal", **args), gain**k, rtol=1e-12)


@pytest.mark.parametrize("name,factor", [("relu", 0.5), ("leaky_relu", (1 + activations.LEAKY_SLOPE**2) / 2)])
@pytest.mark.parametrize("init", ["he_normal", "lecun_normal"])
def test_rectifiers_give_hes_factor_per_layer(name, factor, init):
    # b = 0: Var(s_1) = n Var(w) Var(x), then x (n Var(w) / 2) per layer (He et al. 2015, eq. 10);
    # backward, x n Var(w) / 2 per layer from E[relu'(s)^2] = 1/2 (their eq. 14).
    width, depth = 500, 8
    gain = width * (2.0 if init == "he_normal" else 1.0) / width
    k = np.arange(1, depth + 1)
    expected = gain * (factor * gain) ** (k - 1)
    np.testing.assert_allclose(theory.predicted_variance(name, init, depth=depth, width=width), expected, rtol=1e-9)
    np.testing.assert_allclose(theory.notes_variance(name, init, depth=depth, width=width), expected, rtol=1e-12)
    delta = theory.predicted_delta_variance(name, init, depth=depth, width=width)
    np.testing.assert_allclose(delta, factor * (factor * gain) ** (depth - k), rtol=1e-9)


def test_input_second_moment_enters_the_first_layer():
    base = theory.predicted_variance("linear", "lecun_normal", depth=3, width=100)
    scaled = theory.predicted_variance("linear", "lecun_normal", depth=3, width=100, input_second_moment=4.0)
    np.testing.assert_allclose(scaled, 4.0 * base, rtol=1e-12)


def test_zero_weights_predict_zero_variance_and_constant_weights_are_refused():
    np.testing.assert_array_equal(theory.predicted_variance("tanh", "zeros", depth=4, width=50, bias=0.1), 0.0)
    with pytest.raises(ValueError, match="zero-mean"):
        theory.predicted_variance("tanh", "constant", depth=4, width=50)


def test_exploding_prediction_is_inf_without_warnings():
    # pytest.ini turns RuntimeWarnings into errors.
    # x 5e4 per layer: past 1.8e308 at layer 66.
    q = theory.predicted_variance("relu", "normal", depth=100, width=1000, init_params={"std": 10.0})
    assert np.isfinite(q[:60]).all() and np.isinf(q[-1])
    np.testing.assert_allclose(q[:60], 1e5 * 5e4 ** np.arange(60), rtol=1e-9)


def test_every_activation_has_a_notes_factor_and_a_reason():
    assert set(theory.NOTES_FACTOR) == set(activations.ACTIVATIONS) == set(explain_gradients.NOTES_REASON)


# --- theory against the simulation at width 500 --------------------------------------------


def measured(result, column):
    return result.layers[column].to_numpy() ** 2


def prediction(**kwargs):
    return theory.mean_field(**kwargs)


@pytest.mark.parametrize(
    "name,init,params,bias",
    [
        ("linear", "lecun_normal", {}, 0.0),
        ("linear", "normal", {"std": math.sqrt(0.8 / 500)}, 0.0),
        ("tanh", "lecun_normal", {}, 0.0),
        ("tanh", "xavier_normal", {}, 0.01),
    ],
)
def test_mean_field_matches_the_simulation(name, init, params, bias):
    # Mean field is the average over networks; one network's variance wanders by a
    # few percent by layer 8 (a layer's gain is one draw), so compare with four.
    kwargs = dict(depth=8, width=500, n_samples=500, init_params=params, bias=bias)
    runs = [simulate(name, init, seed=seed, **kwargs) for seed in range(4)]
    mf = prediction(activation=name, initializer=init, **kwargs)

    def average(column):
        return np.mean([measured(r, column) for r in runs], axis=0)

    np.testing.assert_allclose(average("pre_std"), mf.pre_variance, rtol=0.03)
    np.testing.assert_allclose(average("delta_std"), mf.delta_variance, rtol=0.03)
    np.testing.assert_allclose(average("grad_std"), mf.grad_variance, rtol=0.05)


def test_relu_matches_on_average_over_draws():
    # ReLU's positive mean makes one draw of the weights move a layer's variance by a
    # few percent (8% by layer 3 at width 500, measured over seeds): compare the
    # average over draws, which the mean-field theory predicts.
    depth, seeds = 3, range(6)
    mf = prediction(activation="relu", initializer="he_normal", depth=depth, width=500, n_samples=400)
    runs = [simulate("relu", "he_normal", depth=depth, width=500, n_samples=400, seed=s) for s in seeds]
    pre = np.mean([measured(r, "pre_std") for r in runs], axis=0)
    delta = np.mean([measured(r, "delta_std") for r in runs], axis=0)
    np.testing.assert_allclose(pre, mf.pre_variance, rtol=0.05)
    np.testing.assert_allclose(delta, mf.delta_variance, rtol=0.05)
    # and He's 1/2 is what makes it flat: n Var(w) = 2
    np.testing.assert_allclose(mf.pre_variance, 2.0, rtol=1e-9)


def test_raw_inputs_enter_through_their_second_moment():
    # Mean 128 gives every unit of layer 1 an offset 128 sum(w) far beyond its spread over
    # the examples, so one network's Var(s_1) is off by up to 7% (seeds 0-11); which units
    # of layer 1 are on is up to the draw too, so Var(s_2) is off by up to 30%. Eight
    # networks average to within 2% and 6% (seeds 0-23, in blocks of eight).
    runs = [
        simulate("relu", "he_normal", depth=3, width=500, n_samples=1000, normalize_inputs=False, seed=seed)
        for seed in range(8)
    ]
    pre = np.mean([measured(r, "pre_std") for r in runs], axis=0)
    q = theory.predicted_variance("relu", "he_normal", depth=3, width=500, normalize_inputs=False)
    assert pre[0] == pytest.approx(q[0], rel=0.03)
    assert pre[1] == pytest.approx(q[1], rel=0.08)
    # the notes' formula, with Var(x) where E[x^2] belongs, is 5 times too small
    mean, var = theory.input_moments(False)
    assert q[0] / theory.notes_variance("relu", "he_normal", depth=1, width=500, input_variance=var)[0] == (
        pytest.approx((mean**2 + var) / var)
    )


def test_vanishing_gradients_are_orders_of_magnitude_smaller_at_the_first_layer():
    # tanh, W = 0.01 randn, 10 x 500: dL/ds shrinks by sqrt(500) x 0.01 = 0.22 per layer going back.
    r = simulate("tanh", "normal", init_params={"std": 0.01}, **NOTES)
    delta = r.layers["delta_std"].to_numpy()
    assert delta[0] / delta[-1] < 1e-5
    # (at layer 1, Var(s) = 0.05 is not yet small enough for tanh'(s) = 1: the theory has that)
    np.testing.assert_allclose(delta[1:-1] / delta[2:], math.sqrt(500) * 0.01, rtol=0.02)
    # while dL/dW = (1/m) A^T dL/ds is the same at every layer: the activations feeding it
    # shrink going forward exactly as dL/ds shrinks going back
    grad = r.layers["grad_std"].to_numpy()
    assert grad.max() / grad.min() < 1.1
    # One network is within 4% of mean field (seeds 0-5), four within 1.5%.
    mf = prediction(activation="tanh", initializer="normal", init_params={"std": 0.01}, **NOTES)
    runs = [r] + [simulate("tanh", "normal", init_params={"std": 0.01}, seed=seed, **NOTES) for seed in (1, 2, 3)]
    average = np.mean([measured(run, "delta_std") for run in runs], axis=0)
    np.testing.assert_allclose(average, mf.delta_variance, rtol=0.03)


def test_saturated_tanh_gradients_grow_going_back_as_predicted():
    # W = randn: 90% of tanh units saturated, yet dL/ds grows x sqrt(n Var(w) E[tanh'(s)^2]) = x3.5 per layer back.
    r = simulate("tanh", "normal", init_params={"std": 1.0}, **NOTES)
    mf = prediction(activation="tanh", initializer="normal", init_params={"std": 1.0}, **NOTES)
    delta = r.layers["delta_std"].to_numpy()
    assert (r.layers["saturated"] > 0.85).all()
    assert delta[0] / delta[-1] > 1e4
    growth = np.sqrt(mf.delta_variance[:-1] / mf.delta_variance[1:])
    np.testing.assert_allclose(growth, 3.5, rtol=0.02)
    np.testing.assert_allclose(delta**2, mf.delta_variance, rtol=0.1)


@pytest.mark.parametrize("name", ["tanh", "relu"])
def test_batch_norm_prediction(name):
    # Forward: each unit's s is standardized, so Var(s_l) = n Var(w) E[phi(z)^2] after layer 1.
    # Backward: a few percent low at width 500 (the units' spreads differ; E[1/v] > 1/E[v]).
    # One network's Var(s) is within 4.4% of mean field (seeds 0-5); four within 2.2%.
    kwargs = dict(depth=6, width=500, n_samples=1000, batch_norm=True, bias=0.01)
    runs = [simulate(name, "normal", init_params={"std": 0.01}, seed=seed, **kwargs) for seed in range(4)]
    mf = prediction(activation=name, initializer="normal", init_params={"std": 0.01}, **kwargs)

    def average(column):
        return np.mean([measured(r, column) for r in runs], axis=0)

    np.testing.assert_allclose(average("pre_std"), mf.pre_variance, rtol=0.03)
    np.testing.assert_allclose(average("delta_std"), mf.delta_variance, rtol=0.1)
    np.testing.assert_allclose(average("grad_std"), mf.grad_variance, rtol=0.1)


# --- the sentences -------------------------------------------------------------------------


def verdicts(**kwargs):
    kwargs = dict(depth=5, width=300, n_samples=300) | kwargs
    r = simulate(**kwargs)
    table = theory.prediction_table(**kwargs)
    return explain_gradients.notes_verdict(r, table).text, explain_gradients.theory_verdict(r, table).text


def test_notes_formula_fails_where_tanh_bends_and_where_inputs_are_raw():
    notes, mean_field = verdicts(activation="tanh", initializer="lecun_normal")
    assert notes.startswith("The notes' formula first fails at layer 2") and "tanh" in notes
    assert mean_field.startswith("The mean-field theory matches")
    notes, _ = verdicts(activation="relu", initializer="he_normal", normalize_inputs=False)
    assert notes.startswith("The notes' formula first fails at layer 1") and "not centred" in notes
    notes, _ = verdicts(activation="linear", initializer="lecun_normal")
    assert notes.startswith("Here the notes' formula holds")
