"""Time the "Compare & train" section cold, the training lessons, and our trainer against PyTorch.

    python benchmarks/bench_compare.py [--repeats 5] [--seeds 5] [--skip-section] [--threads N]

It reports, each without any cache, as best and median of ``--repeats``
runs in this process and as the first run of a fresh process (``first``:
allocator and BLAS not warmed up; imports excluded):

- ``section``: the page's default section as it stands (the comparison of
  the 8 default initializers, the training at ``settings.Training``'s
  defaults, the charts), where the comparison's modules import;
- ``train``: the training panel at its default (``settings.Training``:
  digits, ReLU, 10 x 64, minibatch SGD) and the same on circles, each fitted by
  ``training_budget.fit_training``, with the budget's estimate (its cost
  model, fitted to float32 runs) beside it;
- ``he-2015``: the He et al. lesson, two networks of 30 x 64 trained for
  800 steps of 64 digits, in float32 (the trainer's default) and float64;
- ``torch``: when torch imports, the same two networks in PyTorch (float32,
  ``nn.Linear`` + ``nn.ReLU``, plain ``optim.SGD``, the same initial
  weights, split and minibatches), timed in turns with ours, and the loss
  curves of both over ``--seeds`` seeds.

Ratios are of times measured side by side in this one run. The load
average is printed because the two cores are shared: multi-threaded
OpenBLAS slows down many times when other processes hold the cores (the
fresh-process rows are also run with ``OPENBLAS_NUM_THREADS=1``).
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

import numpy as np  # noqa: E402

from playground import init_keys, training, training_budget  # noqa: E402
from playground.charts import training as training_charts  # noqa: E402
from playground.explain import training as explain_training  # noqa: E402
from playground.settings import DEFAULT_COMPARED, Network, Training  # noqa: E402

HE = explain_training.HE_2015


def default() -> dict:
    """The training panel as a page opens: ``settings.Training``'s own network and optimizer."""
    trained = Training()
    return dict(dataset=trained.dataset, activation=trained.activation, depth=trained.depth, width=trained.width,
                optimizer=trained.optimizer, lr=trained.lr, steps=trained.steps, batch_size=trained.batch_size)


def toy() -> dict:
    """The default panel on a 2-D set, where the decision maps are drawn too."""
    return dict(default(), dataset="circles")


SETTINGS = {"default": default, "circles": toy}


def fitted(keys, setting: dict) -> tuple[dict, training_budget.TrainingFit]:
    """The setting as the budget lets it run, and the fit."""
    fit = training_budget.fit_training(len(keys), dataset=setting["dataset"], depth=setting["depth"],
                                       width=setting["width"], steps=setting["steps"], optimizer=setting["optimizer"],
                                       batch_size=setting["batch_size"])
    run = dict(setting, depth=fit.depth, width=fit.width, steps=fit.steps, batch_size=fit.batch_size,
               n_points=fit.points)
    return run, fit


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def train_stage(name: str) -> float:
    """Seconds of one training of ``name`` ("default", "circles", "he-2015", "he-2015-float64")."""
    if name.startswith("he-2015"):
        dtype = "float64" if name.endswith("float64") else "float32"
        return timed(training.train, HE.keys, **HE.train_kwargs(), dtype=dtype)[0]
    run, _ = fitted(DEFAULT_COMPARED, SETTINGS[name]())
    return timed(training.train, DEFAULT_COMPARED, **run)[0]


TRAIN_STAGES = ("default", "circles", "he-2015", "he-2015-float64")


def section() -> tuple[dict[str, float], list]:
    """The section's work once at the page's defaults, as the page does on a cold cache (comparison if it imports)."""
    from playground import compare, plan  # the page frame's modules, refactored meanwhile
    from playground.charts import compare as compare_charts

    network, trained = Network(), Training()
    keys = init_keys.canonical_keys(trained.compare)
    times: dict[str, float] = {}
    comparison_plan = plan.comparison(network, keys)
    times["compare"], comparison = timed(compare.compare_initializers, comparison_plan.network, keys)
    run, _ = fitted(keys, default())
    times["train"], result = timed(training.train, keys, **run)
    start = time.perf_counter()
    labels = [comparison.labels[key] for key in keys]
    charts = [
        compare_charts.activation_std_chart(comparison.layers, labels),
        compare_charts.histogram_grid(comparison.histograms, labels, network.depth, compare.GRID_LAYERS),
        compare_charts.gradient_std_chart(comparison.layers, labels),
        *training_section_charts(result),
    ]
    for chart in charts:
        chart.to_dict()
    times["charts"] = time.perf_counter() - start
    times["total"] = sum(times.values())
    return times, charts


