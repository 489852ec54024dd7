"""The maps layer by layer from the inputs: q_l, chi_1 at each q_l, the Jacobian's mean squared singular value, c_l."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..theory import mean_field
from .gaussian import _Q_HUGE, _Q_TINY, _evaluation_q, map_moments, mirror_moment
from .kernel import _interpolated_kernels, kernel_at, kernel_rows

Array = np.ndarray


def length_trajectory(activation: str, sigma_w2: float, sigma_b2: float, *, depth: int, q0: float = 1.0,
                      bias: float = 0.0) -> Array:
    """q_1..q_depth from q_1 = sigma_w2 q0 + sigma_b2: ``theory.mean_field``'s forward recursion.

    mean_field takes the weights as an initializer: N(0, sigma_w2) at width 1
    has n Var(w) = sigma_w2.
    """
    return mean_field(
        activation, "normal", depth=depth, width=1, bias=bias, init_params={"std": math.sqrt(sigma_w2)},
        input_second_moment=q0, bias_std=math.sqrt(sigma_b2),
    ).pre_variance


def chi1_trajectory(activation: str, sigma_w2: float, sigma_b2: float, *, depth: int, q0: float = 1.0,
                    bias: float = 0.0) -> Array:
    """chi_1 at every layer's own q_l, l = 1..depth (inf where q_l overflowed)."""
    q = length_trajectory(activation, sigma_w2, sigma_b2, depth=depth, q0=q0, bias=bias)
    finite = np.isfinite(q)
    out = np.full(depth, math.inf)
    out[finite] = sigma_w2 * map_moments(activation, bias, np.where(q[finite] == 0, _Q_TINY, q[finite])).slope
    return out


def jacobian_theory(activation: str, sigma_w2: float, sigma_b2: float, *, depth: int, q0: float = 1.0,
                    bias: float = 0.0) -> pd.DataFrame:
    """Per layer: q_l, chi_1(q_l) and the mean squared singular value of da_l/dx, the product of the chi_1.

    (1/n) tr(J J^T) for J = W_1 D_1 ... W_l D_l, D_k = diag(phi'(s_k)): each
    factor multiplies it by n Var(w) E[phi'(s_k)^2] (Pennington et al. 2017).
    """
    q = length_trajectory(activation, sigma_w2, sigma_b2, depth=depth, q0=q0, bias=bias)
    chi = chi1_trajectory(activation, sigma_w2, sigma_b2, depth=depth, q0=q0, bias=bias)
    with np.errstate(over="ignore", invalid="ignore"):
        product = np.cumprod(chi)
    return pd.DataFrame({"layer": np.arange(1, depth + 1), "q": q, "chi1": chi, "mean_squared_singular_value": product})


def pair_theory(activation: str, sigma_w2: float, sigma_b2: float, *, depth: int, c0: float, q0: float = 1.0,
                bias: float = 0.0) -> pd.DataFrame:
    """The joint (q, q12) map from two inputs of E[x^2] = q0 at correlation c0: layer, q, c.

    q_1 = sigma_w2 q0 + sigma_b2 and c_1 = (sigma_w2 q0 c0 + sigma_b2) / q_1,
    then c_{l+1} = (sigma_w2 K(q_l, c_l) + sigma_b2) / q_{l+1}: each layer's
    own q, not q*, which is what a finite network's first layers follow
    (``propagate_pair``; the c-map at q* is the limit once q_l has settled).
    """
    q = length_trajectory(activation, sigma_w2, sigma_b2, depth=depth, q0=q0, bias=bias)
    c = np.full(depth, math.nan)
    if q[0] > 0:
        c[0] = (sigma_w2 * q0 * c0 + sigma_b2) / q[0]
    usable = np.isfinite(q[:-1])
    # Past _Q_HUGE the map is its limit there (as where q* = inf), so that nothing overflows.
    levels = np.where(usable & (q[:-1] <= _Q_HUGE), q[:-1], math.inf)
    # Layers whose q has settled share one kernel: q_l repeats to the last bit once converged.
    unique, index = np.unique(_evaluation_q(levels), return_inverse=True)
    # Near the edge q_l settles slowly and every layer has its own: interpolate their coefficients.
    kernel = (_interpolated_kernels(activation, bias, unique, map_moments(activation, bias, unique),
                                    mirror_moment(activation, bias, unique)) if depth > 1 else None)
    for layer in range(1, depth):
        if not (np.isfinite(c[layer - 1]) and usable[layer - 1]):
            break
        row = kernel_rows(kernel, [index[layer - 1]])
        value, _ = kernel_at(row, np.array([c[layer - 1]]))
        denominator = sigma_w2 * row.second[0] + sigma_b2
        # Rounding can leave c a hair outside [-1, 1], the map's domain.
        c[layer] = min(max((sigma_w2 * value[0] + sigma_b2) / denominator, -1.0), 1.0) if denominator > 0 else math.nan
    return pd.DataFrame({"layer": np.arange(1, depth + 1), "q": q, "c": np.clip(c, -1.0, 1.0)})
