"""Signal propagation against closed forms, adaptive quadrature (scipy), finite networks and finite differences."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize

from playground import activations, initializers, theory
from playground import propagation as prop
from playground.propagation.roots import illinois

# --- independent references ---------------------------------------------------------------------------------


def quad_expectation(fn, mean, var):
    """E[fn(mean + sqrt(var) z)] by scipy's adaptive quadrature, with the kink at s = 0 as a breakpoint."""
    sd = math.sqrt(var)
    kink = -mean / sd
    points = [kink] if abs(kink) < 30 else None
    with warnings.catch_warnings():
        # quad warns that roundoff limits it near 1e-15: the comparisons below are what validates it.
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, _ = integrate.quad(lambda z: fn(mean + sd * z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi),
                                  -40, 40, points=points, limit=400, epsabs=1e-15, epsrel=1e-13)
    return value


# The activations and their derivatives written again with ``math``, for the references (and speed).
_SCALE, _ALPHA, _LEAK = activations.SELU_SCALE, activations.SELU_ALPHA, activations.LEAKY_SLOPE
PHI = {
    "tanh": math.tanh,
    "sigmoid": lambda s: 0.5 * (1 + math.tanh(s / 2)),
    "relu": lambda s: max(s, 0.0),
    "leaky_relu": lambda s: s if s > 0 else _LEAK * s,
    "selu": lambda s: _SCALE * s if s > 0 else _SCALE * _ALPHA * math.expm1(s),
    "linear": lambda s: s,
}
SLOPE = {
    "tanh": lambda s: 1 - math.tanh(s) ** 2,
    "sigmoid": lambda s: 0.25 * (1 - math.tanh(s / 2) ** 2),
    "relu": lambda s: 1.0 if s > 0 else 0.0,
    "leaky_relu": lambda s: 1.0 if s > 0 else _LEAK,
    "selu": lambda s: _SCALE if s > 0 else _SCALE * _ALPHA * math.exp(s),
    "linear": lambda s: 1.0,
}


def scalar(activation, derivative=False):
    return (SLOPE if derivative else PHI)[activation]


def quad_fixed_point(activation, w2, b2, bias=0.0, q0=1.0):
    """q* by iterating the length map with scipy's quadrature, then chi_1 there."""
    phi, slope = scalar(activation), scalar(activation, derivative=True)
    q = w2 * q0 + b2
    for _ in range(5000):
        following = w2 * quad_expectation(lambda s: phi(s) ** 2, bias, q) + b2
        if abs(following - q) <= 1e-15 * q:
            break
        q = following
    return q, w2 * quad_expectation(lambda s: slope(s) ** 2, bias, q)


def quad_correlation_map(activation, w2, b2, c, bias=0.0):
    """c' = (w2 E[phi(u1) phi(u2)] + b2) / q*: the inner expectation over u2 given u1 by quad, then the outer."""
    phi = scalar(activation)
    q = prop.fixed_point(activation, w2, b2, bias=bias)
    sd = math.sqrt(q)

    def given(z1):
        conditional = math.sqrt(q * (1 - c * c))
        inner = quad_expectation(phi, bias + sd * c * z1, conditional**2)
        return phi(bias + sd * z1) * inner * math.exp(-z1 * z1 / 2) / math.sqrt(2 * math.pi)

    kink = -bias / sd
    k, _ = integrate.quad(given, -30, 30, points=[kink] if abs(kink) < 30 else None, limit=200, epsabs=1e-13)
    return (w2 * k + b2) / q


def arc_cosine(c):
    """ReLU's normalized kernel (Cho and Saul 2009): E[relu(u1) relu(u2)] / E[relu(u)^2] at correlation c."""
    angle = np.arccos(c)
    return (np.sin(angle) + (np.pi - angle) * c) / np.pi


# --- the batched quadrature and sigma_b in theory.py ------------------------------------------------------------


def test_batched_nodes_are_the_scalar_nodes_bit_for_bit():
    rng = np.random.default_rng(0)
    means = np.concatenate([rng.normal(0, 1, 60), [0.0, 0.0, 0.5, 1e-3, 3.0]])
    variances = np.concatenate([rng.lognormal(0, 4, 60), [0.0, 1e-30, 1e-20, 1e-300, 480.0]])
    for kinks in [(0.0,), (0.0, 0.6)]:
        points, weights = theory.gaussian_nodes_batch(means, variances, kinks)
        for row, (mean, var) in enumerate(zip(means, variances)):
            p, w = theory.gaussian_nodes(mean, var, kinks)
            used = weights[row] != 0
            np.testing.assert_array_equal(points[row][used], p)
            np.testing.assert_array_equal(weights[row][used], w)


