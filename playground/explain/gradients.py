"""What the gradients section says: the backward pass, the bias constant, the variance argument, the remedies.

Every function takes the sidebar's ``Network`` and the section's
simulations (``SimulationResult``; ``runs`` maps the comparison runs'
labels, as ``plan.gradient_variants`` names them, to their results) and
returns ``Message``s, frames of formatted numbers, or chart titles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .. import activations
from ..plan import COMPARED_BIASES
from ..simulation import SimulationResult
from ..stats import first_over_last
from ..theory import NOTES_FACTOR, measured_variance, ratio_of_positive, weight_gain
from .message import Message, number, percent

Array = np.ndarray
Runs = Mapping[str, SimulationResult]
INFO = ":material/info:"

# Per-layer columns that say where a unit passes no gradient: saturated tanh
# and sigmoid outputs, ReLU's zeros.
STOPPED = {
    "saturated": "saturated (within 0.01 of a bound)",
    "dead": "exactly 0 (dead: no gradient passes)",
}


def stopped_column(activation: str) -> str | None:
    """Which of STOPPED applies to ``activation``, or None where φ′ > 0 everywhere."""
    spec = activations.get(activation)
    return "saturated" if spec.bounds else "dead" if spec.can_die else None


def _square(value) -> float:
    """value², as a float that is inf rather than an error past float64's range."""
    value = float(value)
    return value * value


def _second_moment(mean, std) -> float:
    return _square(mean) + _square(std)

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


def _notes_sentence(result, table: pd.DataFrame) -> str:
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
    index = _first(
        _off(ratio, NOTES_GAP) & _off(ratio_of_positive(table["pre_variance"].to_numpy(dtype=float), notes), NOTES_GAP)
    )
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


def _theory_sentence(result, table: pd.DataFrame) -> str:
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


def notes_verdict(result, table: pd.DataFrame) -> Message:
    """Where the notes' formula first misses the measured Var(s), and why, in numbers (see ``_notes_sentence``)."""
    return Message("markdown", _notes_sentence(result, table))


def theory_verdict(result, table: pd.DataFrame) -> Message:
    """How far the mean-field theory is from the measurement, and why it can be."""
    return Message("markdown", _theory_sentence(result, table))


# --- the backward pass: the headline --------------------------------------------------------


def overflow(result: SimulationResult) -> Message | None:
    """Where the forward pass overflowed, no gradient exists."""
    if result.overflow_layer is None:
        return None
    return Message(
        "error",
        f"The forward pass overflowed at layer {result.overflow_layer}, so no gradient could be computed. "
        "Smaller weights, fewer layers or batch norm bring it back.",
        ":material/block:",
    )


def headline_metrics(result: SimulationResult) -> list[tuple[str, str, str | None]]:
    """The headline's metrics: (label, value, help), dL/ds and dL/dW from layer 1 against the last."""
    layers, last = result.layers, result.depth
    delta, grad = layers["delta_std"], layers["grad_std"]
    metrics = [
        (
            f"dL/ds: layer 1 ÷ layer {last}", number(first_over_last(delta)),
            "std of dL/ds (the gradient of the loss with respect to each unit's pre-activation, per example) "
            "at the layer next to the input, divided by its std at the last layer. Below 1: it vanishes on the way "
            "back; above 1: it explodes.",
        ),
        ("dL/ds at layer 1 (std)", number(delta.iloc[0]), None),
    ]
    if last > 1:
        metrics.append((f"dL/ds at layer {last} (std)", number(delta.iloc[-1]), None))
    metrics.append((
        f"dL/dW: layer 1 ÷ layer {last}", number(first_over_last(grad)),
        "The same ratio for the weights' gradient dL/dW, what gradient descent actually applies.",
    ))
    return metrics


def _saturation_growth(network, result: SimulationResult, table, delta_ratio: float) -> str:
    """Notes 003 say saturation makes gradients vanish: what the measurement says instead, where it applies."""
    layers, last = result.layers, result.depth
    if not (stopped_column(network.activation) == "saturated" and delta_ratio > 1
            and layers["saturated"].max() > 0.5 and last > 1):
        return ""
    per_layer = delta_ratio ** (1 / (last - 1))
    predicted = ""
    if not isinstance(table, str):
        var = table["delta_variance"].to_numpy()
        with np.errstate(all="ignore"):
            factor = float(np.median(np.sqrt(var[:-1] / var[1:])))
        predicted = f" (the mean-field theory: ×{number(factor)})"
    gain = weight_gain(network.init, network.width, network.params)
    return (
        f" Up to {percent(layers['saturated'].max(), 0)} of the units are saturated, and yet dL/ds grows going back, "
        f"×{number(per_layer)} per layer{predicted}: φ′ ≈ 0 stops the saturated units, but the others multiply "
        f"dL/ds by weights with n Var(w) = {number(gain)}; each layer back multiplies its std by "
        "√(n Var(w) E[φ′(s)²]). Notes 003's \"gradients will be zero\" is wrong here."
    )


