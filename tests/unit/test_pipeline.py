"""The pipeline on in-memory ports: grouping, lifecycle, flapping, duplicates, order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from aiops.catalog.model import load_catalog
from aiops.local.clock import FixedClock
from aiops.local.fakes import LocalChat
from aiops.local.memory import MemoryStore
from aiops.pipeline import Pipeline
from aiops.present.slack_thread import Notifier
from aiops.signals import normalize
from tests.support.events import alarm_event

CATALOG = load_catalog(
    {
        "services": [
            {
                "name": "chat",
                "tier": "critical",
                "quiet_period_minutes": 10,
                "components": [
                    {"name": "api", "depends_on": ["retriever"], "match": [{"alarm_name": "chat-api-*"}]},
                    {"name": "retriever", "match": [{"alarm_name": "chat-rag-*"}]},
                ],
            },
            {
                "name": "search",
                "tier": "low",
                "components": [{"name": "api", "match": [{"alarm_name": "search-*"}]}],
            },
        ]
    }
)


class World:
    def __init__(
        self, store: MemoryStore | None = None, chat: LocalChat | None = None, clock: FixedClock | None = None
    ) -> None:
        """``store``, ``chat`` and ``clock`` shared with another world: two workers of one deployment."""
        self.store = store or MemoryStore()
        self.chat = chat or LocalChat()
        self.clock = clock or FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
        notifier = Notifier(
            chat=self.chat,
            messages=self.store,
            channel_for=lambda i: "#c",
            reload=self.store.get,
            clock=self.clock,
        )
        self.pipeline = Pipeline(
            catalog=CATALOG,
            ledger=self.store,
            incidents=self.store,
            context=self.store,
            silences=self.store,
            notifier=notifier,
            clock=self.clock,
        )
        self.n = 0

    def send(self, *events: dict[str, Any]) -> Any:
        items = []
        for e in events:
            self.n += 1
            items.append((f"item-{self.n}", normalize(e)))
        latest = max(s.time for _, signals in items for s in signals)
        self.clock.set(max(self.clock.now(), latest))
        return self.pipeline.process(items)

    def incidents(self) -> list[Any]:
        return sorted(self.store.incidents.values(), key=lambda i: i.opened_at)


@pytest.fixture
def world() -> World:
    return World()


def test_upstream_failure_is_root_cause(world: World) -> None:
    world.send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"))
    world.send(alarm_event("chat-rag-latency", "ALARM", "2026-11-25T10:02:00Z"))
    [incident] = world.incidents()
    assert incident.root_cause.component == "retriever"  # upstream, though its alarm came second
    assert "most upstream" in incident.root_cause.summary


def test_two_services_two_incidents(world: World) -> None:
    world.send(
        alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"),
        alarm_event("search-api-5xx", "ALARM", "2026-11-25T10:00:05Z"),
    )
    assert sorted(i.service for i in world.incidents()) == ["chat", "search"]
    assert len(world.chat.posts) == 2


def test_a_new_symptom_joins_an_incident_that_still_fires_however_long_the_silence(world: World) -> None:
    # An incident is one thing while it fires: a symptom 41 minutes after the last event (past the
    # 30-minute group window) joins it while its alarms are still in ALARM (DESIGN, behaviour 10)
    world.send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"))
    world.send(alarm_event("chat-rag-latency", "ALARM", "2026-11-25T10:29:00Z"))  # within 30 min of activity
    world.send(alarm_event("chat-api-latency", "ALARM", "2026-11-25T11:10:00Z"))  # 41 min of silence
    assert [len(i.members) for i in world.incidents()] == [3]


def test_group_window_opens_a_new_incident_after_silence_once_nothing_fires(world: World) -> None:
    # GIVEN an incident whose alarms all cleared (mitigated, in the quiet period: not yet resolved)
    world.send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"))
    world.send(alarm_event("chat-rag-latency", "ALARM", "2026-11-25T10:29:00Z"))
    world.send(alarm_event("chat-api-5xx", "OK", "2026-11-25T10:30:00Z"))
    world.send(alarm_event("chat-rag-latency", "OK", "2026-11-25T10:31:00Z"))
    assert [i.status for i in world.incidents()] == ["mitigated"]
    # WHEN another symptom fires 39 minutes later (past the group window)
    world.send(alarm_event("chat-api-latency", "ALARM", "2026-11-25T11:10:00Z"))
    # THEN it is a new incident
    assert [len(i.members) for i in world.incidents()] == [2, 1]


def test_quiet_period_then_resolve_and_reopen_during_it(world: World) -> None:
    world.send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"))
    world.send(alarm_event("chat-api-5xx", "OK", "2026-11-25T10:05:00Z"))
    [incident] = world.incidents()
    assert incident.status == "mitigated"
    world.send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:08:00Z"))  # within the 10 min quiet period
    [incident] = world.incidents()
    assert incident.status == "open"
    world.send(alarm_event("chat-api-5xx", "OK", "2026-11-25T10:09:00Z"))
    world.clock.set(datetime(2026, 11, 25, 10, 20, tzinfo=UTC))
    [settled] = world.pipeline.tick([incident.id])
    assert settled.status == "resolved"
    kinds = [e.kind for e in world.store.timeline(incident.id)]
    assert kinds.count("mitigated") == 2 and kinds.count("reopened") == 1 and kinds[-1] == "resolved"


def test_flapping_alarm_is_one_incident_one_message(world: World) -> None:
    for minute in range(0, 20, 2):
        state = "ALARM" if minute % 4 == 0 else "OK"
        world.send(alarm_event("chat-api-5xx", state, f"2026-11-25T10:{minute:02d}:00Z"))
    incidents = world.incidents()
    assert len(incidents) == 1 and incidents[0].flapping
    assert len(world.chat.posts) == 1


def test_duplicates_and_shuffled_order_give_the_same_incident() -> None:
    events = [
        alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"),
        alarm_event("chat-rag-latency", "ALARM", "2026-11-25T10:01:00Z"),
        alarm_event("chat-rag-latency", "OK", "2026-11-25T10:03:00Z"),
    ]
    a, b = World(), World()
    for e in events:
        a.send(e)
    b.send(events[1], events[0])
    b.send(events[2], events[0], events[1])
    ia, ib = a.incidents()[0], b.incidents()[0]
    assert ia.members == ib.members and ia.root_cause == ib.root_cause
    assert a.store.signals_of(ia.id) == b.store.signals_of(ib.id)


def test_stale_resolution_does_not_move_state_back(world: World) -> None:
    world.send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:05:00Z"))
    world.send(alarm_event("chat-api-5xx", "OK", "2026-11-25T10:01:00Z"))
    [incident] = world.incidents()
    assert incident.status == "open"


def test_ok_delivered_before_its_older_alarm_resolves_and_is_not_lost(world: World) -> None:
    alarm = alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z")
    ok = alarm_event("chat-api-5xx", "OK", "2026-11-25T10:04:00Z")
    world.send(ok)  # arrives first: nothing is open yet
    assert world.incidents() == []
    world.send(alarm)
    [incident] = world.incidents()
    assert incident.status == "mitigated"  # resolved once the 10 min quiet period has passed
    assert world.store.signals_of(incident.id) == [alarm["id"], ok["id"]]


def test_silence_mutes_notifications_but_records(world: World) -> None:
    from aiops.incident.ports import Silence

    world.store.silence(Silence("chat", None, datetime(2026, 11, 25, 11, 0, tzinfo=UTC), by="U1"))
    world.send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"))
    [incident] = world.incidents()
    assert incident.silenced_until is not None
    assert world.chat.posts == []
    assert len(world.store.signals_of(incident.id)) == 1


def test_acknowledge_once_with_who_and_when(world: World) -> None:
    world.send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"))
    [incident] = world.incidents()
    world.clock.set(datetime(2026, 11, 25, 10, 3, tzinfo=UTC))
    acked = world.pipeline.acknowledge(incident.id, "U123")
    again = world.pipeline.acknowledge(incident.id, "U999")
    assert acked.acknowledged is not None and acked.acknowledged.by == "U123"
    assert again.acknowledged == acked.acknowledged and again.version == acked.version
    [entry] = [e for e in world.store.timeline(incident.id) if e.kind == "acknowledged"]
    assert (entry.actor, entry.at.minute) == ("U123", 3)
    assert len(world.chat.posts[0].edits) >= 1  # the Slack message shows it


def test_one_alarm_many_times_in_one_batch_is_taken_in_one_pass(world: World) -> None:
    # A batch of 100 can carry one alarm several times: each event follows the state the previous one
    # moved to (no conflict, no second cycle), exactly as if they had come one by one.
    flips = [("ALARM" if k % 2 == 0 else "OK", f"2026-11-25T10:0{k}:00Z") for k in range(7)]
    result = world.send(*(alarm_event("chat-api-5xx", state, at) for state, at in flips))
    assert (result.recorded, result.duplicates, result.failed) == (7, 0, set())
    [incident] = world.incidents()
    [member] = incident.members.values()
    assert member.status == "firing" and member.transitions == 6
    assert incident.flapping  # 6 changes in the flap window, more than the threshold of 4
    assert len(world.store.signals_of(incident.id)) == 7
    [state] = world.store.states.values()
    assert state.version == 7 and state.status == "firing" and len(state.changes) == 5


def test_same_batch_one_by_one_gives_the_same_incident(world: World) -> None:
    flips = [("ALARM" if k % 2 == 0 else "OK", f"2026-11-25T10:0{k}:00Z") for k in range(7)]
    world.send(*(alarm_event("chat-api-5xx", state, at) for state, at in flips))
    other = World()
    for state, at in flips:
        other.send(alarm_event("chat-api-5xx", state, at))
    [a], [b] = world.incidents(), other.incidents()
    stored = {"version", "noted_version"}  # which save wrote it: a store's bookkeeping
    assert a.model_dump(exclude=stored) == b.model_dump(exclude=stored)
    assert world.store.states == other.store.states