def test_bias_std_adds_its_variance_to_every_layer_and_zero_changes_nothing():
    # Linear units: q_l = g q_{l-1} + sigma_b^2 from q_1 = g + sigma_b^2, a geometric sum.
    width, depth, gain, bias_std = 200, 6, 0.8, 0.3
    params = {"std": math.sqrt(gain / width)}
    q = theory.predicted_variance("linear", "normal", depth=depth, width=width, init_params=params, bias_std=bias_std)
    expected = [gain**layer + bias_std**2 * sum(gain**k for k in range(layer)) for layer in range(1, depth + 1)]
    np.testing.assert_allclose(q, expected, rtol=1e-12)
    kwargs = dict(depth=5, width=300, n_samples=300, bias=0.1)
    np.testing.assert_array_equal(theory.mean_field("tanh", "he_normal", **kwargs).pre_variance,
                                  theory.mean_field("tanh", "he_normal", bias_std=0.0, **kwargs).pre_variance)
    table = theory.prediction_table("tanh", "he_normal", bias_std=0.2, **kwargs)
    assert table["pre_variance"].iloc[0] == pytest.approx(2.0 + 0.04, rel=1e-12)
    with pytest.raises(ValueError, match="bias_std"):
        theory.mean_field("tanh", "he_normal", bias_std=-1.0, **kwargs)


# --- closed forms -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("w2", [0.5, 1.0, 1.9, 2.0, 3.0])
def test_relu_chi1_is_half_sigma_w2_at_zero_bias_noise(w2):
    point = prop.phase_point("relu", w2, 0.0)
    assert point.chi1 == pytest.approx(w2 / 2, rel=1e-15)
    # ... and so is the quadrature's, which the closed form stands in for.
    m = prop.moments("relu", 0.0, [1e-6, 1.0, 1e6])
    np.testing.assert_allclose(m.slope, 0.5, rtol=1e-12)
    np.testing.assert_allclose(m.second, np.array([1e-6, 1.0, 1e6]) / 2, rtol=1e-12)
    # No finite non-zero q* but at criticality, where every q is one and the iteration stays at q_1 = w2 q0.
    expected = 0.0 if w2 < 2 else (2.0 if w2 == 2 else math.inf)
    assert point.q_star == expected
    assert point.xi_c == math.inf and point.c_star == 1.0


def test_relu_with_bias_noise_has_its_closed_form_fixed_point_below_two():
    for w2, b2 in [(1.0, 0.1), (1.5, 0.3), (1.99, 0.05)]:
        point = prop.phase_point("relu", w2, b2)
        assert point.q_star == pytest.approx(b2 / (1 - w2 / 2), rel=1e-12)
        assert point.chi1 == pytest.approx(w2 / 2, rel=1e-12)
        assert point.xi_c == pytest.approx(-1 / math.log(w2 / 2), rel=1e-9)
    assert prop.fixed_point("relu", 2.0, 0.1) == math.inf
    assert prop.phase_point("relu", 2.5, 0.1).phase == "exploding"
    # chi_1 reaches 1 only as q* -> inf: no critical point with bias noise.
    assert math.isnan(prop.critical_sigma_w2("relu", 0.1))
    assert prop.critical_sigma_w2("relu", 0.0) == 2.0


@pytest.mark.parametrize("w2,b2", [(2.0, 0.0), (1.5, 0.1), (1.0, 0.0)])
def test_relu_correlation_map_is_the_arc_cosine_kernel(w2, b2):
    # sigma_b = 0: c' = arc_cosine(c) whatever sigma_w^2 (q cancels); with sigma_b the bias noise adds to both moments.
    c = np.concatenate([np.linspace(-1, 1, 81), 1 - np.geomspace(1e-2, 1e-9, 30), -1 + np.geomspace(1e-2, 1e-9, 30)])
    if b2 == 0:
        expected = arc_cosine(c)
    else:
        q = b2 / (1 - w2 / 2)
        expected = (w2 * q / 2 * arc_cosine(c) + b2) / q
    got = prop.correlation_map("relu", w2, b2, c)
    # The kink's series converges like k^(-3/2): the tail model is within 1.3e-6 of the exact kernel.
    np.testing.assert_allclose(got, expected, atol=1.5e-6, rtol=0)
    assert prop.correlation_map("relu", w2, b2, 1.0) == pytest.approx(1.0, abs=1e-14)


def test_relu_pair_theory_is_the_iterated_arc_cosine_map():
    # b = 0, sigma_b = 0: c_l = arc_cosine(c_{l-1}) from c_1 = c0, layer by layer (pair_theory's own kernel path).
    frame = prop.pair_theory("relu", 2.0, 0.0, depth=60, c0=0.2)
    expected = [0.2]
    for _ in range(59):
        expected.append(float(arc_cosine(expected[-1])))
    np.testing.assert_allclose(frame["c"], expected, atol=1.5e-6, rtol=0)
    assert 1 - frame["c"].iloc[-1] > 1e-3  # polynomial, not exponential: xi_c is infinite


