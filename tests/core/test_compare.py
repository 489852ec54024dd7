"""The comparison against direct simulations and np.histogram, and the section's charts against their plan."""

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from playground import compare, init_keys, plan, training
from playground.charts import compare as compare_charts
from playground.charts import training as training_charts
from playground.settings import DEFAULT_COMPARED, Network
from playground.simulation import simulate

SMALL = Network(depth=4, width=60, samples=200)


def test_keys_parse_to_an_initializer_and_its_parameters():
    assert init_keys.parse_key("normal:0.5") == ("normal", {"std": 0.5})
    assert init_keys.parse_key("he_normal") == ("he_normal", {})
    for bad in ("bogus", "normal:abc", "normal:nan", "normal:100", "he_normal:2", "normal:-1"):
        with pytest.raises(ValueError):
            init_keys.parse_key(bad)


def test_keys_have_one_spelling_and_distinct_labels():
    assert init_keys.canonical_keys(["normal", "normal:0.010", "normal:1.0", "bogus", "he_normal", "normal:1"]) == (
        "normal:0.01",
        "normal:1",
        "he_normal",
    )
    labels = [init_keys.key_label(k) for k in init_keys.canonical_keys([*DEFAULT_COMPARED, "constant", "normal:0.5"])]
    assert len(set(labels)) == len(labels)
    assert init_keys.key_label("normal:0.01") == "normal, std 0.01"


def test_each_row_is_the_simulation_of_that_initializer():
    keys = ("normal:0.5", "he_normal", "sparse")
    result = compare.compare_initializers(SMALL, keys)
    for key, (name, params) in zip(keys, [("normal", {"std": 0.5}), ("he_normal", {}), ("sparse", {"nonzero": 10})]):
        direct = simulate(
            SMALL.activation, name, depth=SMALL.depth, width=SMALL.width, n_samples=SMALL.samples, seed=SMALL.seed,
            init_params=params,
        )
        rows = result.layers[result.layers["init"] == key]
        np.testing.assert_array_equal(rows["std"].to_numpy(), direct.layers["std"].to_numpy())
        np.testing.assert_array_equal(rows["grad_std"].to_numpy(), direct.layers["grad_std"].to_numpy())
        row = result.summary.set_index("init").loc[key]
        grad = direct.layers["grad_std"].to_numpy()
        assert row["grad_ratio"] == pytest.approx(grad[0] / grad[-1], rel=1e-12)
        assert row["last_std"] == direct.layers["std"].iloc[-1]


def test_the_summary_tells_dead_vanishing_and_healthy_apart():
    tanh = compare.compare_initializers(SMALL, ("zeros", "normal:0.01", "lecun_normal")).summary.set_index("init")
    assert tanh.loc["zeros", "kind"] == "constant" and tanh.loc["zeros", "last_std"] == 0.0
    assert math.isnan(tanh.loc["zeros", "grad_ratio"])
    assert tanh.loc["normal:0.01", "kind"] == "vanishing"
    assert tanh.loc["lecun_normal", "kind"] == "healthy"
    relu = compare.compare_initializers(replace(SMALL, activation="relu"), ("he_normal", "normal:1")).summary
    assert list(relu["kind"]) == ["healthy", "exploding"]
    assert relu["dead"].between(0.4, 0.65).all()


def test_sparse_is_fitted_to_a_narrow_network():
    result = compare.compare_initializers(replace(SMALL, width=4), ("sparse",))
    assert (result.layers["status"] == "ok").all()


def test_rebinning_equals_a_coarser_histogram():
    values = np.random.default_rng(0).standard_normal(5000)
    fine, edges = np.histogram(values, bins=40, range=(-3, 3))
    frame = pd.DataFrame(
        {"layer": 1, "bin_start": edges[:-1], "bin_end": edges[1:], "count": fine, "fraction": fine / fine.sum()}
    )
    coarse, coarse_edges = np.histogram(values, bins=20, range=(-3, 3))
    merged = compare.rebin(frame, 2)
    np.testing.assert_array_equal(merged["count"], coarse)
    np.testing.assert_allclose(merged["bin_start"], coarse_edges[:-1])
    np.testing.assert_allclose(merged["bin_end"], coarse_edges[1:])
    np.testing.assert_allclose(merged["fraction"], coarse / coarse.sum())


