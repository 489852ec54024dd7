"""Each initializer against its formula: sample std, bounds and structure."""

import math

import numpy as np
import pytest

from playground.initializers import INITIALIZERS, init_weights, weight_mean, weight_variance

FAN_IN, FAN_OUT = 400, 300


def rng(seed=0):
    return np.random.default_rng(seed)


# key -> expected standard deviation of one weight for (FAN_IN, FAN_OUT)
EXPECTED_STD = {
    "normal": 0.05,
    "uniform": 0.05 / math.sqrt(3),
    "lecun_normal": 1 / math.sqrt(FAN_IN),
    "xavier_normal": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "xavier_uniform": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "he_normal": math.sqrt(2 / FAN_IN),
    "he_uniform": math.sqrt(2 / FAN_IN),
    "orthogonal": 1 / math.sqrt(FAN_IN),
    "sparse": 1 / math.sqrt(FAN_IN),
}
PARAMS = {"normal": {"std": 0.05}, "uniform": {"limit": 0.05}}


def test_catalogue_keys():
    assert list(INITIALIZERS) == [
        "zeros", "constant", "normal", "uniform", "lecun_normal", "xavier_normal",
        "xavier_uniform", "he_normal", "he_uniform", "orthogonal", "sparse",
    ]


@pytest.mark.parametrize("name", INITIALIZERS)
def test_shape_and_determinism(name):
    a = init_weights(name, FAN_IN, FAN_OUT, rng(3))
    b = init_weights(name, FAN_IN, FAN_OUT, rng(3))
    assert a.shape == (FAN_IN, FAN_OUT)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", EXPECTED_STD)
def test_sample_std_matches_formula(name):
    w = init_weights(name, FAN_IN, FAN_OUT, rng(), **PARAMS.get(name, {}))
    # The sample std of N independent draws errs by about 1/sqrt(2N): allow 4 of that.
    draws = FAN_OUT * 10 if name == "sparse" else w.size
    assert w.std() == pytest.approx(EXPECTED_STD[name], rel=4 / math.sqrt(2 * draws))
    assert abs(w.mean()) < 4 * EXPECTED_STD[name] / math.sqrt(w.size)
    assert weight_variance(name, FAN_IN, FAN_OUT, **PARAMS.get(name, {})) == pytest.approx(
        EXPECTED_STD[name] ** 2, rel=1e-12
    )


@pytest.mark.parametrize(
    "name, limit",
    [("uniform", 0.05), ("xavier_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT))), ("he_uniform", math.sqrt(6 / FAN_IN))],
)
def test_uniform_bounds(name, limit):
    w = init_weights(name, FAN_IN, FAN_OUT, rng(), **PARAMS.get(name, {}))
    assert w.min() >= -limit and w.max() <= limit
    # 120 000 uniform draws reach within 0.1% of both ends.
    assert w.max() > 0.999 * limit and w.min() < -0.999 * limit


def test_constant_and_zeros():
    np.testing.assert_array_equal(init_weights("zeros", 3, 2, rng()), np.zeros((3, 2)))
    np.testing.assert_array_equal(init_weights("constant", 3, 2, rng(), value=0.7), np.full((3, 2), 0.7))
    assert weight_mean("constant", 3, 2, value=0.7) == 0.7


@pytest.mark.parametrize("shape", [(300, 300), (400, 300), (300, 400)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_is_orthogonal(shape, gain):
    w = init_weights("orthogonal", *shape, rng(), gain=gain)
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(shape)), atol=1e-10)


def test_orthogonal_sign_fix_makes_it_haar():
    # Without the sign fix, numpy's QR returns Q with a biased diagonal; with it,
    # Q's diagonal entries are symmetric about 0 across draws.
    diagonals = np.array([np.diag(init_weights("orthogonal", 4, 4, rng(s))) for s in range(2000)])
    assert abs(diagonals.mean()) < 0.03


@pytest.mark.parametrize("k", [1, 10, 400])
def test_sparse_has_exactly_k_nonzeros_per_unit(k):
    w = init_weights("sparse", FAN_IN, FAN_OUT, rng(), nonzero=k)
    np.testing.assert_array_equal(np.count_nonzero(w, axis=0), np.full(FAN_OUT, k))
    nonzero = w[w != 0]
    tolerance = 4 / math.sqrt(2 * nonzero.size)
    assert nonzero.std() == pytest.approx(1 / math.sqrt(k), rel=tolerance)
    # every unit's squared weights sum to about 1: n Var(w) = 1
    assert (w**2).sum(axis=0).mean() == pytest.approx(1.0, rel=2 * tolerance)


def test_sparse_rows_differ_between_units():
    w = init_weights("sparse", FAN_IN, FAN_OUT, rng(), nonzero=10)
    patterns = {tuple(np.flatnonzero(w[:, j])) for j in range(FAN_OUT)}
    assert len(patterns) > FAN_OUT * 0.99


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: init_weights("glorot", 3, 3, rng()), "allowed: zeros, constant, normal"),
        (lambda: init_weights("normal", 3, 3, rng(), std=-1), "std must be >= 0"),
        (lambda: init_weights("sparse", 5, 3, rng(), nonzero=6), "between 1 and fan_in = 5"),
        (lambda: init_weights("sparse", 5, 3, rng(), nonzero=0), "between 1 and fan_in = 5"),
        (lambda: init_weights("he_normal", 0, 3, rng()), "fan_in must be a positive integer"),
        (lambda: init_weights("he_normal", 3, -2, rng()), "fan_out must be a positive integer"),
        (lambda: init_weights("normal", 3, 3, rng(), limit=1), "takes: std"),
        (lambda: init_weights("normal", 3, 3, rng(), std=float("nan")), "finite"),
        (lambda: init_weights("lecun_normal", 3, 3, 42), "numpy.random.Generator"),
    ],
)
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_every_entry_has_page_metadata():
    for key, init in INITIALIZERS.items():
        assert init.key == key and init.label and init.latex and init.fn.__doc__
