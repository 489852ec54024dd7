"""Shareable links: a page state to readable query parameters, and back.

``to_query`` writes every control under a readable name
(``?activation=relu&init=he_normal&depth=10&...``). ``parse_query`` reads any
query string, however hostile: what it cannot use is ignored, the default
taken instead, and a note says so. It never raises. Notes quote values with
Markdown escaped, so the page can show them as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import activations, datasets, init_keys, initializers, settings, symmetry, training
from .compare import MAX_COMPARED
from .settings import VIEWS, Network, PageState, Propagation, Symmetry, Training

# Streamlit's own parameters, which may appear in any link.
STREAMLIT_PARAMS = {"embed", "embed_options"}
# Longest value quoted back in a note.
QUOTE_LIMIT = 40


class Invalid(ValueError):
    """A query value that cannot be used; its message completes "… was ignored: "."""


def quote(value: str) -> str:
    """A value fit to show in Markdown: shortened, with Markdown syntax escaped."""
    text = value if len(value) <= QUOTE_LIMIT else value[: QUOTE_LIMIT - 1] + "…"
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!<>|~$&:" else ch for ch in text)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Invalid("not a number") from None
    if not math.isfinite(value):
        raise Invalid("not a finite number")
    return value


def _in_range(value: float, low: float, high: float) -> float:
    if not low <= value <= high:
        raise Invalid(f"outside {low:g} to {high:g}")
    return value


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = _number(text)
        if value != int(value):
            raise Invalid("not a whole number")
        return int(_in_range(int(value), low, high))

    return parse


def _real(low: float, high: float) -> Callable[[str], float]:
    return lambda text: _in_range(_number(text), low, high)


def _choice(options: Sequence[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in options:
            raise Invalid("not one of " + ", ".join(options))
        return text

    return parse


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise Invalid("not true or false")


def _compared(text: str) -> tuple[str, ...]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    kept = tuple(dict.fromkeys(item for item in items if init_keys.is_valid(item)))[:MAX_COMPARED]
    if not kept:
        raise Invalid("no known initializer in it")
    return kept


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


@dataclass(frozen=True)
class Field:
    """One query parameter: where it lives in the page state and how it is read."""

    name: str
    group: str  # "network", "training", "symmetry", "propagation" or "" for PageState itself
    attr: str
    parse: Callable[[str], Any]


FIELDS: tuple[Field, ...] = (
    Field("view", "", "view", _choice(tuple(VIEWS))),
    Field("present", "", "present", _flag),
    Field("activation", "network", "activation", _choice(tuple(activations.ACTIVATIONS))),
    Field("init", "network", "init", _choice(tuple(initializers.INITIALIZERS))),
    Field("depth", "network", "depth", _integer(*settings.DEPTH_RANGE)),
    Field("width", "network", "width", _integer(*settings.WIDTH_RANGE)),
    Field("bias", "network", "bias", _real(*settings.BIAS_RANGE)),
    Field("bias_std", "network", "bias_std", _real(*settings.BIAS_STD_RANGE)),
    Field("samples", "network", "samples", _integer(*settings.SAMPLES_RANGE)),
    Field("seed", "network", "seed", _integer(*settings.SEED_RANGE)),
    Field("normalize", "network", "normalize_inputs", _flag),
    Field("batchnorm", "network", "batch_norm", _flag),
    Field("precision", "network", "dtype", _choice(initializers.DTYPES)),
    Field("compare", "training", "compare", _compared),
    Field("dataset", "training", "dataset", _choice(tuple(datasets.DATASETS))),
    Field("train_activation", "training", "activation", _choice(tuple(activations.ACTIVATIONS))),
    Field("train_depth", "training", "depth", _integer(*settings.TRAIN_DEPTH_RANGE)),
    Field("train_width", "training", "width", _integer(*settings.TRAIN_WIDTH_RANGE)),
    Field("optimizer", "training", "optimizer", _choice(tuple(training.OPTIMIZERS))),
    Field("lr", "training", "lr", _real(*settings.LR_RANGE)),
    Field("steps", "training", "steps", _integer(*settings.STEPS_RANGE)),
    Field("batch_size", "training", "batch_size", _integer(*settings.BATCH_RANGE)),
    Field("w2", "symmetry", "w2", _choice(tuple(symmetry.W2_CASES))),
    Field("eps", "symmetry", "eps", _real(*symmetry.EPS_RANGE)),
    Field("c0", "propagation", "c0", _real(*settings.C0_RANGE)),
)
# The initializers' own parameters, by name (std, limit, value, gain, nonzero).
INIT_PARAMS: dict[str, initializers.Param] = {
    p.name: p for init in initializers.INITIALIZERS.values() for p in init.params
}
KNOWN = {f.name for f in FIELDS} | set(INIT_PARAMS) | {"lesson"}


def _last(values: str | Sequence[str]) -> tuple[str, bool]:
    """The last of a parameter's values, and whether it was given more than once."""
    if isinstance(values, str):
        return values.strip(), False
    values = list(values)
    return (str(values[-1]).strip() if values else ""), len(values) > 1


