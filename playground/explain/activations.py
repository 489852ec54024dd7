"""What the activations section says: the verdict, the formula's name in the notes, the chart's title."""

from __future__ import annotations

import numpy as np

from .. import activations, initializers
from ..diagnosis import Diagnosis
from ..settings import Network
from .message import Message, magnitude, number, percent

# The largest finite number of each precision the simulation can run in.
LARGEST = {name: float(np.finfo(name).max) for name in ("float32", "float64")}


def verdict(diagnosis: Diagnosis, activation: str, dtype: str = "float64") -> Message:
    """The one-line verdict on a simulation's activations, in numbers."""
    d = diagnosis
    if d.kind == "overflow":
        return Message(
            "error",
            f"overflow at layer {d.layer}: the activations exceeded {dtype}'s largest number "
            f"({LARGEST[dtype]:.2g}) and stopped being finite",
            ":material/block:",
        )
    if d.kind == "constant":
        return Message(
            "error",
            "no signal: every unit of every layer outputs the same value for every example (std 0)",
            ":material/block:",
        )
    if d.kind == "saturated":
        bound = "±1" if activation == "tanh" else "0 or 1"
        return Message(
            "warning",
            f"saturated: {percent(d.share, 0)} of the units of layer {d.layer} sit within 0.01 of {bound}, "
            "where the derivative is nearly 0",
            ":material/warning:",
        )
    if d.kind in ("vanishing", "exploding"):
        ratio = d.last_std / d.first_std
        how = "of" if d.kind == "vanishing" else "times"
        return Message(
            "warning",
            f"activations {'vanish' if d.kind == 'vanishing' else 'explode'}: layer {d.layers}'s std is "
            f"{magnitude(ratio)} {how} layer 1's ({number(d.last_std)} against {number(d.first_std)})",
            ":material/warning:",
        )
    if d.kind == "dead":
        return Message(
            "warning", f"dead: {percent(d.share, 0)} of the ReLU outputs of layer {d.layer} are exactly 0",
            ":material/warning:",
        )
    return Message(
        "success",
        f"healthy: the std stays between {number(d.min_std)} and {number(d.max_std)} across layers",
        ":material/check_circle:",
    )


def notes_name(network: Network) -> Message | None:
    """What the lecture notes call the sidebar's initializer, where their name differs."""
    name = initializers.get(network.init).notes_name
    return Message("caption", f"The notes call this: {name}.") if name else None


def histogram_title(network: Network) -> str:
    """The title of the activation histograms: what is drawn, under which activation and initializer."""
    spec, init = activations.get(network.activation), initializers.get(network.init)
    return f"Activations a = φ(s) per layer ({spec.label}, {init.label})"


def gain(network: Network) -> str:
    """n · Var(w) of the sidebar's initializer, as the metric shows it."""
    var_w = initializers.weight_variance(network.init, network.width, network.width, **network.params)
    return number(network.width * var_w)


NOTHING_COMPUTED = Message("error", "No layer could be computed with these settings.")


# --- code to take home ---------------------------------------------------------------------

REPRODUCE_INTRO = Message(
    "caption",
    "The same experiment as a script, in the notes' style: numpy's own random numbers, not the page's seeded "
    "streams, so it prints the page's per-layer std to within sampling noise, not digit for digit. Copy a block "
    "with the icon at its top right.",
)


def framework_heading(code) -> Message:
    """A framework's block: its name, and whether it draws our distribution or only our variance."""
    same = "the same distribution" if code.same_distribution else "the same variance, another distribution"
    return Message("markdown", f"**{code.framework}**: `{code.call}` ({same})")


def framework_notes(code) -> list[Message]:
    """The framework's fan convention and every place where its definition differs from ours."""
    return [Message("caption", note) for note in code.notes]
