"""A flapping alarm's changes folded into one counted timeline entry per interval (issue 25)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aiops.incident.lifecycle import FOLD_EVERY, fold_start
from aiops.present.slack_blocks import incident_message
from tests.support.events import alarm_event
from tests.unit.test_pipeline import World

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def world() -> World:
    return World()


def _flap(world: World, name: str, minutes: range, start: datetime = T0) -> None:
    for n, minute in enumerate(minutes):
        at = start + timedelta(minutes=minute)
        world.send(alarm_event(name, "ALARM" if n % 2 == 0 else "OK", at.strftime("%Y-%m-%dT%H:%M:%SZ")))


def test_intervals_are_aligned_on_the_clock() -> None:
    assert timedelta(minutes=10) == FOLD_EVERY
    assert fold_start(T0 + timedelta(minutes=19, seconds=59)) == T0 + timedelta(minutes=10)
    assert fold_start(T0) == T0


def test_a_flapping_alarm_writes_one_counted_entry_per_interval(world: World) -> None:
    # GIVEN an alarm changing state every minute for 30 minutes (the flap threshold is 4 changes an hour)
    _flap(world, "chat-api-5xx", range(0, 30))
    [incident] = world.incidents()
    timeline = world.store.timeline(incident.id)
    signals = [e for e in timeline if e.kind == "signal"]
    # THEN its first changes have an entry each, until it flaps; after that one entry per 10 minutes,
    # saying how many changes it holds and the last one
    assert [e.text for e in signals if not e.key.startswith("flaps:")] == [
        f"alarm chat-api-5xx {s}" for s in ("firing", "resolved", "firing", "resolved", "firing")
    ]
    folded = [e for e in signals if e.key.startswith("flaps:")]
    assert [(e.at, e.text.split(": ", 1)[1]) for e in folded] == [
        (T0, "5 changes from 2026-11-25T10:00:00Z, last resolved at 2026-11-25T10:09:00Z"),
        (
            T0 + timedelta(minutes=10),
            "10 changes from 2026-11-25T10:10:00Z, last resolved at 2026-11-25T10:19:00Z",
        ),
        (
            T0 + timedelta(minutes=20),
            "10 changes from 2026-11-25T10:20:00Z, last resolved at 2026-11-25T10:29:00Z",
        ),
    ]
    assert all(e.text.startswith("alarm chat-api-5xx flapping: ") for e in folded)
    assert len(signals) == 5 + 3
    # the whole story stays: every event is still listed, and the root message counts the changes
    assert len(world.store.signals_of(incident.id)) == 30
    [member] = incident.members.values()
    assert member.transitions == 29
    assert "chat-api-5xx</" not in incident_message(incident).text  # (no link markup in the fallback)
    assert "resolved (29 changes)" in str(incident_message(incident).blocks)


def test_two_flapping_alarms_fold_apart_and_a_calm_one_is_not_folded(world: World) -> None:
    _flap(world, "chat-api-5xx", range(0, 12))
    _flap(world, "chat-rag-latency", range(0, 12), start=T0 + timedelta(seconds=30))
    world.send(alarm_event("chat-api-latency", "ALARM", "2026-11-25T10:11:40Z"))
    [incident] = world.incidents()
    keys = [e.key for e in world.store.timeline(incident.id) if e.kind == "signal"]
    assert sum(k.startswith("flaps:") for k in keys) == 4  # two intervals each
    assert sum(not k.startswith("flaps:") for k in keys) == 5 + 5 + 1
    lines = str(incident_message(incident).blocks)
    assert "(11 changes)" in lines and "chat-api-latency" in lines


def test_a_redelivered_flap_changes_nothing(world: World) -> None:
    _flap(world, "chat-api-5xx", range(0, 8))
    [incident] = world.incidents()
    before = (world.store.timeline(incident.id), incident)
    world.send(alarm_event("chat-api-5xx", "OK", "2026-11-25T10:07:00Z"))  # the 8th event again
    assert (world.store.timeline(incident.id), world.incidents()[0]) == before
