"""How long the browser's main thread is busy drawing a section: its long tasks after a cached switch.

    python benchmarks/bench_long_tasks.py [--view propagation] [--repeats 8]

Headless Chromium against a fresh local server opens ``--view``, then
switches to Activations and back ``--repeats`` times. The section's
computations are cached after the first visit, so what is left is the
browser's own work: parsing the specs, turning Arrow into rows, Vega's
dataflow and drawing. It sums the page's long tasks (PerformanceObserver,
tasks over 50 ms) from the click back to the section until 1.5 s after it,
and prints each sum and their median. ``bench_browser.py`` times what a
visitor waits for; this shows what the charts cost the browser, which the
script state only shows when it delays the end of a run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_browser import OBSERVER, section, timed  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from server import launch, streamlit_server, wait_until_done  # noqa: E402

LONG_TASKS = """
window.__long = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) window.__long.push([entry.startTime, entry.duration]);
}).observe({type: 'longtask', buffered: true});
"""
# The section radio's labels, by the view's key in a link.
LABELS = {"activations": "Activations", "gradients": "Gradients & theory", "propagation": "Signal propagation",
          "symmetry": "Symmetry", "compare": "Compare & train"}
AFTER_MS = 1500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--view", default="propagation", choices=[v for v in LABELS if v != "activations"])
    parser.add_argument("--repeats", type=int, default=8)
    args = parser.parse_args()
    with streamlit_server() as server, sync_playwright() as playwright:
        browser = launch(playwright)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.add_init_script(OBSERVER)
        tab.add_init_script(LONG_TASKS)
        tab.goto(f"{server.url}/?view={args.view}")
        wait_until_done(tab, 120_000)
        tab.wait_for_timeout(2000)
        sums = []
        for _ in range(args.repeats):
            timed(tab, section(tab, LABELS["activations"]))
            tab.wait_for_timeout(1200)
            inputs = tab.evaluate("window.__inputs.length")
            timed(tab, section(tab, LABELS[args.view]))
            start = tab.evaluate(f"window.__inputs[{inputs}]")
            tab.wait_for_timeout(AFTER_MS)
            sums.append(sum(duration for at, duration in tab.evaluate("window.__long") if at >= start - 5))
        browser.close()
    print(f"{LABELS[args.view]}, cached, {args.repeats} switches: long tasks (ms) {[round(s) for s in sums]}, "
          f"median {statistics.median(sums):.0f} ms")


if __name__ == "__main__":
    main()