def test_both_kernel_evaluations_agree_on_both_sides_of_zero():
    for activation, q in [("relu", [1.0]), ("selu", [0.3, 2.0]), ("tanh", [0.5, 30.0])]:
        kernel = prop.kernels(activation, 0.1, q)
        c = np.array([-1.0, -0.9, -0.3, 0.0, 0.4, 0.99, 0.99999, 1.0])
        grid = prop.kernel_on_grid(kernel, c)
        for row in range(len(q)):
            value, _ = prop.kernel_at(prop.kernel_rows(kernel, [row] * len(c)), c)
            np.testing.assert_allclose(value, grid[row], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(grid[:, -1], kernel.second, rtol=1e-13)  # K(q, 1) = V exactly
        np.testing.assert_allclose(grid[:, 0], prop.mirror_moment(activation, 0.1, q), rtol=1e-12)  # K(q, -1)


def test_tanh_is_critical_at_sigma_w2_one_without_bias_noise():
    assert prop.critical_sigma_w2("tanh", 0.0) == pytest.approx(1.0, abs=1e-9)
    below, above = prop.phase_point("tanh", 0.9, 0.0), prop.phase_point("tanh", 2.0, 0.0)
    assert below.q_star == 0.0 and below.phase == "vanishing" and below.chi1 == pytest.approx(0.9, rel=1e-12)
    assert above.q_star > 0 and above.phase == "chaotic" and above.c_star == pytest.approx(0.0, abs=1e-12)


def test_linear_pair_map_is_exact_across_hundreds_of_decades_of_q():
    # phi(s) = s with bias b: K(q, c) = b^2 + q c, V = b^2 + q, so c' = (w2 (b^2 + q c) + b2) / (w2 (b^2 + q) + b2).
    # sigma_w^2 = 1e4 takes q through 280 decades before it overflows: no interpolation may span that.
    w2, b2, bias = 1e4, 0.01, 0.3
    frame = prop.pair_theory("linear", w2, b2, depth=80, c0=-0.4, bias=bias)
    q, c = frame["q"].to_numpy(), [float(frame["c"].iloc[0])]
    for layer in range(1, 80):
        if not np.isfinite(q[layer]):
            break
        c.append((w2 * (bias**2 + q[layer - 1] * c[-1]) + b2) / (w2 * (bias**2 + q[layer - 1]) + b2))
    assert len(c) > 60
    np.testing.assert_allclose(frame["c"].iloc[: len(c)], c, atol=1e-12)


def test_linear_units_have_closed_form_fixed_points():
    for w2, b2, bias in [(0.5, 0.1, 0.0), (0.9, 0.0, 0.4), (0.3, 0.2, -1.0)]:
        point = prop.phase_point("linear", w2, b2, bias=bias)
        assert point.q_star == pytest.approx((w2 * bias**2 + b2) / (1 - w2), rel=1e-10)
        assert point.chi1 == pytest.approx(w2, rel=1e-12)
    assert prop.fixed_point("linear", 1.0, 0.0) == 1.0  # every q is fixed: q* = q_1
    assert prop.fixed_point("linear", 1.5, 0.0) == math.inf


def test_moment_slopes_are_the_closed_forms_and_the_moments_own_differences():
    # Linear at bias b: V = b^2 + q, S = sqrt(q), D = 1; ReLU at b = 0: V = q/2, S = sqrt(q)/2, D = 1/2.
    q = np.array([0.3, 1.0, 7.0])
    for activation, bias, dv, ds, dd in [("linear", 0.4, np.ones(3), 0.5 / np.sqrt(q), np.zeros(3)),
                                         ("relu", 0.0, np.full(3, 0.5), 0.25 / np.sqrt(q), np.zeros(3))]:
        m, slopes = prop.moments_and_slopes(activation, bias, q)
        np.testing.assert_allclose([slopes.second, slopes.stein, slopes.slope], [dv, ds, dd], rtol=1e-12, atol=1e-14)
    # tanh and SELU (a kink at 0) against central differences of the moments: the moments are moments' own, bit
    # for bit, and a nodes' point mass (q below 1e-16 b^2) gets slopes 0.
    q = np.array([1e-3, 0.5, 2.0, 40.0, 1e-20])
    for activation, bias in [("tanh", 0.3), ("selu", -0.2)]:
        m, slopes = prop.moments_and_slopes(activation, bias, q)
        plain = prop.moments(activation, bias, q)
        for name in ("second", "stein", "slope"):
            np.testing.assert_array_equal(getattr(m, name), getattr(plain, name))
        h = 1e-4 * q[:4]
        up, down = prop.moments(activation, bias, q[:4] + h), prop.moments(activation, bias, q[:4] - h)
        for name in ("second", "stein", "slope"):
            numeric = (getattr(up, name) - getattr(down, name)) / (2 * h)
            np.testing.assert_allclose(getattr(slopes, name)[:4], numeric, rtol=1e-6, atol=1e-9)
            assert getattr(slopes, name)[4] == 0.0


@pytest.mark.parametrize("activation,bias", [("tanh", 0.0), ("tanh", 0.3), ("tanh", -1.0), ("sigmoid", -0.5),
                                             ("selu", 0.0), ("selu", 1.0), ("relu", 0.1), ("relu", -0.5),
                                             ("relu", -1.0), ("leaky_relu", -0.5)])
def test_fixed_points_moments_are_the_quadratures_at_q_star(activation, bias):
    # Moved from the Newton step's start to first order: within 1e-12 of quadrature at q* itself, cell by cell,
    # over the bias slider's range (ReLU below a negative bias: moments ~ exp(-b^2 / 2q), fast in q). 2e-12: the
    # quadrature's own noise where |b| >> sqrt(q), b E[z] with E[z] = 0 to 1e-14: leaky ReLU at b = -0.5 and
    # q* = 8e-6, 1.3e-12 off S's closed form at the step's start (a share 3e-11 of q* away), 1.5e-14 at q*.
    w2, b2 = np.meshgrid(prop.PAGE_SIGMA_W2, np.concatenate([[0.0, 1e-30], prop.PAGE_SIGMA_B2[1:]]))
    q_star, m = prop.fixed_points_and_moments(activation, w2, b2, bias=bias)
    exact = prop.map_moments(activation, bias, prop._evaluation_q(q_star))
    for name in ("second", "stein", "slope"):
        np.testing.assert_allclose(getattr(m, name), getattr(exact, name), rtol=2e-12, atol=0)


# --- independent numerics ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation,w2,b2,bias", [
    ("tanh", 1.5, 0.05, 0.0), ("tanh", 3.0, 0.1, 0.2), ("tanh", 30.0, 0.0, 0.0), ("sigmoid", 4.0, 0.1, -0.5),
    ("selu", 1.2, 0.05, 0.0), ("relu", 1.5, 0.1, 0.3), ("leaky_relu", 1.0, 0.2, -0.3),
])
def test_fixed_point_and_chi1_match_adaptive_quadrature(activation, w2, b2, bias):
    q, chi = quad_fixed_point(activation, w2, b2, bias)
    point = prop.phase_point(activation, w2, b2, bias=bias)
    assert point.q_star == pytest.approx(q, rel=1e-9)
    assert point.chi1 == pytest.approx(chi, rel=1e-9)


