"""One-click scenarios that walk through the notes, each with its claim measured live.

A lesson sets the page's controls and gives a takeaway; its ``measure``
function runs the lesson's own networks (through whatever runner the caller
passes, the page's cached one or ``simulate`` itself) and returns the key
numbers, and whether the claim holds in them. Nothing in a caption is a
number written in advance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .explain import lessons as measured
from .explain import propagation as propagation_lessons
from .explain import training as training_lessons
from .explain.lessons import LESSONS_EQUAL_NETWORK, RELU_DEEP, TANH_DEEP, Runner
from .explain.message import Finding
from .init_keys import parse_key
from .settings import Network, PageState, Symmetry, Training

__all__ = ["Finding", "Lesson", "LESSONS", "LESSON_ORDER", "Runner", "neighbours"]

# The propagation lessons' sidebar: where their findings measure (explain/propagation.py), so that the
# section's diagram, curves and spectra show the same setting. sigma_w^2 = 200 x 0.0938^2 = 1.76, the critical
# line of tanh at sigma_b^2 = 0.05; orthogonal gain^2 = 1.05 at sigma_b^2 = 2.01e-5.
EDGE_NETWORK = Network(activation="tanh", depth=50, width=200, bias_std=0.2236).with_init("normal", std=0.0938)
ISOMETRY_NETWORK = Network(activation="tanh", depth=100, width=128, bias_std=0.004483).with_init("orthogonal",
                                                                                                 gain=1.0247)


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    takeaway: str
    state: PageState
    # Measures the claim: given a simulation runner (``Runner``), or a trainer (``training.train``'s
    # signature) where ``trains``.
    measure: Callable[[Callable], Finding] = field(compare=False)
    trains: bool = False


def _lesson(key, title, takeaway, measure, view="activations", network=TANH_DEEP, **state) -> Lesson:
    return Lesson(key, title, takeaway, PageState(view=view, network=network, lesson=key, **state), measure)


def _training_lesson(key: str, title: str, takeaway: str) -> Lesson:
    """A lesson of the training panel: its settings are the finding's own (explain/training.py), and the
    sidebar's network is the trained one under its first initializer, so the comparison above shows it too."""
    settings, measure = training_lessons.TRAINING_LESSONS[key]
    trained = Training(compare=settings.keys, dataset=settings.dataset, activation=settings.activation,
                       depth=settings.depth, width=settings.width, optimizer=settings.optimizer, lr=settings.lr,
                       steps=settings.steps, batch_size=settings.batch_size)
    name, params = parse_key(settings.keys[0])
    network = Network(activation=settings.activation, depth=settings.depth, width=settings.width,
                      seed=settings.seed).with_init(name, **params)
    state = PageState(view="compare", network=network, training=trained, lesson=key)
    return Lesson(key, title, takeaway, state, measure, trains=True)


