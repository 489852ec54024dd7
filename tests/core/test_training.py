"""Training several initializers at once: against finite differences, textbook Adam, single runs and the lessons."""

import math

import numpy as np
import pandas as pd
import pytest

from playground import datasets, links
from playground.settings import Training
from playground.training import (
    WORK_BUDGET,
    Adam,
    Networks,
    affordable_points,
    logit_cross_entropy,
    forward,
    init_networks,
    loss_and_gradients,
    train,
)

LN2 = math.log(2.0)
DEFAULT = Training()


# --- datasets ----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_datasets_are_balanced_standardized_and_seeded(name):
    x, y = datasets.make_dataset(name, 301, 7)
    assert x.shape == (301, 2) and y.shape == (301,)
    assert set(np.unique(y)) == {0.0, 1.0} and abs(y.sum() - 150) <= 1
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=0), 1.0, rtol=1e-12)
    again, _ = datasets.make_dataset(name, 301, np.random.default_rng(7))
    np.testing.assert_array_equal(x, again)
    other, _ = datasets.make_dataset(name, 301, 8)
    assert not np.array_equal(x, other)


def test_a_link_can_ask_for_every_dataset_and_no_other():
    for key in datasets.DATASETS:
        state, notes = links.parse_query({"dataset": key})
        assert notes == [] and state.training.dataset == key
    _, notes = links.parse_query({"dataset": "mnist"})
    assert len(notes) == 1 and notes[0].startswith("dataset=")


def test_circles_put_class_1_inside_and_xor_labels_agreeing_signs():
    x, y = datasets.circles(400, np.random.default_rng(0), noise=0.0)
    radius = np.hypot(*x.T)
    np.testing.assert_allclose(radius, np.where(y == 1, 0.5, 1.0), rtol=1e-12)
    x, y = datasets.make_dataset("circles", 400, 0)
    radius = np.hypot(*(x - x.mean(axis=0)).T)
    assert np.median(radius[y == 1]) < 0.6 * np.median(radius[y == 0])
    x, y = datasets.make_dataset("xor", 400, 0, noise=0.0)
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) == np.sign(x[:, 1])).astype(float))


def test_unknown_dataset_is_a_value_error():
    with pytest.raises(ValueError, match="allowed: circles"):
        datasets.make_dataset("spiral")


# --- the maths: loss, gradients, Adam ----------------------------------------------


def test_loss_is_the_cross_entropy_of_the_sigmoid():
    z = np.array([[-30.0, -2.0, 0.0, 0.5, 3.0, 30.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
    p = 1.0 / (1.0 + np.exp(-z))
    direct = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(logit_cross_entropy(z, y), [direct], rtol=1e-12)
    # Where 1 - p rounds to 0 the direct formula fails; the logit form stays exact: log(1 + e^800) = 800.
    assert logit_cross_entropy(np.array([[800.0]]), np.array([0.0]))[0] == pytest.approx(800.0)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "selu"])
def test_gradients_match_finite_differences(activation):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 2))
    y = (rng.random(9) > 0.5).astype(float)
    nets = init_networks(["he_normal", "lecun_normal"], depth=3, width=4, bias=0.1, rng=3)
    _, _, grads = loss_and_gradients(nets, x, y, activation)

    def loss_of(params):
        z, _ = forward(Networks(params[:4], params[4:]), x, activation)
        return logit_cross_entropy(z, y)

    params = nets.parameters()
    h = 1e-6
    for index, (p, g) in enumerate(zip(params, grads.parameters())):
        for flat in rng.choice(p.size, size=min(5, p.size), replace=False):
            where = np.unravel_index(flat, p.shape)
            k = where[0]
            shifted = [q.copy() for q in params]
            shifted[index][where] += h
            up = loss_of(shifted)[k]
            shifted[index][where] -= 2 * h
            down = loss_of(shifted)[k]
            assert g[where] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9), (index, where)