def headline(network, result: SimulationResult, table) -> Message | None:
    """Why dL/dW changes from the last layer to the first as it does: dL/ds times the feeding activations."""
    layers, last = result.layers, result.depth
    delta, grad = layers["delta_std"], layers["grad_std"]
    if not (math.isfinite(delta.iloc[0]) and math.isfinite(delta.iloc[-1])):
        return None
    # dW_l = (1/m) A_{l-1}^T delta_l: its size is the feeding activations' RMS times delta's std.
    feeding_first = math.hypot(float(result.input["mean"]), float(result.input["std"]))
    feeding_last = (
        math.hypot(float(layers["mean"].iloc[-2]), float(layers["std"].iloc[-2])) if last > 1 else feeding_first
    )
    delta_ratio, grad_ratio = first_over_last(delta), first_over_last(grad)
    feeding_ratio = feeding_first / feeding_last if feeding_last else math.nan
    text = (
        r"$\partial L/\partial W_l = \frac{1}{m} A_{l-1}^\top\, \partial L/\partial s_l$: "
        "a weight's gradient is the activation feeding it times the "
        f"gradient of the unit it feeds. From layer {last} back to layer 1, dL/ds changes ×{number(delta_ratio)} "
        f"and the RMS of the activations feeding the layer ×{number(feeding_ratio)} (into layer {last}: "
        f"{number(feeding_last)}; into layer 1, the inputs: {number(feeding_first)}), so dL/dW changes "
        f"×{number(grad_ratio)}."
    )
    if delta_ratio < 0.1 and 0.5 < grad_ratio < 2:
        text += (
            " The signal shrinks going forward exactly as dL/ds shrinks going back: dL/dW is about the same at "
            "every layer, and uniformly small. What vanishes is dL/ds, and with it the signal."
        )
    return Message("markdown", text + _saturation_growth(network, result, table, delta_ratio))


NO_FINITE_GRADIENT = Message("info", "No gradient is finite here, so there is nothing to plot.", INFO)
HISTOGRAM_CAPTION = Message(
    "caption",
    "Every layer shares one range (±4 × the largest std of dL/dW): a layer whose gradients are far "
    "smaller than the largest shows as one spike at 0; read its size on the log chart above.",
)


# --- what the bias constant does ------------------------------------------------------------


def by_bias(runs: Runs) -> dict[float, SimulationResult]:
    """The runs that differ only in their bias constant, by bias (the sidebar's own among them)."""
    chosen: dict[float, SimulationResult] = {}
    for label, result in runs.items():
        if label.startswith("bias") or label == "this setting":
            chosen.setdefault(result.bias, result)
    return dict(sorted(chosen.items()))


def bias_heading(runs: Runs) -> Message:
    return Message(
        "markdown", f"##### What the bias constant does: {' against '.join(f'b = {b:g}' for b in by_bias(runs))}"
    )


def never_stops(network) -> Message:
    label = activations.get(network.activation).label
    return Message("caption", f"{label} neither saturates nor dies: φ′(s) > 0 for every s, so no unit stops gradients.")


def unit_share_frame(network, runs: Runs) -> pd.DataFrame:
    """The saturated or dead share per layer and bias (layer, bias, share): the chart's data."""
    column = stopped_column(network.activation)
    frame = pd.concat(
        [pd.DataFrame({"layer": r.layers["layer"], "bias": f"b = {b:g}", "share": r.layers[column]})
         for b, r in by_bias(runs).items()],
        ignore_index=True,
    )
    return frame[frame["share"].notna()]


def unit_share_titles(network) -> tuple[str, str]:
    """The share chart's title and y axis title."""
    column = stopped_column(network.activation)
    label = activations.get(network.activation).label
    return f"Share of {label} outputs {STOPPED[column]}, per layer", f"share {column}"


def unit_share_table(network, runs: Runs) -> pd.DataFrame:
    """Per bias: the stopped share at the first and last layer, the last layer's std, dL/ds layer 1 ÷ last."""
    column = stopped_column(network.activation)
    rows = []
    for b, r in by_bias(runs).items():
        row = {"bias": f"{b:g}"}
        if column:
            row[f"{column}, layer 1"] = percent(r.layers[column].iloc[0])
            row[f"{column}, layer {network.depth}"] = percent(r.layers[column].iloc[-1])
        row["std of a, last layer"] = number(r.layers["std"].iloc[-1])
        row["dL/ds layer 1 ÷ last"] = number(first_over_last(r.layers["delta_std"]))
        rows.append(row)
    return pd.DataFrame(rows)


