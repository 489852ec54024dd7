"""What the comparison says: what was run, what the budget lowered, and the summary table with its verdicts."""

from __future__ import annotations

import pandas as pd

from .. import activations
from ..compare import MAX_COMPARED, Comparison
from ..plan import ComparisonPlan
from ..settings import Network
from . import notes
from .activations import verdict
from .message import Message, number

TIMER = ":material/timer:"

PICK_ONE = Message("info", "Pick at least one initializer to compare.", ":material/touch_app:")
CHOOSER_HELP = (
    f"Up to {MAX_COMPARED}. The notes' \"Xavier\" (randn/√n) is LeCun normal here; "
    "Xavier/Glorot is 2/(fan_in + fan_out)."
)


def setup(network: Network, plan: ComparisonPlan) -> Message:
    """Which network every initializer runs on, and what is the same between the runs."""
    net = plan.network
    label = activations.get(net.activation).label
    return Message(
        "caption",
        f"The sidebar's network ({label}, {net.depth} layers of {net.width} units, bias {net.bias:g}) "
        f"under each initializer, all from seed {net.seed}: the same inputs and the same random draws, "
        "only the initializer differs. Gradients come from a random read-out at the last layer.",
    )


def lowered(network: Network, plan: ComparisonPlan) -> list[Message]:
    """What the comparison's share of the budget lowered: its width, its samples per run."""
    runs = len(plan.keys)
    said = []
    for low in plan.lowered:
        if low.what == "width":
            said.append(Message(
                "info",
                f"The comparison uses {low.used} units per layer instead of the sidebar's {low.asked}: "
                f"{runs} networks of {network.depth} layers of {low.asked} units would need more random "
                "weights than one page view may draw.",
                TIMER,
            ))
        elif low.what == "samples":
            said.append(Message(
                "info",
                f"Each of the {runs} simulations uses {low.used} samples instead of the sidebar's {low.asked}, "
                f"so that the {runs} runs stay fast (per-layer statistics hardly change with more).",
                TIMER,
            ))
    return said


def run_notes(comparison: Comparison) -> list[Message]:
    """Where a compared run's numbers left the float range, each named by its initializer."""
    return [
        message
        for key in comparison.keys
        for message in notes.simulation_notes(comparison.limits[key], prefix=f"{comparison.labels[key]}: ")
    ]


def summary_table(comparison: Comparison, activation: str) -> pd.DataFrame:
    """The summary as the page shows it: numbers as text (3 digits, a dash where missing) and each verdict."""
    summary = comparison.summary
    return summary.drop(columns=["init", "kind"]).assign(
        last_std=[number(v) for v in summary["last_std"]],
        grad_ratio=[number(v) for v in summary["grad_ratio"]],
        verdict=[verdict(comparison.diagnoses[key], activation).text for key in summary["init"]],
    )


# --- the training part (until the trainer's own sentences land in explain/training.py) ---------------


def training_setup(network: Network, plan, trained, dataset_label: str, optimizer_label: str) -> Message:
    """What is trained, on what, and how."""
    label = activations.get(network.activation).label
    return Message(
        "caption",
        f"{plan.points} points of {dataset_label}, standardized. Each initializer's network: "
        f"2 inputs → {plan.depth} {label} layers of {plan.width} units "
        f"(hidden biases start at {network.bias:g}) → 1 sigmoid output, binary cross-entropy, "
        f"{optimizer_label} with learning rate {trained.lr:g}, {trained.steps} full-batch steps, seed {network.seed}. "
        "The initializer draws every weight matrix, the output layer's too (a different read-out would hide "
        "the symmetry of zero and constant starts).",
    )


def training_lowered(plan) -> Message | None:
    if not plan.lowered:
        return None
    return Message(
        "info",
        "Trained with " + ", ".join(f"{low.what} {low.used} instead of {low.asked}" for low in plan.lowered)
        + ": one network is trained per initializer, and that must stay fast.",
        TIMER,
    )


def training_failed(problem: Exception) -> Message:
    return Message("error", f"Training could not run: {problem}", ":material/block:")


def diverged(labels: dict[str, str], steps: dict[str, int]) -> list[Message]:
    return [
        Message(
            "warning",
            f"{labels[key]}: diverged at step {step}: its loss or gradients stopped being finite numbers, "
            "so its training was stopped there.",
            ":material/bolt:",
        )
        for key, step in steps.items()
    ]


def training_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """The training summary as the page shows it: numbers as text, the step a run diverged at."""
    return summary.drop(columns=["init"]).assign(
        diverged_at=[f"diverged at step {int(v)}" if v == v else "no" for v in summary["diverged_at"]],
        loss=[number(v) for v in summary["loss"]],
        weight_change=[number(v) for v in summary["weight_change"]],
    )


WHAT_TO_LOOK_FOR = Message(
    "markdown",
    "- **zeros** and **constant**: every hidden unit computes the same thing, so they all get the same "
    "update; with zeros no hidden weight gets any gradient at all. Zeros stay at ln 2; constant ends "
    "there, however large its loss starts.\n"
    "- **normal, std 0.01** in a deep tanh network: the signal shrinks by √n · 0.01 per layer and so does "
    "the gradient; with gradient descent the loss sits at ln 2 (Adam's per-weight steps get it moving).\n"
    "- **ReLU, depth 5–10, gradient descent with learning rate 0.1** (the defaults): He's std √(2/n) "
    "trains, std 1 starts with activations thousands of times too large and diverges within a few steps. "
    "Switch to Adam: its per-weight step sizes rescue std 1 after a huge initial loss.",
)
