"""The real page in headless Chromium: it draws, has no error box, and follows a control into the URL."""

from urllib.parse import parse_qs, urlparse

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

from server import ARTIFACTS, launch, streamlit_server, wait_until_done  # noqa: E402

CHART = "[data-testid='stVegaLiteChart']"


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as server:
        yield server.url


@pytest.fixture()
def page():
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors
        yield page
        browser.close()


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def chart_text(page) -> str:
    return page.evaluate(
        "sel => [...document.querySelectorAll(sel)].map(s => s.textContent).join(' ')", f"{CHART} svg"
    )


def test_page_draws_and_follows_a_control(server, page):
    page.goto(server + "/")
    wait_until_done(page)
    # The charts draw after the script has finished, each in its own time: wait for both, and for every bar
    # of the histogram grid (one per bin and layer).
    page.wait_for_function(
        "sel => document.querySelectorAll(sel + ' svg').length >= 2"
        " && document.querySelectorAll(sel + ' svg .mark-rect path').length >= 5 * 40",
        arg=CHART, timeout=30_000,
    )
    assert page.locator("[data-testid='stException']").count() == 0
    assert query(page)["activation"] == "tanh" and query(page)["std"] == "0.01"
    before = chart_text(page)
    assert "tanh" in before
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "default.png"))

    page.locator("[data-testid='stSelectbox']").filter(has_text="Activation").click()
    page.get_by_role("option", name="ReLU", exact=True).click()
    page.wait_for_function("() => location.search.includes('activation=relu')", timeout=30_000)
    wait_until_done(page)
    page.wait_for_function(
        f"() => [...document.querySelectorAll(\"{CHART} svg\")].some(s => s.textContent.includes('ReLU'))",
        timeout=30_000,
    )
    after = chart_text(page)
    assert after != before and "ReLU" in after
    assert query(page)["activation"] == "relu"
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "relu.png"))
    assert page.errors == []


def test_a_shared_link_reproduces_the_page(server, page):
    link = "/?activation=relu&init=he_normal&depth=10&width=200&bias=0.01&seed=3"
    page.goto(server + link)
    wait_until_done(page)
    page.wait_for_selector(f"{CHART} svg")
    got = query(page)
    for name, value in (("activation", "relu"), ("init", "he_normal"), ("depth", "10"), ("width", "200"),
                        ("bias", "0.01"), ("seed", "3")):
        assert got[name] == value
    assert "healthy" in page.locator("[data-testid='stAlert']").first.inner_text()
    # the same link opened again shows the same numbers
    first = chart_text(page)
    page.goto(server + link)
    wait_until_done(page)
    page.wait_for_selector(f"{CHART} svg")
    assert chart_text(page) == first


def test_a_bad_link_shows_a_note_in_the_page(server, page):
    page.goto(server + "/?depth=abc&activation=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    wait_until_done(page)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "depth=“abc” was ignored" in body
    assert page.locator("img[src='x']").count() == 0
    assert query(page)["depth"] == "5"
    assert page.locator("[data-testid='stException']").count() == 0
