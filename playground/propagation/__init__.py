"""Signal propagation at initialization: the mean-field maps, their fixed points, phases and depth scales,
and the finite networks that test them.

Notation (Poole et al. 2016, "Exponential expressivity in deep neural networks
through transient chaos"; Schoenholz et al. 2017, "Deep information
propagation"). Weights have n Var(w) = sigma_w^2, biases are N(b, sigma_b^2)
per unit, inputs have E[x^2] = q0 per coordinate. A layer's pre-activations
are about Gaussian with variance q about their mean b:

    length map        q_l = sigma_w^2 E_z[phi(b + sqrt(q_{l-1}) z)^2] + sigma_b^2,  q_1 = sigma_w^2 q0 + sigma_b^2;
    correlation map   c' = (sigma_w^2 K(q, c) + sigma_b^2) / (sigma_w^2 V(q) + sigma_b^2),

with V(q) = E[phi(u)^2], K(q, c) = E[phi(u1) phi(u2)], u1 = b + sqrt(q) z1,
u2 = b + sqrt(q) (c z1 + sqrt(1 - c^2) z2). At the fixed point q* of the
length map the denominator is q*, so c' = q12 / q*: the paper's map. Written
with the next layer's q it also holds where q has no finite non-zero fixed
point (see below). chi_1 = sigma_w^2 E[phi'(b + sqrt(q*) z)^2] is the slope
of the c-map at c = 1: the ordered phase chi_1 < 1 (c -> 1), the chaotic
chi_1 > 1 (c -> c* < 1), the edge of chaos chi_1 = 1. The depth scales are
xi_q = -1/ln|chi_q| and xi_c = -1/ln chi_c, chi_q = sigma_w^2 E[phi phi' z] /
sqrt(q*) the slope of the length map at q* (Stein's lemma: no phi''), chi_c
the c-map's slope at c*; Schoenholz et al. find networks trainable up to
about 6 xi_c layers. A Jacobian's mean squared singular value is the product
of every layer's chi_1 at that layer's own q (Pennington, Schoenholz and
Ganguli 2017, "Resurrecting the sigmoid in deep learning through dynamical
isometry").

Numerics. One-dimensional expectations are ``theory.gaussian_nodes``, the
project's quadrature (panels at the kink and at every power of two around it),
many q at once through ``theory.gaussian_nodes_batch``. The two-dimensional K
is reduced to one-dimensional integrals by Mehler's formula,

    K(q, c) = sum_k a_k(q)^2 c^k,   a_k(q) = E[phi(b + sqrt(q) z) He_k(z)] / sqrt(k!),

with the a_k taken on the same nodes. For smooth phi the terms vanish fast;
a kink (ReLU, leaky ReLU, SELU) makes a_k^2 ~ k^(-5/2), so the terms past
``HERMITE_TERMS`` are replaced by T0 c^kappa, where T0 = V - sum a_k^2 is
their exact total and kappa = T1 / T0 their mean order, from T1 = q E[phi'^2]
- sum k a_k^2: the map keeps c = 1 as a fixed point with slope chi_1 exactly.
Below c = 0 the tail's exact value at c = -1, K(q, -1) = E[phi(b + sqrt(q) z)
phi(b - sqrt(q) z)] less the series there, takes T0's place. Measured against
2-D adaptive quadrature (scipy) the c-map is within 3e-15 for tanh (2e-10 when
saturated, q* = 30) and 3e-9 for SELU; against ReLU's arc-cosine kernel within
1.3e-6 (0.2% of 1 - c near c = 1), on both sides of 0.

Within 1e-7 of the edge (chi_1 - 1 < 1e-7) c* is within about chi_1 - 1 of 1,
closer than Newton's method resolves, and the bifurcation's leading order
c* = 1, chi_c = 2 - chi_1 is exact to that precision. ``phase_diagram`` takes
q* and chi_1 exactly as ``phase_point`` does; for the c-map of its chaotic
cells it interpolates the a_k in ln q (``_interpolated_kernels``), within
2e-10 of the exact chi_c (1/xi_c within 2e-10 of ``phase_point``'s).

Degenerate cases, returned as inf or nan, never raised:
- q* is the limit of the length map iterated from q_1: 0 when the signal dies
  (sigma_b = 0 and phi(b) = 0 below criticality: tanh with sigma_w^2 < 1, ReLU
  and linear units with sigma_w^2 below 2 and 1 at b = 0), inf when it grows
  without bound (ReLU with sigma_w^2 > 2; with b = 0 and sigma_b > 0 already at
  2). ReLU and linear units at b = 0 and sigma_b = 0 have no other fixed
  point: at criticality every q is one, and q* = q_1.
- There, chi_1 and the c-map are their limits at q -> 0 or inf. ReLU's c-map
  at b = 0 does not depend on q (the arc-cosine kernel of Cho and Saul 2009)
  and has slope 1 at c = 1: xi_c = inf, correlations approach 1 polynomially
  in depth. A dying tanh signal is linear in the limit: its c-map is the
  identity, xi_c = inf (c is frozen, not preserved by a good initialization).
- tanh at sigma_b = 0 is critical at sigma_w^2 = 1, where q* = 0; ReLU only at
  (2, 0). ``critical_sigma_w2`` is nan where chi_1 reaches 1 only as q* -> inf.
- chi_q > 1 at q* (an unstable fixed point) has xi_q = nan.

The package, in the order its modules build on one another:
- ``gaussian``: the Gaussian moments V, S, D of phi and K(q, -1), many q at once;
- ``length_map``: the length map's fixed point q*;
- ``kernel``: Mehler's series for K(q, c), ``Kernel`` and its evaluations;
- ``phases``: the c-map's fixed point, ``phase_point``, ``phase_diagram`` and the page's grid;
- ``critical``: the edge of chaos, ``critical_line`` (and ``critical_line_in`` a phase diagram) and
  ``critical_sigma_w2``;
- ``trajectories``: the maps layer by layer from the inputs;
- ``networks``: the finite networks that test them;
- ``spectrum``: the Jacobian's cost and spectrum, for the page.
Every public name is re-exported here: ``from playground import propagation as prop; prop.phase_point(...)``.
"""

