"""Compared-initializer keys: one spelling of "an initializer with these parameters".

A key is an initializer of the registry (``"he_normal"``) with its default
parameters, ``"normal:<std>"`` for a fixed standard deviation
(``"normal:0.01"``, the notes' small weights; ``"normal:1"``, their large
ones), or ``"uniform:<limit>"`` for U(-limit, limit) (``"uniform:0.125"``:
the standard U(±1/√n) of Glorot and Bengio's comparison at n = 64). The comparison,
the training and the link all read keys through ``parse_key``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from . import initializers

# The initializers a key may give one parameter after ':', and which.
KEYED_PARAMS = {"normal": initializers.STD, "uniform": initializers.LIMIT}


def parse_key(key: str) -> tuple[str, dict[str, float]]:
    """The initializer's registry name and its parameters for a compared key.

    >>> parse_key("normal:0.5")
    ('normal', {'std': 0.5})
    >>> parse_key("he_normal")
    ('he_normal', {})

    ValueError for anything else ("normal:abc", "he_normal:2", unknown names).
    """
    name, colon, value = str(key).partition(":")
    initializers.get(name)  # ValueError naming the allowed keys
    if not colon:
        return name, {}
    if name not in KEYED_PARAMS:
        raise ValueError(f"only {' and '.join(KEYED_PARAMS)} take a number after ':', got {key!r}")
    spec = KEYED_PARAMS[name]
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{key!r}: {value!r} is not a number") from None
    if not (math.isfinite(number) and spec.low <= number <= spec.high):
        raise ValueError(f"{key!r}: {spec.name} must be between {spec.low:g} and {spec.high:g}")
    return name, {spec.name: number}


def canonical_key(key: str) -> str:
    """One spelling per initializer: "normal" and "normal:0.010" become "normal:0.01".

    ValueError as ``parse_key``.
    """
    name, params = parse_key(key)
    if name in KEYED_PARAMS:
        spec = KEYED_PARAMS[name]
        return f"{name}:{params.get(spec.name, spec.default):g}"
    return name


def canonical_keys(keys: Sequence[str]) -> tuple[str, ...]:
    """The valid keys of ``keys`` in canonical spelling, first occurrence kept, invalid ones dropped."""
    kept = []
    for key in keys:
        try:
            kept.append(canonical_key(key))
        except ValueError:
            continue
    return tuple(dict.fromkeys(kept))


def key_label(key: str) -> str:
    """How a compared key reads on the page: "normal, std 0.01", "He normal (2/fan_in)", ..."""
    try:
        name, params = parse_key(key)
    except ValueError:
        return str(key)
    if name in KEYED_PARAMS:
        spec = KEYED_PARAMS[name]
        return f"{name}, {spec.name} {params.get(spec.name, spec.default):g}"
    return initializers.INITIALIZERS[name].label


def layer_params(name: str, params: dict[str, float], fan_in: int) -> dict[str, float]:
    """The initializer's full parameters for a layer of ``fan_in`` inputs.

    Sparse initialization cannot connect a unit to more inputs than it has:
    its ``nonzero`` is lowered to ``fan_in`` (every input connected).
    """
    full = initializers.get(name).defaults() | params
    if "nonzero" in full:
        full["nonzero"] = int(min(full["nonzero"], fan_in))
    return full


def is_valid(key: str) -> bool:
    """Whether ``key`` names an initializer (``parse_key`` accepts it)."""
    try:
        parse_key(key)
    except ValueError:
        return False
    return True
