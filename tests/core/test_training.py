"""Training several initializers at once: against finite differences, textbook Adam, PyTorch, and single runs."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from playground import datasets, optimizers, training, training_budget
from playground.networks import (
    Networks,
    backward,
    forward,
    head_for,
    init_networks,
    loss_and_gradients,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
)
from playground.settings import Training
from playground.training import Adam, logit_cross_entropy, train

LN2 = math.log(2.0)
LN10 = math.log(10.0)
DEFAULT = Training()


# --- the maths: losses, gradients, Adam -----------------------------------------------------


def test_binary_loss_is_the_cross_entropy_of_the_sigmoid():
    z = np.array([[-30.0, -2.0, 0.0, 0.5, 3.0, 30.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
    p = 1.0 / (1.0 + np.exp(-z))
    direct = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(logit_cross_entropy(z, y), [direct], rtol=1e-12)
    # Where 1 - p rounds to 0 the direct formula fails; the logit form stays exact: log(1 + e^800) = 800.
    assert logit_cross_entropy(np.array([[800.0]]), np.array([0.0]))[0] == pytest.approx(800.0)


def test_softmax_cross_entropy_is_minus_the_log_of_the_labels_probability():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((3, 7, 10)) * 3
    y = rng.integers(0, 10, 7)
    p = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    direct = -np.log(p[:, np.arange(7), y]).mean(axis=-1)
    np.testing.assert_allclose(softmax_cross_entropy(z, y), direct, rtol=1e-12)
    # Logits of 1000 overflow exp(); the shifted form gives the exact answer: log(1 + e^-1000) - 0 and 1000.
    big = np.array([[[1000.0, 0.0], [0.0, 1000.0]]])
    np.testing.assert_allclose(softmax_cross_entropy(big, np.array([0, 0])), [500.0], rtol=1e-12)
    # Equal logits: the loss of chance, ln C.
    assert softmax_cross_entropy(np.zeros((1, 5, 10)), np.arange(5))[0] == pytest.approx(LN10, rel=1e-15)


def test_softmax_cross_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((2, 6, 4))
    y = rng.integers(0, 4, 6)
    grad = softmax_cross_entropy_gradient(z, y)
    h = 1e-6
    for where in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[where] += h
        down[where] -= h
        numeric = (softmax_cross_entropy(up, y)[where[0]] - softmax_cross_entropy(down, y)[where[0]]) / (2 * h)
        assert grad[where] == pytest.approx(numeric, rel=1e-6, abs=1e-10)


def _finite_difference_check(nets: Networks, x, y, activation: str, rng, per_array: int = 4) -> None:
    _, _, grads = loss_and_gradients(nets, x, y, activation)
    head = head_for(max(2, nets.sizes[-1]))
    labels = np.asarray(y).astype(int)
    h = 1e-6
    for index, (p, g) in enumerate(zip(nets.parameters(), grads.parameters(), strict=True)):
        for flat in rng.choice(p.size, size=min(per_array, p.size), replace=False):
            where = np.unravel_index(flat, p.shape)
            original = p[where]
            p[where] = original + h
            up = head.loss(forward(nets, x, activation)[0], labels)[where[0]]
            p[where] = original - h
            down = head.loss(forward(nets, x, activation)[0], labels)[where[0]]
            p[where] = original
            assert g[where] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9), (index, where)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "selu", "linear"])
def test_binary_network_gradients_match_finite_differences(activation):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 2))
    y = (rng.random(9) > 0.5).astype(float)
    nets = init_networks(["he_normal", "lecun_normal"], depth=3, width=4, bias=0.1, rng=3)
    _finite_difference_check(nets, x, y, activation, rng)


@pytest.mark.parametrize("activation", ["relu", "tanh", "linear"])
def test_deep_softmax_network_gradients_match_finite_differences(activation):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((11, 6))
    y = rng.integers(0, 5, 11)
    nets = init_networks(["he_normal", "orthogonal"], depth=8, width=5, bias=0.05, rng=4, inputs=6, outputs=5)
    _finite_difference_check(nets, x, y, activation, rng, per_array=2)


def test_adam_matches_the_textbook_update():
    rng = np.random.default_rng(0)
    theta = rng.standard_normal((2, 3, 3))
    reference = theta.copy()
    opt = Adam([theta], lr=0.05)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t in range(1, 6):
        g = rng.standard_normal(theta.shape) * 10.0 ** rng.integers(-6, 3)
        opt.step([theta], [g.copy()])  # the optimizer spends its gradient array
        # Kingma and Ba 2015, Algorithm 1.
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
        reference -= 0.05 * m_hat / (np.sqrt(v_hat) + 1e-8)
        np.testing.assert_allclose(theta, reference, rtol=1e-12, atol=1e-15)


def test_the_optimizers_are_the_ones_the_budget_knows():
    assert tuple(optimizers.OPTIMIZERS) == training_budget.OPTIMIZER_KEYS == tuple(optimizers.OPTIMIZER_LABELS)


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


def test_the_parameter_views_share_one_buffer_per_network():
    nets = init_networks(["he_normal", "zeros"], depth=2, width=3, rng=0, inputs=4, outputs=10)
    assert nets.flat.shape == (2, 4 * 3 + 3 + 3 * 3 + 3 + 3 * 10 + 10)
    nets.flat[0] = 7.0
    assert all((p[0] == 7.0).all() and not (p[1] == 7.0).all() for p in nets.weights)
    picked = nets.select([1])
    assert picked.count == 1 and np.array_equal(picked.flat[0], nets.flat[1])


# --- against PyTorch -----------------------------------------------------------------------------


def test_one_sgd_step_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 6))
    y = rng.integers(0, 4, 16)
    nets = init_networks(["he_normal"], depth=4, width=7, bias=0.1, rng=2, inputs=6, outputs=4)
    weights = [torch.tensor(w[0], dtype=torch.float64, requires_grad=True) for w in nets.weights]
    biases = [torch.tensor(b[0, 0], dtype=torch.float64, requires_grad=True) for b in nets.biases]
    a = torch.tensor(x)
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
        a = a @ w + b
        if layer < len(weights) - 1:
            a = torch.relu(a)
    loss = torch.nn.functional.cross_entropy(a, torch.tensor(y))
    loss.backward()
    with torch.no_grad():
        for p in weights + biases:
            p -= 0.1 * p.grad
    z, outputs = forward(nets, x, "relu")
    head = head_for(4)
    assert head.loss(z, y)[0] == pytest.approx(loss.item(), rel=1e-12)
    grads = backward(nets, outputs, head.delta(z, y), "relu", Networks.zeros(1, nets.sizes))
    optimizers.GradientDescent([nets.flat], 0.1).step([nets.flat], [grads.flat])
    for ours, theirs in zip(nets.weights + nets.biases, weights + biases, strict=True):
        np.testing.assert_allclose(ours[0].reshape(theirs.shape), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


# --- single runs -------------------------------------------------------------------------


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
    # And the reason: every hidden gradient is exactly 0, at the start and at every recorded step.
    g = r.gradients[r.gradients["init"] == "zeros"]
    assert (g["grad_norm"] == 0.0).all() and len(g) == 4 * r.history["step"].nunique()
    nets = init_networks(["zeros"], depth=3, width=8, rng=0)
    x, y = datasets.make_dataset("circles", 50, 0)
    _, _, grads = loss_and_gradients(nets, x, y, "tanh")
    assert all(not g.any() for g in grads.weights)


def test_zero_init_never_moves_a_deep_softmax_network_either():
    r = train(["zeros"], dataset="digits", activation="relu", depth=6, width=16, optimizer="sgd", lr=0.1, steps=30)
    assert r.summary["weight_change"].iloc[0] == 0.0
    np.testing.assert_allclose(r.history["test_loss"], LN10, atol=0.01)


def test_same_seed_same_curves_bit_for_bit():
    args = dict(activation="tanh", depth=3, steps=40, dataset="moons")
    first = train(["he_normal", "normal:0.5"], seed=4, **args)
    second = train(["he_normal", "normal:0.5"], seed=4, **args)
    for name in ("history", "gradients", "saturation", "summary", "points"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    np.testing.assert_array_equal(first.boundary["he_normal"], second.boundary["he_normal"])
    other = train(["he_normal", "normal:0.5"], seed=5, **args)
    assert not np.allclose(first.history["loss"], other.history["loss"])


def test_sgd_minibatches_come_from_the_seed():
    first = training.minibatch_indices(10, 4, 7, np.random.default_rng(1))
    assert first.shape == (8, 4)
    np.testing.assert_array_equal(first, training.minibatch_indices(10, 4, 7, np.random.default_rng(1)))
    assert not np.array_equal(first, training.minibatch_indices(10, 4, 7, np.random.default_rng(2)))
    # Every epoch of 10 points is a permutation: each point once.
    stream = first.ravel()
    assert sorted(stream[:10]) == list(range(10)) and sorted(stream[10:20]) == list(range(10))
    args = dict(dataset="digits", activation="relu", depth=3, width=16, optimizer="sgd", lr=0.05, steps=30,
                batch_size=32)
    pd.testing.assert_frame_equal(train(["he_normal"], seed=1, **args).history,
                                  train(["he_normal"], seed=1, **args).history)
    # Another seed: other batches (and data split and weights), so other curves.
    assert not np.allclose(train(["he_normal"], seed=2, **args).history["loss"],
                           train(["he_normal"], seed=1, **args).history["loss"])


def test_held_out_points_are_never_trained_on(monkeypatch):
    """Poison the held-out labels: training is unchanged bit for bit, only the held-out numbers move."""
    args = dict(dataset="digits", activation="relu", depth=3, width=16, optimizer="sgd", lr=0.05, steps=40,
                batch_size=32)
    clean = train(["he_normal", "lecun_normal"], **args)
    honest_split = training.split_dataset

    def poisoned(*a, **kw):
        split = honest_split(*a, **kw)
        return datasets.Split(split.name, split.x_train, split.y_train, split.x_test, (split.y_test + 3) % 10,
                              split.train_index, split.test_index, split.classes)

    monkeypatch.setattr(training, "split_dataset", poisoned)
    dirty = train(["he_normal", "lecun_normal"], **args)
    for column in ("step", "loss", "accuracy"):
        np.testing.assert_array_equal(clean.history[column], dirty.history[column])
    pd.testing.assert_frame_equal(clean.gradients, dirty.gradients)
    assert (clean.summary["weight_change"] == dirty.summary["weight_change"]).all()
    assert (dirty.history["test_accuracy"] != clean.history["test_accuracy"]).any()
    clean_end, dirty_end = (r.summary.set_index("init").loc["he_normal", "test_accuracy"] for r in (clean, dirty))
    assert clean_end > 0.5 > dirty_end


def test_the_history_reports_train_and_held_out_numbers_at_the_recorded_steps():
    r = train(["he_normal"], dataset="circles", activation="relu", depth=3, optimizer="gd", lr=0.1, steps=500)
    assert list(r.history.columns) == training.HISTORY_COLUMNS
    steps = r.history["step"].to_numpy()
    assert steps[0] == 0 and steps[-1] == 500 and len(steps) == training.RECORDED_STEPS + 1
    assert np.all(np.diff(steps) == 10)
    assert r.train_points + r.test_points == 300 and r.test_points == 76
    assert set(r.points["split"]) == {"train", "test"} and (r.points["split"] == "test").sum() == 76
    last = r.history.iloc[-1]
    summary = r.summary.iloc[0]
    for column in ("loss", "accuracy", "test_loss", "test_accuracy"):
        assert summary[column] == last[column]
    assert list(r.gradients.columns) == training.GRADIENT_COLUMNS
    assert sorted(r.gradients["layer"].unique()) == [1, 2, 3, 4]
    assert list(r.saturation.columns) == training.SATURATION_COLUMNS
    assert r.saturation["saturated"].isna().all() and r.saturation["dead"].between(0, 1).all()


def test_the_gradient_norms_are_those_of_the_step():
    """The frame's norms at step 0 are ||dL/dW_l|| of the untrained networks on the whole training split."""
    r = train(["he_normal", "lecun_normal"], dataset="moons", activation="tanh", depth=2, width=8, optimizer="gd",
              lr=0.1, steps=3, dtype="float64")
    data_seq, weight_seq, _ = np.random.SeedSequence(0).spawn(3)
    split = datasets.split_dataset("moons", 300, rng=np.random.default_rng(data_seq))
    nets = init_networks(r.keys, depth=2, width=8, rng=np.random.default_rng(weight_seq))
    _, _, grads = loss_and_gradients(nets, split.x_train, split.y_train, "tanh")
    start = r.gradients[r.gradients["step"] == 0]
    for k, key in enumerate(r.keys):
        expected = [np.linalg.norm(w[k]) for w in grads.weights]
        np.testing.assert_allclose(start[start["init"] == key]["grad_norm"], expected, rtol=1e-12)


