"""The storm under faults ends as written by hand (tests/chaos/expected.yaml): 30 seeds at each of 1%, 2%
and 5% of calls, one invocation at a time; and 10 seeds with 4 and with 8 invocations at once, without
faults and at 5%. Every faulty run has at least one fault: a throttle of one of its first AWS calls.

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
WORKERS = (4, 8)
CONCURRENT_RATES = (0.0, 0.05)
CONCURRENT_SEEDS = range(10)
"""Several Lambda invocations at once (issue 23): what is delivered within 10 s, the redeliveries and
the flush run side by side, each in its own container; without faults too (the races are the threads')."""
KNOWN_FAILURES: dict[tuple[float, int, int], tuple[set[str], bool, str]] = {
    (0.05, 0, 4): (
        {"replies"},
        False,
        "bot: a reply lost under a kill with 4 workers, as the threads interleave (docs/chaos-kills.md)",
    ),
}
"""(rate, seed, workers) -> (the categories it fails in, whether it always fails, why): findings of the
bot the verdict makes, not yet fixed. Still judged, counted in the table and named under it; the test is
an expected failure (xfail) only while it fails in exactly these categories. One that always fails (one
worker: the run is seeded) fails the test once it passes (remove it then); a concurrent one fails or not
as the threads interleave (finding 4: about one run in two), so its passing proves nothing."""


def test_the_fault_free_run_ends_as_written_by_hand() -> None:
    """So that no faulty run is judged against an expectation the bot cannot meet even without faults."""
    ran = run_one((0.0, 0))
    outcome = ran.outcome
    assert ran.faults == 0 and outcome.killed == 0
    assert problems(outcome) == [], _diff(outcome)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rate", RATES, ids=lambda r: f"{r * 100:.0f}pct")
def test_the_storm_under_faults_ends_as_written(rate: float, seed: int, record_property: Any) -> None:
    _check(rate, seed, 1, record_property)


@pytest.mark.parametrize("seed", CONCURRENT_SEEDS)
@pytest.mark.parametrize("rate", CONCURRENT_RATES, ids=lambda r: f"{r * 100:.0f}pct")
@pytest.mark.parametrize("workers", WORKERS, ids=lambda w: f"{w}workers")
def test_the_storm_with_concurrent_workers_ends_as_written(
    workers: int, rate: float, seed: int, record_property: Any
) -> None:
    _check(rate, seed, workers, record_property)


def _check(rate: float, seed: int, workers: int, record_property: Any) -> None:
    ran = run_one((rate, seed, workers))
    found = problems(ran.outcome)
    known, always, why = KNOWN_FAILURES.get((rate, seed, workers), (set(), False, ""))
    result = RunResult(
        ran.rate,
        ran.seed,
        found,
        ran.seconds,
        ran.faults,
        ran.invocations,
        ran.killed,
        ran.longest,
        detail=why if found and set(found) == known else "",
        workers=workers,
    )
    record_property("chaos", json.dumps(asdict(result)))  # for the table (tests/conftest.py)
    if known:
        assert found or not always, f"a known failure no longer fails: remove it from KNOWN_FAILURES ({why})"
        if found and set(found) == known:
            pytest.xfail(f"{', '.join(found)}: {why}")
    assert found == [], _diff(ran.outcome) + "\n" + "\n".join(ran.trace)


def _diff(outcome: Outcome) -> str:
    """The run's end state beside what was expected, for a failure's report."""
    want = json.dumps(expected(), indent=1, sort_keys=True, default=str)
    got = "\n".join(f"{f.name}: {getattr(outcome, f.name)!r}" for f in fields(outcome))
    return f"{got}\nexpected: {want}"
