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
