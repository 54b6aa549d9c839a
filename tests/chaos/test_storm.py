"""The storm under faults ends as it ends without them: 30 seeds at each of 1%, 2% and 5% of calls.

Every run, after SQS redelivery and the flush have drained it, must end with the same incidents (and
signals), actions, pages and Slack roots as the fault-free run: no stuck incident, no unrecorded
execution, no duplicate root or reply, no lost or duplicate page, no lost signal. The runs of the
session are made at once, spread over the cores (tests.chaos.runner); the table of outcomes is printed
at the end of the session (``make chaos``).
"""

from __future__ import annotations

import time
from typing import Any, cast

import pytest

from tests.chaos.conftest import ELAPSED, RESULTS
from tests.chaos.runner import Job, Ran, run_all, run_one, workers
from tests.chaos.verdict import Outcome, RunResult, problems

RATES = (0.01, 0.02, 0.05)
SEEDS = range(30)
STORM_TEST = "test_the_storm_under_faults_ends_as_without"


@pytest.fixture(scope="session")
def reference() -> Outcome:
    """The fault-free run, checked against what the storm means, so that no run passes vacuously."""
    ran = run_one((0.0, 0))
    outcome = ran.outcome
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
    assert ran.faults == 0 and problems(outcome, outcome) == []
    return outcome


@pytest.fixture(scope="session")
def runs(request: pytest.FixtureRequest, reference: Outcome) -> dict[Job, Ran]:
    """Every run this session selected, made at once over the cores."""
    jobs: list[Job] = [
        (cast(float, item.callspec.params["rate"]), cast(int, item.callspec.params["seed"]))
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == "test_the_storm_under_faults_ends_as_without"
    ]
    start = time.perf_counter()
    done = run_all(jobs, workers())
    ELAPSED.append((len(jobs), workers(), time.perf_counter() - start))
    for ran in done.values():
        found = problems(ran.outcome, reference)
        detail = _diff(ran.outcome, reference) + "\n" + "\n".join(ran.trace) if found else ""
        RESULTS.append(
            RunResult(
                ran.rate,
                ran.seed,
                found,
                ran.seconds,
                ran.faults,
                ran.invocations,
                ran.killed,
                ran.longest,
                detail,
            )
        )
    return done


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rate", RATES, ids=lambda r: f"{r * 100:.0f}pct")
def test_the_storm_under_faults_ends_as_without(
    runs: dict[Job, Ran], reference: Outcome, rate: float, seed: int
) -> None:
    ran = runs[(rate, seed)]
    found = problems(ran.outcome, reference)
    assert found == [], _diff(ran.outcome, reference) + "\n" + "\n".join(ran.trace)


def _diff(outcome: Outcome, reference: Outcome) -> str:
    lines = []
    for name in ("incidents", "actions", "pages", "roots", "replies", "executions", "unrecorded", "dlq"):
        got: Any = getattr(outcome, name)
        want: Any = getattr(reference, name)
        if got != want:
            lines.append(f"{name}: {got!r} != {want!r}")
    return "\n".join(lines)
