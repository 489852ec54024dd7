"""The symmetry module against hand arithmetic, the notes' printed numbers, and finite differences."""

import math
from fractions import Fraction as F

import numpy as np
import pytest

from playground import activations, symmetry
from playground.charts import symmetry as symmetry_charts


def exact(rows):
    return [[F(v) for v in row] for row in rows]


def as_fractions(matrix):
    return [[F(v) for v in row] for row in np.asarray(matrix).tolist()]


# --- the worked example -------------------------------------------------------------


def test_forward_pass_is_the_notes_forward_pass():
    ex = symmetry.worked_example((3, 1, 2))
    # Notes 001: Z1 = A1 = [[5,5,5],[6,6,6],[6,6,6]], Z2 = [30, 36, 36].
    assert ex["Z1"].tolist() == [[5, 5, 5], [6, 6, 6], [6, 6, 6]]
    assert ex["A1"].tolist() == ex["Z1"].tolist()
    assert ex["Z2"].tolist() == [[30], [36], [36]]
    for y_hat, z in zip(ex["Y_hat"][:, 0], (30, 36, 36)):
        assert y_hat == pytest.approx(1.0 / (1.0 + math.exp(-z)), rel=1e-15)


def test_backward_pass_with_the_notes_w2_by_hand():
    ex = symmetry.worked_example((3, 1, 2))
    m = 3
    # A1^T dZ2: 5*1 + 6*2 + 6*3 = 35 for every unit (the notes' 35), then the 1/m.
    assert ex["A1T_dZ2"].tolist() == [[35], [35], [35]]
    assert as_fractions(ex["dW2"]) == exact([[F(35, 3)]] * 3)
    # dA1 = dZ2 W2^T = [1,2,3]^T [3,1,2].
    assert ex["dA1"].tolist() == [[3, 1, 2], [6, 2, 4], [9, 3, 6]]
    # Identity: g'(Z1) = 1, so dZ1 = dA1 elementwise.
    assert ex["dZ1"].tolist() == ex["dA1"].tolist()
    # X^T dZ1: row 1 = 1*[3,1,2] + 0*[6,2,4] + 4*[9,3,6] = [39, 13, 26];
    #          row 2 = 2*[3,1,2] + 3*[6,2,4] + 1*[9,3,6] = [33, 11, 22].
    assert ex["XT_dZ1"].tolist() == [[39, 13, 26], [33, 11, 22]]
    assert as_fractions(ex["dW1"]) == exact([[F(39, m), F(13, m), F(26, m)], [F(33, m), F(11, m), F(22, m)]])
    # One step with alpha = 1/10: 1 - 13/10 = -3/10, 1 - 13/30 = 17/30, 1 - 26/30 = 2/15, ...
    assert as_fractions(ex["W1_next"]) == exact([[F(-3, 10), F(17, 30), F(2, 15)], [F(9, 10), F(49, 30), F(19, 15)]])
    assert as_fractions(ex["W2_next"]) == exact([[F(11, 6)], [F(-1, 6)], [F(5, 6)]])


def test_notes_w2_gives_proportional_not_duplicate_columns():
    ex = symmetry.worked_example((3, 1, 2))
    assert symmetry.equal_column_groups(ex["dW1"]) == []
    assert symmetry.column_proportions(ex["dW1"]) == (3, 1, 2)
    assert symmetry.equal_column_groups(ex["W1_next"]) == []


def test_equal_w2_gives_duplicate_columns_that_survive_the_update():
    ex = symmetry.worked_example((2, 2, 2))
    assert ex["Z2"].tolist() == [[30], [36], [36]]  # 3 * 2 = 3 + 1 + 2
    assert ex["dA1"].tolist() == [[2, 2, 2], [4, 4, 4], [6, 6, 6]]
    # X^T dZ1: 1*2 + 0*4 + 4*6 = 26 and 2*2 + 3*4 + 1*6 = 22, then 1/3.
    assert as_fractions(ex["dW1"]) == exact([[F(26, 3)] * 3, [F(22, 3)] * 3])
    assert symmetry.equal_column_groups(ex["dW1"]) == [(0, 1, 2)]
    # 1 - 26/30 = 2/15 and 2 - 22/30 = 19/15 in every column; W2 - 35/30 = 5/6 everywhere.
    assert as_fractions(ex["W1_next"]) == exact([[F(2, 15)] * 3, [F(19, 15)] * 3])
    assert as_fractions(ex["W2_next"]) == exact([[F(5, 6)]] * 3)


