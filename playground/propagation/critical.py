"""The edge of chaos: for each sigma_b2, the sigma_w2 where chi_1 = 1."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import activations as act_mod
from ..theory import NOTES_FACTOR
from .gaussian import _HOMOGENEOUS, _Q_TINY, map_moments
from .phases import _chi1_of
from .roots import illinois

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
        return _homogeneous_line(activation, b2)
    rows = len(b2)
    _, chi_scan = _chi1_of(activation, np.tile(_CRITICAL_SCAN, rows), np.repeat(b2, len(_CRITICAL_SCAN)), bias, q0)
    return _refined(activation, b2, _CRITICAL_SCAN, chi_scan.reshape(rows, -1), bias, q0, below=1e-12)


def critical_line_in(diagram: pd.DataFrame, activation: str, *, bias: float = 0.0, q0: float = 1.0) -> pd.DataFrame:
    """``critical_line`` within a ``phase_diagram``'s sigma_w2 range, bracketed by the diagram's own chi_1.

    The diagram has chi_1 on every cell already, so the line costs only the
    refinement: the scan over [1e-3, 1e3] is two thirds of ``critical_line``
    (0.07 of 0.12 s for tanh on the page's grid). Where chi_1 = 1 lies below
    or above the diagram's range the value is nan: off the chart either way.
    Columns sigma_b2 (the diagram's, ascending) and sigma_w2.
    """
    act_mod.get(activation)
    w2 = np.unique(diagram["sigma_w2"].to_numpy(dtype=float))
    b2 = np.unique(diagram["sigma_b2"].to_numpy(dtype=float))
    if activation in _HOMOGENEOUS and bias == 0.0:
        line = _homogeneous_line(activation, b2)
        inside = (line["sigma_w2"] >= w2[0]) & (line["sigma_w2"] <= w2[-1])
        return line.assign(sigma_w2=line["sigma_w2"].where(inside))
    chi = diagram.pivot(index="sigma_b2", columns="sigma_w2", values="chi1").loc[b2, w2].to_numpy(dtype=float)
    return _refined(activation, b2, w2, chi, bias, q0, below=None)


def _homogeneous_line(activation: str, b2: Array) -> pd.DataFrame:
    # chi_1 = g sigma_w2 for every q: critical at 1/g, with a finite q* only without bias noise.
    return pd.DataFrame({"sigma_b2": b2, "sigma_w2": np.where(b2 == 0, 1.0 / NOTES_FACTOR[activation], math.nan)})


def _refined(activation: str, b2: Array, scan: Array, chi_scan: Array, bias: float, q0: float,
             below: float | None) -> pd.DataFrame:
    """Per row of ``chi_scan`` (chi_1 on ``scan``, per sigma_b2): its first crossing of 1, refined.

    A row already at chi_1 >= 1 on its first value is bracketed from
    ``below``, or nan when ``below`` is None (the crossing is off the scan).
    """
    above = chi_scan >= 1.0
    first = np.argmax(above, axis=1)
    found = above.any(axis=1) & ((first > 0) | (below is not None))
    hi = np.log(scan[first])
    lo = np.where(first > 0, np.log(scan[np.maximum(first - 1, 0)]), math.log(below or 1.0))
    # Without bias noise and with phi(b) = 0, q* = 0 is the ordered phase's fixed point and chi_1 there is
    # sigma_w2 E[phi'(b)^2]: the edge is 1 / E[phi'(b)^2] exactly, where chi_1 turns flat (tanh: 1 +- 1e-4
    # for regula falsi, in 30 evaluations).
    with np.errstate(divide="ignore"):  # E[phi'(b)^2] = 0 (ReLU below a negative bias): no such edge, inf
        zero_q = 1.0 / map_moments(activation, bias, np.array([_Q_TINY])).slope[0]
    exact = found & (b2 == 0) & (act_mod.get(activation).fn(np.array([bias]))[0] == 0) & (lo < np.log(zero_q))
    exact &= np.log(zero_q) <= hi
    refine = found & ~exact
    root = illinois(lambda t: _chi1_of(activation, np.exp(t), b2[refine], bias, q0)[1] - 1.0, lo[refine],
                     hi[refine])
    q_star, chi = _chi1_of(activation, np.exp(root), b2[refine], bias, q0)
    sigma_w2 = np.full(len(b2), math.nan)
    sigma_w2[refine] = np.where(np.isfinite(q_star) & (np.abs(chi - 1.0) <= 1e-6), np.exp(root), math.nan)
    sigma_w2[exact] = zero_q
    return pd.DataFrame({"sigma_b2": b2, "sigma_w2": sigma_w2})


def critical_sigma_w2(activation: str, sigma_b2: float, *, bias: float = 0.0, q0: float = 1.0) -> float:
    """The sigma_w2 of the edge of chaos at this sigma_b2 (nan where none exists): see ``critical_line``."""
    return float(critical_line(activation, [sigma_b2], bias=bias, q0=q0)["sigma_w2"].iloc[0])