def test_critical_line_matches_adaptive_quadrature():
    # tanh at sigma_b^2 = 0.05: Poole et al. 2016's example, critical near sigma_w^2 = 1.76.
    def excess(w2):
        return quad_fixed_point("tanh", w2, 0.05)[1] - 1.0

    reference = optimize.brentq(excess, 1.5, 2.0, xtol=1e-12)
    assert prop.critical_sigma_w2("tanh", 0.05) == pytest.approx(reference, rel=1e-9)
    line = prop.critical_line("tanh", [0.0, 0.05, 0.2])
    assert line["sigma_w2"].iloc[1] == prop.critical_sigma_w2("tanh", 0.05)
    assert list(line["sigma_w2"].diff().dropna() > 0) == [True, True]


@pytest.mark.parametrize("activation,bias", [("tanh", 0.0), ("tanh", 0.3), ("selu", 0.0), ("selu", 0.5),
                                             ("sigmoid", 0.0), ("relu", 0.0), ("relu", 0.1)])
def test_critical_line_in_the_diagram_is_the_critical_line_within_its_range(activation, bias):
    # The page brackets the line with the diagram's own chi_1; the result is critical_line's, cut to the range.
    grid = prop.phase_diagram(activation, prop.PAGE_SIGMA_W2, prop.PAGE_SIGMA_B2, bias=bias)
    inside = prop.critical_line_in(grid, activation, bias=bias)
    full = prop.critical_line(activation, prop.PAGE_SIGMA_B2, bias=bias)
    assert list(inside["sigma_b2"]) == list(prop.PAGE_SIGMA_B2)
    w2 = full["sigma_w2"].where(full["sigma_w2"].between(prop.PAGE_SIGMA_W2[0], prop.PAGE_SIGMA_W2[-1]))
    assert list(inside["sigma_w2"].isna()) == list(w2.isna())
    assert np.allclose(inside["sigma_w2"].dropna(), w2.dropna(), rtol=1e-9, atol=0)


def test_edge_without_bias_noise_is_where_q_star_zero_loses_stability():
    # With phi(0) = 0 and sigma_b = 0, q* = 0 below the edge and chi_1 = sigma_w2 E[phi'(0)^2] there:
    # tanh's edge is 1, SELU's 2 / (lambda^2 (1 + alpha^2)) (its slope is lambda above 0, lambda alpha below).
    lam, alpha = 1.0507009873554805, 1.6732632423543772
    assert prop.critical_sigma_w2("tanh", 0.0) == pytest.approx(1.0, abs=1e-12)
    assert prop.critical_sigma_w2("selu", 0.0) == pytest.approx(2.0 / (lam**2 * (1 + alpha**2)), rel=1e-12)
    for activation in ("tanh", "selu"):
        edge = prop.critical_sigma_w2(activation, 0.0)
        assert prop.chi1(activation, edge * (1 - 1e-6), 0.0) < 1.0


@pytest.mark.parametrize("activation,w2,b2,bias", [
    ("tanh", 2.5, 0.05, 0.0), ("tanh", 1.5, 0.1, 0.3), ("selu", 1.5, 0.05, 0.1), ("tanh", 30.0, 0.0, 0.0),
])
def test_correlation_map_matches_two_dimensional_quadrature(activation, w2, b2, bias):
    for c in (-0.6, 0.8, 0.99):
        expected = quad_correlation_map(activation, w2, b2, c, bias)
        assert prop.correlation_map(activation, w2, b2, c, bias=bias) == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize("activation,w2,b2", [("tanh", 2.5, 0.05), ("tanh", 4.0, 0.05), ("selu", 1.5, 0.05)])
