"""What the symmetry section says: notes 001's worked example done right, its mistakes, symmetry over training."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import activations, symmetry
from .message import Message, number

# --- the worked example ----------------------------------------------------------------------

WORKED_EXAMPLE_INTRO = Message(
    "markdown",
    "#### The worked example of notes 001, done right\n"
    "Three examples (m = 3) of two features, three hidden units whose incoming weights are "
    "duplicates (the columns of $W^{[1]}$), b = 0, the identity as activation g, and the notes' "
    "assumed $dZ^{[2]}$. Equal columns are coloured.",
)


def columns_sentence(name: str, matrix) -> str:
    """Which columns of a worked-example matrix are equal, or what they are proportional to."""
    groups = symmetry.equal_column_groups(matrix)
    if groups:
        listed = "; ".join(" = ".join(f"column {j + 1}" for j in g) for g in groups)
        return f"{name}: {listed} (highlighted)."
    ratio = symmetry.column_proportions(matrix)
    if ratio:
        return f"{name}: no two columns are equal; they are proportional to {' : '.join(map(str, ratio))}."
    return f"{name}: no two columns are equal."


def dw1_columns(example: dict) -> Message:
    """What dW¹'s columns are, why, and what the notes' 35 is."""
    return Message(
        "markdown",
        f"{columns_sentence('dW¹', example['dW1'])} "
        "Column j of dA¹ is dZ² times W²ⱼ, so dW¹'s columns are in the ratio of W²'s entries. "
        f"The notes' {example['A1T_dZ2'][0, 0]} is A¹ᵀdZ² before the 1/m: dW² = {example['dW2'][0, 0]}.",
    )


def after_one_step(example: dict) -> Message:
    """Whether the three units are still identical after one update."""
    all_equal = [tuple(range(3))]
    if symmetry.equal_column_groups(example["W1_next"]) == all_equal == symmetry.equal_column_groups(
        example["W2_next"].T
    ):
        return Message(
            "success",
            "All outgoing weights equal: dW¹'s columns are duplicates, so after the update the three units "
            "still have equal incoming weights, and (dW² having equal entries) equal outgoing weights. "
            "The next step starts from the same kind of state, so they stay identical after every later one.",
            ":material/repeat:",
        )
    w2 = ", ".join(str(int(v)) for v in np.asarray(example["W2"]).ravel())
    return Message(
        "info",
        f"W² = [{w2}]: dW¹'s columns are not duplicates, so after one update the three units have "
        "different incoming weights. This symmetry breaks after one step.",
        ":material/shuffle:",
    )


NOTES_MISTAKES = Message(
    "markdown",
    "#### What the notes did\n"
    "Notes 001 conclude that the columns of dW¹ are duplicates with W² = [3, 1, 2]. They are not; "
    "the notes' arithmetic goes wrong from dA¹ on:\n"
    "- **dW²** = [35, 35, 35]ᵀ is A¹ᵀdZ² without the 1/m of their own formula: dW² = 35/3.\n"
    "- **dA¹** = dZ² **dW²**ᵀ: they used dW² where W² belongs (dA¹ = dZ² W²ᵀ). dW²'s entries are equal "
    "(A¹'s columns are), so this swap is what makes their duplicates.\n"
    "- **dZ¹** = dA¹ · Z¹ as a matrix product, where dA¹ ⊙ g'(Z¹) belongs, elementwise; "
    "for the identity g'(Z¹) is all ones, so dZ¹ = dA¹.\n"
    "- **dW¹** is written 3 × 3 (rows 7735, 1190, 6545), but Xᵀ (2 × 3) times dZ¹ (3 × 3) is 2 × 3; "
    "and the notes drop the 1/m again.\n\n"
    "**The correct rule** (as notes 004 say): hidden units stay identical through training when they "
    "start identical in everything that reaches them and everything that leaves them, as when all "
    "weights of a layer start equal (all zeros, or one constant). Equal incoming weights alone are not "
    "enough: different outgoing weights give each unit its own gradient.",
)


def notes_product(wrong: dict) -> Message:
    """What Xᵀ times the notes' dZ¹ really is."""
    product = wrong["dW1_product"]
    return Message(
        "caption",
        f"Xᵀ times their dZ¹ is in fact 2 × 3: the rows {product[0, 0]} and {product[1, 0]}; their middle row is "
        "dZ¹'s.",
    )


# --- symmetry over training ----------------------------------------------------------------------


def cannot_train(problem: Exception) -> Message:
    return Message("error", f"Cannot train with these settings: {problem}")


def setup(run: symmetry.OverTraining) -> Message:
    """What is trained, on what, how, and what "spread" means."""
    label = activations.get(run.activation).label
    return Message(
        "caption",
        f"{run.m} points in 2-D (a disc of one class inside a ring of the other), a 2 → {run.hidden} → 1 network "
        f"with {label} hidden units (the sidebar's activation) and a sigmoid output, mean cross-entropy, plain "
        f"gradient descent with learning rate {run.lr:g} for {run.steps} steps, in float64. Biases start at 0. "
        "Spread: the largest Euclidean distance between two hidden units' vectors (w₁, w₂, b) of incoming "
        "weights and bias.",
    )


