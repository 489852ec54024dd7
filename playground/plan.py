"""The work budget: how much one page view may ask for, and what each view runs within it.

``for_view`` is the one place that decides, for the open section, which
networks run and how they were fitted to the budget; the page shows its
``Lowered`` records as notes, and the budget benchmark times what it returns.

The cost of the experiment is its matrix products: depth x width^2 x samples
multiply-adds each for the forward pass, dL/dW and dL/da. Its memory is the
activations the backward pass needs: (depth + 1) x width x samples values
(twice that with batch norm). The page keeps both under a budget by lowering
the number of samples.

Drawing the weights costs depth x width^2 random numbers whatever the number
of samples (twice, when they are too many to keep for the backward pass), and
a Gaussian draw costs as much as a few hundred multiply-adds. Where that alone
would exceed its own budget, the page lowers the width, and says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from .settings import DEPTH_RANGE, SAMPLES_RANGE, WIDTH_RANGE, Network, Training
from .simulation import KEPT_WEIGHT_VALUES
from .training_budget import TrainingFit, fit_training

# Multiply-adds of one forward pass: about 1 s for simulate on a 2-core machine.
WORK_BUDGET = 1.5e10
# Activations kept for the backward pass: 128 MB of float64.
VALUES_BUDGET = 1.6e7
# The comparison's share of a page view's work and of its weight draws: the rest goes to
# training from each initializer. Eight initializers at the default 5 x 500 draw 1.7e7
# weights (in Gaussian draws), within their share: the default comparison keeps its width.
COMPARISON_SHARE = 0.25
COMPARISON_WEIGHT_SHARE = 0.5
# Samples never go below this, whatever the budget says.
MIN_SAMPLES = SAMPLES_RANGE[0]
# Random weights one page view may draw, counted in Gaussian draws: about 0.5 s.
WEIGHT_BUDGET = 5e7

# What drawing one weight costs against a Gaussian draw, measured at widths
# 200 to 1000 (orthogonal's QR grows with the width).
_DRAW_COSTS: dict[str, Callable[[int], float]] = {
    "zeros": lambda width: 0.1,
    "constant": lambda width: 0.1,
    "uniform": lambda width: 0.5,
    "xavier_uniform": lambda width: 0.5,
    "he_uniform": lambda width: 0.5,
    "orthogonal": lambda width: 5.0 + width / 250,
    "sparse": lambda width: 1.5,
}


def affordable_samples(
    depth: int, width: int, requested: int, *, batch_norm: bool = False, runs: int = 1, share: float = 1.0
) -> int:
    """The largest sample count <= ``requested`` that keeps ``runs`` simulations within ``share`` of the budget."""
    by_work = share * WORK_BUDGET / (runs * depth * width * width)
    by_memory = VALUES_BUDGET / ((depth + 1) * width * (2 if batch_norm else 1))
    return max(MIN_SAMPLES, min(int(requested), math.floor(by_work), math.floor(by_memory)))


def weight_draws(depth: int, width: int, init: str) -> float:
    """Cost of drawing one network's weights, in Gaussian draws (``init`` may be "normal:0.5")."""
    cost = _DRAW_COSTS.get(init.partition(":")[0], lambda w: 1.0)(width)
    redrawn = 2 if depth * width * width > KEPT_WEIGHT_VALUES else 1
    return depth * width * width * cost * redrawn


def affordable_width(depth: int, width: int, inits: Iterable[str], *, share: float = 1.0) -> int:
    """The largest width <= ``width`` at which one network per initializer stays within ``share`` of WEIGHT_BUDGET."""
    inits = list(inits)

    def fits(w: int) -> bool:
        return sum(weight_draws(depth, w, init) for init in inits) <= share * WEIGHT_BUDGET

    if fits(width):
        return width
    low, high = WIDTH_RANGE[0], width  # fits(low) holds for any depth and catalogue
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def _largest(depth: int, width: int) -> dict:
    """The setting with the most work and memory at this depth and width: batch norm on, samples at the budget."""
    width = affordable_width(depth, width, ["normal"])
    return dict(
        activation="tanh",
        initializer="normal",
        depth=depth,
        width=width,
        n_samples=affordable_samples(depth, width, SAMPLES_RANGE[1], batch_norm=True),
        init_params={"std": 0.01},
        batch_norm=True,
    )


def deepest_at(width: int, init: str = "normal") -> int:
    """The most layers the weight budget allows at this width."""
    fitting = [d for d in range(DEPTH_RANGE[0], DEPTH_RANGE[1] + 1) if affordable_width(d, width, [init]) == width]
    return max(fitting, default=DEPTH_RANGE[0])


# The heaviest corners the page allows: the deepest network, and the deepest at full width.
LARGEST_SETTINGS = {
    "deepest": _largest(DEPTH_RANGE[1], WIDTH_RANGE[1]),
    "widest": _largest(deepest_at(WIDTH_RANGE[1]), WIDTH_RANGE[1]),
}


