"""The PagerDuty Events v2 adapter (real urllib3 client) against a local fake on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from aiops.adapters.pagerduty import PagerDuty, PagerError
from aiops.incident import Incident, RootCause
from tests.support.fake_pagerduty import FakePagerDuty, start_fake_pagerduty

KEY = "R0UTINGKEY0123456789abcdefABCDEF"
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
INCIDENT = Incident(
    id="inc-abc",
    service="chat-assistant",
    title="<!channel> " + "x" * 3000,
    severity="SEV1",
    opened_at=T0,
    last_activity_at=T0,
    root_cause=RootCause(component="retriever", summary="retriever is the most upstream"),
)


@pytest.fixture
def fake() -> Iterator[FakePagerDuty]:
    f = start_fake_pagerduty()
    yield f
    assert f.server is not None
    f.server.shutdown()


def test_trigger_then_resolve_share_the_dedup_key(fake: FakePagerDuty) -> None:
    pd = PagerDuty(KEY, url=fake.url, backoff=0.01)
    pd.send(INCIDENT, "trigger", "no runbook fits this incident")
    pd.send(INCIDENT, "resolve", "incident resolved")
    trigger, resolve = fake.events
    assert trigger["dedup_key"] == resolve["dedup_key"] == "inc-abc"
    assert trigger["payload"]["severity"] == "critical" and trigger["payload"]["source"] == "aiops"
    assert len(trigger["payload"]["summary"]) <= 1024  # PagerDuty's limit
    assert trigger["payload"]["component"] == "retriever" and "payload" not in resolve


def test_429_honours_retry_after_then_succeeds(fake: FakePagerDuty) -> None:
    fake.script = [(429, {"Retry-After": "1"})]
    pd = PagerDuty(KEY, url=fake.url, backoff=0.01)
    start = time.monotonic()
    pd.send(INCIDENT, "trigger", "why")
    assert time.monotonic() - start >= 0.9 and fake.attempts == 2 and len(fake.events) == 1


def test_5xx_is_retried_and_nothing_is_lost(fake: FakePagerDuty) -> None:
    fake.script = [(503, {}), (500, {})]
    PagerDuty(KEY, url=fake.url, backoff=0.01).send(INCIDENT, "trigger", "why")
    assert fake.attempts == 3 and len(fake.events) == 1


def test_400_is_not_retried(fake: FakePagerDuty) -> None:
    with pytest.raises(PagerError) as info:
        PagerDuty("short", url=fake.url, backoff=0.01).send(INCIDENT, "trigger", "why")
    assert "400" in str(info.value) and fake.attempts == 1