def test_the_grid_shows_at_most_six_layers_of_twenty_bins():
    result = compare.compare_initializers(replace(SMALL, depth=9), ("he_normal", "zeros"))
    per_key = result.histograms.groupby("init")
    assert (per_key["layer"].nunique() == compare.GRID_LAYERS).all()
    assert (result.histograms.groupby(["init", "layer"]).size() == compare.GRID_BINS).all()
    np.testing.assert_allclose(result.histograms.groupby(["init", "layer"])["fraction"].sum(), 1.0)


def test_comparison_samples_follow_the_budget_and_the_cap():
    # The comparison gets COMPARISON_SHARE of the work budget, split between its runs.
    share = plan.COMPARISON_SHARE * plan.WORK_BUDGET / (8 * 5 * 500**2)
    assert plan.comparison_samples(Network(), 8, 500) == min(500, int(share))
    assert plan.comparison_samples(Network(), 1, 500) == 500
    big = Network(depth=50, width=1000, samples=5000)
    assert plan.comparison_samples(big, 8, 500) < plan.comparison_samples(big, 1, 500)


def test_packed_columns_unpack_to_the_rounded_values():
    frame = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 2, "v": [0.5, 0.25, 1e-9, 3.0, 12.0]})
    packed = compare_charts.packed(frame, ["g"], {"v": ".3g"})
    assert list(packed["v"]) == ["0.5,0.25,1e-09", "3,12"]
    assert [float(t) for t in packed["v"][0].split(",")] == [0.5, 0.25, 1e-9]


def _datasets_size(spec: dict) -> int:
    return len(json.dumps(spec.get("datasets", {}), separators=(",", ":")))


def test_the_section_charts_are_titled_finite_and_small_at_the_defaults():
    # The charts' size depends on the initializers, the depth and the training, not on the width or the
    # sample count (fixed bins, one row per layer): a narrow network with few samples keeps this test quick.
    network = replace(Network(), width=100, samples=100)
    keys = init_keys.canonical_keys(DEFAULT_COMPARED)
    comparison = compare.compare_initializers(network, keys)
    labels = [comparison.labels[k] for k in keys]
    trained = training.train(keys, steps=300)
    charts = [
        compare_charts.activation_std_chart(comparison.layers, labels),
        compare_charts.histogram_grid(comparison.histograms, labels, network.depth),
        compare_charts.gradient_std_chart(comparison.layers, labels),
        training_charts.loss_curves(trained.history, labels),
        training_charts.decision_boundaries(trained.boundary, comparison.labels, trained.points, trained.extent),
    ]
    specs = [chart.to_dict() for chart in charts]
    for spec in specs:
        assert spec["title"]["text"]
        text = json.dumps(spec)
        assert "NaN" not in text and "Infinity" not in text
    assert sum(_datasets_size(spec) for spec in specs) < 60_000
    # Indented JSON, the most generous measure of what the page sends.
    assert sum(len(chart.to_json()) for chart in charts) < 100_000


def test_a_diverged_network_reaches_no_chart_as_nan():
    keys = ("normal:1", "he_normal")
    trained = training.train(keys, activation="relu", depth=10, optimizer="gd", lr=0.1, steps=30)
    labels = {k: init_keys.key_label(k) for k in keys}
    assert trained.diverged()
    charts = [
        training_charts.loss_curves(trained.history, list(labels.values()),
                                    {labels[k]: s for k, s in trained.diverged().items()}),
        training_charts.decision_boundaries(trained.boundary, labels, trained.points, trained.extent,
                                            trained.diverged()),
    ]
    for chart in charts:
        text = chart.to_json(indent=None)
        assert "NaN" not in text and "Infinity" not in text
    assert "diverged at step" in charts[1].to_json(indent=None)
