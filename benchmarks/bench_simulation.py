"""Time ``simulate`` against the bare matrix products it must do, and its peak memory.

    python benchmarks/bench_simulation.py

For each setting it reports, all measured in this one run:
- ``simulate``: best wall time of several calls;
- ``matmul``: the same chain of products on arrays of the same shapes and
  dtype (forward a_l = a_{l-1} W_l, backward dW_l = A_{l-1}^T D_l and
  dA_{l-1} = D_l W_l^T), each layer's output a fresh array as the forward
  pass keeps it;
- ``reused``: the same products writing into buffers reused from run to run,
  the arithmetic alone (fresh arrays cost page faults, depending on the
  allocator's state);
- ``draws``: the Gaussian draws it must make (X, every W, the read-out G), one
  thread with numpy's default generator, as a plain implementation would;
- the ratios simulate / matmul, simulate / reused and simulate / (matmul + draws);
- the peak resident memory of a fresh process running it once (``peak MB``),
  and the part of it above the process before the call (``+MB``).

``PLAYGROUND_THREADS=1 python benchmarks/bench_simulation.py`` measures it
without the second thread (see playground/parallel.py).
"""

from __future__ import annotations

import argparse
import json
import os
import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Before numpy, as the page does: see playground/__init__.py.
import playground  # noqa: E402, I001

import numpy as np  # noqa: E402

from playground import parallel  # noqa: E402
from playground.budget import LARGEST_SETTINGS  # noqa: E402
from playground.simulation import simulate  # noqa: E402

DEFAULT = dict(activation="tanh", initializer="normal", depth=5, width=500, n_samples=1000, init_params={"std": 0.01})


def best_of(fns, repeats: int) -> list[float]:
    """The best wall time of each function, run in turns so that a slow spell of the machine hits all of them."""
    best = [math.inf] * len(fns)
    for _ in range(repeats):
        for index, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def bare_products(depth: int, width: int, n_samples: int, rng: np.random.Generator):
    x = rng.standard_normal((n_samples, width))
    weights = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(depth)]
    upstream0 = rng.standard_normal((n_samples, width))

    def run():
        outputs = [x]
        for w in weights:
            outputs.append(outputs[-1] @ w)
        grad = np.empty((width, width))
        upstream = upstream0.copy()
        for layer in range(depth, 0, -1):
            delta = outputs.pop()
            np.matmul(outputs[-1].T, delta, out=grad)
            if layer > 1:
                np.matmul(delta, weights[layer - 1].T, out=upstream)

    return run


def reused_products(depth: int, width: int, n_samples: int, rng: np.random.Generator):
    x = rng.standard_normal((n_samples, width))
    weights = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(depth)]
    upstream0 = rng.standard_normal((n_samples, width))
    outputs = np.empty((depth + 1, n_samples, width))
    outputs[0] = x
    grad = np.empty((width, width))
    upstream = np.empty((n_samples, width))

    def run():
        for layer, w in enumerate(weights):
            np.matmul(outputs[layer], w, out=outputs[layer + 1])
        np.copyto(upstream, upstream0)
        for layer in range(depth, 0, -1):
            np.matmul(outputs[layer - 1].T, outputs[layer], out=grad)
            if layer > 1:
                np.matmul(outputs[layer], weights[layer - 1].T, out=upstream)

    return run


def draws(depth: int, width: int, n_samples: int, rng: np.random.Generator):
    def run():
        rng.standard_normal((n_samples, width))
        for _ in range(depth):
            rng.standard_normal((width, width))
        rng.standard_normal((n_samples, width))

    return run


def peak_memory(setting: dict) -> tuple[float, float]:
    """Peak RSS of a fresh process that runs ``simulate`` once, and its growth during the call.

    The peak is the kernel's high-water mark of the child's own memory
    (VmHWM): ``ru_maxrss`` would also count the parent's memory at the fork.
    """
    code = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
import playground
from playground.simulation import simulate
import psutil
before = psutil.Process().memory_info().rss
simulate(**json.loads({json.dumps(json.dumps(setting))}))
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
peak = int(status["VmHWM"].split()[0]) * 1024
print(peak, before)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    peak, before = float(out[0]), float(out[1])
    return peak / 2**20, (peak - before) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    spin = os.environ.get("OPENBLAS_THREAD_TIMEOUT", "default") if playground.BLAS_SPIN_LIMITED else "default"
    print(
        f"numpy {np.__version__}; OPENBLAS_THREAD_TIMEOUT {spin}; {parallel.THREADS} thread(s) for draws and "
        f"element-wise work; best of {args.repeats}, run in turns"
    )
    columns = [("simulate s", 11), ("matmul s", 9), ("reused s", 9), ("draws s", 8), ("ratio", 6)]
    columns += [("/reused", 8), ("ratio+draws", 12), ("peak MB", 8), ("+MB", 5)]
    print(f"{'setting':<48}" + "".join(f"{name:>{size}}" for name, size in columns))
    for name, setting in (("default", DEFAULT), *LARGEST_SETTINGS.items()):
        depth, width, n = setting["depth"], setting["width"], setting["n_samples"]
        simulate(**setting)  # warm imports and allocator
        contenders = [lambda: simulate(**setting)]
        contenders += [fn(depth, width, n, rng) for fn in (bare_products, reused_products, draws)]
        t_sim, t_mm, t_reused, t_draw = best_of(contenders, args.repeats)
        del contenders
        peak, grown = peak_memory(setting)
        label = f"{name} ({depth}x{width}, {n} samples{', batch norm' if setting.get('batch_norm') else ''})"
        print(
            f"{label:<48}{t_sim:>11.3f}{t_mm:>9.3f}{t_reused:>9.3f}{t_draw:>8.3f}{t_sim / t_mm:>6.2f}"
            f"{t_sim / t_reused:>8.2f}{t_sim / (t_mm + t_draw):>12.2f}{peak:>8.0f}{grown:>5.0f}"
        )


if __name__ == "__main__":
    main()
