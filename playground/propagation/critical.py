"""The edge of chaos: for each sigma_b2, the sigma_w2 where chi_1 = 1."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import activations as act_mod
from ..theory import NOTES_FACTOR
from .gaussian import _HOMOGENEOUS
from .phases import _chi1_of

Array = np.ndarray


# sigma_w2 is scanned over this range for chi_1 = 1, then refined.
_CRITICAL_SCAN = np.geomspace(1e-3, 1e3, 31)


def critical_line(activation: str, sigma_b2_values, *, bias: float = 0.0, q0: float = 1.0) -> pd.DataFrame:
    """The edge of chaos: for each sigma_b2, the smallest sigma_w2 in [1e-3, 1e3] with chi_1 = 1.

    Columns sigma_b2, sigma_w2 (nan where there is none, or where chi_1
    reaches 1 only as q* -> inf, as for ReLU at b = 0 with sigma_b > 0). The
    scan brackets the first crossing; the Illinois variant of regula falsi
    refines it in ln sigma_w2 (about ten evaluations).
    """
    act_mod.get(activation)
    b2 = np.atleast_1d(np.asarray(sigma_b2_values, dtype=float))
    if activation in _HOMOGENEOUS and bias == 0.0:
        # chi_1 = g sigma_w2 for every q: critical at 1/g, with a finite q* only without bias noise.
        return pd.DataFrame({"sigma_b2": b2, "sigma_w2": np.where(b2 == 0, 1.0 / NOTES_FACTOR[activation], math.nan)})
    rows = len(b2)
    _, chi_scan = _chi1_of(activation, np.tile(_CRITICAL_SCAN, rows), np.repeat(b2, len(_CRITICAL_SCAN)), bias, q0)
    above = (chi_scan.reshape(rows, -1) >= 1.0)
    found = above.any(axis=1)
    first = np.argmax(above, axis=1)
    hi = np.log(_CRITICAL_SCAN[first])
    lo = np.where(first > 0, np.log(_CRITICAL_SCAN[np.maximum(first - 1, 0)]), np.log(1e-12))
    root = _illinois(lambda t: _chi1_of(activation, np.exp(t), b2[found], bias, q0)[1] - 1.0, lo[found], hi[found])
    q_star, chi = _chi1_of(activation, np.exp(root), b2[found], bias, q0)
    sigma_w2 = np.full(rows, math.nan)
    sigma_w2[found] = np.where(np.isfinite(q_star) & (np.abs(chi - 1.0) <= 1e-6), np.exp(root), math.nan)
    return pd.DataFrame({"sigma_b2": b2, "sigma_w2": sigma_w2})


def _illinois(fn, lo: Array, hi: Array, steps: int = 40, tol: float = 1e-13) -> Array:
    """Roots of fn in [lo, hi] (fn(lo) < 0 <= fn(hi)), element-wise: regula falsi, halving a stuck end.

    Done where the bracket is narrower than ``tol`` or either end is within
    1e-14 of a root: regula falsi may close in from one side only.
    """
    lo, hi = lo.copy(), hi.copy()
    f_lo, f_hi = fn(lo), fn(hi)
    side = np.zeros(len(lo))
    for _ in range(steps):
        narrow = np.abs(hi - lo) <= tol * np.maximum(1.0, np.abs(hi))
        active = ~narrow & (np.minimum(np.abs(f_lo), np.abs(f_hi)) > 1e-14)
        if not active.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(f_hi != f_lo, hi - f_hi * (hi - lo) / (f_hi - f_lo), 0.5 * (lo + hi))
        x = np.where(np.isfinite(x) & (x > lo) & (x < hi), x, 0.5 * (lo + hi))
        f_x = fn(x)
        right = f_x >= 0
        # Illinois: an end kept twice in a row has its value halved, so the bracket shrinks from both sides.
        f_lo = np.where(right & (side == 1), 0.5 * f_lo, f_lo)
        f_hi = np.where(~right & (side == -1), 0.5 * f_hi, f_hi)
        hi, f_hi = np.where(active & right, x, hi), np.where(active & right, f_x, f_hi)
        lo, f_lo = np.where(active & ~right, x, lo), np.where(active & ~right, f_x, f_lo)
        side = np.where(right, 1, -1)
    return np.where(np.abs(f_hi) <= np.abs(f_lo), hi, lo)


def critical_sigma_w2(activation: str, sigma_b2: float, *, bias: float = 0.0, q0: float = 1.0) -> float:
    """The sigma_w2 of the edge of chaos at this sigma_b2 (nan where none exists): see ``critical_line``."""
    return float(critical_line(activation, [sigma_b2], bias=bias, q0=q0)["sigma_w2"].iloc[0])
