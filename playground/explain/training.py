"""What the training part says, and the three training lessons of the literature, each measured live.

Every sentence is a pure function of a ``training.TrainingResult`` (or of
the budget's ``TrainingFit``) returning a ``Message``, every number in it
written by ``number`` or ``percent``. The lessons (He et al. 2015, Glorot
and Bengio 2010, Saxe et al. 2013) are functions of a trainer, a callable
with ``training.train``'s signature (the page passes its cached one), that
return a ``Finding``: a sentence with the numbers just measured, and
whether the claim holds in them. Each lesson's settings are a plain
``LessonSettings``, from which the page can make its state and link.
Nothing here imports Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from .. import activations as act_mod
from .. import datasets as data_mod
from .. import training
from ..init_keys import key_label
from ..training_budget import TrainingFit
from .message import Finding, Message, number, percent

Trainer = Callable[..., training.TrainingResult]
TIMER = ":material/timer:"
BOLT = ":material/bolt:"


def whole(value: float) -> str:
    """A count as the page writes it: every digit ("1347"), a dash where there is none."""
    value = float(value)
    return number(value, max(1, len(str(abs(int(value)))))) if math.isfinite(value) else number(value)


# --- the training part's sentences ---------------------------------------------------------


def _optimizer_words(result: training.TrainingResult) -> str:
    label = training.OPTIMIZER_LABELS[result.optimizer]
    if result.batch_size >= result.train_points:
        return f"{label} with learning rate {number(result.lr)}, {whole(result.steps)} full-batch steps"
    return (f"{label} with learning rate {number(result.lr)}, {whole(result.steps)} steps of "
            f"{whole(result.batch_size)} points")


def _biases(result: training.TrainingResult) -> str:
    if result.bias_std:
        return f"drawn from N({number(result.bias)}, {number(result.bias_std)}²) per unit"
    return f"start at {number(result.bias)}"


def setup_caption(result: training.TrainingResult) -> Message:
    """The caption under the training controls: the data, its split and scaling, the network, the optimizer."""
    spec = data_mod.get(result.dataset)
    features = "pixel" if not spec.planar else "feature"
    head = ("1 sigmoid output, binary cross-entropy" if result.classes == 2
            else f"{whole(result.classes)} softmax outputs, cross-entropy")
    constant = " (a pixel constant over them is only centred)" if not spec.planar else ""
    return Message(
        "caption",
        (
            f"{whole(result.train_points)} training points of {spec.label} and {whole(result.test_points)} held out "
            f"(a stratified {percent(result.test_points / (result.train_points + result.test_points), 0)}, never "
            f"trained on), standardized per {features} with the training points' mean and standard deviation"
            f"{constant}. Each initializer's network: {whole(spec.features)} inputs → {whole(result.depth)} "
            f"{act_mod.get(result.activation).label} layers of {whole(result.width)} units "
            f"(hidden biases {_biases(result)}) "
            f"→ {head}, {_optimizer_words(result)}, seed {whole(result.seed)}. The initializer "
            "draws every weight matrix, the output layer's too (a different read-out would hide the symmetry of zero "
            "and constant starts)."
        ),
    )


_WHAT = {"depth": "depth", "width": "width", "steps": "steps", "points": "points", "batch_size": "batch size"}


def _lowered_reason(low: training.Lowered) -> str:
    if low.reason == "limit":
        return f"the trainer's largest {_WHAT[low.what]}"
    if low.reason == "data":
        return "all the training points there are"
    return "to stay within the training budget"


def lowered_note(fit: TrainingFit, networks: int) -> Message | None:
    """What the training budget lowered and why, or None when it lowered nothing."""
    if not fit.lowered:
        return None
    parts = [f"{_WHAT[low.what]} {whole(low.used)} instead of {whole(low.asked)} ({_lowered_reason(low)})"
             for low in fit.lowered]
    text = "Trained with " + ", ".join(parts) + "."
    if any(low.reason == "budget" for low in fit.lowered):
        text += (f" As asked, the {whole(networks)} networks would train for about {number(fit.asked_seconds, 2)} s "
                 f"on the page's machine; one training may take about {number(fit.budget_seconds, 2)} s "
                 f"(this one: {number(fit.seconds, 2)} s).")
    return Message("info", text, TIMER)


def diverged_warnings(result: training.TrainingResult) -> list[Message]:
    """One warning per network that diverged, at which step and what that means."""
    return [
        Message("warning", (
            f"{key_label(key)}: diverged at step {whole(step)}: its loss or gradients stopped being finite numbers, "
            "so its training was stopped there."
        ), BOLT)
        for key, step in result.diverged().items()
    ]


def training_failed(problem: Exception) -> Message:
    """The error shown instead of the training part when the trainer refused its arguments."""
    return Message("error", f"Training could not run: {problem}", ":material/block:")


SUMMARY_TABLE_COLUMNS = ["label", "loss", "accuracy", "test_loss", "test_accuracy", "diverged", "steps_run",
                         "weight_change", "roughness"]


def summary_table(result: training.TrainingResult) -> pd.DataFrame:
    """The summary as the page's table shows it: every number as text in the page's format."""
    summary = result.summary
    return pd.DataFrame({
        "label": summary["label"],
        "loss": [number(v) for v in summary["loss"]],
        "accuracy": [percent(v) for v in summary["accuracy"]],
        "test_loss": [number(v) for v in summary["test_loss"]],
        "test_accuracy": [percent(v) for v in summary["test_accuracy"]],
        "diverged": [f"at step {whole(v)}" if math.isfinite(v) else "no" for v in summary["diverged_at"]],
        "steps_run": [whole(v) for v in summary["steps_run"]],
        "weight_change": [number(v) for v in summary["weight_change"]],
        "roughness": [percent(v) for v in summary["roughness"]],
    }, columns=SUMMARY_TABLE_COLUMNS)


def _reference(summary: pd.DataFrame, exclude: str) -> pd.Series | None:
    """The row to compare with: He's if it trained, else the best held-out accuracy among the others."""
    others = summary[(summary["init"] != exclude) & summary["diverged_at"].isna()]
    if others.empty:
        return None
    he = others[others["init"] == "he_normal"]
    return (he if not he.empty else others.sort_values("test_accuracy", ascending=False)).iloc[0]