def test_adam_matches_the_textbook_update():
    rng = np.random.default_rng(0)
    theta = rng.standard_normal((2, 3, 3))
    reference = theta.copy()
    opt = Adam([theta], lr=0.05)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t in range(1, 6):
        g = rng.standard_normal(theta.shape) * 10.0 ** rng.integers(-6, 3)
        opt.step([theta], [g])
        # Kingma and Ba 2015, Algorithm 1.
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
        reference -= 0.05 * m_hat / (np.sqrt(v_hat) + 1e-8)
        np.testing.assert_allclose(theta, reference, rtol=1e-12, atol=1e-15)


def test_every_initializer_starts_from_the_same_draws():
    nets = init_networks(["lecun_normal", "he_normal", "normal:0.5"], depth=2, width=8, rng=5)
    for w in nets.weights[1:-1]:
        np.testing.assert_allclose(w[1], w[0] * math.sqrt(2.0), rtol=1e-12)
        np.testing.assert_allclose(w[2], w[0] * 0.5 * math.sqrt(8.0), rtol=1e-12)


def test_sparse_and_orthogonal_fit_every_layer_shape():
    nets = init_networks(["sparse", "orthogonal"], depth=2, width=5, rng=0)
    first, hidden, output = nets.weights
    assert first.shape == (2, 2, 5) and output.shape == (2, 5, 1)
    # Sparse: at most min(10, fan_in) non-zero inputs per unit.
    assert (np.count_nonzero(hidden[0], axis=0) == 5).all()
    np.testing.assert_allclose(hidden[1].T @ hidden[1], np.eye(5), atol=1e-12)


# --- the lessons -------------------------------------------------------------------


def test_he_relu_network_learns_circles_in_the_default_steps():
    r = train(["he_normal"], activation="relu", dataset="circles", optimizer=DEFAULT.optimizer, lr=DEFAULT.lr,
              steps=DEFAULT.steps)
    assert r.summary["accuracy"].iloc[0] > 0.9
    assert r.history["loss"].iloc[-1] < 0.1 * LN2


def test_zero_init_hidden_weights_never_change():
    r = train(["zeros", "he_normal"], activation="tanh", depth=3, optimizer="adam", steps=100)
    zeros = r.history[r.history["init"] == "zeros"]
    assert r.summary.set_index("init").loc["zeros", "weight_change"] == 0.0
    assert r.summary.set_index("init").loc["he_normal", "weight_change"] > 0.01
    # Only the output bias moves: Adam's normalized steps make it hover around 0 by about lr,
    # which costs c^2 / 8 of loss (from about 1e-17 of rounding in the first gradient).
    np.testing.assert_allclose(zeros["loss"], LN2, rtol=0, atol=1e-4)
    # With no signal past the first layer the prediction is the same everywhere.
    assert np.ptp(r.boundary["zeros"]) == 0.0
    # And the reason: every hidden gradient is exactly 0 at the start.
    nets = init_networks(["zeros"], depth=3, width=8, rng=0)
    x, y = datasets.make_dataset("circles", 50, 0)
    _, _, grads = loss_and_gradients(nets, x, y, "tanh")
    assert all(not g.any() for g in grads.weights)


def test_same_seed_same_curves():
    args = dict(activation="tanh", depth=3, steps=40, dataset="moons")
    first = train(["he_normal", "normal:0.5"], seed=4, **args)
    second = train(["he_normal", "normal:0.5"], seed=4, **args)
    pd.testing.assert_frame_equal(first.history, second.history)
    np.testing.assert_array_equal(first.boundary["he_normal"], second.boundary["he_normal"])
    other = train(["he_normal", "normal:0.5"], seed=5, **args)
    assert not np.allclose(first.history["loss"], other.history["loss"])


def test_small_weights_stall_a_deep_tanh_network():
    # Depth 10 with the page's defaults (Adam, lr 0.01, 300 steps): std 0.01 never leaves ln 2.
    r = train(["normal:0.01", "lecun_normal"], activation="tanh", depth=10, optimizer=DEFAULT.optimizer,
              lr=DEFAULT.lr, steps=DEFAULT.steps)
    small = r.history[r.history["init"] == "normal:0.01"]["loss"]
    assert (small - LN2).abs().max() < 1e-3
    assert r.summary.set_index("init").loc["lecun_normal", "loss"] < 0.05


