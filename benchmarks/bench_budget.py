"""Cold time and peak memory of the most expensive settings a control or a link can ask for.

    python benchmarks/bench_budget.py            # every corner, both columns
    python benchmarks/bench_budget.py --no-page  # the computation only (faster)
    python benchmarks/bench_budget.py --only orthogonal

The target (issue 7): every setting reachable from the controls or a link
finishes within 3 s cold on the 2-core machine, and the process stays under
500 MB. Each corner is a link; it is read by ``links.parse_query`` and the
work budget applied to it by the page's own ``plan.fit_width`` and
``plan.for_view`` (the comparison: one network per compared initializer). Every
measurement runs in a fresh Python process, so nothing is cached:

- ``compute s``: wall time of the simulation(s) the setting needs, after
  the imports (``simulate`` once, or once per compared initializer, plus a
  lesson's own measurements, trainings included); the gradients
  section's extra comparison runs and the comparison's training are only
  in ``page s``;
- ``compute MB``: that process's peak resident memory (ru_maxrss), imports
  included, and ``+MB`` the part above the process before the call;
- ``page s``: wall time of one AppTest script run of the link (the whole
  page: compute, charts, widgets), after a warm-up run of a tiny link in the
  same process (imports, Streamlit), so only this setting is cold;
- ``page MB``: peak RSS of that process (Streamlit loaded: the server's case).

Times on a shared machine are noisy: each figure is one cold run (the
target is about a cold run), and the machine's load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground import plan, settings  # noqa: E402
from playground.lessons import LESSONS  # noqa: E402
from playground.settings import DEFAULT_COMPARED  # noqa: E402

APP = str(ROOT / "streamlit_app.py")
TIME_TARGET = 3.0
MEMORY_TARGET = 500.0

BIG = {
    "depth": str(settings.DEPTH_RANGE[1]),
    "width": str(settings.WIDTH_RANGE[1]),
    "samples": str(settings.SAMPLES_RANGE[1]),
}
# Initializers under which each activation's signal stays finite through 100 layers, so that
# the whole backward pass runs (an overflow stops the experiment early and costs less).
KEEPS_SIGNAL = {
    "linear": "lecun_normal",
    "sigmoid": "xavier_normal",
    "tanh": "xavier_normal",
    "relu": "he_normal",
    "leaky_relu": "he_normal",
    "selu": "lecun_normal",
}

# name -> link. Sizes: the largest the page accepts, or the corner where
# another cost (kept weights, QR, argpartition) is largest.
CORNERS: dict[str, dict[str, str]] = {
    "largest, tanh std 0.01": BIG | {"activation": "tanh", "init": "normal", "std": "0.01"},
    "largest, tanh std 0.01, batch norm": BIG | {"activation": "tanh", "init": "normal", "std": "0.01",
                                                 "batchnorm": "true"},
    **{
        f"largest, {act} {init}": BIG | {"activation": act, "init": init}
        for act, init in KEEPS_SIGNAL.items()
    },
    **{
        f"largest, {act} {init}, batch norm": BIG | {"activation": act, "init": init, "batchnorm": "true"}
        for act, init in KEEPS_SIGNAL.items() if act in ("sigmoid", "selu")
    },
    "largest, raw inputs, bias 1": BIG | {"activation": "relu", "init": "he_normal", "normalize": "false",
                                          "bias": "1"},
    "largest, uniform": BIG | {"activation": "tanh", "init": "uniform", "limit": "0.05"},
    "largest, orthogonal (QR per layer)": BIG | {"activation": "tanh", "init": "orthogonal", "gain": "1"},
    "largest, sparse 10": BIG | {"activation": "tanh", "init": "sparse", "nonzero": "10"},
    "largest, sparse 500 (argpartition)": BIG | {"activation": "tanh", "init": "sparse", "nonzero": "500"},
    "largest, sparse 1000 (all)": BIG | {"activation": "tanh", "init": "sparse", "nonzero": "1000"},
    "overflow, linear constant 10": BIG | {"activation": "linear", "init": "constant", "value": "10"},
    # depth x width^2 = 8e6: the weights are kept (64 MB) and the activations fill their plan.
    "kept weights 8x1000, batch norm": {"depth": "8", "width": "1000", "samples": "5000", "activation": "tanh",
                                        "init": "xavier_normal", "batchnorm": "true"},
    "kept weights 8x1000": {"depth": "8", "width": "1000", "samples": "5000", "activation": "tanh",
                            "init": "xavier_normal"},
    "kept weights 32x500": {"depth": "32", "width": "500", "samples": "5000", "activation": "relu",
                            "init": "he_normal"},
    # The widest layers of samples: one layer of 1000 units, 5000 examples.
    "shallow 1x1000x5000": {"depth": "1", "width": "1000", "samples": "5000", "activation": "tanh",
                            "init": "xavier_normal"},
    "shallow 3x1000x5000, batch norm": {"depth": "3", "width": "1000", "samples": "5000", "activation": "tanh",
                                        "init": "xavier_normal", "batchnorm": "true"},
    # The gradients section adds its comparison runs (biases, inputs, batch norm) where they fit.
    "gradients section, largest": BIG | {"view": "gradients", "activation": "tanh", "init": "xavier_normal"},
    "gradients section, 5x1000": {"view": "gradients", "depth": "5", "width": "1000", "samples": "5000",
                                  "activation": "relu", "init": "he_normal"},
    # The comparison: every default initializer (orthogonal and sparse among them) on one network.
    "compare 8 inits, largest": BIG | {"view": "compare", "activation": "tanh",
                                       "compare": ",".join(DEFAULT_COMPARED)},
    "compare 8 inits, 10x500 (notes)": {"view": "compare", "depth": "10", "width": "500", "samples": "1000",
                                        "activation": "tanh", "compare": ",".join(DEFAULT_COMPARED)},
    # The training panel at the trainer's limits: the time budget lowers what it must.
    "training 50x128 digits, Adam, 2000 steps": {"view": "compare", "dataset": "digits", "train_depth": "50",
                                                 "train_width": "128", "optimizer": "adam", "steps": "2000",
                                                 "batch_size": "256", "train_activation": "relu"},
    "training 50x128 spirals, full batch, 2000 steps": {"view": "compare", "dataset": "spirals",
                                                        "train_depth": "50", "train_width": "128",
                                                        "optimizer": "gd", "steps": "2000",
                                                        "train_activation": "tanh"},
}
# Every lesson's link: the lesson's own setting and the measurements it makes.
CORNERS |= {f"lesson {key}": {"lesson": key} for key in LESSONS}

# --- the child processes --------------------------------------------------------------


def planned_networks(query: dict[str, str]):
    """The link's page state, its lesson (or None) and the networks its view simulates, as ``plan.for_view`` fits them.

    The sidebar's width is fitted first (``plan.fit_width``, as the sidebar
    does before drawing its slider); the gradients section's extra runs and
    the comparison's training are left to ``page s``.
    """
    from dataclasses import replace

    from playground import compare, links

    state, _ = links.parse_query(query, lessons=LESSONS)
    lesson = LESSONS[state.lesson] if state.lesson else None
    if lesson:
        state = lesson.state
    net = state.network
    lowered = plan.fit_width(net.depth, net.width, net.init)
    if lowered:
        net = replace(net, width=lowered.used)
        if "nonzero" in net.params:  # as the sidebar's slider does: no more non-zeros than inputs
            net = net.with_init(net.init, nonzero=min(net.params["nonzero"], net.width))
    keys = state.training.compare if state.view == "compare" else ()
    page = plan.for_view(net, state.view, keys=keys, trained=state.training, width_lowered=lowered)
    if page.comparison:
        return state, lesson, [compare.network_for(page.comparison.network, key) for key in page.comparison.keys]
    return state, lesson, [page.simulated or replace(net, samples=plan.affordable_samples(
        net.depth, net.width, net.samples, batch_norm=net.batch_norm))]


def compute_child(query: dict[str, str]) -> dict:
    """Run the simulation(s) a link asks for, with the page's budget; time them and their memory."""
    import resource

    import psutil

    from playground import training
    from playground.simulation import simulate

    state, lesson, networks = planned_networks(query)
    simulate(activation="tanh", initializer="normal", depth=1, width=4, n_samples=10)  # warm numpy
    before = psutil.Process().memory_info().rss
    start = time.perf_counter()
    overflowed = []
    for network in networks:
        result = simulate(**network.simulate_kwargs())
        if not result.finite:
            overflowed.append(network.init)
    if lesson:
        lesson.measure(training.train if lesson.trains else lambda network: simulate(**network.simulate_kwargs()))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": seconds, "peak_mb": peak / 2**20, "grown_mb": (peak - before) / 2**20,
            "samples": networks[0].samples, "runs": len(networks), "overflowed": overflowed}