def held_out_sentence(result: training.TrainingResult, key: str = "normal:1") -> Message | None:
    """What ``key`` (std 1 by default) does on points it never trained on, in numbers, against a reference.

    On 2-D data with the decision maps' roughness before and after training:
    a map already rough at the start comes from the large weights (the
    chaotic regime of Poole et al. 2016, "Exponential expressivity in deep
    neural networks through transient chaos"), not from training.
    """
    summary = result.summary
    if key not in set(summary["init"]):
        return None
    row = summary.set_index("init").loc[key]
    if math.isfinite(row["diverged_at"]):
        return Message("info", f"{key_label(key)} diverged at step {whole(row['diverged_at'])}: it has no held-out "
                               "accuracy to compare.")
    text = (f"{key_label(key)}: {percent(row['accuracy'])} of the training points right, "
            f"{percent(row['test_accuracy'])} of the held-out ones; held-out loss {number(row['test_loss'])} "
            f"against {number(row['loss'])} in training")
    ref = _reference(summary, key)
    if ref is not None:
        text += (f" ({ref['label']}: {percent(ref['accuracy'])}, {percent(ref['test_accuracy'])}; losses "
                 f"{number(ref['test_loss'])} and {number(ref['loss'])})")
    text += "."
    if math.isfinite(row["roughness"]):
        text += (f" Its decision map changes class between {percent(row['roughness'])} of neighbouring grid cells, "
                 f"{percent(row['start_roughness'])} before training")
        if ref is not None:
            text += f" ({ref['label']}: {percent(ref['roughness'])}, {percent(ref['start_roughness'])} before)"
        text += ". "
        rough_start = ref is not None and row["start_roughness"] > 2 * ref["start_roughness"]
        text += ("The speckles were there before any training: weights of std 1 put the network in its chaotic "
                 "regime, where nearby inputs get unrelated outputs, and training fits the training points through "
                 "that rough map." if rough_start else
                 "Its map was no rougher than the others' before training.")
    return Message("info", text)