def constant_start(run: symmetry.OverTraining) -> Message:
    """The constant start after training: exactly 0.0 apart, or not."""
    spread = run.final_spread["constant"]
    if spread == 0.0:
        return Message(
            "success",
            f"Constant start: after {run.steps} steps the spread is exactly 0.0: the {run.hidden} hidden units are "
            "bit-for-bit identical, as they were at the start. Its line cannot appear on the log axis.",
            ":material/check:",
        )
    return Message("error", f"Constant start: after {run.steps} steps the spread is {number(spread)}, not 0.")


def resolution(run: symmetry.OverTraining) -> Message | None:
    """How many perturbed weights differ from 0.5 at all, where float64 rounds some nudges away."""
    if not (run.eps > 0 and run.perturbed_weights < run.weights):
        return None
    spacing = float(np.spacing(symmetry.CONSTANT))
    return Message(
        "info",
        f"At ε = {run.eps:g}, {run.perturbed_weights} of the {run.weights} perturbed weights differ from 0.5 at all: "
        f"float64 numbers next to 0.5 are {number(spacing)} apart above it and {number(spacing / 2)} below, so "
        "smaller nudges round back to 0.5. Not equal is not equal, though: one unit of the last place is enough.",
        ":material/biotech:",
    )


def perturbed_start(run: symmetry.OverTraining) -> Message:
    """When the perturbation ε comes to matter, if it does within the run."""
    eps, steps = run.eps, run.steps
    start, final = run.start_spread["perturbed"], run.final_spread["perturbed"]
    matters = f"{symmetry.MATTERS:.0%} of the random start's"
    if start == 0.0:
        return Message(
            "warning",
            f"ε = {eps:g}: the perturbed start is the constant start, bit for bit, and its spread stays exactly "
            f"{final!r} for all {steps} steps.",
            ":material/check:",
        )
    if run.eps_matters_at == 0:
        return Message(
            "info",
            f"ε = {eps:g} is not small: the spread ({number(start)}) is at least {matters} from step 0. "
            f"After {steps} steps it is {number(final)}.",
            ":material/straighten:",
        )
    if run.eps_matters_at is not None:
        split = (
            f"; its loss departs from the constant start's by more than {symmetry.LOSS_MATTERS:.0%} at step "
            f"{run.loss_splits_at}" if run.loss_splits_at is not None else ""
        )
        return Message(
            "info",
            f"ε = {eps:g}: the spread starts at {number(start)} and grows to {matters} at step {run.eps_matters_at}"
            f"{split}. After {steps} steps it is {number(final)}.",
            ":material/trending_up:",
        )
    grew = "grew" if final > start else "did not grow"
    label = activations.get(run.activation).label
    return Message(
        "warning",
        f"ε = {eps:g}: within {steps} steps the spread {grew}, from {number(start)} to {number(final)} "
        f"(× {number(final / start)}), without reaching {matters}: with {label} units on this data "
        "the equal state holds for longer than this.",
        ":material/hourglass_empty:",
    )


# --- zero init -----------------------------------------------------------------------------------

ZERO_INIT_INTRO = Message(
    "markdown",
    "#### Zero init: no gradient at all for tanh and ReLU\n"
    "All weights and biases 0. With φ(0) = 0 (tanh, ReLU) every hidden output is 0, so "
    "dW² = A¹ᵀdZ² = 0 and W² stays 0; then dA¹ = dZ² W²ᵀ = 0 and W¹ never gets a gradient: only the "
    "output bias learns. Sigmoid's φ(0) = 1/2 gives W² a gradient first, then W¹ moves, but every unit "
    "by the same amount (spread 0).",
)


def zero_init_outcome(table: pd.DataFrame) -> Message:
    """Which activations' hidden weights stayed exactly 0, moved identically, or moved apart."""
    change = "largest change of W1, b1"
    spread = "spread of hidden units"
    still = table.loc[table[change] == 0.0, "activation"].tolist()
    same = table.loc[(table[change] != 0.0) & (table[spread] == 0.0), "activation"].tolist()
    apart = table.loc[(table[change] != 0.0) & (table[spread] != 0.0), "activation"].tolist()
    parts = [
        f"hidden weights unchanged, exactly 0.0: {', '.join(still)}" if still else "",
        f"hidden weights moved, every unit identically (spread exactly 0.0): {', '.join(same)}" if same else "",
        f"hidden units moved apart: {', '.join(apart)}" if apart else "",
    ]
    return Message("caption", "After training from zero: " + "; ".join(p for p in parts if p) + ".")
