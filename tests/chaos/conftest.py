"""The chaos tier: fixtures shared by its runs, and the outcome table printed after them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.chaos.verdict import RunResult, table
from tests.support.fake_pagerduty import FakePagerDuty, start_fake_pagerduty
from tests.support.fake_slack import FakeSlack, start_fake_slack

RESULTS: list[RunResult] = []
"""Every storm run of this session, for the table."""
ELAPSED: list[tuple[int, int, float]] = []
"""(runs, worker processes, wall seconds) of the session's storm runs."""


@pytest.fixture(scope="session")
def servers() -> Iterator[tuple[FakeSlack, FakePagerDuty]]:
    slack, pagerduty = start_fake_slack(), start_fake_pagerduty()
    yield slack, pagerduty
    for server in (slack.server, pagerduty.server):
        assert server is not None
        server.shutdown()
        server.server_close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    runs = [r for r in RESULTS if r.rate > 0]
    if not runs:
        return
    terminalreporter.section("chaos: the storm under faults, compared with the fault-free run")
    terminalreporter.write_line(table(runs))
    for n, processes, seconds in ELAPSED:
        terminalreporter.write_line(f"{n} runs in {seconds:.1f} s on {processes} worker process(es)")
    for r in runs:
        if r.problems:
            terminalreporter.write_line(
                f"rate {r.rate:.0%} seed {r.seed}: {', '.join(r.problems)} (see its test's failure)"
            )


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    fake = start_fake_pagerduty()
    yield fake
    assert fake.server is not None
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def bot(aws: Any, clock: Any, fake_slack: FakeSlack, pagerduty: FakePagerDuty) -> Any:
    """The bot for one targeted fault (tests.chaos.bot), at 2026-11-25T10:00Z."""
    from tests.chaos.bot import build_bot

    return build_bot(aws, clock, fake_slack, pagerduty)
