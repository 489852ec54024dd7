"""The phase diagram in a real browser: a click on a cell moves the sidebar's network there."""

import math
import re
from contextlib import contextmanager
from urllib.parse import parse_qs, urlparse

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

from server import ARTIFACTS, launch, streamlit_server, wait_until_done  # noqa: E402

CHART = "[data-testid='stVegaLiteChart']"


def query(tab) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(tab.url).query).items()}


@contextmanager
def diagram_page(link: str):
    """A fresh server's page at ``link`` (after "/?"), drawn: yields the tab, the phase diagram, the page errors."""
    with streamlit_server() as server, playwright_api.sync_playwright() as p:
        browser = launch(p)
        tab = browser.new_page(viewport={"width": 1400, "height": 1100})
        errors = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto(f"{server.url}/?{link}")
        wait_until_done(tab)
        diagram = tab.locator(CHART).first
        diagram.scroll_into_view_if_needed()
        diagram.locator("canvas").wait_for()  # the canvas draws after the script has finished
        yield tab, diagram, errors
        browser.close()


def click_until_moved(tab, point, attempts: int = 6) -> None:
    """Click ``point(attempt)`` until the sidebar moves (the link says init=normal), waiting 10 s after each.

    Streamlit draws the chart, then resizes and draws it again: a click between the two can be lost on a slow
    machine (it was, twice, in CI). ``point`` gives a new cell each attempt: a click on the cell the chart already
    holds as selected sends no new selection.
    """
    for attempt in range(attempts):
        tab.mouse.click(*point(attempt))
        try:
            tab.wait_for_function("() => location.search.includes('init=normal')", timeout=10_000)
            return
        except playwright_api.TimeoutError:
            pass
    raise AssertionError(f"{attempts} clicks did not move the sidebar; the link is {tab.url}")


def test_clicking_a_cell_moves_the_sidebar_to_it():
    with diagram_page("view=propagation&depth=4&width=100&init=he_normal") as (tab, diagram, errors):
        box = diagram.bounding_box()
        # Inside the plot (past the title and the y axis, short of the legend and the x axis), at about
        # 70% of the sigma_w^2 axis (the next cell but one at each retry) and half way up sigma_b^2: the
        # chaotic side, far from He's (2, 0).
        left, right, top, bottom = (
            box["x"] + 60,
            box["x"] + box["width"] - 100,
            box["y"] + 80,
            box["y"] + box["height"] - 50,
        )
        click_until_moved(tab, lambda attempt: (left + (0.7 + 0.03 * attempt) * (right - left),
                                                top + 0.5 * (bottom - top)))
        wait_until_done(tab)
        got = query(tab)
        sigma_w2 = 100 * float(got["std"]) ** 2
        assert got["init"] == "normal" and 0.25 <= sigma_w2 <= 4.0
        assert 0.0 < float(got["bias_std"]) ** 2 <= 0.5 + 1e-9
        assert not math.isclose(sigma_w2, 2.0)  # He's sigma_w^2 = 2 is not where the click was
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "propagation.png"), full_page=True)
    assert errors == []


def _tooltip(tab) -> str:
    return tab.evaluate("(document.getElementById('vg-tooltip-element') || {}).innerText || ''")


def test_a_cell_without_a_depth_scale_is_clickable_too():
    # ReLU below a bias of -1 without bias noise: the signal dies, xi_c is undefined and the bottom row is grey.
    # Its cells are transparent in the clickable layer, which must still hold them.
    link = "view=propagation&depth=4&width=100&activation=relu&bias=-1&bias_std=0.3"
    with diagram_page(link) as (tab, diagram, errors):
        box = diagram.locator("canvas").bounding_box()
        x = box["x"] + 0.4 * box["width"]
        # Up from the canvas's bottom edge (past the x axis) until the tooltip names a cell of the bottom row.
        for y in range(int(box["y"] + box["height"]) - 2, int(box["y"] + box["height"] / 2), -2):
            tab.mouse.move(x, y)
            tab.wait_for_timeout(60)
            text = _tooltip(tab)
            if re.search(r"σ_b²\s+0\s", text + "\n"):
                break
        else:
            raise AssertionError(f"no cell of the bottom row found; last tooltip {text!r}")
        click_until_moved(tab, lambda attempt: (x + 0.03 * attempt * box["width"], y))  # along the bottom row
        wait_until_done(tab)
        got = query(tab)
        assert got["init"] == "normal" and float(got.get("bias_std", "0")) == 0.0
        assert tab.get_by_text("The signal dies", exact=False).count() > 0
    assert errors == []