def test_small_weights_stall_a_deep_tanh_network():
    # Depth 10 with Adam, lr 0.01, 300 steps: std 0.01 never leaves ln 2.
    r = train(["normal:0.01", "lecun_normal"], activation="tanh", depth=10, optimizer="adam", lr=0.01, steps=300)
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
    assert np.isfinite(r.history[["loss", "accuracy", "test_loss", "test_accuracy"]]).all().all()
    assert r.history[r.history["init"] == "normal:1"]["step"].max() < summary.loc["normal:1", "diverged_at"]
    assert np.isnan(r.boundary["normal:1"]).all() and np.isfinite(r.boundary["he_normal"]).all()
    assert math.isnan(summary.loc["normal:1", "roughness"])


def test_networks_train_independently_of_their_batch_mates():
    args = dict(activation="relu", depth=10, optimizer="gd", lr=0.1, steps=60)
    together = train(["normal:1", "he_normal"], **args)
    alone = train(["he_normal"], **args)
    he = together.history[together.history["init"] == "he_normal"].reset_index(drop=True)
    np.testing.assert_array_equal(he["loss"], alone.history["loss"])


def test_large_weights_start_with_an_exploded_loss_under_adam():
    r = train(["normal:1", "he_normal"], activation="relu", depth=5, steps=0)
    start = r.history.set_index("init")["loss"]
    assert start["normal:1"] > 100 and start["he_normal"] < 10


