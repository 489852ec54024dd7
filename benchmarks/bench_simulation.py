"""Time ``simulate`` against the same experiment in PyTorch and against the bare matrix products; peak memory.

    python benchmarks/bench_simulation.py [--repeats 9]

For each setting, all measured in this one run, in turns (a slow spell of
the shared machine hits every contender), best of ``--repeats``:
- ``simulate``: the page's experiment (float32 unless the setting says);
  "cold" settings use a new seed every call, so no base draw is kept from
  before; "control change" settings use one seed and toggle the activation,
  as a visitor moving a control does, so the base draws are kept;
- ``torch``: the same experiment as a student would write it in PyTorch
  (float32, its default): draw X, every W and the read-out G, the forward
  pass with each layer's mean, std and 40-bin histogram, autograd's backward
  pass from L = (1/m) sum(G * A_L), each layer's std and histogram of dL/dW and
  std of dL/ds. Only when torch is importable: it is a measuring reference,
  not a requirement (``pip install torch==2.13.0`` here);
- ``torch, kept W``: the same with X, the weights and G drawn once, outside
  the timing (the notebook's cell re-run after a change);
- ``products``: the bare float32 products of the same shapes (forward
  a_l = a_{l-1} W_l, backward dW_l = A_{l-1}^T D_l and dA_{l-1} = D_l W_l^T);
- the ratios simulate / torch and simulate / products;
- the peak resident memory of a fresh process running the setting once.

``PLAYGROUND_THREADS=1`` measures without the second thread (playground/parallel.py).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
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
from playground.plan import LARGEST_SETTINGS  # noqa: E402
from playground.simulation import HISTOGRAM_BINS, HISTOGRAM_VALUES, simulate  # noqa: E402

try:
    import torch
except ImportError:  # the reference is optional
    torch = None

DEFAULT = dict(activation="tanh", initializer="normal", depth=5, width=500, n_samples=1000, init_params={"std": 0.01})
# name -> (setting, whether each call draws anew)
SETTINGS = {
    "default, new seed each call": (DEFAULT, True),
    "default, activation toggled (same seed)": (DEFAULT, False),
    "20 x 1000, 1000 samples": (DEFAULT | dict(depth=20, width=1000), True),
    "healthy 100 x 500 (LeCun), 158 samples": (
        dict(activation="tanh", initializer="lecun_normal", depth=100, width=500, n_samples=158), True),
    "vanishing 100 x 500 (std 0.01), 158 samples": (DEFAULT | dict(depth=100, n_samples=158), True),
    **{f"{name}: {s['depth']} x {s['width']}, {s['n_samples']} samples, batch norm": (s, True)
       for name, s in LARGEST_SETTINGS.items()},
}
ACTIVATIONS = {"tanh": "tanh", "relu": "relu", "sigmoid": "sigmoid", "linear": None}


def best_of(fns, repeats: int) -> list[float]:
    """The best wall time of each function, run in turns so that a slow spell of the machine hits all of them."""
    best = [math.inf] * len(fns)
    for _ in range(repeats):
        for index, fn in enumerate(fns):
            if fn is None:
                continue
            start = time.perf_counter()
            fn()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def simulate_calls(setting: dict, new_seed: bool):
    seeds = itertools.count(1000)
    toggle = itertools.cycle(["relu", setting["activation"]])

    def run():
        if new_seed:
            simulate(**setting | {"seed": next(seeds)})
        else:
            simulate(**setting | {"activation": next(toggle)})

    return run


def torch_calls(setting: dict, keep_weights: bool):
    """The experiment in PyTorch, float32; ``keep_weights``: X, W and G drawn once, outside the timing."""
    if torch is None:
        return None
    depth, width, n = setting["depth"], setting["width"], setting["n_samples"]
    std = (setting.get("init_params") or {}).get("std", 1.0 / math.sqrt(width))
    phi = getattr(torch, setting["activation"])
    rows = max(1, HISTOGRAM_VALUES // width)
    generator = torch.Generator().manual_seed(0)

    def draw():
        x = torch.randn(n, width, generator=generator)
        weights = [(torch.randn(width, width, generator=generator) * std).requires_grad_() for _ in range(depth)]
        return x, weights, torch.randn(n, width, generator=generator)

    kept = draw() if keep_weights else None

    def run():
        x, weights, g = kept if kept else draw()
        for w in weights:
            w.grad = None
        a, pre, stats = x, [], []
        for w in weights:
            s = a @ w
            s.retain_grad()
            pre.append(s)
            if setting.get("batch_norm"):
                s = (s - s.mean(0)) / torch.sqrt(s.var(0, unbiased=False) + 1e-5)
            a = phi(s)
            low, high = (-1.0, 1.0) if setting["activation"] == "tanh" else (float(a.min()), float(a.max()))
            stats.append((a.mean().item(), a.std().item(), torch.histc(a[:rows], HISTOGRAM_BINS, low, high)))
        ((g * a).sum() / n).backward()
        for w, s in zip(weights, pre):
            reach = 4 * w.grad.std().item()
            stats.append((w.grad.std().item(), s.grad.std().item(),
                          torch.histc(w.grad[:rows], HISTOGRAM_BINS, -reach, reach)))

    return run


def bare_products(setting: dict):
    depth, width, n = setting["depth"], setting["width"], setting["n_samples"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, width), dtype=np.float32)
    weights = [rng.standard_normal((width, width), dtype=np.float32) / np.float32(np.sqrt(width)) for _ in range(depth)]
    upstream0 = rng.standard_normal((n, width), dtype=np.float32)

    def run():
        outputs = [x]
        for w in weights:
            outputs.append(outputs[-1] @ w)
        grad = np.empty((width, width), dtype=np.float32)
        upstream = upstream0.copy()
        for layer in range(depth, 0, -1):
            delta = outputs.pop()
            np.matmul(outputs[-1].T, delta, out=grad)
            if layer > 1:
                np.matmul(delta, weights[layer - 1].T, out=upstream)

    return run


def peak_memory(setting: dict) -> float:
    """Peak RSS (the kernel's VmHWM, in MB) of a fresh process that runs ``simulate`` once."""
    code = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
import playground
from playground.simulation import simulate
simulate(**json.loads({json.dumps(json.dumps(setting))}))
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(int(status["VmHWM"].split()[0]) * 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out.split()[0]) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--only", default="", help="only the settings whose name contains this")
    args = parser.parse_args()
    spin = os.environ.get("OPENBLAS_THREAD_TIMEOUT", "default") if playground.BLAS_SPIN_LIMITED else "default"
    reference = f"torch {torch.__version__}, {torch.get_num_threads()} threads" if torch else "torch not importable"
    print(f"numpy {np.__version__}; {reference}; OPENBLAS_THREAD_TIMEOUT {spin}; {parallel.THREADS} thread(s) for "
          f"draws and element-wise work; best of {args.repeats}, in turns; load average {os.getloadavg()[0]:.2f}")
    header = ["simulate s", "torch s", "kept W s", "products s", "/torch", "/kept W", "/products", "peak MB"]
    print(f"{'setting':<62}" + "".join(f"{h:>11}" for h in header))
    for name, (setting, new_seed) in SETTINGS.items():
        if args.only and args.only not in name:
            continue
        simulate(**setting)  # warm imports and the allocator
        contenders = [simulate_calls(setting, new_seed), torch_calls(setting, False), torch_calls(setting, True),
                      bare_products(setting)]
        t_sim, t_torch, t_kept, t_mm = best_of(contenders, args.repeats)
        del contenders
        peak = peak_memory(setting)
        ratio = lambda a, b: f"{a / b:>11.2f}" if math.isfinite(b) else f"{'—':>11}"  # noqa: E731
        cells = [f"{t:>11.3f}" if math.isfinite(t) else f"{'—':>11}" for t in (t_sim, t_torch, t_kept, t_mm)]
        print(f"{name:<62}" + "".join(cells) + ratio(t_sim, t_torch) + ratio(t_sim, t_kept) + ratio(t_sim, t_mm)
              + f"{peak:>11.0f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
