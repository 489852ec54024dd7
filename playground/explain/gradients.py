"""What the gradients section says: the variance argument against the measurement, in words and numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..theory import NOTES_FACTOR, measured_variance, ratio_of_positive

Array = np.ndarray

# Beyond this factor the mean-field theory and the measurement disagree.
GAP = 1.1
# Beyond this factor the notes' formula "fails": a rule of thumb, held to less.
NOTES_GAP = 1.25


# Why the notes' formula misses, per activation: what the weights of the next
# layer multiply is E[a^2], and the formula takes it to be NOTES_FACTOR x Var(s).
NOTES_REASON: dict[str, str] = {
    "linear": "a linear unit's E[a²] is Var(s) + b²: the bias adds to what the next weights multiply, "
    "and the formula drops it.",
    "tanh": "tanh bends away from s once |s| passes about ½ and saturates at ±1: E[tanh(s)²] < Var(s), and never "
    "exceeds 1 however large Var(s) grows, while the formula keeps multiplying by n Var(w).",
    "sigmoid": "sigmoid is not the identity near 0 but ½ + s/4: E[a²] ≈ ¼ + Var(s)/16, a constant ¼ from its "
    "mean ½ (the formula assumes zero-mean inputs) and only a sixteenth of Var(s).",
    "relu": "He's ½ (E[relu(s)²] = Var(s)/2) holds for s centred at 0; the bias shifts s, and once Var(s) is not "
    "large against b², a positive b makes nearly every unit fire and a negative one silences them.",
    "leaky_relu": "He's (1 + slope²)/2 holds for s centred at 0; the bias shifts s, and once Var(s) is not "
    "large against b² the units are nearly all on one side of the kink.",
    "selu": "SELU keeps E[a²] = Var(s) only near its fixed point Var(s) = 1 with b = 0; elsewhere its "
    "exponential branch makes E[a²] differ from Var(s).",
}


def _first(mask: Array) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _off(ratio: Array, gap: float = GAP) -> Array:
    """Where ratio is further than ``gap`` from 1, either way (False where it is NaN)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(np.log(ratio)) > math.log(gap)


def notes_verdict(result, table: pd.DataFrame) -> str:
    """One sentence: where the notes' formula first misses the measured Var(s), and why, in numbers.

    A miss counts where the measurement and the mean-field theory both differ
    from the formula by more than ``NOTES_GAP``: a finite-width wobble of the
    measurement alone is not the formula's fault.
    """
    layers = result.layers
    if result.batch_norm:
        return (
            "With batch norm the notes' formula does not apply: every unit's s is rescaled to variance 1 before φ, "
            "so Var(s) = n Var(w) E[φ(ŝ)²] at every layer after the first, whatever the layers before did."
        )
    measured = measured_variance(layers)
    notes = table["notes_variance"].to_numpy(dtype=float)
    ratio = ratio_of_positive(measured, notes)
    index = _first(_off(ratio, NOTES_GAP) & _off(ratio_of_positive(table["pre_variance"].to_numpy(dtype=float), notes), NOTES_GAP))
    if index is None:
        shown = ratio[np.isfinite(ratio)]
        if shown.size == 0:
            return "No layer has a measured and a predicted variance to compare."
        spread = f"measured ÷ formula stays between {shown.min():.3g} and {shown.max():.3g}"
        if _off(shown, NOTES_GAP).any():
            # The theory agrees with the formula: the gap is the measurement's own (finite width, one draw).
            return (
                f"The notes' formula agrees with the mean-field theory here, and the measurement strays from both "
                f"({spread}): see the next sentence."
            )
        return f"Here the notes' formula holds: {spread} over {shown.size} layer{'s' if shown.size > 1 else ''}."
    layer = index + 1
    head = (
        f"The notes' formula first fails at layer {layer}: measured Var(s) = {measured[index]:.3g}, "
        f"the formula says {notes[index]:.3g} (measured ÷ formula = {ratio[index]:.3g})"
    )
    # What each layer passes on, E[a^2] / Var(s), against what the formula
    # assumes: the one furthest off up to the failing layer is the culprit.
    mean_x, std_x = float(result.input["mean"]), float(result.input["std"])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        second = layers["mean"].to_numpy(dtype=float) ** 2 + layers["std"].to_numpy(dtype=float) ** 2
        passed = np.concatenate([[(mean_x**2 + std_x**2) / std_x**2 if std_x > 0 else math.nan], second / measured])
        assumed = np.concatenate([[1.0], np.full(len(layers), NOTES_FACTOR[result.activation])])
        miss = np.abs(np.log(passed[: index + 1] / assumed[: index + 1]))
    culprit = int(np.nanargmax(np.where(np.isfinite(miss), miss, -1.0)))
    if culprit == 0:
        return (
            f"{head}, because the inputs are not centred (mean {mean_x:.3g}): the first weights multiply "
            f"E[x²] = {mean_x**2 + std_x**2:.3g}, not the formula's Var(x) = {std_x**2:.3g}."
        )
    return (
        f"{head}. Layer {culprit} passes on E[a²] = {passed[culprit]:.3g} × Var(s) where the formula assumes "
        f"{assumed[culprit]:g} × Var(s): {NOTES_REASON[result.activation]}"
    )


def theory_verdict(result, table: pd.DataFrame) -> str:
    """One sentence on how far the mean-field theory is from the measurement, and why it can be."""
    measured = measured_variance(result.layers)
    ratio = ratio_of_positive(measured, table["pre_variance"].to_numpy(dtype=float))
    finite = np.isfinite(ratio)
    if not finite.any():
        return "No layer has a measured and a predicted variance to compare."
    with np.errstate(divide="ignore"):
        worst = int(np.nanargmax(np.where(finite, np.abs(np.log(np.where(finite, ratio, 1.0))), -1.0)))
    spread = f"measured ÷ mean-field stays between {np.nanmin(ratio):.3g} and {np.nanmax(ratio):.3g}"
    if not _off(ratio[worst : worst + 1])[0]:
        return f"The mean-field theory matches: {spread}."
    causes = []
    if result.width < 100:
        causes.append(f"at width {result.width} a sum over n inputs is far from its infinite-width limit")
    if result.initializer == "sparse" and result.init_params.get("nonzero", result.width) < result.width:
        causes.append(
            f"each unit sums only {int(result.init_params['nonzero'])} non-zero weights, so s is far from Gaussian"
        )
    layers = result.layers
    if (layers["mean"].abs() > 0.1 * layers["std"]).any():
        causes.append(
            "the activations' non-zero mean gives every unit of the next layer its own offset Σ E[a] w, fixed by "
            "the draw of the weights (for ReLU: units that fire for nearly every example, others for almost none), "
            "so one draw moves a layer's variance by a few percent, and that compounds over the layers"
        )
    if result.batch_norm:
        causes.append("batch norm divides by each unit's own spread, and the units' spreads differ")
    if not causes:
        causes.append("the theory is the infinite-width average over draws of the weights; this is one draw")
    return (
        f"The mean-field theory is off by a factor {ratio[worst]:.3g} at layer {worst + 1} ({spread}): "
        + "; ".join(causes) + "."
    )
