"""Roots of many functions at once, each in its own bracket: regula falsi with the Illinois rule."""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def illinois(fn, lo: Array, hi: Array, steps: int = 200, tol: float = 1e-13) -> Array:
    """Roots of fn in [lo, hi] (fn(lo) < 0 <= fn(hi)), element-wise: regula falsi, halving a stuck end.

    Done where the bracket is narrower than ``tol`` (relative beyond 1) or
    |fn| is below 1e-14 at either end: regula falsi may close in from one
    side only. Where two steps have not halved a bracket, the next one
    bisects it: a root near a very skewed end (fn of 1e260 there, 1e-3
    at the other) is found at bisection's pace at worst, not left unreached.
    """
    lo, hi = lo.copy(), hi.copy()
    f_lo, f_hi = fn(lo), fn(hi)
    # The secant's values: the Illinois rule halves them; f_lo and f_hi stay fn's own.
    s_lo, s_hi = f_lo.copy(), f_hi.copy()
    side = np.zeros(len(lo))
    width = np.abs(hi - lo)
    for step in range(steps):
        narrow = np.abs(hi - lo) <= tol * np.maximum(1.0, np.abs(hi))
        active = ~narrow & (np.minimum(np.abs(f_lo), np.abs(f_hi)) > 1e-14)
        if not active.any():
            break
        slow = np.abs(hi - lo) > 0.5 * width
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(s_hi != s_lo, hi - s_hi * (hi - lo) / (s_hi - s_lo), 0.5 * (lo + hi))
        x = np.where(np.isfinite(x) & (x > lo) & (x < hi) & ~(slow & (step % 2 == 1)), x, 0.5 * (lo + hi))
        if step % 2 == 1:
            width = np.abs(hi - lo)
        f_x = fn(x)
        right = f_x >= 0
        # Illinois: an end kept twice in a row has its value halved, so the bracket shrinks from both sides.
        s_lo = np.where(right & (side == 1), 0.5 * s_lo, s_lo)
        s_hi = np.where(~right & (side == -1), 0.5 * s_hi, s_hi)
        moved_hi, moved_lo = active & right, active & ~right
        hi, f_hi, s_hi = np.where(moved_hi, x, hi), np.where(moved_hi, f_x, f_hi), np.where(moved_hi, f_x, s_hi)
        lo, f_lo, s_lo = np.where(moved_lo, x, lo), np.where(moved_lo, f_x, f_lo), np.where(moved_lo, f_x, s_lo)
        side = np.where(right, 1, -1)
    return np.where(np.abs(f_hi) <= np.abs(f_lo), hi, lo)
