"""The simulation against the CS231n lecture table, the variance law and finite differences."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from playground import activations
from playground.explain.notes import simulation_notes
from playground.simulation import HISTOGRAM_BINS, simulate

NOTES = dict(depth=10, width=500, n_samples=1000)


def stds(result):
    return result.layers["std"].to_numpy()


def test_small_weights_vanish_as_in_the_lecture():
    # CS231n 2016, lecture 5: tanh, W = 0.01 randn: 0.213, 0.0476, 0.0106, 0.00238, ...
    r = simulate("tanh", "normal", init_params={"std": 0.01}, **NOTES)
    np.testing.assert_allclose(stds(r)[:4], [0.213, 0.0476, 0.0106, 0.00238], rtol=0.03)
    ratios = stds(r)[1:] / stds(r)[:-1]
    np.testing.assert_allclose(ratios, 0.22, rtol=0.05)  # sqrt(500) * 0.01 = 0.2236


def test_lecun_keeps_tanh_alive():
    r = simulate("tanh", "lecun_normal", **NOTES)
    assert stds(r)[0] == pytest.approx(0.63, abs=0.02)
    assert stds(r)[-1] == pytest.approx(0.23, abs=0.02)
    assert np.all(np.diff(stds(r)) < 0)


def test_he_keeps_relu_alive_and_lecun_does_not():
    # A layer's gain is one random draw shared by every sample, so one network's
    # std wanders (seed 1 ends at 0.57, seed 0 at 0.93); averaged over networks it stays near 0.8.
    seeds = range(4)
    he = [simulate("relu", "he_normal", seed=seed, **NOTES) for seed in seeds]
    he_mean = np.mean([stds(r) for r in he], axis=0)
    assert np.all((he_mean > 0.7) & (he_mean < 0.95)), he_mean
    lecun_last = np.mean([stds(simulate("relu", "lecun_normal", seed=seed, **NOTES))[-1] for seed in seeds])
    assert lecun_last == pytest.approx(0.03, abs=0.01)
    assert all(r.layers["dead"].between(0.4, 0.6).all() for r in he)


def test_large_weights_saturate_tanh():
    r = simulate("tanh", "normal", init_params={"std": 1.0}, **NOTES)
    np.testing.assert_allclose(stds(r), 0.98, atol=0.01)
    assert (r.layers["saturated"] > 0.85).all()


@pytest.mark.parametrize("n_var_w", [0.8, 1.0, 1.25])
def test_linear_units_follow_the_variance_law(n_var_w):
    # Var(s_k) = [n Var(w)]^k Var(x), from 004.
    width, depth = 500, 8
    r = simulate("linear", "normal", depth=depth, width=width, init_params={"std": math.sqrt(n_var_w / width)})
    var_x = r.input["std"] ** 2
    predicted = n_var_w ** np.arange(1, depth + 1) * var_x
    np.testing.assert_allclose(r.layers["pre_std"].to_numpy() ** 2, predicted, rtol=0.05)


# --- the backward pass against finite differences --------------------------------


def independent_loss(x, weights, upstream, name, bias, batch_norm, eps=1e-5, perturb=None):
    """L = (1/m) sum(G * A_L), written from scratch; perturb = (layer, matrix) adds to s_layer."""
    phi = activations.get(name).fn
    a = x
    for layer, w in enumerate(weights, start=1):
        s = a @ w + bias
        if perturb is not None and perturb[0] == layer:
            s = s + perturb[1]
        if batch_norm:
            s = (s - s.mean(axis=0)) / np.sqrt(s.var(axis=0) + eps)
        a = phi(s)
    return float((upstream * a).sum() / x.shape[0])


def recorded_run(name, batch_norm, depth=3, width=4, n_samples=6):
    record = {}

    def observer(kind, layer, array):
        record[kind, layer] = np.array(array, copy=True)

    # Finite differences need float64's digits.
    simulate(
        name, "lecun_normal", depth=depth, width=width, n_samples=n_samples, bias=0.1,
        seed=5, batch_norm=batch_norm, observer=observer, dtype="float64",
    )
    weights = [record["weights", layer] for layer in range(1, depth + 1)]
    return record, record["input", 0], weights, record["upstream", depth]


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("name", list(activations.ACTIVATIONS))
def test_backward_pass_matches_finite_differences(name, batch_norm):
    record, x, weights, upstream = recorded_run(name, batch_norm)
    h = 1e-6
    for layer, w in enumerate(weights, start=1):
        numeric = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            bumped = [v.copy() for v in weights]
            bumped[layer - 1][idx] += h
            up = independent_loss(x, bumped, upstream, name, 0.1, batch_norm)
            bumped[layer - 1][idx] -= 2 * h
            down = independent_loss(x, bumped, upstream, name, 0.1, batch_norm)
            numeric[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(record["grad", layer], numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_delta_is_m_times_dL_ds(batch_norm):
    record, x, weights, upstream = recorded_run("tanh", batch_norm)
    m, h = x.shape[0], 1e-6
    for layer in range(1, len(weights) + 1):
        numeric = np.zeros((m, weights[0].shape[1]))
        for idx in np.ndindex(numeric.shape):
            bump = np.zeros_like(numeric)
            bump[idx] = h
            up = independent_loss(x, weights, upstream, "tanh", 0.1, batch_norm, perturb=(layer, bump))
            down = independent_loss(x, weights, upstream, "tanh", 0.1, batch_norm, perturb=(layer, -bump))
            numeric[idx] = m * (up - down) / (2 * h)
        np.testing.assert_allclose(record["delta", layer], numeric, rtol=1e-5, atol=1e-8)


# --- extremes -------------------------------------------------------------------


def test_exploding_relu_stays_finite_in_float64_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = simulate("relu", "normal", depth=100, width=1000, n_samples=100, init_params={"std": 1.0},
                     dtype="float64")
    assert r.overflow_layer is None and r.gradient_overflow_layer is None
    assert np.isfinite(r.layers[["std", "pre_std", "delta_std", "grad_std"]].to_numpy()).all()
    # each layer multiplies the std by sqrt(n Var(w) / 2) = sqrt(500)
    growth = np.log10(stds(r)[-1] / stds(r)[0]) / 99
    assert growth == pytest.approx(math.log10(math.sqrt(500)), abs=0.05)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_overflow_is_reported_at_the_layer_it_happens(dtype):
    # Constant weights c: every unit of layer k holds (c n)^(k-1) c sum_j x_ij.
    c, width, depth = 10.0, 1000, 100
    record = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = simulate(
            "linear", "constant", depth=depth, width=width, n_samples=50, init_params={"value": c}, dtype=dtype,
            observer=lambda kind, layer, a: record.setdefault(kind, np.array(a, copy=True)),
        )
    row_sums = np.abs(record["input"].astype(float).sum(axis=1)).max()
    log_max = [(k - 1) * math.log10(c * width) + math.log10(c * row_sums) for k in range(1, depth + 1)]
    expected = next(k for k, v in enumerate(log_max, start=1) if v > math.log10(np.finfo(dtype).max))
    assert r.overflow_layer == expected
    layers = r.layers.set_index("layer")
    assert layers.loc[expected, "status"] == "overflow"
    assert layers.loc[: expected - 1, "std"].notna().all()
    assert layers.loc[expected:, "std"].isna().all()
    assert r.layers["grad_std"].isna().all()
    assert [m.text for m in simulation_notes(r)] == [
        f"Values overflowed {dtype} at layer {expected}: deeper layers and all gradients are not computed."
    ]


def test_relu_with_std_1_overflows_float32_within_a_few_dozen_layers_without_a_warning():
    # Each layer multiplies the RMS by sqrt(n Var(w) / 2) = sqrt(250): 3.4e38 is reached at layer ~32.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = simulate("relu", "normal", depth=100, width=500, n_samples=100, init_params={"std": 1.0})
    rms = np.hypot(r.layers["mean"], r.layers["std"]).to_numpy()
    computed = rms[np.isfinite(rms)]
    growth = computed[-1] / computed[-2]
    assert growth == pytest.approx(math.sqrt(250), rel=0.1)
    # The first layer whose largest value passes float32's range: a few times the RMS beyond the last finite one.
    assert len(computed) + 1 == r.overflow_layer and 25 < r.overflow_layer < 40
    assert computed[-1] * growth * 10 > np.finfo(np.float32).max > computed[-1]
    assert "Values overflowed float32 at layer" in simulation_notes(r)[0].text


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_underflow_is_flushed_and_reported(dtype):
    from playground.stats import UNDERFLOW

    record = {}
    r = simulate(
        "linear", "normal", depth=120, width=1, n_samples=10, init_params={"std": 0.001}, dtype=dtype,
        observer=lambda kind, layer, a: record.__setitem__((kind, layer), np.array(a, copy=True)),
    )
    x_rms = math.sqrt(np.mean(record["input", 0].astype(float) ** 2))
    log_rms = np.log10(x_rms) + np.cumsum([np.log10(abs(float(record["weights", k][0, 0]))) for k in range(1, 121)])
    expected = int(np.argmax(log_rms < math.log10(UNDERFLOW[dtype]))) + 1
    assert r.underflow_layer == expected
    assert (r.layers["std"].iloc[expected - 1 :] == 0).all()


def test_same_arguments_same_numbers():
    a = simulate("relu", "sparse", depth=4, width=64, n_samples=200, seed=11, bias=0.01)
    b = simulate("relu", "sparse", depth=4, width=64, n_samples=200, seed=11, bias=0.01)
    pd.testing.assert_frame_equal(a.layers, b.layers)
    pd.testing.assert_frame_equal(a.histograms, b.histograms)
    c = simulate("relu", "sparse", depth=4, width=64, n_samples=200, seed=12, bias=0.01)
    assert not np.allclose(a.layers["std"], c.layers["std"])


def test_weights_do_not_depend_on_depth():
    shallow = simulate("tanh", "he_normal", depth=2, width=50, n_samples=100)
    deep = simulate("tanh", "he_normal", depth=6, width=50, n_samples=100)
    pd.testing.assert_frame_equal(shallow.layers[["std", "pre_std"]], deep.layers[["std", "pre_std"]].iloc[:2])


def test_redrawn_weights_give_the_same_gradients(monkeypatch):
    from playground import simulation

    kept = simulate("tanh", "he_normal", depth=3, width=40, n_samples=50)
    monkeypatch.setattr(simulation, "KEPT_WEIGHT_VALUES", 0)
    redrawn = simulate("tanh", "he_normal", depth=3, width=40, n_samples=50)
    pd.testing.assert_frame_equal(kept.layers, redrawn.layers)


def test_histograms_are_compact_and_count_what_they_sample():
    r = simulate("tanh", "lecun_normal", depth=5, width=500, n_samples=1000)
    assert list(r.histograms.columns) == ["layer", "bin_start", "bin_end", "count", "fraction"]
    assert len(r.histograms) == 5 * HISTOGRAM_BINS and len(r.gradient_histograms) == 5 * HISTOGRAM_BINS
    per_layer = r.histograms.groupby("layer")["count"].sum()
    assert (per_layer == 100_000).all()  # the first 200 samples x 500 units
    assert r.histograms["bin_start"].min() == -1 and r.histograms["bin_end"].max() == 1
    np.testing.assert_allclose(r.histograms.groupby("layer")["fraction"].sum(), 1.0)


def test_histogram_matches_numpy_on_the_sampled_values():
    record = {}
    simulate(
        "relu", "he_normal", depth=1, width=100, n_samples=50,
        observer=lambda kind, layer, a: record.setdefault(kind, a.copy()),
    )
    r = simulate("relu", "he_normal", depth=1, width=100, n_samples=50)
    a = np.maximum(record["input"] @ record["weights"], 0)
    edges = np.r_[r.histograms["bin_start"].to_numpy(), r.histograms["bin_end"].iloc[-1]]
    expected, _ = np.histogram(np.clip(a, edges[0], edges[-1]), bins=edges)
    np.testing.assert_array_equal(r.histograms["count"].to_numpy(), expected)


def test_raw_inputs_are_positive_with_a_large_mean():
    r = simulate("tanh", "lecun_normal", depth=2, width=100, n_samples=500, normalize_inputs=False)
    assert r.input["mean"] == pytest.approx(128, rel=0.02)
    assert r.input["std"] == pytest.approx(64, rel=0.05)
    # 128-sized inputs saturate the first layer; its +-1 outputs are tame for the next.
    assert r.layers["saturated"].iloc[0] > 0.95
    assert r.layers["saturated"].iloc[1] < 0.05


def test_batch_norm_rescues_small_weights():
    plain = simulate("tanh", "normal", init_params={"std": 0.01}, **NOTES)
    normed = simulate("tanh", "normal", init_params={"std": 0.01}, batch_norm=True, **NOTES)
    assert stds(plain)[-1] < 1e-5
    np.testing.assert_allclose(stds(normed), 0.63, atol=0.02)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(activation="softplus"), "unknown activation"),
        (dict(initializer="glorot"), "unknown initializer"),
        (dict(depth=0), "depth must be an integer >= 1"),
        (dict(width=2.5), "width must be an integer"),
        (dict(n_samples=1), "n_samples must be an integer >= 2"),
        (dict(bias=float("inf")), "bias must be a finite number"),
        (dict(seed=-1), "seed must be an integer >= 0"),
        (dict(initializer="normal", init_params={"std": -0.1}), "std must be >= 0"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, message):
    args = dict(activation="tanh", initializer="lecun_normal", depth=2, width=8, n_samples=10) | kwargs
    with pytest.raises(ValueError, match=message):
        simulate(**args)


def test_random_biases_add_their_variance_at_every_layer():
    # Linear units, n Var(w) = 1, biases N(b, sigma_b^2) drawn once per unit: the weights multiply
    # E[a^2] = Var(s) + b^2, so Var(s_1) = Var(x) + sigma_b^2 and Var(s_l) = Var(s_{l-1}) + b^2 + sigma_b^2.
    runs = [simulate("linear", "lecun_normal", depth=4, width=400, n_samples=400, seed=seed, bias_std=0.5,
                     bias=0.2, dtype="float64") for seed in range(4)]
    variance = np.mean([r.layers["pre_std"] ** 2 for r in runs], axis=0)
    np.testing.assert_allclose(variance, 1.0 + 0.25 + (0.04 + 0.25) * np.arange(4), rtol=0.04)
    means = np.mean([r.layers["pre_mean"] for r in runs], axis=0)
    np.testing.assert_allclose(means, 0.2, atol=0.05)
    again = simulate("linear", "lecun_normal", depth=4, width=400, n_samples=400, seed=0, bias_std=0.5, bias=0.2,
                     dtype="float64")
    pd.testing.assert_frame_equal(again.layers, runs[0].layers)


def test_no_bias_spread_leaves_every_other_draw_as_it_was():
    plain = simulate("tanh", "he_normal", depth=3, width=60, n_samples=80, bias=0.1)
    zero = simulate("tanh", "he_normal", depth=3, width=60, n_samples=80, bias=0.1, bias_std=0.0)
    spread = simulate("tanh", "he_normal", depth=3, width=60, n_samples=80, bias=0.1, bias_std=0.3)
    pd.testing.assert_frame_equal(plain.layers, zero.layers)
    assert plain.input.equals(spread.input) and not plain.layers["pre_std"].equals(spread.layers["pre_std"])