def test_chaotic_fixed_point_and_slope_are_those_of_the_map(activation, w2, b2):
    point = prop.phase_point(activation, w2, b2)
    assert point.phase == "chaotic" and 0 <= point.c_star < 1
    assert prop.correlation_map(activation, w2, b2, point.c_star) == pytest.approx(point.c_star, abs=1e-12)
    h = 1e-5
    slope = (prop.correlation_map(activation, w2, b2, point.c_star + h)
             - prop.correlation_map(activation, w2, b2, point.c_star - h)) / (2 * h)
    assert point.chi_c == pytest.approx(slope, rel=1e-7)
    # iterating the map (its kernel at q*, built once) from both sides ends there
    kernel = prop.kernels(activation, 0.0, [point.q_star])
    c = np.array([0.0, 0.95])
    for _ in range(400):
        c = (w2 * prop.kernel_on_grid(kernel, c)[0] + b2) / (w2 * kernel.second[0] + b2)
    np.testing.assert_allclose(c, point.c_star, atol=1e-9)


def test_depth_scales_are_the_rates_at_which_the_maps_converge():
    # Ordered tanh: q_l - q* and 1 - c_l shrink by chi_q and chi_1 = chi_c a layer, once near the fixed points.
    point = prop.phase_point("tanh", 1.5, 0.05)
    q = prop.length_trajectory("tanh", 1.5, 0.05, depth=40)
    ratio = (q[21] - point.q_star) / (q[20] - point.q_star)
    assert -1 / math.log(abs(ratio)) == pytest.approx(point.xi_q, rel=1e-3)
    assert point.xi_c == pytest.approx(-1 / math.log(point.chi1), rel=1e-12)
    # 1 - c, once small enough (3e-4 at layer 120) for the map to be linear about c = 1.
    pair = prop.pair_theory("tanh", 1.5, 0.05, depth=122, c0=0.5)
    gap = 1 - pair["c"].to_numpy()
    assert -1 / math.log(gap[121] / gap[120]) == pytest.approx(point.xi_c, rel=1e-3)


def test_degenerate_settings_return_inf_or_nan_and_never_raise():
    for activation in activations.ACTIVATIONS:
        for w2, b2, bias in [(0.0, 0.0, 0.0), (1e-9, 0.0, 0.5), (1e3, 0.0, 0.0), (2.0, 0.0, -1.0), (1.0, 1e-12, 0.0)]:
            point = prop.phase_point(activation, w2, b2, bias=bias)
            assert point.phase in ("ordered", "chaotic", "edge of chaos", "vanishing", "exploding", "undefined")
            for value in (point.q_star, point.chi1, point.xi_q, point.xi_c):
                assert isinstance(value, float)
    # ReLU at b < 0 without bias noise: every unit is off, both inputs map to 0, no correlation at all.
    dead = prop.phase_point("relu", 1.0, 0.0, bias=-0.5)
    assert dead.q_star == 0.0 and math.isnan(dead.c_star) and math.isnan(dead.xi_c)
    # A dying tanh signal is linear in the limit: c is frozen, xi_c infinite.
    assert prop.depth_scales("tanh", 0.5, 0.0) == (pytest.approx(-1 / math.log(0.5)), math.inf)
    with pytest.raises(ValueError):
        prop.phase_point("tanh", -1.0, 0.0)
    with pytest.raises(ValueError):
        prop.correlation_map("tanh", 1.0, 0.1, 1.5)


def test_depth_scale_is_continuous_across_the_edge():
    critical = prop.critical_sigma_w2("tanh", 0.05)
    below, above = (prop.phase_point("tanh", critical * (1 + s), 0.05) for s in (-1e-5, 1e-5))
    assert below.phase == above.phase == "edge of chaos"
    assert below.xi_c == pytest.approx(above.xi_c, rel=1e-3) and below.xi_c > 1e5


# --- the vectorized phase diagram -------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation,bias", [("tanh", 0.0), ("tanh", 0.3), ("selu", 0.0), ("relu", 0.2)])
def test_phase_diagram_equals_the_scalar_functions_cell_by_cell(activation, bias):
    # 60 x 40 as on the page, so that the chaotic cells' coefficients are interpolated; 40 cells checked.
    w2, b2 = np.linspace(0.075, 4.5, 60), np.linspace(0.0, 0.2925, 40)
    grid = prop.phase_diagram(activation, w2, b2, bias=bias)
    assert list(grid.columns[:5]) == ["sigma_w2", "sigma_b2", "q_star", "chi1", "xi_c"] and len(grid) == 2400
    # sigma_b2 major: the first 60 rows are every sigma_w2 at the first sigma_b2
    np.testing.assert_array_equal(grid["sigma_w2"].iloc[:60], w2)
    np.testing.assert_array_equal(grid["sigma_b2"].iloc[::60], b2)
    chaotic = grid.index[grid["phase"] == "chaotic"].to_numpy()
    rng = np.random.default_rng(1)
    rows = np.concatenate([rng.choice(len(grid), 25, replace=False),
                           rng.choice(chaotic, min(15, len(chaotic)), replace=False)])
    for row in rows:
        cell = grid.iloc[row]
        point = prop.phase_point(activation, cell["sigma_w2"], cell["sigma_b2"], bias=bias)
        np.testing.assert_allclose([cell["q_star"], cell["chi1"]], [point.q_star, point.chi1], rtol=1e-12)
        assert cell["phase"] == point.phase
        # 1/xi_c = -ln chi_c: the interpolated coefficients' chi_c is within 2e-10 of the exact one.
        if math.isfinite(point.xi_c) and point.xi_c > 0:
            assert 1 / cell["xi_c"] == pytest.approx(1 / point.xi_c, abs=1e-9)
        else:
            assert cell["xi_c"] == point.xi_c or (math.isnan(cell["xi_c"]) and math.isnan(point.xi_c))


