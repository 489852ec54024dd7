"""The same network under several initializers: run one simulation each, and summarise.

Compared initializers are named by keys (``"he_normal"``, ``"normal:0.01"``:
see ``init_keys.py``). Nothing here imports Streamlit or Altair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from . import budget
from .init_keys import key_label, layer_params, parse_key
from .settings import Network
from .stats import shown_layers
from .simulation import SimulationResult, simulate
from .verdict import verdict

# Most samples per simulation in a comparison: 8 runs of the notes' 500-unit layers stay fast,
# and 500 x 500 values per layer pin every std down to a fraction of a percent.
COMPARE_SAMPLES = 500
# The histogram grid shows at most this many layers per initializer.
GRID_LAYERS = 6
# Histograms are re-binned from the simulation's 40 bins to this many, to keep the page light.
GRID_BINS = 20

COMPARED_LAYER_COLUMNS = ["init", "label", "layer", "mean", "std", "saturated", "dead", "grad_std", "status"]
SUMMARY_COLUMNS = ["init", "label", "last_std", "saturated", "dead", "grad_ratio", "verdict", "kind"]


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
    # The simulations' own notes (overflow, underflow), each prefixed with its initializer.
    notes: tuple[str, ...]


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


def gradient_ratio(grad_std: Sequence[float]) -> float:
    """std of dL/dW at layer 1 over that at the last layer; NaN when either is 0 or not finite.

    Far above 1: gradients explode on the way back; far below: they vanish.
    """
    first, last = float(grad_std[0]), float(grad_std[-1])
    if not (math.isfinite(first) and math.isfinite(last)) or first == 0.0 or last == 0.0:
        return math.nan
    return first / last


def summary_row(key: str, result: SimulationResult) -> dict:
    """One summary row: last-layer std, worst saturated and dead shares, gradient ratio, verdict."""
    ok = result.layers[result.layers["status"] == "ok"]
    said = verdict(result)
    return {
        "init": key,
        "label": key_label(key),
        # The last layer's std; NaN when the signal overflowed before reaching it.
        "last_std": float(result.layers["std"].iloc[-1]),
        # Worst layer: the one the verdict speaks of.
        "saturated": float(ok["saturated"].max()) if len(ok) else math.nan,
        "dead": float(ok["dead"].max()) if len(ok) else math.nan,
        "grad_ratio": gradient_ratio(result.layers["grad_std"].to_numpy()),
        "verdict": said.text,
        "kind": said.kind,
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
    layer_frames, histogram_frames, rows, notes = [], [], [], []
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
        notes.extend(f"{label}: {note}" for note in result.notes)
    histograms = pd.concat(histogram_frames, ignore_index=True) if histogram_frames else pd.DataFrame()
    return Comparison(
        keys=keys,
        labels={key: key_label(key) for key in keys},
        n_samples=network.samples,
        layers=pd.concat(layer_frames, ignore_index=True) if layer_frames else pd.DataFrame(
            columns=COMPARED_LAYER_COLUMNS),
        histograms=histograms,
        summary=pd.DataFrame(rows, columns=SUMMARY_COLUMNS),
        notes=tuple(notes),
    )


def comparison_samples(network: Network, runs: int, cap: int = COMPARE_SAMPLES) -> int:
    """Samples for each of ``runs`` simulations: the budget's share, and at most ``cap``."""
    affordable = budget.affordable_samples(
        network.depth, network.width, network.samples, batch_norm=network.batch_norm, runs=runs,
        share=budget.COMPARISON_SHARE,
    )
    return max(budget.MIN_SAMPLES, min(cap, affordable))