LESSONS: dict[str, Lesson] = {
    lesson.key: lesson
    for lesson in (
        _lesson(
            "equal-weights",
            "1. All weights equal: the symmetry never breaks",
            "Units that start equal compute the same thing, get the same gradient and stay equal.",
            measured.equal_weights,
            view="symmetry",
            network=LESSONS_EQUAL_NETWORK,
            symmetry=Symmetry(w2="equal", eps=0.0),
        ),
        _lesson(
            "small-weights",
            "2. Small weights vanish",
            "W = 0.01·randn in 10 tanh layers: every layer shrinks the signal, and it is gone long before the end.",
            measured.small_weights,
            network=TANH_DEEP.with_init("normal", std=0.01),
        ),
        _lesson(
            "large-weights",
            "3. Large weights saturate",
            "W = randn: the pre-activations are about 22 wide, so tanh sits at ±1.",
            measured.large_weights,
            network=TANH_DEEP.with_init("normal", std=1.0),
        ),
        _lesson(
            "lecun",
            "4. 1/√n keeps tanh alive (LeCun, the notes' \"Xavier\")",
            "Scale the weights by 1/√fan_in and n Var(w) = 1: the variance neither grows nor shrinks.",
            measured.lecun_keeps_tanh_alive,
            network=TANH_DEEP.with_init("lecun_normal"),
        ),
        _lesson(
            "he",
            "5. ReLU needs the factor 2 (He)",
            "ReLU halves the variance at every layer; Var(w) = 2/n makes up for it.",
            measured.relu_needs_two,
            network=RELU_DEEP.with_init("he_normal"),
        ),
        _lesson(
            "bias",
            "6. Bias 0.01 and dead ReLUs",
            "Some start ReLU biases at 0.01 so that every unit fires (notes 003). Measure what it changes.",
            measured.bias,
            network=replace(RELU_DEEP.with_init("he_normal"), bias=0.01),
        ),
        _lesson(
            "sparse",
            "7. Sparse initialization",
            "Connect each unit to a few inputs only: the variance is calibrated without 1/n scaling of every weight.",
            measured.sparse,
            network=TANH_DEEP.with_init("sparse", nonzero=10),
        ),
        _lesson(
            "batch-norm",
            "8. Batch norm rescues a bad initialization",
            "Normalizing every unit over the batch undoes a bad scale of the weights, layer by layer.",
            measured.batch_norm,
            network=replace(TANH_DEEP.with_init("normal", std=0.01), batch_norm=True),
        ),
        _lesson(
            "inputs",
            "9. Normalize the inputs",
            "Good weights assume inputs of mean 0 and variance 1; raw pixel-like inputs break that at layer 1.",
            measured.normalize_inputs,
            network=replace(TANH_DEEP.with_init("lecun_normal"), normalize_inputs=False),
        ),
        _lesson(
            "edge-of-chaos",
            "10. The edge of chaos",
            "Between the ordered phase (all inputs look alike) and the chaotic one (nearby inputs decorrelate) lies "
            "a line where deep networks keep telling inputs apart (Poole et al. 2016; Schoenholz et al. 2017).",
            lambda run: propagation_lessons.edge_of_chaos_finding(),
            view="propagation",
            network=EDGE_NETWORK,
        ),
        _lesson(
            "dynamical-isometry",
            "11. Dynamical isometry",
            "On the critical line, orthogonal weights keep every singular value of the input-output Jacobian near 1 "
            "even at depth 100; Gaussian weights and ReLU cannot (Pennington, Schoenholz and Ganguli 2017).",
            lambda run: propagation_lessons.dynamical_isometry_finding(),
            view="propagation",
            network=ISOMETRY_NETWORK,
        ),
        _training_lesson(
            "he-2015",
            "12. Deep ReLU networks train from He's init, not LeCun's (He et al. 2015)",
            "30 ReLU layers on handwritten digits: with Var(w) = 1/n the signal halves at every layer and the "
            "network never leaves the loss of chance; 2/n trains.",
        ),
        _training_lesson(
            "glorot-2010",
            "13. Sigmoid networks stall from the standard init (Glorot and Bengio 2010)",
            "From U(±1/√n) the top sigmoid layer sinks towards 0 and the loss plateaus; the normalized init "
            "leaves the plateau far sooner.",
        ),
        _training_lesson(
            "saxe-2013",
            "14. Orthogonal weights train deep linear networks as fast as shallow ones (Saxe et al. 2013)",
            "With the learning rate scaled as 1/depth, orthogonal init learns in about the same number of steps "
            "at depth 5, 20 and 50; scaled Gaussian init slows down with depth.",
        ),
    )
}

LESSON_ORDER = list(LESSONS)


def neighbours(key: str) -> tuple[str | None, str | None]:
    """The lessons before and after ``key`` in teaching order."""
    index = LESSON_ORDER.index(key)
    before = LESSON_ORDER[index - 1] if index > 0 else None
    after = LESSON_ORDER[index + 1] if index + 1 < len(LESSON_ORDER) else None
    return before, after

