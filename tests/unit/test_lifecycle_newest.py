"""The incident's status follows its members' newest state, whoever wrote it (issue 23)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiops.incident.lifecycle import Fold
from aiops.incident.model import Incident, Member, SignalState, fingerprint
from aiops.signals import normalize
from tests.support.events import alarm_event

T = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _at(minute: int, second: int = 0) -> datetime:
    return T.replace(minute=minute, second=second)


def _signal(name: str, state: str, minute: int, second: int = 0) -> object:
    return normalize(alarm_event(name, state, f"2026-11-25T10:{minute:02d}:{second:02d}Z"))[0]


def _member(name: str, status: str, last_change: datetime) -> Member:
    signal: object = _signal(name, "ALARM", 3, 10)
    return Member(
        fingerprint=fingerprint(signal),  # type: ignore[arg-type]
        kind="alarm",
        resource=name,
        component="api",
        title=name,
        status=status,
        first_seen=_at(3, 10),
        last_change=last_change,
        fired_at=_at(3, 10),
    )


def _mitigated(at: datetime, *members: Member) -> Incident:
    return Incident(
        id="inc-1",
        service="chat-assistant",
        title="t",
        status="mitigated",
        opened_at=_at(3, 10),
        last_activity_at=at,
        mitigated_at=at,
        members={m.fingerprint: m for m in members},
    )


def test_an_old_ok_with_a_newer_firing_state_reopens_the_incident() -> None:
    # GIVEN the incident went mitigated on an OK of 10:03:20 folded on stale state
    name = "chat-assistant-api-5xx"
    incident = _mitigated(_at(3, 20), _member(name, "resolved", _at(3, 20)))
    ok = _signal(name, "OK", 3, 20)
    fp = fingerprint(ok)  # type: ignore[arg-type]
    # WHEN the OK is folded again on fresh state: another worker recorded the alarm firing at 10:03:30
    newest = SignalState(fingerprint=fp, status="firing", last_time=_at(3, 30))
    fold = Fold(incident)
    fold.apply(ok, fp, "api", is_flapping=False, newest=newest)  # type: ignore[arg-type]
    # THEN the member fires again, and so the incident is open again, since 10:03:30
    after = fold.result()
    assert after.members[fp].status == "firing"
    assert (after.status, after.mitigated_at, after.reopened_at) == ("open", None, _at(3, 30))
    assert [e.kind for e in fold.entries] == ["reopened"]


def test_a_firing_member_older_than_a_verified_fix_stays_history() -> None:
    # GIVEN a runbook's verification mitigated the incident at 10:10 while one member still showed
    # firing since 10:03 (its OK not delivered yet)
    name, other = "chat-assistant-api-5xx", "chat-assistant-api-latency"
    firing = _member(name, "firing", _at(3, 10))
    incident = _mitigated(_at(10), firing, _member(other, "resolved", _at(5)))
    # WHEN another member's late OK (10:06) arrives
    ok = _signal(other, "OK", 6)
    fold = Fold(incident)
    fold.apply(ok, fingerprint(ok), "api", is_flapping=False)  # type: ignore[arg-type]
    # THEN nothing reopens: no member fired after the fix
    assert fold.result().status == "mitigated"


def test_a_member_firing_after_a_verified_fix_reopens_on_any_fold() -> None:
    # GIVEN mitigated by a verified fix at 10:10; the member's newest state says firing since 10:12
    name = "chat-assistant-api-5xx"
    incident = _mitigated(_at(10), _member(name, "firing", _at(3, 10)))
    ok = _signal(name, "OK", 9)  # an OK older than the fix, delivered late
    fp = fingerprint(ok)  # type: ignore[arg-type]
    newest = SignalState(fingerprint=fp, status="firing", last_time=_at(12))
    fold = Fold(incident)
    fold.apply(ok, fp, "api", is_flapping=False, newest=newest)  # type: ignore[arg-type]
    assert (fold.result().status, fold.result().reopened_at) == ("open", _at(12))