def test_a_rough_decision_map_counts_class_changes_between_neighbours():
    stripes = np.tile([0.0, 1.0], (4, 2))  # 4 x 4, every horizontal neighbour differs
    assert training.roughness(stripes) == pytest.approx(12 / 24)
    assert training.roughness(np.zeros((5, 5))) == 0.0
    assert math.isnan(training.roughness(np.full((3, 3), np.nan)))


def test_float32_and_float64_train_alike():
    args = dict(dataset="circles", activation="tanh", depth=3, optimizer="gd", lr=0.1, steps=50)
    single = train(["he_normal"], dtype="float32", **args).history["loss"]
    double = train(["he_normal"], dtype="float64", **args).history["loss"]
    np.testing.assert_allclose(single, double, rtol=1e-4)


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
        dict(keys=["he_normal"], optimizer="rmsprop"),
        dict(keys=["he_normal"], optimizer="gd", batch_size=32),
        dict(keys=["he_normal"], optimizer="sgd", batch_size=0),
        dict(keys=["he_normal"], dataset="spiral"),
        dict(keys=["he_normal"], lr=-1.0),
        dict(keys=["he_normal"], lr=float("nan")),
        dict(keys=["he_normal"], depth=0),
        dict(keys=["he_normal"], depth=training.MAX_DEPTH + 1),
        dict(keys=["he_normal"], width=training.MAX_WIDTH + 1),
        dict(keys=["he_normal"], steps=2.5),
        dict(keys=["he_normal"], steps=training.MAX_STEPS + 1),
        dict(keys=["he_normal"], test_fraction=1.0),
        dict(keys=["he_normal"], n_points=3),
        dict(keys=["he_normal"], dtype="float16"),
        dict(keys=["he_normal"], bias=math.inf),
    ],
)
def test_bad_arguments_are_value_errors(kwargs):
    keys = kwargs.pop("keys")
    with pytest.raises(ValueError):
        train(keys, **kwargs)


