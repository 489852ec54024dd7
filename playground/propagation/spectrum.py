"""The Jacobian's spectrum for the page: its cost, Gaussian against orthogonal weights, a summary and a histogram."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from .. import parallel
from .networks import jacobian_spectrum

# Singular values below this share of the largest are zero to float64 (rank lost).
ZERO_SINGULAR = 1e-10

# Measured on the 2-core machine against one n x n product (n^3 multiply-adds),
# best of 5 at n = 100..800: a values-only SVD costs 13..6 of them, a QR (the
# orthogonal draw) 9..3.5, and n^2 Gaussian draws about 300 n^2 multiply-adds.
# One multiply-add took 3.7e-11 s at n = 100, 2.4e-11 s at 200, 1.9e-11 s at 800.
SVD_PRODUCTS = 10.0
QR_PRODUCTS = 6.0
DRAW_MULTIPLY_ADDS = 300.0


def jacobian_cost(depth: int, width: int, *, spectra: int = 1, orthogonal: bool = False) -> float:
    """Multiply-adds of ``jacobian_spectrum``: a product per layer, an SVD per spectrum, the weight draws.

    For orthogonal weights an upper bound: their first two layers need no
    product, and a spectrum at layer 1 no SVD.
    """
    cube = float(width) ** 3
    draws = depth * (QR_PRODUCTS * cube if orthogonal else DRAW_MULTIPLY_ADDS * float(width) ** 2)
    return depth * cube + spectra * SVD_PRODUCTS * cube + draws


def affordable_jacobian_width(depth: int, width: int, budget: float, *, spectra: int = 1,
                              orthogonal: bool = False) -> int:
    """The largest width <= ``width`` whose ``jacobian_cost`` is within ``budget`` (at least 1)."""
    low, high = 1, int(width)
    while low < high:
        mid = (low + high + 1) // 2
        if jacobian_cost(depth, mid, spectra=spectra, orthogonal=orthogonal) <= budget:
            low = mid
        else:
            high = mid - 1
    return low


def spectrum_summary(spectrum: pd.DataFrame) -> pd.DataFrame:
    """Per layer (and per ``weights`` if that column is there): the numbers the page says about a spectrum.

    mean_squared (to set against the product of the chi_1), low and high
    (the 5th and 95th percentiles), smallest, largest, spread = high / low,
    and zero_share: values below ZERO_SINGULAR x the largest, which float64
    cannot tell from 0 (the Jacobian lost rank, or its spread exceeds 1e10).
    """
    keys = [k for k in ("weights", "layer") if k in spectrum.columns]
    rows = []
    for key, group in spectrum.groupby(keys, sort=False):
        v = group["singular_value"].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            continue
        low, high = np.percentile(v, [5, 95])
        top = float(v.max())
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = high / low if low > 0 else math.inf
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row.update(mean_squared=float(np.mean(v**2)), low=float(low), high=float(high), smallest=float(v.min()),
                   largest=top, spread=spread, zero_share=float(np.mean(v <= ZERO_SINGULAR * top)))
        rows.append(row)
    return pd.DataFrame(rows)


# The two weight matrices the page sets side by side at one sigma_w2.
WEIGHTS = {"Gaussian": "normal", "orthogonal": "orthogonal"}


def weights_at(kind: str, sigma_w2: float, width: int) -> tuple[str, dict]:
    """``WEIGHTS[kind]`` at n Var(w) = sigma_w2: std sqrt(sigma_w2 / n), or gain sqrt(sigma_w2) for orthogonal."""
    initializer = WEIGHTS[kind]
    if initializer == "orthogonal":
        return initializer, {"gain": math.sqrt(sigma_w2)}
    return initializer, {"std": math.sqrt(sigma_w2 / width)}


def spectrum_comparison(activation: str, sigma_w2: float, sigma_b2: float, *, layers, width: int,
                        bias: float = 0.0, seed: int = 0, q0: float = 1.0) -> pd.DataFrame:
    """Gaussian and orthogonal weights at the same sigma_w2: weights, layer, singular_value (one network each).

    The two networks are independent: they run side by side (``parallel.run_all``:
    their products and QRs release the GIL, numpy's SVDs do not), with the same
    numbers either way.
    """
    def one(kind: str) -> pd.DataFrame:
        initializer, params = weights_at(kind, sigma_w2, width)
        spectrum = jacobian_spectrum(activation, initializer, depth=max(layers), width=width, bias=bias,
                                     bias_std=math.sqrt(sigma_b2), seed=seed, init_params=params, layers=layers, q0=q0)
        return spectrum.assign(weights=kind)

    frames = parallel.run_all([partial(one, kind) for kind in WEIGHTS])
    return pd.concat(frames, ignore_index=True)[["weights", "layer", "singular_value"]]


def singular_value_histogram(spectrum: pd.DataFrame, bins: int = 30, decades: float = 10.0) -> pd.DataFrame:
    """Counts on log-spaced bins shared by every group (weights, layer), for a log axis.

    The bins span the finite positive values, at most ``decades`` below the
    largest (10: where ``spectrum_summary`` counts a value as zero); smaller
    ones, zeros included, are counted in the first bin.
    Columns: the group keys, bin_start, bin_end, count, share (of the group).
    """
    keys = [k for k in ("weights", "layer") if k in spectrum.columns]
    values = spectrum["singular_value"].to_numpy(dtype=float)
    positive = values[np.isfinite(values) & (values > 0)]
    top = float(positive.max()) if positive.size else 1.0
    bottom = max(float(positive.min()) if positive.size else top, top * 10.0 ** (-decades))
    if bottom >= top:
        bottom, top = bottom / 2.0, top * 2.0
    edges = np.geomspace(bottom, top, bins + 1)
    rows = []
    for key, group in spectrum.groupby(keys, sort=False):
        v = group["singular_value"].to_numpy(dtype=float)
        v = np.clip(v[np.isfinite(v)], bottom, top)
        counts, _ = np.histogram(v, bins=edges)
        frame = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "count": counts,
                              "share": counts / max(len(v), 1)})
        for name, value in zip(keys, key if isinstance(key, tuple) else (key,), strict=True):
            frame[name] = value
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)[[*keys, "bin_start", "bin_end", "count", "share"]]