def training_section_charts(result) -> list:
    labels = {key: init_keys.key_label(key) for key in result.keys}
    diverged = {labels[k]: s for k, s in result.diverged().items()}
    charts = [
        training_charts.training_curves(result.history, list(labels.values()), diverged, result.chance_loss),
        training_charts.gradient_heatmap(result.gradients, list(labels.values())),
        training_charts.saturation_curve(result.saturation, list(labels.values()), result.activation),
    ]
    if result.boundary:
        charts.append(training_charts.decision_boundaries(result.boundary, labels, result.points, result.extent,
                                                          result.diverged()))
    return charts


def fresh(code: str, env: dict | None = None) -> dict:
    """Run ``code`` (which prints one JSON line) in a fresh interpreter with this module imported."""
    prelude = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'benchmarks')!r});"
               "import bench_compare;")
    out = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})}).stdout
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
        title = spec.get("title", {}).get("text") if isinstance(spec.get("title"), dict) else None
        title = title or next((v.get("title", {}).get("text") for v in spec.get("hconcat", [])), "?")
        rows.append((title, arrow, len(json.dumps(spec)), len(chart.to_json())))
    return rows


# --- PyTorch ---------------------------------------------------------------------------------


def torch_setup(settings=HE, seed: int = 0):
    """The lesson's networks as PyTorch modules with our initial weights, and our split and minibatches."""
    import torch

    from playground import datasets, networks

    data_seq, weight_seq, batch_seq = np.random.SeedSequence(seed).spawn(3)
    split = datasets.split_dataset(settings.dataset, rng=np.random.default_rng(data_seq))
    nets = networks.init_networks(settings.keys, depth=settings.depth, width=settings.width,
                                  rng=np.random.default_rng(weight_seq), inputs=split.x_train.shape[1],
                                  outputs=split.classes, dtype=np.float32)
    batches = training.minibatch_indices(split.y_train.size, settings.batch_size, settings.steps,
                                         np.random.default_rng(batch_seq))
    models = []
    for k in range(len(settings.keys)):
        layers = []
        for index, (w, b) in enumerate(zip(nets.weights, nets.biases, strict=True)):
            linear = torch.nn.Linear(w.shape[1], w.shape[2])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(w[k].T)))
                linear.bias.copy_(torch.from_numpy(np.ascontiguousarray(b[k, 0])))
            layers += [linear, torch.nn.ReLU()] if index < settings.depth else [linear]
        models.append(torch.nn.Sequential(*layers))
    return split, batches, models


def torch_train(settings=HE, seed: int = 0) -> tuple[float, list[float], list[float]]:
    """Seconds of the training loop, and the training-split losses before and after it, per network."""
    import torch

    split, batches, models = torch_setup(settings, seed)
    x = torch.from_numpy(split.x_train.astype(np.float32))
    y = torch.from_numpy(split.y_train)
    with torch.no_grad():
        first = [torch.nn.functional.cross_entropy(m(x), y).item() for m in models]
    optimizers = [torch.optim.SGD(m.parameters(), lr=settings.lr) for m in models]
    start = time.perf_counter()
    for step in range(settings.steps):
        rows = torch.from_numpy(batches[step])
        xb, yb = x[rows], y[rows]
        for model, opt in zip(models, optimizers, strict=True):
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        final = [torch.nn.functional.cross_entropy(m(x), y).item() for m in models]
    return seconds, first, final


