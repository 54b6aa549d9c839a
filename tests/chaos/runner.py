"""One run of the storm in this process: its own moto backends and RNGs, the process's fake Slack and
PagerDuty servers (started on first use, reset per run). Runs are independent and seeded, so pytest-xdist
may spread them over the cores: where a run runs changes nothing but the time the tier takes."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from aiops.local.emulator import LOCAL_ENV
from tests.chaos.verdict import Outcome, observe
from tests.support.fake_pagerduty import FakePagerDuty, start_fake_pagerduty
from tests.support.fake_slack import FakeSlack, start_fake_slack

Job = tuple[float, int] | tuple[float, int, int]
"""(rate, seed) or (rate, seed, workers): how many Lambda invocations run at once (default 1)"""


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


def run_one(job: Job) -> Ran:
    from tests.chaos.harness import World, exceptions_noted, virtual_sleep
    from tests.chaos.moto_env import aws, cheap_moto

    global _fakes
    os.environ.update(LOCAL_ENV)
    if _fakes is None:
        _fakes = (start_fake_slack(), start_fake_pagerduty())
    rate, seed = job[0], job[1]
    workers = job[2] if len(job) > 2 else 1
    world = World(*_fakes, rate=rate, seed=seed, workers=workers)
    start = time.perf_counter()
    with aws(), cheap_moto(), virtual_sleep(world), exceptions_noted(world):
        world.provision()
        world.run()
        outcome = observe(world)
    return Ran(
        rate,
        seed,
        outcome,
        time.perf_counter() - start,
        outcome.faults,
        sum(world.stats.invocations.values()),
        world.stats.killed,
        world.stats.longest,
        (*world.stats.trace, "AWS faults: " + ", ".join(world.faults.log)),
    )
