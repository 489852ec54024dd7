"""What a simulation's per-layer numbers show first: overflow, no signal, saturation, vanishing, exploding, dead.

``diagnose`` reads a ``SimulationResult.layers`` frame and returns the
diagnosis with the numbers behind it; ``explain.activations.verdict`` turns
it into the sentence the page shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

# The std of the last layer against the first, beyond which a signal has
# vanished or exploded.
VANISH_RATIO = 0.1
EXPLODE_RATIO = 10.0
# Share of saturated (tanh, sigmoid) or dead (ReLU) values that dominates a layer.
DOMINANT_SHARE = 0.5
# Share of dead ReLU outputs that leaves a layer with almost no gradient.
DEAD_SHARE = 0.9

# The kinds, in the order they are checked.
KINDS = ("overflow", "constant", "saturated", "vanishing", "exploding", "dead", "healthy")


@dataclass(frozen=True)
class Diagnosis:
    """The state of the activations: one of KINDS, the layer it concerns, and its numbers."""

    kind: str
    # The layer the diagnosis speaks of (overflow: the first non-finite one; saturated/dead: the worst).
    layer: int | None = None
    # The saturated or dead share of that layer.
    share: float = math.nan
    # std of the first and the last computed layer, and the smallest and largest over all of them.
    first_std: float = math.nan
    last_std: float = math.nan
    min_std: float = math.nan
    max_std: float = math.nan
    # How many layers were computed.
    layers: int = 0

    @property
    def healthy(self) -> bool:
        return self.kind == "healthy"


def diagnose(layers: pd.DataFrame) -> Diagnosis:
    """The state of the activations of one simulation (its ``layers`` frame): what a student should notice first."""
    overflow = layers.loc[layers["status"] == "overflow", "layer"]
    if len(overflow):
        return Diagnosis("overflow", layer=int(overflow.iloc[0]))
    ok = layers[layers["status"] == "ok"]
    std = ok["std"].to_numpy(dtype=float)
    if len(std) == 0 or (std == 0).all():
        return Diagnosis("constant", layers=len(std))
    numbers = dict(first_std=std[0], last_std=std[-1], min_std=std.min(), max_std=std.max(), layers=len(std))
    saturated = ok["saturated"].max()
    if saturated > DOMINANT_SHARE:
        layer = int(ok.loc[ok["saturated"].idxmax(), "layer"])
        return Diagnosis("saturated", layer=layer, share=float(saturated), **numbers)
    ratio = std[-1] / std[0] if std[0] > 0 else math.nan
    if len(std) > 1 and ratio < VANISH_RATIO:
        return Diagnosis("vanishing", **numbers)
    if len(std) > 1 and ratio > EXPLODE_RATIO:
        return Diagnosis("exploding", **numbers)
    dead = ok["dead"].max()
    if dead > DEAD_SHARE:
        layer = int(ok.loc[ok["dead"].idxmax(), "layer"])
        return Diagnosis("dead", layer=layer, share=float(dead), **numbers)
    return Diagnosis("healthy", **numbers)