# --- finite networks ------------------------------------------------------------------------------------------


def network(activation, w2, b2, seed, *, depth=20, width=500, c0=0.5, q0=1.0):
    initializer, params = prop.weights_at("Gaussian", w2, width)
    return prop.propagate_pair(activation, initializer, depth=depth, width=width, c0=c0, bias_std=math.sqrt(b2),
                               seed=seed, init_params=params, q0=q0)


# Tolerances for the average of 4 networks (width 500, 20 layers): 1.5 x the largest deviation of such
# an average over seeds 0-19 (q 0.081 ordered, 0.065 at the edge, 0.021 chaotic; c 0.015, 0.025, 0.031;
# ReLU's c 0.023). One network's q wanders by about 7% a layer at width 500; ReLU's q by 40%: not tested.
@pytest.mark.parametrize("activation,w2,b2,q_tol,c_tol", [
    ("tanh", 1.5, 0.05, 0.12, 0.025), ("tanh", "critical", 0.05, 0.10, 0.04), ("tanh", 4.0, 0.05, 0.035, 0.05),
    ("relu", 2.0, 0.0, None, 0.035),
])
def test_finite_networks_follow_the_joint_map(activation, w2, b2, q_tol, c_tol):
    w2 = prop.critical_sigma_w2(activation, b2) if w2 == "critical" else w2
    runs = [network(activation, w2, b2, seed) for seed in range(4)]
    theory_q, theory_c = runs[0]["q_theory"].to_numpy(), runs[0]["c_theory"].to_numpy()
    if q_tol is not None:
        np.testing.assert_allclose(np.mean([r["q"] for r in runs], axis=0), theory_q, rtol=q_tol)
    np.testing.assert_allclose(np.mean([r["c"] for r in runs], axis=0), theory_c, atol=c_tol)


def test_joint_map_not_the_c_map_at_q_star_is_what_the_first_layers_follow():
    # Inputs of E[x^2] = 9 saturate layer 1 (q_1 = 13.5): c dips before it rises, Poole et al.'s transient
    # chaos. The c-map at q* sends it straight up (0.55 at layer 2); 8 networks measure 0.41 (sd 0.015).
    runs = [network("tanh", 1.5, 0.05, seed, depth=4, q0=9.0) for seed in range(4)]
    measured = np.mean([r["c"] for r in runs], axis=0)
    joint = runs[0]["c_theory"].to_numpy()
    at_q_star = [joint[0]]
    for _ in range(3):
        at_q_star.append(prop.correlation_map("tanh", 1.5, 0.05, at_q_star[-1]))
    np.testing.assert_allclose(measured[1:], joint[1:], atol=0.03)
    assert (np.abs(measured[1:] - np.array(at_q_star[1:])) > 0.1).all()


def test_pair_theory_starts_from_the_inputs_and_follows_mean_field():
    frame = prop.pair_theory("tanh", 2.0, 0.1, depth=8, c0=0.3, q0=2.0)
    assert frame["q"].iloc[0] == pytest.approx(2.0 * 2.0 + 0.1) and frame["c"].iloc[0] == pytest.approx(
        (2.0 * 2.0 * 0.3 + 0.1) / 4.1)
    mf = theory.mean_field("tanh", "normal", depth=8, width=100, init_params={"std": math.sqrt(2.0 / 100)},
                           input_second_moment=2.0, bias_std=math.sqrt(0.1))
    np.testing.assert_allclose(frame["q"], mf.pre_variance, rtol=1e-14)


def test_same_seed_same_numbers_other_seed_other_numbers():
    kwargs = dict(depth=6, width=60, c0=0.7, bias_std=0.2, init_params={"std": 0.15})
    first = prop.propagate_pair("tanh", "normal", seed=3, **kwargs)
    pd.testing.assert_frame_equal(first, prop.propagate_pair("tanh", "normal", seed=3, **kwargs), check_exact=True)
    assert not np.array_equal(first["c"], prop.propagate_pair("tanh", "normal", seed=4, **kwargs)["c"])
    spec = dict(depth=5, width=40, layers=[2, 5], init_params={"gain": 1.1})
    one = prop.jacobian_spectrum("tanh", "orthogonal", seed=7, **spec)
    pd.testing.assert_frame_equal(one, prop.jacobian_spectrum("tanh", "orthogonal", seed=7, **spec), check_exact=True)
    assert not np.array_equal(one["singular_value"], prop.jacobian_spectrum("tanh", "orthogonal", seed=8, **spec)
                              ["singular_value"])


