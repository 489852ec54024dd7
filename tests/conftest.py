"""What the tests share: the page in Streamlit's AppTest, and the repository's paths.

Tests are in folders by what they test: ``core`` (the computation, no
Streamlit), ``explain`` (the page's sentences, from pure functions),
``page`` (the whole page in AppTest) and ``browser`` (the real page in
headless Chromium).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")


def open_page(query: Mapping[str, str | Sequence[str]] | None = None, *, timeout: float = 90, **params) -> AppTest:
    """A new session of the page opened at a link, after its first run.

    ``query`` and ``params`` are the link's parameters; a list is a repeated
    key, anything else is sent as its ``str``.
    """
    at = AppTest.from_file(APP, default_timeout=timeout)
    for name, value in {**(query or {}), **params}.items():
        if isinstance(value, (list, tuple)):
            at.query_params[name] = list(value) if len(value) > 1 else value[0]
        else:
            at.query_params[name] = str(value)
    return at.run()


@pytest.fixture(scope="session")
def page():
    """``page(query, **params)``: the page opened at that link (see ``open_page``)."""
    return open_page


def shown(at: AppTest, *kinds: str) -> str:
    """The text of every element of these kinds (``"markdown"``, ``"info"``, ...), one per line."""
    return "\n".join(element.value for kind in kinds for element in at.get(kind))


def assert_shown(at: AppTest, messages) -> None:
    """Every message (None skipped) is on the page, as an element of its own tone, word for word."""
    for message in messages:
        if message is None:
            continue
        texts = [element.value for element in at.get(message.tone)]
        assert message.text in texts, f"not shown as {message.tone}: {message.text[:120]!r}"


# --- runs shared by the tests of a session (the training lessons take seconds each) ---


@cache
def simulated(network):
    """``simulate`` of a ``settings.Network``, run once per session."""
    from playground.simulation import simulate

    return simulate(**network.simulate_kwargs())


@cache
def _trained(keys: tuple, arguments: tuple):
    from playground.training import train

    return train(keys, **dict(arguments))


def trained(keys, **kwargs):
    """``training.train``, each run once per session."""
    return _trained(tuple(keys), tuple(sorted(kwargs.items())))


def measured(key: str):
    """A lesson's live finding, from the session's shared runs."""
    from playground.lessons import LESSONS

    lesson = LESSONS[key]
    return lesson.measure(trained if lesson.trains else simulated)
