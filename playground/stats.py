"""Summary statistics of big arrays, computed fast and without overflow."""

from __future__ import annotations

import math

import numpy as np

# Below this RMS, per precision, a layer's values are flushed to 0: the
# products of two such values (an activation and a gradient make dL/dW)
# would approach the subnormal range, where matrix products run about a
# hundred times slower (float32's smallest normal number is 1.2e-38,
# float64's 2.2e-308).
UNDERFLOW = {"float32": 1e-15, "float64": 1e-250}
# Mean squares below this are recomputed after scaling, to keep their digits.
_TINY_SQUARES = {"float32": 1e-30, "float64": 1e-200}
# Below this variance relative to the mean square, the one-pass variance has
# cancelled to rounding noise (worse in float32) and two passes take over.
_CANCELLED = {"float32": 1e-3, "float64": 1e-8}


# From this many values on, BLAS sums them faster than numpy's own loops: it
# uses every core, but waking its threads costs about 0.1 ms a call.
BLAS_SUM_VALUES = 400_000


def sums(x: np.ndarray) -> tuple[float, float]:
    """Sum and sum of squares of ``x``; not finite if any value is not.

    On big arrays both come from BLAS: the sum as a matrix-vector product with
    ones (about 4 times faster here than ``x.sum()``), the squares as one dot
    product.
    """
    flat = x.reshape(-1)
    if flat.size < BLAS_SUM_VALUES:
        total = float(flat.sum(dtype=np.float64))
        return total, (float(np.einsum("i,i->", flat, flat)) if math.isfinite(total) else math.inf)
    rows = x.reshape(x.shape[0] if x.ndim > 1 else 1, -1)
    # Row sums in the array's precision (a few hundred values each), their total in float64.
    total = float((rows @ np.ones(rows.shape[1], dtype=x.dtype)).sum(dtype=np.float64))
    return total, (float(flat @ flat) if math.isfinite(total) else math.inf)


def column_means(x: np.ndarray) -> np.ndarray:
    """The mean of each column of a 2-D ``x``: a BLAS matrix-vector product, faster than ``x.mean(axis=0)``."""
    return np.ones(x.shape[0], dtype=x.dtype) @ x / x.shape[0]


def moments(x: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of all of ``x``, NaN for both if any value is not finite.

    The fast path is ``sums``. Where that would overflow (values above about
    1e150), cancel (a mean much larger than the spread) or lose precision
    (tiny values), a scaled two-pass computation takes over.
    """
    flat = x.reshape(-1)
    n = flat.size
    precision = x.dtype.name if x.dtype.name in _CANCELLED else "float64"
    total, square_sum = sums(x)
    if math.isfinite(square_sum) and square_sum > _TINY_SQUARES[precision] * n:
        mean = total / n
        mean_square = square_sum / n
        var = mean_square - mean * mean
        if var > _CANCELLED[precision] * mean_square:
            return mean, math.sqrt(var)
    absmax = max(float(flat.max()), -float(flat.min()))
    if not math.isfinite(absmax):
        return math.nan, math.nan
    if absmax == 0.0:
        return 0.0, 0.0
    scaled = flat / absmax
    return float(scaled.mean(dtype=np.float64)) * absmax, float(scaled.std(dtype=np.float64)) * absmax


def bin_counts(x: np.ndarray, low: float, high: float, bins: int) -> np.ndarray:
    """Counts of ``x`` in ``bins`` equal bins over [low, high]; values outside land in the edge bins."""
    flat = np.asarray(x, dtype=float).reshape(-1)
    if not high > low:
        high = low + 1.0
    position = (flat - low) * (bins / (high - low))
    np.clip(position, 0, bins - 1, out=position)
    return np.bincount(position.astype(np.intp), minlength=bins)


def first_values(x: np.ndarray, limit: int) -> np.ndarray:
    """The first rows of ``x`` holding at most about ``limit`` values.

    Rows are independent samples (or units), so the first ones are a fair
    sample of the rest; histograms use them to stay cheap on big layers.
    """
    rows = max(1, limit // max(1, x.shape[1]))
    return x[:rows]


def shown_layers(depth: int, most: int = 10) -> list[int]:
    """At most ``most`` of the layers 1..depth, evenly spread and always with the first and the last."""
    if depth <= most:
        return list(range(1, depth + 1))
    return sorted({int(round(v)) for v in np.linspace(1, depth, most)})


def first_over_last(values) -> float:
    """The first value over the last (layer 1's over the last layer's), NaN where either is 0 or not finite.

    Far below 1: a gradient vanishes on the way back to layer 1; far above: it explodes.
    """
    values = np.asarray(values, dtype=float)
    first, last = float(values[0]), float(values[-1])
    if not (math.isfinite(first) and math.isfinite(last)) or first == 0.0 or last == 0.0:
        return math.nan
    return first / last
