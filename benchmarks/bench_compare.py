"""Time the "Compare & train" section cold at the page's defaults, and weigh its charts.

    python benchmarks/bench_compare.py [--repeats 5]

At the default setting (tanh, 5 x 500, the 8 default initializers; training
on circles with Adam, lr 0.01, 300 steps, width capped at 32) it reports:
- ``compare``: the 8 simulations at the page's sample count;
- ``train``: the 8 networks trained side by side;
- ``charts``: building the five charts and turning them into JSON;
each without any cache, as best and median of ``--repeats`` runs in this
process, and as the first run of a fresh process (``first``: allocator and
BLAS not warmed up; imports excluded). Then the size of the charts: their
data as Streamlit sends it (Arrow), their spec as compact JSON, and
``len(chart.to_json())`` (indented JSON). The load average is printed
because the two cores are shared: multi-threaded OpenBLAS slows down many
times when other processes hold the cores (compare ``OPENBLAS_NUM_THREADS=1``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground import compare, init_keys, training  # noqa: E402
from playground.charts import compare as compare_charts  # noqa: E402
from playground.charts import training as training_charts  # noqa: E402
from playground.settings import Network, Training  # noqa: E402

STAGES = ("compare", "train", "charts")


def section(network: Network = Network(), trained: Training = Training()) -> tuple[dict[str, float], list]:
    """Run the section's work once, as the page does on a cold cache: seconds per stage, and the charts."""
    keys = init_keys.canonical_keys(trained.compare)
    times: dict[str, float] = {}
    start = time.perf_counter()
    samples = compare.comparison_samples(network, len(keys))
    comparison = compare.compare_initializers(replace(network, samples=samples), keys)
    times["compare"] = time.perf_counter() - start

    start = time.perf_counter()
    depth = min(network.depth, training.MAX_DEPTH)
    result = training.train(
        keys, dataset=trained.dataset, activation=network.activation, depth=depth,
        width=min(network.width, training.MAX_WIDTH), bias=network.bias, optimizer=trained.optimizer,
        lr=trained.lr, steps=trained.steps, n_points=training.affordable_points(len(keys), depth, trained.steps),
        seed=network.seed,
    )
    times["train"] = time.perf_counter() - start

    start = time.perf_counter()
    labels = [comparison.labels[key] for key in keys]
    diverged = result.diverged()
    charts = [
        compare_charts.activation_std_chart(comparison.layers, labels),
        compare_charts.histogram_grid(comparison.histograms, labels, network.depth, compare.GRID_LAYERS),
        compare_charts.gradient_std_chart(comparison.layers, labels),
        training_charts.loss_curves(result.history, labels, {comparison.labels[k]: s for k, s in diverged.items()}),
        training_charts.decision_boundaries(result.boundary, comparison.labels, result.points, result.extent, diverged),
    ]
    for chart in charts:
        chart.to_dict()
    times["charts"] = time.perf_counter() - start
    times["total"] = sum(times[stage] for stage in STAGES)
    return times, charts


def first_run() -> dict[str, float]:
    """The section's times in a fresh process, imports excluded."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'benchmarks')!r});"
        "import bench_compare; print(json.dumps(bench_compare.section()[0]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def sizes(charts: list) -> list[tuple[str, int, int, int]]:
    """Per chart: Arrow bytes of its datasets (what Streamlit sends), compact spec without data, to_json()."""
    import pandas as pd
    from streamlit import dataframe_util

    rows = []
    for chart in charts:
        spec = chart.to_dict()
        datasets = spec.pop("datasets", {})
        arrow = sum(len(dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(v))) for v in datasets.values())
        rows.append((spec.get("title", {}).get("text", "?"), arrow, len(json.dumps(spec)), len(chart.to_json())))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    first = first_run()
    runs = [section()[0] for _ in range(args.repeats)]
    print(f"{'stage':<10}{'first s':>9}{'best s':>9}{'median s':>10}")
    for stage in (*STAGES, "total"):
        values = [run[stage] for run in runs]
        print(f"{stage:<10}{first[stage]:>9.3f}{min(values):>9.3f}{statistics.median(values):>10.3f}")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    _, charts = section()
    print(f"\n{'chart':<58}{'data (Arrow) B':>15}{'spec B':>9}{'to_json() B':>13}")
    table = sizes(charts)
    for title, arrow, spec, indented in table:
        print(f"{title[:57]:<58}{arrow:>15}{spec:>9}{indented:>13}")
    print(f"{'section':<58}{sum(r[1] for r in table):>15}{sum(r[2] for r in table):>9}{sum(r[3] for r in table):>13}")


if __name__ == "__main__":
    main()