def _first_present(summary: pd.DataFrame, key: str) -> pd.Series | None:
    """The summary's row for ``key``, or None where that initializer was not compared."""
    rows = _present(summary, [key])
    return None if rows.empty else rows.iloc[0]


def _present(summary: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    return summary[summary["init"].isin(keys)]


def _bullet_stalled(summary: pd.DataFrame, chance: float) -> str | None:
    rows = _present(summary, ["zeros", "constant"])
    if rows.empty:
        return None
    names = " and ".join(f"**{row.label}**" for row in rows.itertuples())
    moved = ", ".join(f"{row.label}: {number(row.loss)} (hidden weights moved {number(row.weight_change)})"
                      for row in rows.itertuples())
    return (f"- {names}: every hidden unit computes the same thing and gets the same update; with zeros no hidden "
            f"weight gets any gradient at all. Final loss against ln {whole(round(math.exp(chance)))} ≈ "
            f"{number(chance, 4)}, the loss of learning nothing: {moved}.")


def _bullet_small(summary: pd.DataFrame, result: training.TrainingResult) -> str | None:
    row = _first_present(summary, "normal:0.01")
    if row is None:
        return None
    return (f"- **normal, std 0.01**: with {whole(result.width)} inputs per unit the signal shrinks by about "
            f"√{whole(result.width)} × 0.01 = {number(math.sqrt(result.width) * 0.01, 2)} per layer and so does the "
            f"gradient: after {whole(result.steps)} steps its loss is {number(row.loss)}, held-out accuracy "
            f"{percent(row.test_accuracy)}.")


def _bullet_large(summary: pd.DataFrame, result: training.TrainingResult) -> str | None:
    row = _first_present(summary, "normal:1")
    if row is None:
        return None
    gain = (f"with Var(w) = 1 over {whole(result.width)} inputs, n Var(w) = {whole(result.width)}, far from the 1 "
            "(LeCun) or 2 (He, for ReLU) that keep the variance from layer to layer")
    if math.isfinite(row.diverged_at):
        return f"- **normal, std 1**: {gain}; it diverged at step {whole(row.diverged_at)}."
    return (f"- **normal, std 1**: {gain}. {percent(row.accuracy)} right in training, {percent(row.test_accuracy)} on "
            f"the held-out points (held-out loss {number(row.test_loss)}, training loss {number(row.loss)}): see the "
            "sentence above the table.")


def _bullet_scaled(summary: pd.DataFrame, result: training.TrainingResult) -> str | None:
    scaled = _present(summary, ["lecun_normal", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform",
                                "orthogonal", "sparse"])
    scaled = scaled[scaled["diverged_at"].isna()]
    if scaled.empty:
        return None
    ranked = scaled.sort_values("loss")
    listing = "; ".join(f"{row.label} {number(row.loss)} ({percent(row.test_accuracy)} held out)"
                        for row in ranked.itertuples())
    best = ranked.iloc[0]
    relu = act_mod.get(result.activation).can_die
    why = (" ReLU zeroes half of its inputs, so Var(w) = 1/n halves the variance at every layer; He's 2/n keeps it."
           if relu else "")
    return (f"- **Scaled starts** after {whole(result.steps)} steps, by final training loss: {listing}. "
            f"Lowest: {best.label}.{why}")


def what_to_look_for(result: training.TrainingResult) -> Message:
    """The "What to look for" Markdown, a bullet per family of initializers present, with this run's numbers."""
    summary = result.summary
    bullets = [b for b in (
        _bullet_stalled(summary, result.chance_loss),
        _bullet_small(summary, result),
        _bullet_large(summary, result),
        _bullet_scaled(summary, result),
    ) if b]
    bullets.append(
        "- **Held out**: a quarter of the points, never trained on. A network that is right on far more "
        "training points than held-out ones has learned its training points, not the task."
    )
    bullets.append(
        "- **Gradients by layer**: a first layer much darker than the last never learns; the lessons below "
        "(He et al. 2015, Glorot and Bengio 2010, Saxe et al. 2013) show where that happens."
    )
    return Message("markdown", "\n".join(bullets))


# --- the lessons ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonSettings:
    """One training lesson's page setting: everything ``training.train`` needs, and nothing else."""

    dataset: str
    activation: str
    depth: int
    width: int
    optimizer: str
    lr: float
    steps: int
    batch_size: int | None
    keys: tuple[str, ...]
    seed: int = 0

    def train_kwargs(self) -> dict:
        """Keyword arguments of ``training.train`` (the keys go first, positionally)."""
        kwargs = asdict(self)
        kwargs.pop("keys")
        return kwargs

    def as_dict(self) -> dict:
        return asdict(self)


def run_lesson(settings: LessonSettings, trainer: Trainer = training.train) -> training.TrainingResult:
    return trainer(settings.keys, **settings.train_kwargs())


# He, Zhang, Ren and Sun 2015, "Delving Deep into Rectifiers", Fig. 3: a 30-layer ReLU network trains from
# their 2/n and stalls from 1/n. lr 0.01: at the 0.02 measured beforehand in PyTorch, He's final loss ranged
# from 0.15 to 1.5 over seeds 0-4 (deep plain ReLU networks spike under SGD); at 0.01 its settled loss
# (SETTLE) stayed between 0.13 and 0.65 over seeds 0-19, LeCun within 0.008 of ln 10.
HE_2015 = LessonSettings(dataset="digits", activation="relu", depth=30, width=64, optimizer="sgd", lr=0.01,
                         steps=800, batch_size=64, keys=("he_normal", "lecun_normal"))
# How close to ln C a loss must stay at every recorded step to count as stalled.
STALLED = 0.02
# Where a minibatch run's loss ends up: the median of its last SETTLE recorded values (SGD's loss jumps from
# one recorded step to the next in a 30-layer ReLU network; the last value alone ranged 0.05-1.3 over 20 seeds).
SETTLE = 10


def settled_loss(curve: pd.DataFrame, last: int = SETTLE) -> float:
    """The median training loss over the last ``last`` recorded steps of one network's history."""
    return float(np.median(curve["loss"].to_numpy()[-last:])) if len(curve) else math.nan


def _curve(result: training.TrainingResult, key: str) -> pd.DataFrame:
    return result.history[result.history["init"] == key]


def _first_layer_gradient(result: training.TrainingResult, key: str) -> float:
    g = result.gradients
    rows = g[(g["init"] == key) & (g["step"] == 0) & (g["layer"] == 1)]
    return float(rows["grad_norm"].iloc[0]) if len(rows) else math.nan


def he_2015(trainer: Trainer = training.train, settings: LessonSettings = HE_2015) -> Finding:
    """He's 2/n trains 30 ReLU layers; LeCun's 1/n stays at the loss of chance, ln 10."""
    result = run_lesson(settings, trainer)
    he, lecun = _curve(result, "he_normal"), _curve(result, "lecun_normal")
    chance = result.chance_loss
    summary = result.summary.set_index("init")
    stall = float((lecun["loss"] - chance).abs().max()) if len(lecun) else math.inf
    he_end = settled_loss(he)
    holds = bool(he_end < chance / 2 and stall < STALLED)
    ratio = _first_layer_gradient(result, "lecun_normal") / _first_layer_gradient(result, "he_normal")
    text = (
        f"{whole(settings.depth)} ReLU layers of {whole(settings.width)} units, minibatch SGD (learning rate "
        f"{number(settings.lr)}, {whole(settings.batch_size)} digits per step, {whole(settings.steps)} steps): "
        f"He's 2/n goes from loss {number(he['loss'].iloc[0])} to {number(he_end)} (the median of its last "
        f"{whole(SETTLE)} recorded steps; {number(he['loss'].iloc[-1])} at the last), "
        f"{percent(summary.loc['he_normal', 'test_accuracy'])} of the held-out digits right; LeCun's 1/n goes "
        f"from {number(lecun['loss'].iloc[0], 4)} to {number(lecun['loss'].iloc[-1], 4)}, never further than "
        f"{number(stall, 2)} from ln {whole(result.classes)} ≈ {number(chance, 4)}, the loss of answering every "
        f"digit with probability 1/{whole(result.classes)}. Each ReLU layer halves the variance that 1/n keeps: "
        f"after {whole(settings.depth)} layers "
        f"the logits are nearly 0, and at the start its first layer's gradient is {number(ratio, 2)} of He's."
    )
    if not holds:
        text += (f" Here the claim does not hold: it needs He's settled loss below half of ln "
                 f"{whole(result.classes)} and LeCun's within {number(STALLED)} of it throughout.")
    return Finding(text, holds)


# Glorot and Bengio 2010, "Understanding the difficulty of training deep feedforward neural networks":
# sigmoid networks from the standard U(±1/√n) push their top hidden layer to 0 and plateau; their normalized
# initialization (U(±√(6/(n_in + n_out)))) does better. With 64 inputs and 64 units per layer (and 64 inputs to
# the output layer) n = 64 everywhere: the standard init is U(±0.125).
STANDARD_LIMIT = 1.0 / math.sqrt(64)
GLOROT_2010 = LessonSettings(dataset="digits", activation="sigmoid", depth=4, width=64, optimizer="sgd", lr=1.0,
                             steps=2000, batch_size=64, keys=(f"uniform:{STANDARD_LIMIT:g}", "xavier_uniform"))
# A loss this far below ln 10 has left the plateau.
PLATEAU_EXIT = 2.0


def plateau_exit(curve: pd.DataFrame, below: float = PLATEAU_EXIT) -> int | None:
    """The first recorded step at which the loss is below ``below``; None if it never is."""
    steps = curve.loc[curve["loss"] < below, "step"]
    return int(steps.iloc[0]) if len(steps) else None


def _exit_words(step: int | None, steps: int) -> str:
    return f"at step {whole(step)}" if step is not None else f"not within {whole(steps)} steps"


def glorot_2010(trainer: Trainer = training.train, settings: LessonSettings = GLOROT_2010) -> Finding:
    """The standard init's top sigmoid layer sinks to 0 and the loss plateaus at ln 10; Xavier's leaves sooner."""
    result = run_lesson(settings, trainer)
    standard_key, xavier_key = settings.keys
    curves = {key: _curve(result, key) for key in settings.keys}
    sat = result.saturation
    low_mean = {key: float(sat.loc[sat["init"] == key, "mean"].min()) for key in settings.keys}
    at_low = {key: sat[sat["init"] == key].sort_values("mean", kind="stable").iloc[0] for key in settings.keys}
    exits = {key: plateau_exit(curves[key]) for key in settings.keys}
    ends = {key: float(curves[key]["loss"].iloc[-1]) for key in settings.keys}
    standard_exit, xavier_exit = exits[standard_key], exits[xavier_key]
    holds = bool(
        xavier_exit is not None and (standard_exit is None or standard_exit >= 2 * xavier_exit)
        and low_mean[standard_key] < low_mean[xavier_key]
    )
    text = (
        f"{whole(settings.depth)} sigmoid layers of {whole(settings.width)} units, minibatch SGD (learning rate "
        f"{number(settings.lr)}, {whole(settings.batch_size)} digits per step). From the standard U(±1/√n) with "
        f"n = {whole(settings.width)}: the top hidden layer's mean activation sinks "
        f"from {number(sat[sat['init'] == standard_key]['mean'].iloc[0], 2)} to {number(low_mean[standard_key], 2)} "
        f"by step {whole(at_low[standard_key]['step'])}, where σ' = a(1 − a) ≈ "
        f"{number(low_mean[standard_key] * (1 - low_mean[standard_key]), 2)} against ¼ at the middle, and the loss "
        f"leaves the plateau at ln {whole(result.classes)} ≈ "
        f"{number(result.chance_loss, 4)} {_exit_words(standard_exit, settings.steps)} "
        f"(loss {number(ends[standard_key])} at the end). From Glorot and Bengio's normalized "
        "U(±√(6/(n_in + n_out))) the top layer's mean "
        "goes no lower than "
        f"{number(low_mean[xavier_key], 2)}, and the loss leaves the plateau "
        f"{_exit_words(xavier_exit, settings.steps)} "
        f"(loss {number(ends[xavier_key])} at the end)."
    )
    if not holds:
        text += " Here the claim does not hold: Xavier did not leave the plateau at least twice as early."
    return Finding(text, holds)


# Saxe, McClelland and Ganguli 2013, "Exact solutions to the nonlinear dynamics of learning in deep linear
# neural networks": from orthogonal weights a deep linear network learns in a time that does not grow with
# depth, given a learning rate scaled as 1/depth (every layer adds its step to the end-to-end map); from
# scaled Gaussian weights (Var 1/n) it slows down. The page's setting is the deepest of SAXE_DEPTHS.
SAXE_DEPTHS = (5, 20, 50)
SAXE_LR_TIMES_DEPTH = 0.05
SAXE_2013 = LessonSettings(dataset="digits", activation="linear", depth=SAXE_DEPTHS[-1], width=64, optimizer="sgd",
                           lr=SAXE_LR_TIMES_DEPTH / SAXE_DEPTHS[-1], steps=300, batch_size=64,
                           keys=("orthogonal", "lecun_normal"))
# The training loss that counts as learned.
SAXE_THRESHOLD = 0.5
# How much slower at the deepest than at the shallowest still counts as "does not fall with depth".
DEPTH_FREE = 1.5


def steps_to_loss(result: training.TrainingResult, key: str, threshold: float) -> int | None:
    """The first recorded step at which ``key``'s training loss is below ``threshold``; None if never."""
    return plateau_exit(_curve(result, key), threshold)


def saxe_2013(trainer: Trainer = training.train, settings: LessonSettings = SAXE_2013,
              depths: Sequence[int] = SAXE_DEPTHS) -> Finding:
    """Orthogonal: the steps to reach a loss do not grow with depth; scaled Gaussian: they do."""
    orthogonal, gaussian = settings.keys
    reached: dict[str, list[int | None]] = {orthogonal: [], gaussian: []}
    for depth in depths:
        result = run_lesson(replace(settings, depth=depth, lr=SAXE_LR_TIMES_DEPTH / depth), trainer)
        for key in settings.keys:
            reached[key].append(steps_to_loss(result, key, SAXE_THRESHOLD))
    o, g = reached[orthogonal], reached[gaussian]
    holds = bool(
        all(s is not None for s in o) and max(o) <= DEPTH_FREE * o[0]
        and g[0] is not None and (g[-1] is None or g[-1] >= 2 * g[0])
    )

    def listing(values: list[int | None]) -> str:
        return ", ".join(whole(v) if v is not None else f"over {whole(settings.steps)}" for v in values)

    def growth(values: list[int | None]) -> str:
        if values[0] is None or values[-1] is None:
            return f"not reached at depth {whole(depths[0] if values[0] is None else depths[-1])}"
        ratio = number(values[-1] / values[0], 2)
        return f"depth {whole(depths[-1])} takes {ratio}× the steps of depth {whole(depths[0])}"

    text = (
        f"Linear networks of {whole(settings.width)} units on the digits, minibatch SGD with learning rate "
        f"{number(SAXE_LR_TIMES_DEPTH)}/depth: steps to a training loss below {number(SAXE_THRESHOLD)} at depths "
        f"{', '.join(whole(d) for d in depths)}. Orthogonal: {listing(o)} ({growth(o)}). Scaled Gaussian (LeCun, "
        f"Var 1/n): {listing(g)} ({growth(g)}). A product of many random Gaussian matrices stretches some "
        "directions and squashes others, and learning waits for the squashed ones; an orthogonal product keeps "
        "every direction's length."
    )
    if not holds:
        text += (f" Here the claim does not hold: it needs orthogonal within {number(DEPTH_FREE)} times its shallowest "
                 "count at every depth, and Gaussian at least twice as slow at the deepest.")
    return Finding(text, holds)


TRAINING_LESSONS: dict[str, tuple[LessonSettings, Callable[..., Finding]]] = {
    "he-2015": (HE_2015, he_2015),
    "glorot-2010": (GLOROT_2010, glorot_2010),
    "saxe-2013": (SAXE_2013, saxe_2013),
}