def _bias_moves(network, column: str, r0: SimulationResult, r1: SimulationResult) -> str:
    spec = activations.get(network.activation)
    b0, b1 = COMPARED_BIASES
    share0, share1 = r0.layers[column].to_numpy(dtype=float), r1.layers[column].to_numpy(dtype=float)
    change = np.nan_to_num(np.abs(share1 - share0), nan=0.0)
    at = int(np.argmax(change))
    spread = r0.layers["pre_std"].to_numpy(dtype=float)
    text = (
        f"Measured: with b = {b0:g} the share {column} is {percent(np.nanmax(share0))} at the worst layer "
        f"(last layer {percent(share0[-1])}); with b = {b1:g} it is {percent(np.nanmax(share1))} "
        f"(last layer {percent(share1[-1])})."
    )
    if np.nanmax(spread) == 0:
        return text + " No weight spreads s here: every s is the bias itself."
    if change[at] >= 0.01:
        text += (
            f" The bias moves it most at layer {at + 1}: {percent(share0[at])} → {percent(share1[at])}, where s "
            f"spreads with std {number(spread[at])} against a shift of {b1:g}."
        )
        if spec.can_die and spread[at] < 10 * b1:
            text += " That is 003's reason for 0.01 (every ReLU unit fires), and it holds only where s is that small."
        return text
    text += (
        f" A shift of {b1:g} is small against s's spread (std {number(np.nanmin(spread))} to "
        f"{number(np.nanmax(spread))} across the layers): it moves no layer's share by 1 point."
    )
    if spec.can_die:
        text += " 003's reason for 0.01, that every ReLU unit then fires, does not hold here."
    return text


def bias_effect(network, runs: Runs) -> Message | None:
    """What b = 0.01 changes against b = 0, measured: the stopped share, or nothing under batch norm."""
    chosen = by_bias(runs)
    r0, r1 = chosen[COMPARED_BIASES[0]], chosen[COMPARED_BIASES[1]]
    b0, b1 = COMPARED_BIASES
    if network.batch_norm:
        return Message(
            "markdown",
            f"With batch norm on, the bias does nothing: batch norm subtracts each unit's mean over the batch, "
            f"b included (last-layer std {number(r0.layers['std'].iloc[-1])} with b = {b0:g}, "
            f"{number(r1.layers['std'].iloc[-1])} with b = {b1:g}).",
        )
    column = stopped_column(network.activation)
    return Message("markdown", _bias_moves(network, column, r0, r1)) if column else None


def comparison_samples(network, runs: Runs) -> Message | None:
    samples = next(iter(runs.values())).n_samples
    if samples == network.samples:
        return None
    return Message("caption", f"These comparison runs use {samples} samples each, to stay within the page's budget.")


def comparisons_skipped(network) -> Message:
    return Message(
        "info",
        f"The comparison runs (bias 0 against 0.01, inputs and batch norm switched) are left out for "
        f"{network.depth} layers of {network.width} units: drawing their weights alone would take seconds. "
        "Every panel above already follows the sidebar's bias, input and batch-norm switches; "
        "with fewer layers or units the comparisons appear here.",
        ":material/timer:",
    )


# --- the variance argument against the measurement ----------------------------------------------

THEORY_CAPTION = Message(
    "caption",
    "The mean-field recursions (Poole et al. 2016; Schoenholz et al. 2017) are the infinite-width limit: the "
    "next weights multiply the second moment E[a²] of what feeds them, not its variance, and φ and φ′ are "
    "integrated against the Gaussian of s numerically. For φ(s) = s and b = 0 they give the notes' formula; "
    "for ReLU and b = 0, He's ½.",
)
BATCH_NORM_THEORY = Message(
    "caption",
    "With batch norm the prediction models it: φ sees each unit's s rescaled to variance 1, so "
    "Var(s_l) = n Var(w) E[φ(z)²] after layer 1, and dL/ds is divided by each unit's std on the way back.",
)


def no_prediction(reason: str) -> Message:
    """Why the theory has nothing to say here (``theory.prediction_table``'s ValueError)."""
    return Message("info", f"No prediction here: {reason}.", INFO)


