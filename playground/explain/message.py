"""The small typed message every sentence of the page is, and the one number format of the page."""

from __future__ import annotations

import math
from dataclasses import dataclass

# How the page shows a message: a coloured box (success, info, warning,
# error), plain Markdown, or a caption (small grey text).
TONES = ("success", "info", "warning", "error", "markdown", "caption")
# Where a number has no value (not computed, not finite).
MISSING = "—"


@dataclass(frozen=True)
class Message:
    """One thing the page says: its tone (one of TONES), Markdown text, and an optional icon."""

    tone: str
    text: str
    icon: str | None = None

    def __post_init__(self) -> None:
        if self.tone not in TONES:
            raise ValueError(f"unknown tone {self.tone!r}; allowed: {', '.join(TONES)}")


@dataclass(frozen=True)
class Finding:
    """What a lesson measured: a sentence with the live numbers, and whether its claim holds in them."""

    text: str
    holds: bool


def number(value: float, digits: int = 3) -> str:
    """A number as the page writes it: ``digits`` significant digits, a dash where there is none.

    >>> number(0.0123456), number(1234567.0), number(float("nan"))
    ('0.0123', '1.23e+06', '—')
    """
    value = float(value)
    return f"{value:.{digits}g}" if math.isfinite(value) else MISSING


def percent(share: float, decimals: int = 1) -> str:
    """A share in [0, 1] as a percentage, a dash where there is none.

    >>> percent(0.4567), percent(0.5, 0)
    ('45.7%', '50%')
    """
    share = float(share)
    return f"{share:.{decimals}%}" if math.isfinite(share) else MISSING


def magnitude(ratio: float) -> str:
    """A ratio as the page writes it: plainly within two decades of 1, as a power of ten beyond.

    >>> magnitude(0.22), magnitude(3.2e-6), magnitude(0.0)
    ('0.22', '1e-5', '0')
    """
    ratio = float(ratio)
    if not math.isfinite(ratio):
        return MISSING
    if ratio <= 0:
        return "0"
    exponent = math.log10(ratio)
    if abs(exponent) < 2:
        return f"{ratio:.2g}"
    return f"1e{round(exponent):+d}".replace("+", "")