@pytest.mark.parametrize("w2", [(5, -2, 7), (1, 1, 4), (F(1, 2), 3, -1)])
def test_dw1_columns_are_in_the_ratio_of_w2(w2):
    dW1 = symmetry.worked_example(w2)["dW1"]
    cols = [[F(v) for v in np.asarray(dW1)[:, j]] for j in range(3)]
    for j in range(3):
        assert all(cols[j][i] * F(w2[0]) == cols[0][i] * F(w2[j]) for i in range(2))


def test_integer_and_fraction_dtypes():
    ex = symmetry.worked_example()
    assert ex["Z1"].dtype == np.int64 and ex["dA1"].dtype == np.int64
    assert ex["dW1"].dtype == object and isinstance(ex["dW1"][0, 1], F)
    assert ex["Y_hat"].dtype == np.float64


def test_notes_version_reproduces_the_printed_numbers():
    notes = symmetry.notes_version()
    assert notes["dW2"].tolist() == [[35], [35], [35]]
    assert notes["dA1"].tolist() == [[35] * 3, [70] * 3, [105] * 3]
    # 35 * (5 + 6 + 6) = 595: the matrix product with Z1.
    assert notes["dZ1"].tolist() == [[595] * 3, [1190] * 3, [1785] * 3]
    assert notes["dW1"].tolist() == [[7735] * 3, [1190] * 3, [6545] * 3]
    # X^T (2 x 3) times their dZ1 is 2 x 3: 595 + 4 * 1785 = 7735, 2*595 + 3*1190 + 1785 = 6545.
    assert notes["dW1_product"].tolist() == [[7735] * 3, [6545] * 3]


@pytest.mark.parametrize("bad", [(1, 2), (1, 2, 3, 4), (1, float("nan"), 2), ("a", 1, 2)])
def test_worked_example_rejects_bad_w2(bad):
    with pytest.raises(ValueError):
        symmetry.worked_example(bad)


def test_latex():
    assert symmetry.latex_number(F(35, 3)) == r"\dfrac{35}{3}"
    assert symmetry.latex_number(F(-1, 6)) == r"-\dfrac{1}{6}"
    assert symmetry.latex_number(5) == "5"
    text = symmetry.latex_matrix(np.array([[1, 2, 1], [3, 4, 3]]))
    assert text.count(r"\textcolor") == 4 and text.startswith(r"\begin{bmatrix}")
    assert r"\textcolor" not in symmetry.latex_matrix(np.array([[1, 2], [3, 4]]))


def test_column_proportions():
    assert symmetry.column_proportions(np.array([[2, 4], [3, 6]])) == (1, 2)
    assert symmetry.column_proportions(np.array([[2, 4], [3, 7]])) is None
    assert symmetry.column_proportions(np.array([[0, 0], [0, 0]])) is None


# --- training ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(activations.ACTIVATIONS))
def test_constant_start_stays_exactly_symmetric(name):
    X, y = symmetry.ring_dataset(0)
    start = symmetry.initial_params(("constant",))
    trace = symmetry.gradient_descent(name, start, X, y, steps=symmetry.STEPS)
    assert np.all(trace.spread == 0.0)
    end = trace.final
    # The weights did move (the spread is not 0 for want of training), all columns alike.
    assert not np.array_equal(end.W1, start.W1)
    assert np.all(end.W1 == end.W1[:, :, :1]) and np.all(end.W2 == end.W2[:, :1])


def test_perturbation_grows_until_it_matters():
    run = symmetry.symmetry_over_training("tanh", 1e-8)
    assert run.final_spread["constant"] == 0.0
    assert run.start_spread["perturbed"] < 1e-7
    assert run.final_spread["perturbed"] > 1e6 * run.start_spread["perturbed"]
    assert run.eps_matters_at is not None and 0 < run.eps_matters_at < run.steps
    assert run.loss_splits_at is not None
    assert run.final_loss["perturbed"] < run.final_loss["constant"]


def test_resolution_of_float64_at_one_half():
    assert symmetry.symmetry_over_training("tanh", 0.0, steps=10).perturbed_weights == 0
    tiny = symmetry.symmetry_over_training("tanh", 1e-16, steps=10)
    # float64 numbers are 2^-53 apart just above 0.5 and 2^-54 just below: some nudges of 1e-16 round away.
    assert np.spacing(0.5) == 2.0**-53
    assert 0 < tiny.perturbed_weights < tiny.weights
    assert symmetry.symmetry_over_training("tanh", 1e-8, steps=10).perturbed_weights == 12


def test_zero_eps_is_the_constant_start():
    run = symmetry.symmetry_over_training("tanh", 0.0, steps=500)
    assert run.final_spread["perturbed"] == 0.0 and run.eps_matters_at is None


