"""The page needs nothing from outside and says nothing alarming: a walk through every section and lesson.

In a classroom without internet (or on this machine) every request must stay
on the app's own server, the browser's console must stay free of errors, and
the server's log free of deprecation warnings and tracebacks.
"""

from urllib.parse import urlparse

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

from server import ARTIFACTS, launch, streamlit_server, wait_until_done  # noqa: E402

from playground.lessons import LESSON_ORDER, LESSONS  # noqa: E402
from playground.settings import VIEWS  # noqa: E402

# A small network keeps the walk quick; every section and lesson still runs.
SMALL = "depth=3&width=60&samples=100&steps=20"
ALARMS = ("Deprecat", "FutureWarning", "Traceback", "Uncaught", "Error")


def choose_lesson(tab, title: str) -> None:
    tab.locator("[data-testid='stSelectbox']").filter(has_text="Lesson").first.click()
    tab.get_by_role("option", name=title, exact=True).click()
    wait_until_done(tab)


def test_a_walk_through_every_section_and_lesson_stays_local_and_quiet():
    with streamlit_server() as server, playwright_api.sync_playwright() as p:
        browser = launch(p)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        requests, console = [], []
        tab.on("request", lambda request: requests.append(request.url))
        tab.on("console", lambda message: console.append(message) if message.type == "error" else None)
        tab.on("pageerror", lambda error: console.append(error))
        tab.goto(f"{server.url}/?{SMALL}")
        wait_until_done(tab)
        for label in list(VIEWS.values())[1:] + [VIEWS["activations"]]:
            tab.locator("[data-testid='stMain'] [data-testid='stRadio']").first.get_by_text(label, exact=True).click()
            wait_until_done(tab)
        for key in LESSON_ORDER:
            choose_lesson(tab, LESSONS[key].title)
            assert tab.locator("[data-testid='stException']").count() == 0, key
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "last-lesson.png"))
        browser.close()
        log = server.output()
    outside = [url for url in requests if urlparse(url).scheme in ("http", "https", "ws", "wss")
               and urlparse(url).hostname != "127.0.0.1"]
    assert outside == []
    assert any("/_stcore/" in url or "/static/" in url for url in requests)
    assert console == []
    alarms = [line for line in log.splitlines() if any(word in line for word in ALARMS)]
    assert alarms == [], "\n".join(alarms)


def test_projector_mode_closes_the_sidebar_and_puts_the_stepper_in_the_main_area():
    with streamlit_server() as server, playwright_api.sync_playwright() as p:
        browser = launch(p)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(f"{server.url}/?present=true&lesson=he")
        wait_until_done(tab)
        main = tab.locator("[data-testid='stMain']")
        assert main.locator("[data-testid='stSelectbox']").filter(has_text="Lesson").count() == 1
        assert tab.locator("[data-testid='stSidebar']").get_attribute("data-collapsed") == "true"
        next_button = main.get_by_role("button", name="Next →")
        next_button.click()
        wait_until_done(tab)
        tab.wait_for_function("() => location.search.includes('lesson=bias')")
        assert "present=true" in tab.url
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "projector.png"))
        browser.close()