def test_pairs_with_a_dead_input_are_left_out_of_c():
    # ReLU below a negative bias kills inputs one by one (every unit off, so the next layer is its biases alone):
    # rebuild the network and average q12 / sqrt(q_a q_b) over the pairs whose inputs are both alive.
    width, depth, bias, bias_std, std, seed = 100, 8, -1.0, 1e-20, 0.1414, 0
    frame = prop.propagate_pair("relu", "normal", depth=depth, width=width, c0=0.9, bias=bias, bias_std=bias_std,
                                init_params={"std": std}, seed=seed)
    streams = prop._streams(seed, depth)
    first, second = prop.input_pairs(width, 0.9, 1.0, prop.PAIRS, prop._generator(streams[0]))
    a, partial = np.concatenate([first, second]), 0
    for layer in range(1, depth + 1):
        weights, biases = prop._layer("normal", {"std": std}, width, bias, bias_std, streams[layer])
        s = a @ weights + biases
        centred = s - bias
        pairs = [(u, v) for u, v in zip(centred[:prop.PAIRS], centred[prop.PAIRS:]) if u @ u > 0 and v @ v > 0]
        partial += 0 < len(pairs) < prop.PAIRS
        expected = np.mean([u @ v / math.sqrt((u @ u) * (v @ v)) for u, v in pairs]) if pairs else math.nan
        np.testing.assert_allclose(frame["c"].iloc[layer - 1], expected, rtol=1e-12)
        a = np.maximum(s, 0.0)
    assert partial >= 1 and frame["q"].iloc[-1] == 0 and np.isnan(frame["c"].iloc[-1])


def test_a_layer_is_the_same_draw_whatever_the_depth():
    shallow = prop.jacobian_spectrum("tanh", "normal", depth=3, width=30, init_params={"std": 0.2}, seed=1)
    deep = prop.jacobian_spectrum("tanh", "normal", depth=9, width=30, init_params={"std": 0.2}, seed=1, layers=[3])
    np.testing.assert_array_equal(shallow["singular_value"], deep["singular_value"])


# --- the Jacobian -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("initializer", "params"), [("normal", {"std": 0.4}), ("orthogonal", {"gain": 1.2})])
def test_jacobian_matches_finite_differences_of_the_same_network(initializer, params):
    # Rebuild the network from the module's own streams and differentiate a_l(x) numerically at every layer
    # (orthogonal weights take their own path: layer 1 without an SVD, Q_1 left out of the product).
    activation, width, depth, q0, bias, bias_std = "tanh", 12, 3, 1.0, 0.1, 0.3
    streams = prop._streams(5, depth)
    g = prop._generator(streams[0]).standard_normal(width)
    x = g * (math.sqrt(width * q0) / np.linalg.norm(g))
    full = initializers.check_params(initializer, width, width, params)
    layers = [prop._layer(initializer, full, width, bias, bias_std, streams[layer]) for layer in range(1, depth + 1)]

    def forward(v, depth):
        for weights, biases in layers[:depth]:
            v = np.tanh(v @ weights + biases)
        return v

    h = 1e-6
    spectrum = prop.jacobian_spectrum(activation, initializer, depth=depth, width=width, bias=bias, bias_std=bias_std,
                                      seed=5, init_params=params, layers=range(1, depth + 1))
    for layer in range(1, depth + 1):
        numeric = np.array([(forward(x + h * e, layer) - forward(x - h * e, layer)) / (2 * h) for e in np.eye(width)])
        expected = np.linalg.svd(numeric, compute_uv=False)
        measured = spectrum.loc[spectrum["layer"] == layer, "singular_value"]
        # Central differences with h = 1e-6 are good to about 1e-10 of the largest singular value.
        np.testing.assert_allclose(measured, expected, rtol=1e-7, atol=1e-9 * expected[0])


def test_linear_orthogonal_network_has_every_singular_value_one():
    spectrum = prop.jacobian_spectrum("linear", "orthogonal", depth=30, width=64, init_params={"gain": 1.0},
                                      layers=[1, 30])
    np.testing.assert_allclose(spectrum["singular_value"], 1.0, atol=1e-12, rtol=0)


def test_mean_squared_singular_value_is_the_product_of_chi1():
    # Linear Gaussian layers: E[(1/n) tr J J^T] = sigma_w^2 per layer exactly; one network at width 100, depth 10,
    # is within 20% (seeds 0-11), the average of 4 within 7%. tanh with orthogonal weights on the critical line,
    # inputs at q*: one network within 3.1%, 4 within 2% (seeds 0-11, depth 32, width 100).
    linear = [prop.jacobian_spectrum("linear", "normal", depth=10, width=100, init_params={"std": 0.1}, seed=s)
              for s in range(4)]
    assert np.mean([np.mean(s["singular_value"] ** 2) for s in linear]) == pytest.approx(1.0, rel=0.1)
    w2, b2 = 1.05, 2.01e-5
    q0 = (prop.fixed_point("tanh", w2, b2) - b2) / w2
    product = prop.jacobian_theory("tanh", w2, b2, depth=32, q0=q0)["mean_squared_singular_value"].iloc[-1]
    measured = [np.mean(prop.jacobian_spectrum("tanh", "orthogonal", depth=32, width=100, bias_std=math.sqrt(b2),
                                               init_params={"gain": math.sqrt(w2)}, seed=s, q0=q0)["singular_value"]
                        ** 2) for s in range(4)]
    assert np.mean(measured) == pytest.approx(product, rel=0.04)
    chi = prop.chi1_trajectory("tanh", w2, b2, depth=32, q0=q0)
    np.testing.assert_allclose(chi, prop.phase_point("tanh", w2, b2).chi1, rtol=1e-6)  # every layer at q*