# --- what each view runs -----------------------------------------------------------------

# The sections that show the sidebar's own simulation; the others never run it.
SIDEBAR_VIEWS = ("activations", "gradients")
# The bias constants notes 003 weighs against each other (the gradients section runs both).
COMPARED_BIASES = (0.0, 0.01)
# Most samples per simulation in a comparison: 8 runs of the notes' 500-unit layers stay fast,
# and 500 x 500 values per layer pin every std down to a fraction of a percent.
COMPARE_SAMPLES = 500


@dataclass(frozen=True)
class Lowered:
    """One quantity the budget lowered: what ("width", "samples", "depth", "points"), as asked and as used."""

    what: str
    asked: int
    used: int


@dataclass(frozen=True)
class ComparisonPlan:
    """The network every compared initializer runs on (the sidebar's own initializer left out of it)."""

    network: Network
    keys: tuple[str, ...]
    lowered: tuple[Lowered, ...] = ()


@dataclass(frozen=True)
class Plan:
    """What one view of the page runs, and what the budget lowered to fit it."""

    view: str
    # The sidebar's network, its width already fitted to the weight budget.
    network: Network
    # The sidebar's own simulation (samples fitted), in the views that show it.
    simulated: Network | None = None
    # The sidebar's width and samples, where the budget lowered them.
    lowered: tuple[Lowered, ...] = ()
    # The gradients section's comparison runs, label -> network; the first is the sidebar's own.
    variants: tuple[tuple[str, Network], ...] = ()
    # Whether those runs were left out because drawing their weights would exceed the budget.
    variants_skipped: bool = False
    comparison: ComparisonPlan | None = None
    training: TrainingFit | None = None
    propagation: PropagationPlan | None = None

    def lowered_by(self, what: str) -> Lowered | None:
        return next((low for low in self.lowered if low.what == what), None)


def fit_width(depth: int, width: int, init: str) -> Lowered | None:
    """The sidebar's width lowered to what the weight budget allows at this depth, or None if it fits."""
    widest = affordable_width(depth, width, [init])
    return Lowered("width", width, widest) if widest < width else None


def _lowered(*pairs: tuple[str, int, int]) -> tuple[Lowered, ...]:
    return tuple(Lowered(what, asked, used) for what, asked, used in pairs if used < asked)


def gradient_variants(network: Network) -> tuple[tuple[tuple[str, Network], ...], bool]:
    """The runs the gradients section compares, with one sample count that fits the budget, and whether skipped.

    The biases of 003 (and the sidebar's), and each remedy switched; the
    first entry is the sidebar's own setting. None where drawing their
    weights would exceed the weight budget.
    """
    variants = {"this setting": network}
    for b in COMPARED_BIASES:
        variants.setdefault(f"bias {b:g}", replace(network, bias=b))
    variants[f"inputs {'raw' if network.normalize_inputs else 'normalized'}"] = replace(
        network, normalize_inputs=not network.normalize_inputs
    )
    variants[f"batch norm {'off' if network.batch_norm else 'on'}"] = replace(
        network, batch_norm=not network.batch_norm
    )
    # The sidebar's own bias may be one of 003's: then it is one run, not two.
    variants = {label: net for label, net in variants.items() if label == "this setting" or net != network}
    extra_runs = sum(net != network for net in variants.values())
    if (extra_runs + 1) * weight_draws(network.depth, network.width, network.init) > WEIGHT_BUDGET:
        return (), True
    samples = min(
        affordable_samples(network.depth, network.width, network.samples, batch_norm=net.batch_norm,
                           runs=len(variants) + 1)
        for net in variants.values()
    )
    return tuple((label, replace(net, samples=samples)) for label, net in variants.items()), False


def comparison_samples(network: Network, runs: int, cap: int = COMPARE_SAMPLES) -> int:
    """Samples for each of ``runs`` simulations: the budget's share, and at most ``cap``."""
    affordable = affordable_samples(
        network.depth, network.width, network.samples, batch_norm=network.batch_norm, runs=runs,
        share=COMPARISON_SHARE,
    )
    return max(MIN_SAMPLES, min(cap, affordable))


def comparison(network: Network, keys: Sequence[str]) -> ComparisonPlan:
    """The comparison's network: the sidebar's, at a width and sample count that fit its share of the budget."""
    keys = tuple(keys)
    width = affordable_width(network.depth, network.width, keys, share=COMPARISON_WEIGHT_SHARE)
    fitted = replace(network, width=width)
    samples = comparison_samples(fitted, len(keys))
    neutral = replace(fitted, samples=samples, init=Network().init, init_params=Network().init_params)
    return ComparisonPlan(neutral, keys, _lowered(("width", network.width, width),
                                                  ("samples", network.samples, samples)))