def test_a_minibatch_larger_than_the_training_split_is_the_whole_split():
    r = train(["he_normal"], n_points=40, optimizer="sgd", batch_size=500, steps=5)
    assert r.batch_size == r.train_points == 30


def test_the_digits_train_with_a_softmax_and_have_no_decision_map():
    r = train(["he_normal"], dataset="digits", activation="relu", depth=2, width=32, optimizer="sgd", lr=0.05,
              steps=100)
    assert r.classes == 10 and r.chance_loss == pytest.approx(LN10)
    assert r.boundary == {} and r.extent is None and r.points.empty
    assert (r.train_points, r.test_points) == training_budget.split_sizes("digits") == (1347, 450)
    start, end = r.history.iloc[0], r.history.iloc[-1]
    assert end["loss"] < 0.5 * start["loss"] and end["test_accuracy"] > 0.8


# --- the budget -----------------------------------------------------------------------------


def test_the_budget_keeps_what_fits_and_lowers_in_order():
    fit = training_budget.fit_training(2, dataset="digits", depth=30, width=64, steps=800, optimizer="sgd")
    assert fit.lowered == () and fit.seconds <= fit.budget_seconds
    heavy = training_budget.fit_training(8, dataset="digits", depth=40, width=128, steps=2000, optimizer="gd")
    lowered = {low.what: low for low in heavy.lowered}
    assert lowered["width"].used == training_budget.MIN_WIDTH and lowered["width"].reason == "budget"
    assert "steps" in lowered and heavy.seconds <= heavy.budget_seconds < heavy.asked_seconds
    assert heavy.depth == 40 or lowered["depth"].reason == "budget"
    capped = training_budget.fit_training(1, dataset="circles", depth=80, width=500, steps=9000, optimizer="gd")
    reasons = {low.what: low.reason for low in capped.lowered}
    assert reasons["depth"] == reasons["steps"] == "limit" and capped.width <= training.MAX_WIDTH
    assert (capped.depth, capped.steps) == (training.MAX_DEPTH, training.MAX_STEPS) or "budget" in reasons.values()


