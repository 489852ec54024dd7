"""How long the browser's main thread is busy drawing a section: its long tasks after a cached switch.

    python benchmarks/bench_long_tasks.py [--view propagation] [--repeats 8] [--profile]

Headless Chromium against a fresh local server opens ``--view``, then
switches to Activations and back ``--repeats`` times. The section's
computations are cached after the first visit, so what is left is the
browser's own work: parsing the specs, turning Arrow into rows, Vega's
dataflow and drawing. It sums the page's long tasks (PerformanceObserver,
tasks over 50 ms) from the click back to the section until 1.5 s after it,
and prints each sum and their median. ``bench_browser.py`` times what a
visitor waits for; this shows what the charts cost the browser, which the
script state only shows when it delays the end of a run.

``--profile`` also samples each switch with Chromium's CPU profiler (every
0.2 ms, the same window) and prints the medians of the time spent in Vega's
expression interpreter, in the rest of Vega and Vega-Lite, and on the main
thread in all (every sample that is not idle).
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
# Self time of a CPU profile's samples by the script they ran in (Streamlit's bundle names: vega-interpreter.*.js,
# and embed.*.js holding Vega, Vega-Lite and vega-embed).
PROFILE_PARTS = {"interpreter": "/vega-interpreter.", "rest of Vega": "/embed."}


def profile_times(profile: dict) -> dict[str, float]:
    """Milliseconds of a CDP CPU profile: per ``PROFILE_PARTS`` (by script URL), and ``busy``, every non-idle sample."""
    nodes = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    times = dict.fromkeys([*PROFILE_PARTS, "busy"], 0.0)
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = nodes[sample]
        if frame["functionName"] in ("(idle)", "(root)"):
            continue
        times["busy"] += delta / 1000
        for part, url in PROFILE_PARTS.items():
            if url in frame["url"]:
                times[part] += delta / 1000
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--view", default="propagation", choices=[v for v in LABELS if v != "activations"])
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--profile", action="store_true", help="also sample each switch with the CPU profiler")
    args = parser.parse_args()
    with streamlit_server() as server, sync_playwright() as playwright:
        browser = launch(playwright)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.add_init_script(OBSERVER)
        tab.add_init_script(LONG_TASKS)
        tab.goto(f"{server.url}/?view={args.view}")
        wait_until_done(tab, 120_000)
        tab.wait_for_timeout(2000)
        cdp = tab.context.new_cdp_session(tab) if args.profile else None
        if cdp:
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        sums, profiles = [], []
        for _ in range(args.repeats):
            timed(tab, section(tab, LABELS["activations"]))
            tab.wait_for_timeout(1200)
            inputs = tab.evaluate("window.__inputs.length")
            if cdp:
                cdp.send("Profiler.start")
            timed(tab, section(tab, LABELS[args.view]))
            start = tab.evaluate(f"window.__inputs[{inputs}]")
            tab.wait_for_timeout(AFTER_MS)
            sums.append(sum(duration for at, duration in tab.evaluate("window.__long") if at >= start - 5))
            if cdp:
                profiles.append(profile_times(cdp.send("Profiler.stop")["profile"]))
        browser.close()
    print(f"{LABELS[args.view]}, cached, {args.repeats} switches: long tasks (ms) {[round(s) for s in sums]}, "
          f"median {statistics.median(sums):.0f} ms")
    if profiles:
        medians = {part: round(statistics.median(p[part] for p in profiles)) for part in profiles[0]}
        print(f"CPU profile, median ms per switch: {medians}")


if __name__ == "__main__":
    main()
