"""The storm under faults ends as written by hand (tests/chaos/expected.yaml): 30 seeds at each of 1%, 2%
and 5% of calls, each with at least one fault, a kill at the Lambda timeout among them.

Every run, after SQS redelivery and the flush have drained it, must end with the expected incidents (and
signals, severities, root causes), actions (and parameters), pages (and their severity, timing and
triggers) and Slack roots and replies: no stuck incident, no unrecorded execution, no duplicate root or
reply, no lost, repeated or late page, no lost signal, no exception that was not injected, and within the
harness's round limit. Each run is a test of its own (pytest-xdist spreads them over the cores); each
records its outcome, and the table of outcomes is printed at the end of the session (tests/conftest.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

import pytest

from tests.chaos.runner import run_one
from tests.chaos.verdict import Outcome, RunResult, expected, problems

RATES = (0.01, 0.02, 0.05)
SEEDS = range(30)


def test_the_fault_free_run_ends_as_written_by_hand() -> None:
    """So that no faulty run is judged against an expectation the bot cannot meet even without faults."""
    ran = run_one((0.0, 0))
    outcome = ran.outcome
    assert ran.faults == 0 and outcome.killed == 0
    assert problems(outcome) == [], _diff(outcome)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rate", RATES, ids=lambda r: f"{r * 100:.0f}pct")
def test_the_storm_under_faults_ends_as_written(rate: float, seed: int, record_property: Any) -> None:
    ran = run_one((rate, seed))
    found = problems(ran.outcome)
    result = RunResult(
        ran.rate, ran.seed, found, ran.seconds, ran.faults, ran.invocations, ran.killed, ran.longest
    )
    record_property("chaos", json.dumps(asdict(result)))  # for the table (tests/conftest.py)
    assert found == [], _diff(ran.outcome) + "\n" + "\n".join(ran.trace)


def _diff(outcome: Outcome) -> str:
    """The run's end state beside what was expected, for a failure's report."""
    want = json.dumps(expected(), indent=1, sort_keys=True, default=str)
    got = "\n".join(f"{f.name}: {getattr(outcome, f.name)!r}" for f in fields(outcome))
    return f"{got}\nexpected: {want}"
