"""The page's sections: one module each, with ``render(context)``. Only the open one runs and is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from playground.plan import Plan
from playground.settings import Network
from playground.simulation import SimulationResult


@dataclass(frozen=True)
class Context:
    """What every section gets: the sidebar's network, the view's plan, and the sidebar's simulation if it ran."""

    network: Network
    plan: Plan
    result: SimulationResult | None = None


from . import activations, compare, gradients, propagation, symmetry  # noqa: E402  (they import Context)

# Each section of the page: its key in settings.VIEWS -> the function that draws it.
SECTIONS: dict[str, Callable[[Context], None]] = {
    "activations": activations.render,
    "gradients": gradients.render,
    "propagation": propagation.render,
    "symmetry": symmetry.render,
    "compare": compare.render,
}
