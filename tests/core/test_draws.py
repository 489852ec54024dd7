"""Base draws kept across simulations: bounded, read-only, and the same numbers as drawing afresh."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from playground import draws, simulation
from playground.simulation import simulate

ROOT = Path(__file__).resolve().parents[2]
HEALTHY = dict(activation="tanh", initializer="lecun_normal", depth=6, width=300, n_samples=400)


def frames(result) -> dict:
    return {name: getattr(result, name).to_dict(orient="list") for name in ("layers", "histograms",
                                                                             "gradient_histograms")}


def test_the_cache_keeps_the_latest_within_its_bound():
    cache = draws.DrawCache(max_bytes=4 * 8000)
    made = []

    def array(i):
        made.append(i)
        return np.full(1000, float(i))  # 8000 bytes

    for i in range(6):
        cache.get(i, lambda i=i: array(i))
    assert cache.bytes <= cache.max_bytes and len(cache) == 4
    assert cache.get(5, lambda: array(-1))[0] == 5.0 and made == list(range(6))  # a hit draws nothing
    cache.get(0, lambda: array(0))  # evicted earlier: drawn again
    assert made[-1] == 0
    with pytest.raises(ValueError):
        cache.get(5, lambda: array(-1))[0] = 1.0  # kept arrays are read-only
    big = cache.get("big", lambda: np.zeros(100_000))
    assert big.size == 100_000 and "big" not in cache._arrays  # more than a quarter of the bound: not kept


def test_scaling_a_kept_draw_equals_drawing_afresh_bit_for_bit(monkeypatch):
    monkeypatch.setattr(simulation, "CACHE", draws.DrawCache(64 * 2**20))
    # Fill the cache from other settings of the same seed: another activation, std and initializer.
    for activation, init, params in (("relu", "normal", {"std": 0.5}), ("tanh", "he_normal", None),
                                     ("sigmoid", "xavier_normal", None)):
        simulate(activation, init, depth=6, width=300, n_samples=400, init_params=params)
    hits = simulation.CACHE.hits
    warm = simulate(**HEALTHY)
    assert simulation.CACHE.hits > hits  # its draws came from the cache
    code = (
        f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'tests' / 'core')!r})\n"
        "from test_draws import HEALTHY, frames\nfrom playground.simulation import simulate\n"
        "print(json.dumps(frames(simulate(**HEALTHY))))"
    )
    fresh = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                      check=True).stdout)
    assert json.loads(json.dumps(frames(warm))) == fresh


@pytest.mark.parametrize("init, params", [("orthogonal", {"gain": 1.5}), ("sparse", {"nonzero": 7}),
                                          ("he_uniform", None)])
def test_every_base_kind_gives_the_same_numbers_kept_or_not(monkeypatch, init, params):
    monkeypatch.setattr(simulation, "CACHE", draws.DrawCache(0))
    fresh = simulate("relu", init, depth=4, width=60, n_samples=80, init_params=params)
    monkeypatch.setattr(simulation, "CACHE", draws.DrawCache(64 * 2**20))
    simulate("tanh", init, depth=4, width=60, n_samples=80, init_params=params)
    kept = simulate("relu", init, depth=4, width=60, n_samples=80, init_params=params)
    pd.testing.assert_frame_equal(fresh.layers, kept.layers)
    pd.testing.assert_frame_equal(fresh.gradient_histograms, kept.gradient_histograms)


def test_the_cache_stays_within_its_bound_over_hundreds_of_settings(monkeypatch):
    bound = 2 * 2**20
    monkeypatch.setattr(simulation, "CACHE", draws.DrawCache(bound))
    for seed in range(300):
        simulate("tanh", "he_normal", depth=3, width=100, n_samples=50, seed=seed)
        assert simulation.CACHE.bytes <= bound
    assert len(simulation.CACHE) > 10


def test_float32_and_float64_agree_within_sampling_noise():
    # Different draws (numpy's float32 and float64 samplers differ), so compare averages over networks:
    # one network's std wanders a few percent (see test_simulation's seed-averaged tests).
    def mean_std(dtype):
        runs = [simulate("tanh", "lecun_normal", depth=10, width=500, seed=seed, dtype=dtype) for seed in range(4)]
        return np.mean([r.layers["std"] for r in runs], axis=0), np.mean([r.layers["grad_std"] for r in runs], axis=0)

    (std32, grad32), (std64, grad64) = mean_std("float32"), mean_std("float64")
    np.testing.assert_allclose(std32, std64, rtol=0.04)
    np.testing.assert_allclose(grad32, grad64, rtol=0.08)
    assert simulate(**HEALTHY).dtype == "float32" and simulate(**HEALTHY, dtype="float64").dtype == "float64"