from .critical import critical_line, critical_line_in, critical_sigma_w2
from .gaussian import Moments, map_moments, mirror_moment, moments, moments_and_slopes

# Private, yet reachable as prop._evaluation_q: the tests take the maps' q as the package does.
from .gaussian import _evaluation_q as _evaluation_q
from .kernel import (
    HERMITE_TERMS,
    Kernel,
    hermite_coefficients,
    kernel_at,
    kernel_on_grid,
    kernel_rows,
    kernels,
    make_kernel,
)
from .length_map import fixed_points, fixed_points_and_moments
from .networks import PAIRS, input_pairs, jacobian_spectrum, propagate_pair

# Private, yet reachable as prop._streams, prop._layer, prop._generator: the tests draw layers as networks does.
from .networks import _generator as _generator
from .networks import _layer as _layer
from .networks import _streams as _streams
from .phases import (
    EDGE_BAND,
    PAGE_SIGMA_B2,
    PAGE_SIGMA_W2,
    PhasePoint,
    chi1,
    correlation_map,
    depth_scale,
    depth_scales,
    fixed_point,
    phase_diagram,
    phase_names,
    phase_point,
)
from .spectrum import (
    DRAW_MULTIPLY_ADDS,
    QR_PRODUCTS,
    SVD_PRODUCTS,
    WEIGHTS,
    ZERO_SINGULAR,
    affordable_jacobian_width,
    jacobian_cost,
    singular_value_histogram,
    spectrum_comparison,
    spectrum_summary,
    weights_at,
)
from .trajectories import chi1_trajectory, jacobian_theory, length_trajectory, pair_theory

__all__ = [
    "affordable_jacobian_width", "chi1", "chi1_trajectory", "correlation_map", "critical_line", "critical_line_in",
    "critical_sigma_w2",
    "depth_scale", "depth_scales", "DRAW_MULTIPLY_ADDS", "EDGE_BAND", "fixed_point", "fixed_points",
    "fixed_points_and_moments",
    "hermite_coefficients", "HERMITE_TERMS", "input_pairs", "jacobian_cost", "jacobian_spectrum", "jacobian_theory",
    "Kernel", "kernel_at", "kernel_on_grid", "kernel_rows", "kernels", "length_trajectory", "make_kernel",
    "map_moments", "mirror_moment", "Moments", "moments",
    "moments_and_slopes", "PAGE_SIGMA_B2", "PAGE_SIGMA_W2", "pair_theory", "PAIRS",
    "phase_diagram", "phase_names", "phase_point", "PhasePoint", "propagate_pair", "QR_PRODUCTS",
    "singular_value_histogram", "spectrum_comparison", "spectrum_summary", "SVD_PRODUCTS", "WEIGHTS", "weights_at",
    "ZERO_SINGULAR",
]