def torch_comparison(repeats: int, seeds: int, threads: int | None) -> None:
    try:
        import torch
    except ImportError:
        print("\ntorch: not importable, comparison skipped")
        return
    if threads:
        torch.set_num_threads(threads)
    print(f"\n== He et al. 2015 lesson against PyTorch {torch.__version__} (float32, {torch.get_num_threads()} "
          "threads) ==")
    ours, theirs = [], []
    for _ in range(repeats):  # in turns, so that both see the same load
        theirs.append(torch_train()[0])
        ours.append(timed(training.train, HE.keys, **HE.train_kwargs())[0])
    print(f"ours: median {statistics.median(ours):.2f} s (best {min(ours):.2f}); torch: median "
          f"{statistics.median(theirs):.2f} s (best {min(theirs):.2f}); ours / torch = "
          f"{statistics.median(ours) / statistics.median(theirs):.2f} (medians), {min(ours) / min(theirs):.2f} (bests)")
    print("Loss curves, same initial weights, split and minibatches (float32 on both sides). In float64 the two agree "
          "to 6 digits for about 100 steps; a 30-layer ReLU network under SGD is chaotic, so after that they part "
          "and agree in kind, not in value:")
    print(f"{'seed':>4} {'net':<13}{'ours: start → last, settled (held out)':>44}{'torch: start → last':>22}")
    finals = {"ours": [], "torch": []}
    for seed in range(seeds):
        _, first, final = torch_train(seed=seed)
        result = training.train(HE.keys, **replace(HE, seed=seed).train_kwargs())
        for k, key in enumerate(HE.keys):
            curve = result.history[result.history["init"] == key]
            test = result.summary.set_index("init").loc[key, "test_accuracy"]
            settled = explain_training.settled_loss(curve)
            print(f"{seed:>4} {key:<13}{curve['loss'].iloc[0]:>16.3f} → {curve['loss'].iloc[-1]:.3f}, {settled:.3f} "
                  f"({test:.0%}){first[k]:>16.3f} → {final[k]:.3f}")
            if key == "he_normal":
                finals["ours"].append(curve["loss"].iloc[-1])
                finals["torch"].append(final[k])
    for side, values in finals.items():
        print(f"He's last loss, {side}: median {statistics.median(values):.3f}, range {min(values):.3f}-"
              f"{max(values):.3f}, above 0.5 in {sum(v > 0.5 for v in values)} of {len(values)} seeds")


# --- main ------------------------------------------------------------------------------------


def report_training(repeats: int) -> None:
    print("\n== Training (8 default initializers unless the lesson's two) ==")
    first = {env: fresh("print(json.dumps({n: bench_compare.train_stage(n) for n in bench_compare.TRAIN_STAGES}))",
                        {"OPENBLAS_NUM_THREADS": "1"} if env == "1" else None) for env in ("default", "1")}
    runs = [{name: train_stage(name) for name in TRAIN_STAGES} for _ in range(repeats)]
    estimates = {}
    for name, setting in SETTINGS.items():
        estimates[name] = fitted(DEFAULT_COMPARED, setting())[1].seconds
    estimates["he-2015"] = fitted(HE.keys, dict(HE.train_kwargs()))[1].seconds
    print(f"{'run':<18}{'first s':>9}{'first 1-thread':>16}{'best s':>9}{'median s':>10}{'estimate s':>12}")
    for name in TRAIN_STAGES:
        values = [run[name] for run in runs]
        estimate = f"{estimates[name]:.2f}" if name in estimates else "-"  # the model is float32's
        print(f"{name:<18}{first['default'][name]:>9.3f}{first['1'][name]:>16.3f}{min(values):>9.3f}"
              f"{statistics.median(values):>10.3f}{estimate:>12}")
    ratio = statistics.median(run["he-2015-float64"] / run["he-2015"] for run in runs)
    print(f"float64 / float32 on the He lesson, same runs: {ratio:.2f}")
    print(f"default: {default()}\ncircles: the same on circles")


def report_section(repeats: int) -> None:
    try:
        first = fresh("print(json.dumps(bench_compare.section()[0]))")
    except (subprocess.CalledProcessError, ImportError, AttributeError) as problem:
        print(f"\nsection: skipped, the comparison's modules do not run as this benchmark calls them ({problem})")
        return
    runs = [section()[0] for _ in range(repeats)]
    print(f"\n== Section at the page's defaults ==\n{'stage':<10}{'first s':>9}{'best s':>9}{'median s':>10}")
    for stage in ("compare", "train", "charts", "total"):
        values = [run[stage] for run in runs]
        print(f"{stage:<10}{first[stage]:>9.3f}{min(values):>9.3f}{statistics.median(values):>10.3f}")


def report_sizes() -> None:
    run, _ = fitted(DEFAULT_COMPARED, default())
    charts = training_section_charts(training.train(DEFAULT_COMPARED, **run))
    run, _ = fitted(DEFAULT_COMPARED, toy())
    charts += training_section_charts(training.train(DEFAULT_COMPARED, **run))[-1:]
    print(f"\n{'training chart (default; decision maps: circles)':<58}{'data (Arrow) B':>15}{'spec B':>9}"
          f"{'to_json() B':>13}")
    table = sizes(charts)
    for title, arrow, spec, indented in table:
        print(f"{title[:57]:<58}{arrow:>15}{spec:>9}{indented:>13}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--skip-section", action="store_true")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    if not args.skip_section:
        report_section(args.repeats)
    report_training(args.repeats)
    torch_comparison(args.repeats, args.seeds, args.threads)
    report_sizes()
    print(f"\nload average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