def zero_gain(network, result: SimulationResult) -> Message | None:
    """n Var(w) = 0: nothing random in the weights, and nothing a log axis can show."""
    if weight_gain(network.init, network.width, network.params) != 0:
        return None
    return Message(
        "info",
        f"n Var(w) = 0 here: every weight is 0, every unit's s is the bias {network.bias:g} for every "
        f"example, and the predicted and measured variances are both 0 (measured std of s at layer 1: "
        f"{number(result.layers['pre_std'].iloc[0])}), which a log axis cannot show. With nothing random in the "
        "weights, the argument has nothing to average over.",
        INFO,
    )


# --- the remedies ------------------------------------------------------------------------------


def _remedy_runs(runs: Runs) -> tuple[SimulationResult, SimulationResult, SimulationResult]:
    """The sidebar's run, the one with the inputs switched, the one with batch norm switched."""
    here = runs["this setting"]
    flipped_inputs = next(r for label, r in runs.items() if label.startswith("inputs"))
    flipped_bn = next(r for label, r in runs.items() if label.startswith("batch norm"))
    return here, flipped_inputs, flipped_bn


def _with_and_without(runs: Runs, remedy: str) -> tuple[SimulationResult, SimulationResult]:
    """The run with the remedy ("normalize_inputs" or "batch_norm") on, and the one with it off."""
    here, flipped_inputs, flipped_bn = _remedy_runs(runs)
    flipped = flipped_inputs if remedy == "normalize_inputs" else flipped_bn
    return (here, flipped) if getattr(here, remedy) else (flipped, here)


def remedies_table(network, runs: Runs) -> pd.DataFrame:
    """One row per run (this setting, inputs switched, batch norm switched): what each remedy changes."""
    column = stopped_column(network.activation)

    def describe(r: SimulationResult) -> dict:
        row = {
            "inputs": "normalized" if r.normalize_inputs else "raw",
            "batch norm": "on" if r.batch_norm else "off",
            "E[x²]": number(_second_moment(r.input["mean"], r.input["std"])),
            "Var(s), layer 1": number(_square(r.layers["pre_std"].iloc[0])),
            "std of a, last layer": number(r.layers["std"].iloc[-1]),
        }
        if column:
            row[f"{column}, worst layer"] = percent(r.layers[column].max())
        row["dL/ds layer 1 ÷ last"] = number(first_over_last(r.layers["delta_std"]))
        row["dL/dW layer 1 ÷ last"] = number(first_over_last(r.layers["grad_std"]))
        return row

    return pd.DataFrame([describe(r) for r in _remedy_runs(runs)])


def input_normalization(network, runs: Runs) -> Message:
    """Raw inputs against normalized ones: E[x²], Var(s) at layer 1, and the saturated share there."""
    column = stopped_column(network.activation)
    normalized, raw = _with_and_without(runs, "normalize_inputs")
    effect = (
        f"Here that decides the first layer's saturated share: {percent(raw.layers[column].iloc[0])} raw, "
        f"{percent(normalized.layers[column].iloc[0])} normalized."
        if column == "saturated"
        else "The deeper layers inherit the factor."
    )
    return Message(
        "markdown",
        f"**Input normalization** centres x and scales it to variance 1. Raw inputs (mean "
        f"{number(raw.input['mean'])}) have E[x²] = {number(_second_moment(raw.input['mean'], raw.input['std']))}, "
        f"normalized ones {number(_second_moment(normalized.input['mean'], normalized.input['std']))}; the first "
        f"layer's weights multiply E[x²], so Var(s) at layer 1 is {number(_square(raw.layers['pre_std'].iloc[0]))} "
        f"raw against {number(_square(normalized.layers['pre_std'].iloc[0]))} normalized. " + effect,
    )


def batch_norm_remedy(network, runs: Runs) -> Message:
    """With batch norm against without: the last layer's std, the worst stopped share, dL/ds's change."""
    column = stopped_column(network.activation)
    normed, plain = _with_and_without(runs, "batch_norm")
    shares = (
        f", the worst layer's {column} share {percent(plain.layers[column].max())} without and "
        f"{percent(normed.layers[column].max())} with it"
        if column
        else ""
    )
    return Message(
        "markdown",
        f"**Batch norm** rescales every unit's s to mean 0 and variance 1 over the batch before φ, whatever the "
        f"weights did: the last layer's activation std is {number(plain.layers['std'].iloc[-1])} without it and "
        f"{number(normed.layers['std'].iloc[-1])} with it{shares}; dL/ds from the last layer back to layer 1 "
        f"changes ×{number(first_over_last(plain.layers['delta_std']))} without and "
        f"×{number(first_over_last(normed.layers['delta_std']))} with it.",
    )
