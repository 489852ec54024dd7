"""A second thread for the work numpy does on one core.

Matrix products already use every core through BLAS, but numpy's Gaussian
draws and element-wise functions run on one. Both release the GIL, so two
threads halve them on a 2-core machine. The work is split so that the
results do not depend on the threads: each task draws from its own seed, an
array is cut into blocks of rows fixed by its shape, and what the blocks
return (counts) adds up exactly.

``PLAYGROUND_THREADS`` in the environment sets the number of threads (1 turns
the second one off); by default it is 2, or 1 where the process may use only
one core.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

T = TypeVar("T")


def cores(cpu_max: str = "/sys/fs/cgroup/cpu.max") -> int:
    """The cores this process may use: its CPU affinity, or its cgroup's quota if smaller.

    A hosted container may see every core of its machine but be allowed a
    fraction of one (cgroup v2's ``cpu.max`` holds "quota period", or "max").
    """
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = open(cpu_max).read().split()[:2]
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return count


def _threads() -> int:
    try:
        return max(1, int(os.environ["PLAYGROUND_THREADS"]))
    except (KeyError, ValueError):
        return min(2, cores())


THREADS = _threads()
# Blocks of rows per array: fixed, so that the results never depend on THREADS.
BLOCKS = 2
# Below this many values an array is not worth a second thread.
SPLIT_VALUES = 200_000
# One pool for the process: a Streamlit server shares it between sessions,
# which the page already limits to two heavy computations at once.
_POOL = ThreadPoolExecutor(max_workers=THREADS - 1, thread_name_prefix="playground") if THREADS > 1 else None


def run_all(tasks: Iterable[Callable[[], T]], *, threads: int = THREADS) -> list[T]:
    """Every task's result, in order, computed ``threads`` at a time (the caller's thread is one)."""
    tasks = list(tasks)
    results: list = [None] * len(tasks)
    # This thread takes tasks from the front, the helpers from the back (deque
    # pops are atomic): they meet in the middle whatever the tasks cost.
    pending = deque(range(len(tasks)))

    def work(pop: Callable[[], int]) -> None:
        while True:
            try:
                index = pop()
            except IndexError:
                return
            results[index] = tasks[index]()

    helpers = [_POOL.submit(work, pending.pop) for _ in range(min(threads, THREADS, len(tasks)) - 1)] if _POOL else []
    try:
        work(pending.popleft)
    finally:
        # A helper still queued (the pool busy with another session) is not needed.
        for helper in helpers:
            if not helper.cancel():
                helper.result()
    return results


def as_needed(tasks: Iterable[Callable[[], T]], *, threads: int = THREADS) -> Iterator[T]:
    """The tasks' results in order, computed ``threads`` at a time and only as they are consumed."""
    tasks = list(tasks)
    step = max(1, threads)
    for start in range(0, len(tasks), step):
        yield from run_all(tasks[start : start + step], threads=threads)


def by_rows(fn: Callable[..., T], *arrays, min_values: int = SPLIT_VALUES) -> list[T]:
    """``fn`` applied to matching blocks of rows of ``arrays``: one result per block.

    Rows are independent samples, so an element-wise function or a count can
    work on the blocks separately. Arrays smaller than ``min_values`` are one
    block.
    """
    rows = arrays[0].shape[0]
    if arrays[0].size < min_values or rows < BLOCKS:
        return [fn(*arrays)]
    edges = [rows * part // BLOCKS for part in range(BLOCKS + 1)]
    return run_all(partial(fn, *(array[start:stop] for array in arrays)) for start, stop in zip(edges, edges[1:]))