def page_child(query: dict[str, str]) -> dict:
    """One AppTest run of the link, cold for this setting, after a warm-up run of a tiny link."""
    import resource

    import psutil
    from streamlit.testing.v1 import AppTest

    def run(link: dict[str, str]) -> tuple[AppTest, float]:
        at = AppTest.from_file(APP, default_timeout=300)
        for name, value in link.items():
            at.query_params[name] = value
        start = time.perf_counter()
        at.run()
        return at, time.perf_counter() - start

    run({"depth": "1", "width": "2", "samples": "10"})
    before = psutil.Process().memory_info().rss
    at, seconds = run(query)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    view = at.radio(key="view").value if any(r.key == "view" for r in at.radio) else "?"
    return {
        "seconds": seconds,
        "peak_mb": peak / 2**20,
        "grown_mb": (peak - before) / 2**20,
        "view": view,
        "exceptions": [e.value for e in at.exception],
        "infos": [i.value for i in at.info],
    }


def in_fresh_process(kind: str, query: dict[str, str], timeout: float = 600) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, json.dumps(query)],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the table ------------------------------------------------------------------------


def verdict(seconds: float | None, mb: float | None) -> str:
    if seconds is None or mb is None:
        return "?"
    misses = [f"> {TIME_TARGET:g} s"] if seconds > TIME_TARGET else []
    misses += [f">= {MEMORY_TARGET:g} MB"] if mb >= MEMORY_TARGET else []
    return "ok" if not misses else "MISS " + ", ".join(misses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("KIND", "QUERY"), help=argparse.SUPPRESS)
    parser.add_argument("--no-page", action="store_true", help="skip the AppTest page runs")
    parser.add_argument("--only", default="", help="only the corners whose name contains this")
    args = parser.parse_args()
    if args.child:
        kind, query = args.child
        result = (compute_child if kind == "compute" else page_child)(json.loads(query))
        print(json.dumps(result))
        return

    import numpy as np

    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    print(
        f"budget: WORK_BUDGET {plan.WORK_BUDGET:g} multiply-adds x runs, VALUES_BUDGET {plan.VALUES_BUDGET:g}, "
        f"WEIGHT_BUDGET {plan.WEIGHT_BUDGET:g} Gaussian draws"
    )
    print(f"targets: <= {TIME_TARGET:g} s cold, < {MEMORY_TARGET:g} MB; one fresh process per figure\n")
    header = (f"{'setting':<40}{'samples':>8}{'runs':>5}{'compute s':>10}{'MB':>6}{'+MB':>5}"
              f"{'page s':>8}{'MB':>6}{'+MB':>5}  {'view':<12}verdict")
    print(header)
    print("-" * len(header))
    misses = []
    for name, query in CORNERS.items():
        if args.only and args.only not in name:
            continue
        comp = in_fresh_process("compute", query)
        page = {} if args.no_page else in_fresh_process("page", query)
        if "error" in comp or "error" in page:
            print(f"{name:<40} ERROR {comp.get('error', '')} {page.get('error', '')}")
            misses.append(name)
            continue
        worst_s = max(comp["seconds"], page.get("seconds", 0.0))
        worst_mb = max(comp["peak_mb"], page.get("peak_mb", 0.0))
        said = verdict(worst_s, worst_mb)
        if page.get("exceptions"):
            said = "EXCEPTION: " + page["exceptions"][0][:60]
        if said != "ok":
            misses.append(name)
        page_cols = (f"{page['seconds']:>8.2f}{page['peak_mb']:>6.0f}{page['grown_mb']:>5.0f}  {page['view']:<12}"
                     if page else f"{'':>8}{'':>6}{'':>5}  {'':<12}")
        print(f"{name:<40}{comp['samples']:>8}{comp['runs']:>5}{comp['seconds']:>10.2f}{comp['peak_mb']:>6.0f}"
              f"{comp['grown_mb']:>5.0f}{page_cols}{said}", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.2f} at end")
    print("all corners within target" if not misses else f"{len(misses)} corner(s) miss: " + "; ".join(misses))


if __name__ == "__main__":
    main()