def training(keys: Sequence[str], trained: Training) -> TrainingFit:
    """The training panel's networks fitted to the trainer's limits and its time budget (``fit_training``)."""
    return fit_training(len(keys), dataset=trained.dataset, depth=trained.depth, width=trained.width,
                        steps=trained.steps, optimizer=trained.optimizer,
                        batch_size=trained.batch_size if trained.optimizer != "gd" else None)


def for_view(
    network: Network, view: str, *, keys: Sequence[str] = (), trained: Training | None = None,
    width_lowered: Lowered | None = None,
) -> Plan:
    """What ``view`` runs for the sidebar's ``network``, fitted to the budget.

    ``keys`` are the compared initializers and ``trained`` the training
    controls (compare view); ``width_lowered`` is the sidebar's width fit
    (``fit_width``), made before its slider was drawn.
    """
    lowered = (width_lowered,) if width_lowered else ()
    if view == "propagation":
        return Plan(view, network, lowered=lowered, propagation=propagation(network))
    if view not in SIDEBAR_VIEWS and view != "compare":
        return Plan(view, network, lowered=lowered)
    if view == "compare":
        keys = tuple(keys)
        if not keys:
            return Plan(view, network, lowered=lowered)
        return Plan(view, network, lowered=lowered, comparison=comparison(network, keys),
                    training=training(keys, trained or Training()))
    samples = affordable_samples(network.depth, network.width, network.samples, batch_norm=network.batch_norm)
    simulated = replace(network, samples=samples)
    lowered += _lowered(("samples", network.samples, samples))
    if view == "activations":
        return Plan(view, network, simulated=simulated, lowered=lowered)
    variants, skipped = gradient_variants(simulated)
    return Plan(view, network, simulated=simulated, lowered=lowered, variants=variants, variants_skipped=skipped)


# --- signal propagation ----------------------------------------------------------------------------------

# Multiply-adds the section's two Jacobian spectra (Gaussian and orthogonal weights) may take together:
# measured on the 2-core machine: 0.3 s at the default 5 x 500 (a cost of 1.6e10), 0.5 s for 30 layers and
# 0.85 s for 100 at the widths this allows (propagation.jacobian_cost counts the multiply-adds).
JACOBIAN_BUDGET = 2.4e10


@dataclass(frozen=True)
class PropagationPlan:
    """The depths whose Jacobian spectra the section shows, and the width it can afford them at."""

    layers: tuple[int, ...]
    jacobian_width: int
    lowered: tuple[Lowered, ...] = ()


def spectrum_layers(depth: int) -> tuple[int, ...]:
    """A few depths to show the spectrum at: a quarter, half of and all the network's layers."""
    return tuple(sorted({max(1, depth // 4), max(1, depth // 2), depth}))


def propagation(network: Network) -> PropagationPlan:
    """The spectra's depths and the width at which both (Gaussian and orthogonal weights) fit JACOBIAN_BUDGET."""
    from .propagation import affordable_jacobian_width

    layers = spectrum_layers(network.depth)
    width = affordable_jacobian_width(network.depth, network.width, JACOBIAN_BUDGET / 2, spectra=len(layers),
                                      orthogonal=True)
    return PropagationPlan(layers, width, _lowered(("width", network.width, width)))


# --- how long a computation takes, roughly: which of the server's slots it waits for ---------------------

# A computation estimated at most this long is light: it has slots of its own, so that it never queues
# behind seconds of heavy work from other visitors.
LIGHT_SECONDS = 0.25
# Multiply-adds a second of the simulation's products in float32 on the 2-core machine (with its statistics,
# draws and histograms: the default 5 x 500 x 1000, 3.75e9 of them, takes 0.05 s; benchmarks/bench_simulation.py).
SIMULATION_RATE = 7.5e10


def simulation_seconds(network: Network) -> float:
    """About how long ``simulate`` takes for ``network``: its three products a layer (forward, dL/dW, dL/da)."""
    return 3.0 * network.depth * network.width**2 * network.samples / SIMULATION_RATE


def training_seconds(arguments: dict) -> float:
    """The trainer's own estimate (``training_budget``) for ``training.train``'s ``arguments``."""
    fit = fit_training(len(arguments["keys"]), dataset=arguments["dataset"], depth=arguments["depth"],
                       width=arguments["width"], steps=arguments["steps"], optimizer=arguments["optimizer"],
                       batch_size=arguments["batch_size"], points=arguments["n_points"],
                       test_fraction=arguments["test_fraction"], budget_seconds=float("inf"))
    return fit.seconds


def pair_seconds(network: Network) -> float:
    """``propagate_pair``: 32 inputs through the network."""
    return 3.0 * network.depth * network.width**2 * 32 / SIMULATION_RATE


def spectra_seconds(spectra: int, depth: int, width: int) -> float:
    """Both Jacobian spectra (Gaussian and orthogonal weights): 0.3 s at the budget's 1.6e10 multiply-adds."""
    from .propagation import jacobian_cost

    return 2 * jacobian_cost(depth, width, spectra=spectra, orthogonal=True) * 0.3 / 1.6e10
