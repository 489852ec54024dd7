"""The same network under several initializers: run one simulation each, and summarise.

Compared initializers are named by keys (``"he_normal"``, ``"normal:0.01"``:
see ``init_keys.py``). Nothing here imports Streamlit or Altair.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .diagnosis import Diagnosis, diagnose
from .init_keys import key_label, layer_params, parse_key
from .settings import Network
from .simulation import Limits, SimulationResult, simulate
from .stats import first_over_last, shown_layers

# Most initializers one comparison runs.
MAX_COMPARED = 8
# Offered besides the default comparison (settings.DEFAULT_COMPARED); a link may bring others ("normal:0.5").
COMPARE_EXTRA = ("constant", "uniform", "xavier_uniform", "he_uniform", "normal:0.1", "normal:0.5")
# The histogram grid shows at most this many layers per initializer.
GRID_LAYERS = 6
# Histograms are re-binned from the simulation's 40 bins to this many, to keep the page light.
GRID_BINS = 20

COMPARED_LAYER_COLUMNS = ["init", "label", "layer", "mean", "std", "saturated", "dead", "grad_std", "status"]
SUMMARY_COLUMNS = ["init", "label", "last_std", "saturated", "dead", "grad_ratio", "kind"]


def network_for(network: Network, key: str) -> Network:
    """The sidebar's network under the compared initializer ``key``."""
    name, params = parse_key(key)
    return network.with_init(name, **layer_params(name, params, network.width))


@dataclass(frozen=True)
class Comparison:
    """Per-layer statistics, histograms and a summary row for each compared initializer."""

    keys: tuple[str, ...]
    labels: dict[str, str]
    n_samples: int
    # One row per initializer and layer: see COMPARED_LAYER_COLUMNS.
    layers: pd.DataFrame
    # Activation histograms of at most GRID_LAYERS layers, GRID_BINS bins each:
    # init, label, layer, bin_start, bin_end, fraction.
    histograms: pd.DataFrame
    # One row per initializer: see SUMMARY_COLUMNS.
    summary: pd.DataFrame
    # Per initializer: what its activations show first, and where its numbers left the float range.
    diagnoses: dict[str, Diagnosis]
    limits: dict[str, Limits]


def rebin(histograms: pd.DataFrame, factor: int) -> pd.DataFrame:
    """Merge every ``factor`` adjacent bins of each layer's histogram into one.

    Counts and fractions add up; a layer's bin count must be a multiple of ``factor``.
    """
    if histograms.empty or factor == 1:
        return histograms.copy()
    frame = histograms.sort_values(["layer", "bin_start"]).reset_index(drop=True)
    groups = np.arange(len(frame)) // factor
    merged = frame.groupby(groups).agg(
        layer=("layer", "first"),
        bin_start=("bin_start", "first"),
        bin_end=("bin_end", "last"),
        count=("count", "sum"),
        fraction=("fraction", "sum"),
    )
    return merged.reset_index(drop=True)


def summary_row(key: str, result: SimulationResult) -> dict:
    """One summary row: last-layer std, worst saturated and dead shares, gradient ratio, diagnosis."""
    ok = result.layers[result.layers["status"] == "ok"]
    return {
        "init": key,
        "label": key_label(key),
        # The last layer's std; NaN when the signal overflowed before reaching it.
        "last_std": float(result.layers["std"].iloc[-1]),
        # Worst layer: the one the verdict speaks of.
        "saturated": float(ok["saturated"].max()) if len(ok) else math.nan,
        "dead": float(ok["dead"].max()) if len(ok) else math.nan,
        "grad_ratio": first_over_last(result.layers["grad_std"]),
        "kind": diagnose(result.layers).kind,
    }


def compare_initializers(
    network: Network,
    keys: Sequence[str],
    *,
    simulate_fn: Callable[..., SimulationResult] = simulate,
) -> Comparison:
    """Simulate ``network`` once under each initializer of ``keys`` and gather the results.

    Every run uses the network's seed, so all of them see the same input X,
    the same read-out G and, layer by layer, the same random draws: only the
    initializer differs. ``simulate_fn`` may be a cached ``simulate``.
    """
    keys = tuple(dict.fromkeys(keys))
    layer_frames, histogram_frames, rows, diagnoses, limits = [], [], [], {}, {}
    shown = shown_layers(network.depth, GRID_LAYERS)
    for key in keys:
        result = simulate_fn(**network_for(network, key).simulate_kwargs())
        label = key_label(key)
        layers = result.layers.assign(init=key, label=label)
        layer_frames.append(layers[COMPARED_LAYER_COLUMNS])
        hist = result.histograms[result.histograms["layer"].isin(shown)]
        factor = max(1, (len(hist) // max(1, hist["layer"].nunique())) // GRID_BINS)
        histogram_frames.append(rebin(hist, factor).assign(init=key, label=label))
        rows.append(summary_row(key, result))
        diagnoses[key], limits[key] = diagnose(result.layers), result.limits
    histograms = pd.concat(histogram_frames, ignore_index=True) if histogram_frames else pd.DataFrame()
    return Comparison(
        keys=keys,
        labels={key: key_label(key) for key in keys},
        n_samples=network.samples,
        layers=pd.concat(layer_frames, ignore_index=True) if layer_frames else pd.DataFrame(
            columns=COMPARED_LAYER_COLUMNS),
        histograms=histograms,
        summary=pd.DataFrame(rows, columns=SUMMARY_COLUMNS),
        diagnoses=diagnoses,
        limits=limits,
    )
