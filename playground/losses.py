"""The losses the trained networks use, from logits so that nothing overflows.

``sigmoid`` is the activation's own (``activations.py``): one copy in the
project. The binary cross-entropy of a logit z against a label y in {0, 1}
is -[y log σ(z) + (1 - y) log(1 - σ(z))] = log(1 + e^z) - y z, written with
``logaddexp`` so that a large |z| gives a large loss, not inf - inf.
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS

Array = np.ndarray

sigmoid = ACTIVATIONS["sigmoid"].fn


def logit_cross_entropy(z: Array, y: Array, axis: int = -1) -> Array:
    """Mean binary cross-entropy over ``axis``, from logits ``z`` and labels ``y`` in {0, 1}."""
    return np.mean(np.logaddexp(0.0, z) - y * z, axis=axis)
