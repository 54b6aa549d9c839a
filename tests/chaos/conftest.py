"""The chaos tier's fixtures (its outcome table is printed by tests/conftest.py, which pytest-xdist's
controller loads)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fake_pagerduty import FakePagerDuty, start_fake_pagerduty
from tests.support.fake_slack import FakeSlack


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
