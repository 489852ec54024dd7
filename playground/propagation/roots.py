"""Roots of many functions at once, each in its own bracket: regula falsi with the Illinois rule."""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def illinois(fn, lo: Array, hi: Array, steps: int = 40, tol: float = 1e-13) -> Array:
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
