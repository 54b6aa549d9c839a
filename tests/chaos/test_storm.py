"""The storm under faults ends as it ends without them: 30 seeds at each of 1%, 2% and 5% of calls.

Every run, after SQS redelivery and the flush have drained it, must end with the same incidents (and
signals), actions, pages and Slack roots as the fault-free run: no stuck incident, no unrecorded
execution, no duplicate root or reply, no lost or duplicate page, no lost signal. The table of outcomes
is printed at the end of the session (``make chaos``).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.chaos.conftest import RESULTS
from tests.chaos.harness import World, aws, virtual_sleep
from tests.chaos.verdict import Outcome, RunResult, observe, problems
from tests.support.fake_pagerduty import FakePagerDuty
from tests.support.fake_slack import FakeSlack

RATES = (0.01, 0.02, 0.05)
SEEDS = range(30)


def run(servers: tuple[FakeSlack, FakePagerDuty], rate: float, seed: int) -> tuple[Outcome, World, float]:
    slack, pagerduty = servers
    world = World(slack, pagerduty, rate=rate, seed=seed)
    start = time.perf_counter()
    with aws(), virtual_sleep(world):
        world.provision()
        world.run()
        outcome = observe(world)
    return outcome, world, time.perf_counter() - start


@pytest.fixture(scope="session")
def reference(servers: tuple[FakeSlack, FakePagerDuty]) -> Outcome:
    """The fault-free run, checked against what the storm means, so that no run passes vacuously."""
    outcome, world, seconds = run(servers, 0.0, 0)
    RESULTS.append(RunResult(0.0, 0, [], seconds, 0, sum(world.stats.invocations.values()), 0, 0.0))
    assert [(s, st) for s, st, _ in outcome.incidents] == [
        ("chat-assistant", "resolved"),
        ("cost-bot", "mitigated"),
        ("doc-search", "resolved"),
    ]
    assert outcome.actions == (
        ("chat-assistant", "PromptRollback", "succeeded"),
        ("cost-bot", "TokenCap", "succeeded"),
    )
    assert outcome.pages == (("doc-search", "resolved"),)
    assert [(s, n, shown) for s, n, shown in outcome.roots] == [(s, 1, True) for s, _, _ in outcome.incidents]
    assert outcome.executions == 2 and outcome.unrecorded == 0 and outcome.dlq == 0
    assert problems(outcome, outcome) == []
    return outcome


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rate", RATES, ids=lambda r: f"{r * 100:.0f}pct")
def test_the_storm_under_faults_ends_as_without(
    servers: tuple[FakeSlack, FakePagerDuty], reference: Outcome, rate: float, seed: int
) -> None:
    outcome, world, seconds = run(servers, rate, seed)
    found = problems(outcome, reference)
    faults = sum(world.faults.injected.values())
    faults += sum((world.slack.chaos.injected if world.slack.chaos else {}).values())
    faults += sum((world.pagerduty.chaos.injected if world.pagerduty.chaos else {}).values())
    detail = _diff(outcome, reference) if found else ""
    RESULTS.append(
        RunResult(
            rate,
            seed,
            found,
            seconds,
            faults,
            sum(world.stats.invocations.values()),
            world.stats.killed,
            world.stats.longest,
            detail,
        )
    )
    assert found == [], detail


def _diff(outcome: Outcome, reference: Outcome) -> str:
    lines = []
    for name in ("incidents", "actions", "pages", "roots", "replies", "executions", "unrecorded", "dlq"):
        got: Any = getattr(outcome, name)
        want: Any = getattr(reference, name)
        if got != want:
            lines.append(f"{name}: {got!r} != {want!r}")
    return "\n".join(lines)
