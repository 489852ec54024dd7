"""How fast the page answers a control change, and how many bytes of chart data it sends.

    python benchmarks/bench_page.py [--browser]

Script runs (Streamlit's AppTest, in this process):
- ``first view``: a new session at the default setting with empty caches;
- ``change, cold``: the activation changed to one not computed yet;
- ``change, cached``: back to a setting already computed.
Chart data: the bytes of every chart's Vega-Lite spec and Arrow datasets
that one run of each section sends to the browser, at the default setting
and at the largest one.

With ``--browser`` it also times, in headless Chromium against a running
server, a control change (the depth slider, by keyboard) until the URL has
followed and the script has finished: to a new depth (cold), and back to the
one before (cached).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from playground import settings  # noqa: E402
from playground.settings import VIEWS  # noqa: E402

APP = str(ROOT / "streamlit_app.py")
LARGEST = {"depth": str(settings.DEPTH_RANGE[1]), "width": str(settings.WIDTH_RANGE[1]),
           "samples": str(settings.SAMPLES_RANGE[1])}


def page(query: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in query.items():
        at.query_params[name] = value
    return at


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def chart_bytes(at: AppTest) -> int:
    total = 0
    for chart in at.get("vega_lite_chart"):
        total += len(chart.proto.spec.encode()) + sum(len(d.data.data) for d in chart.proto.datasets)
    return total


def script_times(repeats: int) -> None:
    st.cache_data.clear()
    at = page({})
    first = timed(at.run)
    cold, cached = [], []
    activations = ["relu", "sigmoid", "selu", "leaky_relu", "linear"]
    for name in activations[:repeats]:
        cold.append(timed(lambda name=name: at.selectbox(key="activation").set_value(name).run()))
        cached.append(timed(lambda: at.selectbox(key="activation").set_value("tanh").run()))
        assert not at.exception
    print(f"first view (default setting, empty caches): {first:.3f} s")
    print(f"change, cold   (median of {len(cold)}): {statistics.median(cold):.3f} s   max {max(cold):.3f} s")
    print(f"change, cached (median of {len(cached)}): {statistics.median(cached):.3f} s   max {max(cached):.3f} s")


def section_bytes() -> None:
    print(f"{'section':<22}{'default KB':>12}{'largest KB':>12}")
    for view in VIEWS:
        sizes = []
        for extra in ({}, LARGEST):
            at = page({"view": view} | extra).run()
            if at.exception:
                sizes.append(float("nan"))
                continue
            sizes.append(chart_bytes(at) / 1024)
        print(f"{view:<22}{sizes[0]:>12.1f}{sizes[1]:>12.1f}")


def browser_times(repeats: int) -> None:
    """A control change in the open page: the depth slider one step up (cold), then back (cached)."""
    from playwright.sync_api import sync_playwright
    from server import launch, streamlit_server, wait_until_done

    with streamlit_server() as server, sync_playwright() as p:
        url = server.url
        browser = launch(p)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(url + "/")
        wait_until_done(tab)
        thumb = tab.locator("[data-testid='stSlider']").filter(has_text="Depth").locator("input")
        times = {"cold": [], "cached": []}
        for step in range(repeats):
            for kind, key in (("cold", "ArrowRight"), ("cached", "ArrowLeft")):
                depth = 5 + step + (1 if kind == "cold" else 0)
                thumb.focus()
                start = time.perf_counter()
                thumb.press(key)
                tab.wait_for_function(f"() => location.search.includes('depth={depth}&')", timeout=60_000)
                tab.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
                times[kind].append(time.perf_counter() - start)
            # leave the slider one step further for the next cold value
            thumb.focus()
            thumb.press("ArrowRight")
            wait_until_done(tab)
        browser.close()
    for kind, values in times.items():
        print(f"browser, depth slider moved, {kind:<6} (median of {len(values)}): {statistics.median(values):.3f} s"
              f"   max {max(values):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    script_times(args.repeats)
    section_bytes()
    if args.browser:
        browser_times(args.repeats)


if __name__ == "__main__":
    main()
