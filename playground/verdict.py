"""A one-line verdict on a simulation, computed from its numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .simulation import SimulationResult

# The std of the last layer against the first, beyond which a signal has
# vanished or exploded.
VANISH_RATIO = 0.1
EXPLODE_RATIO = 10.0
# Share of saturated (tanh, sigmoid) or dead (ReLU) values that dominates a layer.
DOMINANT_SHARE = 0.5


@dataclass(frozen=True)
class Verdict:
    # "overflow", "constant", "saturated", "vanishing", "exploding", "dead" or "healthy"
    kind: str
    text: str

    @property
    def healthy(self) -> bool:
        return self.kind == "healthy"


def _power_of_ten(ratio: float) -> str:
    if ratio <= 0:
        return "0"
    exponent = math.log10(ratio)
    if abs(exponent) < 2:
        return f"{ratio:.2g}"
    return f"1e{round(exponent):+d}".replace("+", "")


def verdict(result: SimulationResult) -> Verdict:
    """The state of the activations: what a student should notice first."""
    layers = result.layers
    ok = layers[layers["status"] == "ok"]
    if result.overflow_layer is not None:
        return Verdict(
            "overflow",
            f"overflow at layer {result.overflow_layer}: the activations exceeded float64's "
            f"largest number (1.8e308) and stopped being finite",
        )
    std = ok["std"].to_numpy()
    if (std == 0).all():
        return Verdict(
            "constant",
            "no signal: every unit of every layer outputs the same value for every example (std 0)",
        )
    first, last = std[0], std[-1]
    saturated = ok["saturated"].max()
    if saturated > DOMINANT_SHARE:
        layer = int(ok.loc[ok["saturated"].idxmax(), "layer"])
        bound = "±1" if result.activation == "tanh" else "0 or 1"
        return Verdict(
            "saturated",
            f"saturated: {saturated:.0%} of the units of layer {layer} sit within 0.01 of {bound}, "
            f"where the derivative is nearly 0",
        )
    if len(std) > 1 and first > 0 and last / first < VANISH_RATIO:
        return Verdict(
            "vanishing",
            f"activations vanish: layer {len(std)}'s std is {_power_of_ten(last / first)} of layer 1's "
            f"({last:.2g} against {first:.2g})",
        )
    if len(std) > 1 and first > 0 and last / first > EXPLODE_RATIO:
        return Verdict(
            "exploding",
            f"activations explode: layer {len(std)}'s std is {_power_of_ten(last / first)} times layer 1's "
            f"({last:.3g} against {first:.3g})",
        )
    dead = ok["dead"].max()
    if dead > 0.9:
        layer = int(ok.loc[ok["dead"].idxmax(), "layer"])
        return Verdict("dead", f"dead: {dead:.0%} of the ReLU outputs of layer {layer} are exactly 0")
    return Verdict("healthy", f"healthy: the std stays between {std.min():.2g} and {std.max():.2g} across layers")
