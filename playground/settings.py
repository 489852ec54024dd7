"""Everything a page view is set to, as small frozen (hashable) dataclasses.

These are the cache keys of the page and the contents of a shareable link
(see ``links.py``); the ranges the page offers live in ``budget.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import initializers


@dataclass(frozen=True)
class Network:
    """The sidebar: the network of the notes' experiment and how it is initialized."""

    activation: str = "tanh"
    init: str = "normal"
    # The initializer's own parameters as sorted (name, value) pairs, so the
    # dataclass stays hashable.
    init_params: tuple[tuple[str, float], ...] = (("std", 0.01),)
    depth: int = 5
    width: int = 500
    bias: float = 0.0
    samples: int = 1000
    seed: int = 0
    normalize_inputs: bool = True
    batch_norm: bool = False

    @property
    def params(self) -> dict[str, float]:
        return dict(self.init_params)

    def simulate_kwargs(self) -> dict:
        """Keyword arguments of ``playground.simulation.simulate`` for this network."""
        return dict(
            activation=self.activation,
            initializer=self.init,
            depth=self.depth,
            width=self.width,
            n_samples=self.samples,
            bias=self.bias,
            seed=self.seed,
            init_params=self.params,
            batch_norm=self.batch_norm,
            normalize_inputs=self.normalize_inputs,
        )

    def with_init(self, init: str, **params: float) -> "Network":
        """This network under another initializer, its parameters defaulted where not given."""
        full = initializers.get(init).defaults() | params
        return replace(self, init=init, init_params=tuple(sorted(full.items())))


DEFAULT_COMPARED = (
    "zeros",
    "normal:0.01",
    "normal:1",
    "lecun_normal",
    "xavier_normal",
    "he_normal",
    "orthogonal",
    "sparse",
)


@dataclass(frozen=True)
class Training:
    """The comparison tab: which initializers, and how the toy network is trained."""

    # Initializer keys, "normal:<std>" for a fixed std.
    compare: tuple[str, ...] = DEFAULT_COMPARED
    dataset: str = "circles"
    optimizer: str = "gd"
    lr: float = 0.1
    steps: int = 300


@dataclass(frozen=True)
class Symmetry:
    """The symmetry tab: the worked example's W2 and the perturbation of equal weights."""

    # "equal" (W2 = [c, c, c]) or "notes" (W2 = [3, 1, 2] as in 001)
    w2: str = "notes"
    eps: float = 1e-8


# The page's sections, in order: key -> label.
VIEWS = {
    "activations": "Activations",
    "gradients": "Gradients & theory",
    "symmetry": "Symmetry",
    "compare": "Compare & train",
}


@dataclass(frozen=True)
class PageState:
    # Which section of the page is open: a key of VIEWS.
    view: str = "activations"
    network: Network = field(default_factory=Network)
    training: Training = field(default_factory=Training)
    symmetry: Symmetry = field(default_factory=Symmetry)
    # A lesson key from ``lessons.py``, or "" for the user's own setting.
    lesson: str = ""