def _given(query: Mapping[str, str | Sequence[str]], notes: list[str]) -> dict[str, str]:
    """The known parameters of ``query`` and their (last) values; a note for the unknown and the repeated."""
    given: dict[str, str] = {}
    for raw_name, values in query.items():
        name = str(raw_name)
        if name in STREAMLIT_PARAMS:
            continue
        if name not in KNOWN:
            notes.append(f"Unknown link parameter “{quote(name)}” was ignored.")
            continue
        text, repeated = _last(values)
        if repeated:
            notes.append(f"“{quote(name)}” was given more than once; the last value was used.")
        given[name] = text
    return given


def _fields(given: dict[str, str], notes: list[str]) -> dict[str, dict[str, Any]]:
    """Every field the link sets, by group (see ``FIELDS``); a note for each value that cannot be used."""
    groups: dict[str, dict[str, Any]] = {"network": {}, "training": {}, "symmetry": {}, "propagation": {}, "": {}}
    for f in FIELDS:
        if f.name not in given:
            continue
        try:
            groups[f.group][f.attr] = f.parse(given[f.name])
        except Invalid as problem:
            notes.append(f"{f.name}=“{quote(given[f.name])}” was ignored ({problem}); the default was used.")
    if "compare" in groups["training"]:
        asked = [item.strip() for item in given["compare"].split(",") if item.strip()]
        dropped = [item for item in asked if not init_keys.is_valid(item)]
        if dropped:
            shown = ", ".join(quote(item) for item in dropped[:5])
            notes.append(f"compare: unknown initializers were left out: {shown}.")
        if len(set(asked) - set(dropped)) > MAX_COMPARED:
            notes.append(f"compare: only the first {MAX_COMPARED} initializers are compared.")
    return groups


def _init_params(network: Network, given: dict[str, str], notes: list[str]) -> Network:
    """``network`` with the initializer's parameters the link sets, the others at their defaults."""
    init = initializers.get(network.init)
    params = init.defaults()
    for p in init.params:
        if p.name not in given:
            continue
        try:
            value = _real(p.low, p.high)(given[p.name])
            if p.integer:
                value = _integer(int(p.low), int(p.high))(given[p.name])
            params[p.name] = value
        except Invalid as problem:
            notes.append(f"{p.name}=“{quote(given[p.name])}” was ignored ({problem}); the default was used.")
    for name in set(given) & set(INIT_PARAMS) - {p.name for p in init.params}:
        notes.append(f"{name}= does not apply to the {init.key} initializer and was ignored.")
    if "nonzero" in params and params["nonzero"] > network.width:
        notes.append(
            f"nonzero={params['nonzero']:g} is more than the width {network.width}; "
            f"each unit gets {network.width} non-zero weights instead."
        )
        params["nonzero"] = network.width
    return replace(network, init_params=tuple(sorted(params.items())))


def parse_query(
    query: Mapping[str, str | Sequence[str]], lessons: Mapping[str, Any] | None = None
) -> tuple[PageState, list[str]]:
    """The page state a link asks for, and a note for everything in it that was ignored.

    ``query`` maps names to a value or a list of values (a repeated key);
    the last value of a repeated key counts. ``lessons`` are the lesson keys
    a ``lesson=`` parameter may name.
    """
    notes: list[str] = []
    given = _given(query, notes)
    groups = _fields(given, notes)
    network = _init_params(replace(Network(), **groups["network"]), given, notes)
    lesson = ""
    if "lesson" in given:
        if lessons is not None and given["lesson"] in lessons:
            lesson = given["lesson"]
        else:
            notes.append(f"lesson=“{quote(given['lesson'])}” is not a lesson and was ignored.")
    state = PageState(
        network=network,
        training=replace(Training(), **groups["training"]),
        symmetry=replace(Symmetry(), **groups["symmetry"]),
        propagation=replace(Propagation(), **groups["propagation"]),
        lesson=lesson,
        **groups[""],
    )
    return state, notes


def to_query(state: PageState) -> dict[str, str]:
    """Every control of the page state as a readable query parameter."""
    query: dict[str, str] = {}
    if state.lesson:
        query["lesson"] = state.lesson
    for f in FIELDS:
        query[f.name] = _format(getattr(getattr(state, f.group) if f.group else state, f.attr))
        if f.name == "init":
            for pname, value in state.network.init_params:
                query[pname] = _format(value)
    return query


def default_query() -> dict[str, str]:
    return to_query(PageState())

