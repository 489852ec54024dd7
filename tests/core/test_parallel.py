"""The second thread: every task once, results in order, and the same numbers with one thread or two."""

import ast
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import playground
from playground import parallel
from playground.simulation import simulate

ROOT = Path(__file__).resolve().parents[2]


def test_run_all_runs_every_task_once_and_keeps_their_order():
    calls = []
    lock = threading.Lock()

    def task(index):
        def run():
            time.sleep(0.001 * (index % 3))  # uneven costs, so the threads meet anywhere
            with lock:
                calls.append(index)
            return index * index

        return run

    assert parallel.run_all(task(i) for i in range(17)) == [i * i for i in range(17)]
    assert sorted(calls) == list(range(17))
    assert parallel.run_all([]) == []


def test_run_all_uses_a_second_thread():
    if parallel.THREADS < 2:
        pytest.skip("one thread configured")
    names = parallel.run_all([lambda: (time.sleep(0.05), threading.current_thread().name)[1] for _ in range(2)])
    assert len(set(names)) == 2


def test_run_all_raises_what_a_task_raised():
    def fail():
        raise ValueError("task failed")

    with pytest.raises(ValueError, match="task failed"):
        parallel.run_all([lambda: 1, fail, lambda: 3])


def test_as_needed_draws_only_what_is_consumed():
    done = []
    results = parallel.as_needed((lambda i=i: done.append(i) or i) for i in range(10))
    assert next(results) == 0
    assert len(done) <= max(2, parallel.THREADS)
    assert list(results) == list(range(1, 10))
    assert sorted(done) == list(range(10))


def test_by_rows_covers_every_row_once_in_fixed_blocks():
    a = np.arange(1000 * 300, dtype=float).reshape(1000, 300)
    b = -a
    blocks = parallel.by_rows(lambda x, y: (x[0, 0], x.shape[0], float((x + y).sum())), a, b)
    assert [start for start, _, _ in blocks] == [0.0, 500 * 300.0]
    assert sum(rows for _, rows, _ in blocks) == 1000
    assert all(total == 0.0 for _, _, total in blocks)
    # small arrays are one block
    assert len(parallel.by_rows(lambda x: x.shape, a[:10])) == 1


@pytest.mark.parametrize(
    "cpu_max,expected", [("max 100000\n", None), ("50000 100000\n", 1), ("150000 100000\n", 2), ("junk", None)]
)
def test_cores_follow_the_cgroup_quota(tmp_path, cpu_max, expected):
    affinity = len(os.sched_getaffinity(0))
    (tmp_path / "cpu.max").write_text(cpu_max)
    assert parallel.cores(str(tmp_path / "cpu.max")) == min(affinity, expected or affinity)
    assert parallel.cores(str(tmp_path / "missing")) == affinity


SETTINGS = [
    # Split into blocks (1000 x 500 values a layer), weights kept.
    dict(activation="tanh", initializer="normal", depth=4, width=500, n_samples=1000, init_params={"std": 0.05}),
    # ReLU's dead units, batch norm, a bias.
    dict(activation="relu", initializer="he_normal", depth=3, width=400, n_samples=600, batch_norm=True, bias=0.01),
]


def frames(result) -> dict:
    return {
        "layers": result.layers.drop(columns="status").to_dict(orient="list"),
        "histograms": result.histograms.to_dict(orient="list"),
        "gradient_histograms": result.gradient_histograms.to_dict(orient="list"),
    }


@pytest.mark.parametrize("kept", [True, False])
def test_one_thread_and_two_give_the_same_numbers(kept):
    # The weights are drawn ahead when kept, two at a time as needed when not.
    code = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
sys.path.insert(0, {str(ROOT / "tests" / "core")!r})
from playground import parallel, simulation
from test_parallel import SETTINGS, frames
assert parallel.THREADS == 1
if not {kept}:
    simulation.KEPT_WEIGHT_VALUES = 0
print(json.dumps([frames(simulation.simulate(**setting)) for setting in SETTINGS]))
"""
    env = dict(os.environ, PLAYGROUND_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    one_thread = json.loads(out)
    if not kept:
        from playground import simulation

        original, simulation.KEPT_WEIGHT_VALUES = simulation.KEPT_WEIGHT_VALUES, 0
    try:
        here = [frames(simulate(**setting)) for setting in SETTINGS]
    finally:
        if not kept:
            simulation.KEPT_WEIGHT_VALUES = original
    # JSON keeps every float64 exactly (shortest round-trip repr).
    for theirs, ours in zip(one_thread, here):
        for name in ours:
            pd.testing.assert_frame_equal(pd.DataFrame(theirs[name]), pd.DataFrame(ours[name]), check_exact=True)


def test_importing_the_package_limits_openblas_spinning():
    code = "import os, sys, playground; print(os.environ['OPENBLAS_THREAD_TIMEOUT'], playground.BLAS_SPIN_LIMITED)"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    run = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.split() == [playground.OPENBLAS_THREAD_TIMEOUT, "True"]
    # numpy first: too late for OpenBLAS, and the package says so
    late = "import numpy, playground; print(playground.BLAS_SPIN_LIMITED)"
    run = subprocess.run([sys.executable, "-c", late], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False"]
    # a value from the environment wins
    env["OPENBLAS_THREAD_TIMEOUT"] = "9"
    run = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["9", "True"]


def test_the_page_imports_the_package_before_numpy():
    # Streamlit itself does not load numpy, so the page's own import order decides.
    code = "import sys, streamlit; print('numpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == [
        "False"
    ]
    # Every other import of the page (ui, the sections, the charts) may load numpy: playground comes first,
    # after the standard library's modules at most (none of which loads numpy).
    imports = []
    for node in ast.parse((ROOT / "streamlit_app.py").read_text()).body:
        if isinstance(node, ast.Import):
            imports += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            imports.append(node.module.split(".")[0])
    first = next(name for name in imports if name not in sys.stdlib_module_names)
    assert first == "playground", imports
