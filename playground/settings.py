"""Everything a page view is set to, as small frozen (hashable) dataclasses, and the ranges it offers.

These are the cache keys of the page and the contents of a shareable link
(see ``links.py``, which reads the ranges below). The work one view may
take is fitted to them in ``plan.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import initializers, training_budget

# Ranges the sidebar offers and a link may ask for.
DEPTH_RANGE = (1, 100)
WIDTH_RANGE = (1, 1000)
SAMPLES_RANGE = (10, 5000)
SEED_RANGE = (0, 2**31 - 1)
BIAS_RANGE = (-1.0, 1.0)
BIAS_STD_RANGE = (0.0, 2.0)


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
    # The spread of the biases: each unit's is drawn N(bias, bias_std^2) (sigma_b of signal propagation).
    bias_std: float = 0.0
    samples: int = 1000
    seed: int = 0
    normalize_inputs: bool = True
    batch_norm: bool = False
    # The precision of every array: float32, as PyTorch and Keras compute, or float64.
    dtype: str = "float32"

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
            bias_std=self.bias_std,
            seed=self.seed,
            init_params=self.params,
            batch_norm=self.batch_norm,
            normalize_inputs=self.normalize_inputs,
            dtype=self.dtype,
        )

    def with_init(self, init: str, **params: float) -> Network:
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
    """The comparison section: which initializers, and the network trained from each, and how.

    The defaults show the initializers apart, measured over seeds 0-4: on the
    digits a 10-layer ReLU network trains from He's init to a loss of 0.005-0.016
    (93-95% held out), from LeCun's to 0.38-0.48, stays at ln 10 from zeros and
    std 0.01, and diverges at once from std 1.
    """

    # Initializer keys, "normal:<std>" for a fixed std.
    compare: tuple[str, ...] = DEFAULT_COMPARED
    dataset: str = "digits"
    activation: str = "relu"
    depth: int = 10
    width: int = 64
    optimizer: str = "sgd"
    lr: float = 0.05
    steps: int = 300
    # Points per minibatch step (SGD, and Adam if set); gradient descent takes the whole training split.
    batch_size: int = 64


@dataclass(frozen=True)
class Symmetry:
    """The symmetry section: the worked example's W2 and the perturbation of equal weights."""

    # "equal" (W2 = [c, c, c]) or "notes" (W2 = [3, 1, 2] as in 001)
    w2: str = "notes"
    eps: float = 1e-8


# The training controls: what they offer (a link may ask for any value in range).
LR_RANGE = (1e-4, 1.0)
LR_STEPS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
STEPS_RANGE = (10, training_budget.MAX_STEPS)
STEPS_CHOICES = (10, 20, 50, 100, 200, 300, 500, 800, 1000, 1500, 2000)
TRAIN_DEPTH_RANGE = (1, training_budget.MAX_DEPTH)
TRAIN_WIDTH_RANGE = (2, training_budget.MAX_WIDTH)
BATCH_RANGE = (1, 2000)  # a batch larger than the training split is the whole split
BATCH_CHOICES = (16, 32, 64, 128, 256)

@dataclass(frozen=True)
class Propagation:
    """The signal-propagation section: the correlation of the two inputs sent through the network."""

    c0: float = 0.9


# The starting correlations the section's slider offers (a link may ask for any in range).
C0_RANGE = (-1.0, 1.0)

# The page's sections, in order: key -> label.
VIEWS = {
    "activations": "Activations",
    "gradients": "Gradients & theory",
    "propagation": "Signal propagation",
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
    propagation: Propagation = field(default_factory=Propagation)
    # A lesson key from ``lessons.py``, or "" for the user's own setting.
    lesson: str = ""
    # Projector mode: the sidebar collapsed, the lesson stepper in the main area, larger chart labels.
    present: bool = False