def test_jacobian_cost_and_the_width_it_affords():
    assert prop.jacobian_cost(10, 100) == 10 * 100**3 + prop.SVD_PRODUCTS * 100**3 + 10 * prop.DRAW_MULTIPLY_ADDS * 1e4
    assert prop.jacobian_cost(10, 100, orthogonal=True) > prop.jacobian_cost(10, 100)
    budget = 1e9
    width = prop.affordable_jacobian_width(64, 1000, budget, spectra=2)
    assert prop.jacobian_cost(64, width, spectra=2) <= budget < prop.jacobian_cost(64, width + 1, spectra=2)
    assert prop.affordable_jacobian_width(64, 50, budget) == 50


def test_spectrum_summary_and_histogram():
    values = np.concatenate([np.linspace(1, 2, 100), [0.0, 1e-14]])
    frame = pd.DataFrame({"weights": "orthogonal", "layer": 7, "singular_value": values})
    row = prop.spectrum_summary(frame).iloc[0]
    assert row["largest"] == 2.0 and row["smallest"] == 0.0 and row["zero_share"] == pytest.approx(2 / 102)
    assert row["mean_squared"] == pytest.approx(np.mean(values**2))
    assert row["spread"] == pytest.approx(np.percentile(values, 95) / np.percentile(values, 5))
    both = pd.concat([frame, frame.assign(weights="Gaussian", singular_value=values * 3)])
    histogram = prop.singular_value_histogram(both, bins=20)
    assert len(histogram) == 40
    np.testing.assert_allclose(histogram.groupby("weights")["share"].sum(), 1.0)
    edges = np.append(histogram["bin_start"].iloc[:20], histogram["bin_end"].iloc[19])
    np.testing.assert_allclose(np.diff(np.log(edges)), np.log(edges[1] / edges[0]))  # log-spaced, shared
    assert histogram["bin_start"].min() == pytest.approx(6.0 * 1e-10)  # 10 decades under the largest
    # the zeros and 1e-14 are counted in the first bin
    assert histogram[histogram["weights"] == "orthogonal"]["count"].iloc[0] == 2


@pytest.mark.parametrize("sigma_w2", [1.0, 2.0, 3.0])
def test_chi1_is_relus_closed_form_and_the_phase_points(sigma_w2):
    # ReLU at sigma_b = 0: E[relu'(s)^2] = 1/2 whatever q, so chi_1 = sigma_w^2 / 2.
    assert prop.chi1("relu", sigma_w2, 0.0) == pytest.approx(sigma_w2 / 2, rel=1e-12)
    assert prop.chi1("tanh", sigma_w2, 0.05) == prop.phase_point("tanh", sigma_w2, 0.05).chi1


def test_spectrum_comparison_is_each_network_alone_whatever_the_threads():
    # The two networks run side by side; each must be what it gives on its own, bit for bit.
    w2, b2 = 1.2, 0.05
    both = prop.spectrum_comparison("tanh", w2, b2, layers=[2, 6], width=80, seed=3)
    for kind in prop.WEIGHTS:
        initializer, params = prop.weights_at(kind, w2, 80)
        alone = prop.jacobian_spectrum("tanh", initializer, depth=6, width=80, bias_std=math.sqrt(b2), seed=3,
                                       init_params=params, layers=[2, 6])
        ours = both[both["weights"] == kind].drop(columns="weights").reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, alone, check_exact=True)


def test_illinois_finds_every_root_of_its_own_bracket():
    targets = np.geomspace(1e-12, 1e12, 200)
    # e^t = a in [ln a - 3, ln a + 1], as a relative residual; and one bracket whose left end is the root.
    lo, hi = np.log(targets) - 3.0, np.log(targets) + 1.0
    roots = illinois(lambda t: 1.0 - targets / np.exp(t), lo, hi)
    np.testing.assert_allclose(roots, np.log(targets), rtol=0, atol=1e-12)
    exact = illinois(lambda t: t - 2.0, np.array([2.0]), np.array([5.0]))
    assert exact[0] == 2.0
    # A very skewed bracket (the residual -1e260 at one end, 1 at the other): regula falsi alone stalls there.
    skewed = illinois(lambda t: 1.0 - 1e-40 / np.exp(t), np.array([math.log(1e-300)]), np.array([math.log(1e-16)]))
    assert skewed[0] == pytest.approx(math.log(1e-40), rel=1e-12, abs=0.0)


def test_fixed_point_below_the_length_table_is_found():
    # q* far below the table's 1e-16, where the interpolant is linear and V(q) = q (tanh, b = 0) to float64:
    # q* = sigma_b2 / (1 - sigma_w2). Regula falsi alone stalled here on the bracket's end at 1e-300.
    for b2 in (5e-40, 1e-30, 1e-24, 1e-18):
        assert prop.fixed_point("tanh", 0.8847, b2) == pytest.approx(b2 / (1.0 - 0.8847), rel=1e-12, abs=0.0)
