"""The notes above every section: a link's ignored values, the open lesson, what the budget lowered, overflow."""

from __future__ import annotations

from collections.abc import Iterable

from ..lessons import Finding, Lesson
from ..plan import WEIGHT_BUDGET, Lowered
from ..stats import UNDERFLOW
from .message import Message

TIMER = ":material/timer:"


def link_notes(notes: Iterable[str]) -> list[Message]:
    """What a link asked for that the page could not use (``links.parse_query``'s notes, already escaped)."""
    return [Message("warning", note, ":material/link:") for note in notes]


def lesson(lesson: Lesson, finding: Finding) -> Message:
    """The open lesson: its title, takeaway and what it measured live."""
    return Message("info", f"**{lesson.title}.** {lesson.takeaway}\n\n{finding.text}", ":material/school:")


def width_lowered(lowered: Lowered, depth: int) -> Message:
    """The sidebar's width, lowered because drawing the weights alone would exceed its budget."""
    return Message(
        "info",
        f"Width lowered from {lowered.asked} to {lowered.used}: {depth} layers of {lowered.asked} units would "
        f"need more random weights than one page view may draw ({WEIGHT_BUDGET:.0e} Gaussian draws; see the "
        "README's budget).",
        TIMER,
    )


def samples_lowered(lowered: Lowered, depth: int, width: int) -> Message:
    """The sidebar's samples, lowered to keep one simulation within the work and memory budgets."""
    return Message(
        "info",
        f"Using {lowered.used} samples instead of {lowered.asked}: {depth} layers of {width} units would need "
        "more work than one page view may take (see the README's budget).",
        TIMER,
    )


def simulation_notes(result, prefix: str = "") -> list[Message]:
    """Where a simulation's numbers stopped being finite or were flushed to 0; ``prefix`` names the run."""
    dtype = getattr(result, "dtype", "float64")
    texts = []
    if result.overflow_layer is not None:
        texts.append(
            f"Values overflowed {dtype} at layer {result.overflow_layer}: deeper layers and all gradients are not "
            "computed."
        )
    if result.gradient_overflow_layer is not None:
        texts.append(
            f"Gradients overflowed {dtype} at layer {result.gradient_overflow_layer} on the way back: earlier "
            "layers' gradients are not computed."
        )
    if result.underflow_layer is not None:
        texts.append(
            f"Activations fell below {UNDERFLOW[dtype]:g} at layer {result.underflow_layer} and were set to 0 "
            f"(smaller {dtype} values would slow every product down: see the README's speed notes)."
        )
    return [Message("warning", prefix + text, ":material/warning:") for text in texts]


def header(
    plan, result, link_notes_given: Iterable[str], lesson_and_finding: tuple[Lesson, Finding] | None
) -> list[Message]:
    """Every note above the section, in order: the link's, the lesson's, the budget's, the simulation's."""
    said = link_notes(link_notes_given)
    if lesson_and_finding:
        said.append(lesson(*lesson_and_finding))
    width = plan.lowered_by("width")
    if width:
        said.append(width_lowered(width, plan.network.depth))
    samples = plan.lowered_by("samples")
    if result is not None and samples:
        said.append(samples_lowered(samples, plan.network.depth, plan.network.width))
    if result is not None:
        said.extend(simulation_notes(result))
    return said