def test_zero_init_leaves_tanh_and_relu_hidden_weights_alone():
    table = symmetry.zero_init(("tanh", "relu", "sigmoid"), steps=300).set_index("activation")
    for name in ("tanh", "relu"):
        assert table.loc[name, "largest change of W1, b1"] == 0.0
        assert table.loc[name, "largest change of W2"] == 0.0
        # Only b2 learns, so the loss still falls.
        assert table.loc[name, "loss after 300 steps"] < table.loc[name, "loss at start"]
    assert table.loc["sigmoid", "largest change of W1, b1"] > 0.0
    assert table.loc["sigmoid", "spread of hidden units"] == 0.0
    assert table.loc["tanh", "loss at start"] == pytest.approx(math.log(2), rel=1e-15)


def numeric_loss(name, W1, b1, W2, b2, X, y):
    """Mean cross-entropy written out independently of ``train``."""
    a = activations.get(name).fn(X @ W1 + b1)
    p = 1.0 / (1.0 + np.exp(-(a @ W2 + b2)))
    return float(np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p)))


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "selu"])
def test_gradients_match_finite_differences(name):
    X, y = symmetry.ring_dataset(3)
    start = symmetry.initial_params(("random",), seed=3)
    lr = 1e-3
    after = symmetry.gradient_descent(name, start, X, y, steps=1, lr=lr).final
    analytic = {"W1": (start.W1 - after.W1)[0] / lr, "W2": (start.W2 - after.W2)[0] / lr}
    p = {"W1": start.W1[0].copy(), "b1": start.b1[0].copy(), "W2": start.W2[0].copy(), "b2": float(start.b2[0])}
    h = 1e-6
    for key in ("W1", "W2"):
        for index in np.ndindex(p[key].shape):
            plus = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in p.items()}
            minus = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in p.items()}
            plus[key][index] += h
            minus[key][index] -= h
            fd = (numeric_loss(name, **plus, X=X, y=y) - numeric_loss(name, **minus, X=X, y=y)) / (2 * h)
            assert analytic[key][index] == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_same_seed_same_numbers():
    a = symmetry.initial_params(("perturbed", "random"), eps=1e-3, seed=7)
    b = symmetry.initial_params(("perturbed", "random"), eps=1e-3, seed=7)
    c = symmetry.initial_params(("perturbed", "random"), eps=1e-3, seed=8)
    assert np.array_equal(a.W1, b.W1) and not np.array_equal(a.W1, c.W1)
    assert np.array_equal(symmetry.ring_dataset(1)[0], symmetry.ring_dataset(1)[0])


def test_unit_spread_is_the_largest_pairwise_distance():
    W1 = np.array([[[0.0, 3.0, 0.0], [0.0, 0.0, 1.0]]])  # units (0,0), (3,0), (0,1)
    b1 = np.array([[0.0, 0.0, 0.0]])
    assert symmetry.unit_spread(W1, b1)[0] == pytest.approx(math.sqrt(10))


@pytest.mark.parametrize("bad", [dict(eps=-1.0), dict(eps=float("nan")), dict(activation="swish")])
def test_bad_training_arguments_raise_value_error(bad):
    with pytest.raises(ValueError):
        symmetry.symmetry_over_training(**({"activation": "tanh", "eps": 1e-8, "steps": 5} | bad))


def test_chart_is_small_titled_and_skips_zero_spreads():
    run = symmetry.symmetry_over_training("tanh", 1e-8)
    assert len(run.history) < 500
    spec = symmetry_charts.training_chart(run.history, marker_step=run.eps_matters_at).to_dict()
    spread, loss = spec["hconcat"]
    for panel in (spread, loss):
        assert panel["title"]["text"]
        points = panel["layer"][1]
        assert points["encoding"]["tooltip"] and points["encoding"]["y"]["title"]
        assert points["encoding"]["x"]["title"] and points["encoding"]["x"]["scale"]["type"] == "log"
    rows = spec["datasets"][spread["data"]["name"]]
    assert rows and all(r["spread"] > 0 for r in rows)
    assert all(r["case"] != "constant" for r in rows)
    # The marker rule sits at the computed step.
    (rule,) = [layer for layer in spread["layer"] if layer["mark"]["type"] == "rule"]
    assert spec["datasets"][rule["data"]["name"]][0]["step"] == run.eps_matters_at
    # No empty layer (Vega warns of an infinite extent): the constant start's line on top only where it has rows.
    for panel in (spread, loss):
        assert all(spec["datasets"][layer.get("data", panel.get("data"))["name"]] for layer in panel["layer"])
    constant = [layer for layer in loss["layer"] if layer["mark"]["type"] == "line"][1]
    assert {r["case"] for r in spec["datasets"][constant["data"]["name"]]} == {"constant"}
    assert len([layer for layer in spread["layer"] if layer["mark"]["type"] == "line"]) == 1
