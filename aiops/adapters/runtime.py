"""Process-level tuning of the Lambda runtime, applied once per cold start by the ingest handler.

A storm is allocation-heavy (validated events, incident and state records), and nearly all of it is
freed by reference counting the moment a batch is done: the cyclic garbage collector finds almost
nothing. With CPython's default generation-0 threshold of 700 it still runs every few hundred
allocations and, as the heap grows, traverses every long-lived object again; that was a quarter of
the storm benchmark's time (``bench/storm.py`` prints the figure with and without this policy).
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 10_000
"""Allocations between young-generation collections (CPython's default is 700). Only cyclic garbage
waits longer to be freed, and a batch makes little of it."""


def tune_gc() -> None:
    """Collect once, freeze what the imports left (the collector never scans it again), and collect
    the young generation less often. Idempotent."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