def test_large_weights_diverge_in_a_deep_relu_network_where_he_trains():
    r = train(["normal:1", "he_normal"], activation="relu", depth=10, optimizer="gd", lr=0.1, steps=150)
    summary = r.summary.set_index("init")
    assert summary.loc["normal:1", "diverged_at"] <= 10
    assert math.isnan(summary.loc["he_normal", "diverged_at"])
    assert summary.loc["he_normal", "accuracy"] > 0.9
    assert r.diverged() == {"normal:1": int(summary.loc["normal:1", "diverged_at"])}
    # No NaN reaches the history; the diverged network's rows stop before its step.
    assert np.isfinite(r.history["loss"]).all()
    assert r.history[r.history["init"] == "normal:1"]["step"].max() < summary.loc["normal:1", "diverged_at"]
    assert np.isnan(r.boundary["normal:1"]).all() and np.isfinite(r.boundary["he_normal"]).all()


def test_networks_train_independently_of_their_batch_mates():
    args = dict(activation="relu", depth=10, optimizer="gd", lr=0.1, steps=60)
    together = train(["normal:1", "he_normal"], **args)
    alone = train(["he_normal"], **args)
    he = together.history[together.history["init"] == "he_normal"].reset_index(drop=True)
    np.testing.assert_allclose(he["loss"], alone.history["loss"], rtol=1e-9)


def test_large_weights_start_with_an_exploded_loss_under_adam():
    r = train(["normal:1", "he_normal"], activation="relu", depth=5, steps=0)
    start = r.history.set_index("init")["loss"]
    assert start["normal:1"] > 100 and start["he_normal"] < 10


# --- the interface -----------------------------------------------------------------


def test_progress_reports_up_to_the_last_step():
    calls = []
    train(["he_normal"], depth=2, steps=30, progress=lambda step, total: calls.append((step, total)))
    assert calls[-1] == (30, 30)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(keys=["bogus"]),
        dict(keys=[]),
        dict(keys=["normal:abc"]),
        dict(keys=["he_normal"], optimizer="sgd"),
        dict(keys=["he_normal"], dataset="spiral"),
        dict(keys=["he_normal"], lr=-1.0),
        dict(keys=["he_normal"], depth=0),
        dict(keys=["he_normal"], steps=2.5),
    ],
)
def test_bad_arguments_are_value_errors(kwargs):
    keys = kwargs.pop("keys")
    with pytest.raises(ValueError):
        train(keys, **kwargs)


def test_points_are_lowered_to_stay_within_the_budget():
    assert affordable_points(8, 5, 300) == 300
    assert affordable_points(8, 10, 1000) == 50
    fitted = affordable_points(8, 10, 300)
    assert 100 < fitted < 300 and 8 * 10 * 300 * fitted <= WORK_BUDGET < 8 * 10 * 300 * (fitted + 1)


def test_the_lessons_show_with_the_default_training():
    """Zero init and std 0.01 stall at ln 2 in tanh; std 1 diverges where He trains in ReLU."""
    keys = ("zeros", "normal:0.01", "normal:1", "he_normal")

    def summary(activation):
        result = train(
            keys, dataset=DEFAULT.dataset, activation=activation, depth=5, width=32, bias=0.0,
            optimizer=DEFAULT.optimizer, lr=DEFAULT.lr, steps=DEFAULT.steps,
            n_points=affordable_points(len(keys), 5, DEFAULT.steps), seed=0,
        )
        return result.summary.set_index("init")

    tanh = summary("tanh")
    assert abs(tanh.loc["zeros", "loss"] - LN2) < 1e-6
    assert abs(tanh.loc["normal:0.01", "loss"] - LN2) < 1e-3
    relu = summary("relu")
    assert relu.loc["normal:1", "diverged_at"] > 0
    assert relu.loc["he_normal", "accuracy"] > 0.9