def test_adam_costs_its_ten_extra_passes_over_every_parameter_a_step():
    shape = dict(inputs=64, outputs=10, batch=64, train_points=1347, test_points=450)
    sgd = training_budget.estimated_seconds(8, 10, 64, 300, optimizer="sgd", **shape)
    adam = training_budget.estimated_seconds(8, 10, 64, 300, optimizer="adam", **shape)
    parameters = 64 * 64 + 9 * 64 * 64 + 64 * 10 + (10 * 64 + 10)
    assert adam - sgd == pytest.approx(training_budget.UPDATE_SECONDS * 10 * 8 * parameters * 300)


def test_the_budget_lowers_the_points_of_a_planar_set_first():
    fit = training_budget.fit_training(8, dataset="circles", depth=10, width=128, steps=300, optimizer="gd")
    assert fit.lowered[0].what == "points" and fit.points < 300
    assert training.affordable_points(8, 10, 300, width=128) == fit.points or fit.points == training_budget.MIN_POINTS
    assert training.affordable_points(1, 1, 10, width=8) == 300


def test_the_page_lessons_run_unlowered():
    from playground.explain.training import TRAINING_LESSONS

    for settings, _ in TRAINING_LESSONS.values():
        fit = training_budget.fit_training(len(settings.keys), dataset=settings.dataset, depth=settings.depth,
                                           width=settings.width, steps=settings.steps, optimizer=settings.optimizer,
                                           batch_size=settings.batch_size)
        assert fit.lowered == (), settings


def _default_run(keys, activation):
    """The page's default training controls (settings.Training) on a 5 x 32 network, as the budget fits them."""
    batch = getattr(DEFAULT, "batch_size", None) if DEFAULT.optimizer != "gd" else None
    fit = training_budget.fit_training(len(keys), dataset=DEFAULT.dataset, depth=5, width=32, steps=DEFAULT.steps,
                                       optimizer=DEFAULT.optimizer, batch_size=batch)
    return train(keys, dataset=DEFAULT.dataset, activation=activation, depth=fit.depth, width=fit.width,
                 optimizer=DEFAULT.optimizer, lr=DEFAULT.lr, steps=fit.steps, batch_size=fit.batch_size,
                 n_points=fit.points, seed=0)


def test_he_relu_network_learns_the_default_data_in_the_default_steps():
    r = _default_run(["he_normal"], "relu")
    assert r.summary["accuracy"].iloc[0] > 0.9 and r.summary["test_accuracy"].iloc[0] > 0.85
    assert r.history["loss"].iloc[-1] < 0.1 * r.chance_loss


def test_the_default_training_shows_the_basic_lessons():
    """Zero init and std 0.01 stall at the loss of chance in tanh; std 1 diverges where He trains in ReLU."""
    keys = ("zeros", "normal:0.01", "normal:1", "he_normal")

    def summary(activation):
        result = _default_run(keys, activation)
        return result.summary.set_index("init"), result.chance_loss

    tanh, chance = summary("tanh")
    assert abs(tanh.loc["zeros", "loss"] - chance) < 1e-3
    assert abs(tanh.loc["normal:0.01", "loss"] - chance) < 1e-2
    relu, _ = summary("relu")
    assert relu.loc["normal:1", "diverged_at"] > 0
    assert relu.loc["he_normal", "accuracy"] > 0.9


