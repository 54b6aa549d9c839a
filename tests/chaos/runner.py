"""Runs of the storm, here or in worker processes (one per core, ``AIOPS_CHAOS_WORKERS`` to choose):
each run is independent and seeded (its own moto, its own fakes, its own RNGs), so where it runs
changes nothing but the time the tier takes."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from aiops.local.emulator import LOCAL_ENV
from tests.chaos.verdict import Outcome, observe
from tests.support.fake_pagerduty import FakePagerDuty, start_fake_pagerduty
from tests.support.fake_slack import FakeSlack, start_fake_slack

Job = tuple[float, int]
"""(rate, seed)"""


@dataclass(frozen=True)
class Ran:
    rate: float
    seed: int
    outcome: Outcome
    seconds: float
    faults: int
    invocations: int
    killed: int
    longest: float
    trace: tuple[str, ...]
    """What each invocation was handed and how it ended, and what was injected (for a failure)."""


_fakes: tuple[FakeSlack, FakePagerDuty] | None = None


def workers() -> int:
    return int(os.environ.get("AIOPS_CHAOS_WORKERS") or min(2, os.cpu_count() or 1))


def run_one(job: Job) -> Ran:
    from tests.chaos.harness import World, aws, virtual_sleep

    global _fakes
    os.environ.update(LOCAL_ENV)
    if _fakes is None:
        _fakes = (start_fake_slack(), start_fake_pagerduty())
    rate, seed = job
    world = World(*_fakes, rate=rate, seed=seed)
    start = time.perf_counter()
    with aws(), virtual_sleep(world):
        world.provision()
        world.run()
        outcome = observe(world)
    slack, pagerduty = _fakes
    faults = sum(world.faults.injected.values())
    faults += sum((slack.chaos.injected if slack.chaos else {}).values())
    faults += sum((pagerduty.chaos.injected if pagerduty.chaos else {}).values())
    return Ran(
        rate,
        seed,
        outcome,
        time.perf_counter() - start,
        faults,
        sum(world.stats.invocations.values()),
        world.stats.killed,
        world.stats.longest,
        (*world.stats.trace, "AWS faults: " + ", ".join(world.faults.log)),
    )


def run_all(jobs: list[Job], processes: int) -> dict[Job, Ran]:
    if processes <= 1 or len(jobs) < 2 * processes:
        return {job: run_one(job) for job in jobs}
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        return dict(zip(jobs, pool.map(run_one, jobs), strict=True))
