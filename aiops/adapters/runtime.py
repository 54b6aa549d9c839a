"""Process-level tuning of the Lambda runtime, applied once per cold start by the ingest handler.

A storm is allocation-heavy (validated events, incident and state records), and nearly all of it is
freed by reference counting the moment a batch is done: the cyclic garbage collector finds almost
nothing. With CPython's default generation-0 threshold of 700 it still ran every few hundred
allocations and re-traversed the survivors; that was a quarter of the storm benchmark's time before
the pipeline allocated less (``bench/storm.py`` prints the figure with and without this policy).
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 10_000
"""Allocations between young-generation collections (CPython's default is 700). Only cyclic garbage
waits longer to be freed, and a batch makes little of it."""


def tune_gc() -> None:
    """Collect the young generation less often. Idempotent, and free at cold start: no collection
    and no ``gc.freeze()`` (freezing the imports measured no faster, and collecting first would add
    about 40 ms to every cold start)."""
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
