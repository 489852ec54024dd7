"""Memory stays flat while many distinct links are opened: the page's caches are bounded.

A shared link is opened by a class of students, each with their own
setting. Every distinct setting adds a cache entry; with bounded caches
(``max_entries`` / ``max_size_bytes``) the process's memory must stop
growing once they are full. This test opens a few hundred distinct links in
sequence, each a new AppTest session, and measures after every few:

- the bytes Streamlit's data caches hold (exact, from their own statistics):
  they stop growing once ``run_simulation`` holds its ``max_entries``;
- the process's resident memory (RSS): its growth over the last third of the
  links stays within a few MB.

Each link is a deep, narrow network (100 layers of 10 units, 10 samples):
cheap to compute, yet its cached result (per-layer histograms of 100 layers)
is about a third of a megabyte, so an unbounded cache would grow the
process by tens of MB over the last third, well above the measurement noise.
"""

from __future__ import annotations

import gc
import math
import statistics
from pathlib import Path

import psutil
from streamlit.runtime.caching import cache_data_api, cache_resource_api
from streamlit.testing.v1 import AppTest

from playground.settings import VIEWS

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
SMALL = {"depth": "3", "width": "40", "samples": "100", "steps": "20"}
# The distinct links: one per seed.
DEEP_NARROW = {"depth": "100", "width": "10", "samples": "10"}
LINKS = 240
MEASURE_EVERY = 5
# Allowed growth of the process over the last third of the links.
RSS_SLACK_MB = 10.0


def open_link(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def data_caches() -> list:
    return [cache for caches in cache_data_api._data_caches._function_caches.values() for cache in caches.values()]


def resource_caches() -> list:
    return [
        cache for caches in cache_resource_api._resource_caches._function_caches.values() for cache in caches.values()
    ]


def cached_bytes() -> int:
    return sum(stat.byte_length for stats in cache_data_api._data_caches.get_stats().values() for stat in stats)


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def test_every_cache_of_the_page_is_bounded():
    """Every section's ``st.cache_data`` / ``st.cache_resource`` has a bound on what it keeps."""
    for view in VIEWS:
        open_link(SMALL | {"view": view})
    assert data_caches(), "the page caches nothing: the test does not see its caches"
    for cache in data_caches():
        assert cache.max_entries is not None or cache.max_size_bytes is not None, cache.display_name
    for cache in resource_caches():
        assert math.isfinite(cache.max_entries), cache.display_name


def test_memory_stops_growing_over_hundreds_of_distinct_links():
    open_link(DEEP_NARROW | {"seed": "0"})  # imports, the first charts
    simulation_caches = [cache for cache in data_caches() if "run_simulation" in cache.display_name]
    assert len(simulation_caches) == 1
    max_entries = simulation_caches[0].max_entries

    rss, held = [], []
    for seed in range(1, LINKS + 1):
        open_link(DEEP_NARROW | {"seed": str(seed)})
        if seed % MEASURE_EVERY == 0:
            rss.append(rss_mb())
            held.append(cached_bytes())
    third = len(held) // 3
    per_entry = held[0] / (MEASURE_EVERY + 1)
    assert per_entry > 100_000, "the cached results are too small for the memory check to see a leak"
    leak_if_unbounded = (LINKS // 3) * per_entry / 2**20

    # The caches stop growing once full: the last third holds no more bytes than the middle one.
    assert max(held[-third:]) <= max(held[third:-third]) * 1.05, (
        f"the caches keep growing (run_simulation max_entries={max_entries}); "
        f"MB held: {[round(b / 2**20, 1) for b in held]}"
    )
    # The process stops growing: the RSS at the end of the run is within a few MB of the
    # RSS at the start of its last third (medians of five measurements each, against noise).
    start = statistics.median(rss[-third:][:5])
    end = statistics.median(rss[-5:])
    assert end - start < RSS_SLACK_MB, (
        f"RSS grew {end - start:.1f} MB over the last {LINKS // 3} links "
        f"(an unbounded cache would add about {leak_if_unbounded:.0f} MB); RSS MB: {[round(r) for r in rss]}"
    )
    # And the cache that holds the simulations fills within the first two thirds of the links.
    assert max_entries is not None and max_entries <= 2 * LINKS // 3