# --- the charts ---------------------------------------------------------------------------------


def _chart_facts(chart) -> tuple[dict, str, int]:
    spec = chart.to_dict()
    text = json.dumps(spec)
    return spec, text, len(json.dumps(spec.get("datasets", {}), separators=(",", ":")))


def test_the_training_charts_are_titled_finite_and_small_at_the_heaviest_setting():
    from playground.charts import training as charts
    from playground.init_keys import key_label
    from playground.settings import DEFAULT_COMPARED

    r = train(DEFAULT_COMPARED, dataset="digits", activation="relu", depth=training.MAX_DEPTH, width=16,
              optimizer="sgd", lr=0.05, steps=200)
    labels = {key: key_label(key) for key in r.keys}
    diverged = {labels[k]: s for k, s in r.diverged().items()}
    built = [
        charts.training_curves(r.history, list(labels.values()), diverged, r.chance_loss),
        charts.gradient_heatmap(r.gradients, list(labels.values())),
        charts.saturation_curve(r.saturation, list(labels.values()), "ReLU"),
    ]
    for chart in built:
        spec, text, size = _chart_facts(chart)
        titles = [spec.get("title")] + [view.get("title") for view in spec.get("hconcat", [])]
        assert any(t and t.get("text") for t in titles)
        assert "NaN" not in text and "Infinity" not in text
        assert '"tooltip"' in text and '"title": "step"' in text
        assert size < 40_000, size
    # The heat map: at most HEAT_LAYERS rows per initializer, HEAT_STEPS values per row.
    cells = charts.gradient_cells(r.gradients)
    assert cells.groupby("label").size().max() <= charts.HEAT_STEPS * charts.HEAT_LAYERS
    assert cells["lb"].nunique() == charts.HEAT_LAYERS and cells["l1"].max() == training.MAX_DEPTH + 1


def test_the_decision_maps_mark_the_held_out_points():
    from playground.charts import training as charts
    from playground.init_keys import key_label

    r = train(["normal:1", "he_normal"], steps=20)
    chart = charts.decision_boundaries(r.boundary, {k: key_label(k) for k in r.keys}, r.points, r.extent)
    spec, text, size = _chart_facts(chart)
    assert "held out" in text and size < 30_000 and "NaN" not in text
    assert spec["title"]["text"] == "Decision maps after training"


def test_gradient_cells_are_geometric_means_and_a_zero_blanks_its_cell():
    from playground.charts import training as charts

    rng = np.random.default_rng(5)
    rows = [(label, step, layer, float(rng.uniform(0.1, 10.0)))
            for label in ("a", "b") for step in range(0, 40, 2) for layer in range(1, 8)]
    gradients = pd.DataFrame(rows, columns=["label", "step", "layer", "grad_norm"])
    gradients.loc[(gradients["label"] == "b") & (gradients["step"] == 10) & (gradients["layer"] == 2), "grad_norm"] = 0
    cells = charts.gradient_cells(gradients, steps=5, layers=3)
    ratios = charts.relative_norms(gradients)
    for cell in cells.itertuples():
        inside = ((gradients["label"] == cell.label) & gradients["step"].between(cell.s0, cell.s1)
                  & gradients["layer"].between(cell.l0, cell.l1)).to_numpy()
        values = ratios[inside]
        expected = np.log10(values).mean() if (values > 0).all() else math.nan
        assert (math.isnan(cell.g) and math.isnan(expected)) or cell.g == pytest.approx(expected, rel=1e-12)
    assert cells["g"].isna().sum() == 1


def test_relative_norms_divide_by_the_output_layer_of_the_same_network_and_step():
    from playground.charts import training as charts

    gradients = pd.DataFrame({
        "label": ["a"] * 6 + ["b"] * 3,
        "step": [0, 0, 0, 5, 5, 5, 0, 0, 0],
        "layer": [1, 2, 3] * 3,
        "grad_norm": [1e-6, 1e-3, 1e-2, 4.0, 2.0, 2.0, 1.0, 1.0, 0.0],
    })
    got = charts.relative_norms(gradients)
    np.testing.assert_allclose(got[:6], [1e-4, 1e-1, 1.0, 2.0, 1.0, 1.0])
    # b's output layer has no gradient: nothing to compare with.
    assert not np.isfinite(got[6:]).any()
