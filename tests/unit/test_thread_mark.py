"""The thread sync reads the entries saved since its mark only when a save since the mark filed one
(issue 25): the incident says which version last did (``noted_version``). A storm of signal changes
then costs the sync no Query and no mark write per event, and the thread says exactly what it says
when every sync reads (as it must for an incident saved before the note was kept)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from aiops.incident.model import Incident, TimelineEntry
from aiops.local.clock import FixedClock
from aiops.local.fakes import LocalChat
from aiops.local.memory import MemoryStore
from tests.support.events import alarm_event
from tests.unit.test_pipeline import World

T0 = datetime.fromisoformat("2026-11-25T10:00:00+00:00")


class Unnoted(MemoryStore):
    """A store whose incidents never say which version filed last, as items saved before it was kept."""

    def save(self, incident: Incident, entries: Sequence[TimelineEntry]) -> Incident:
        saved = super().save(incident, entries).model_copy(update={"noted_version": None})
        self.incidents[saved.id] = saved
        return saved


def _world(
    store: MemoryStore, chat: LocalChat | None = None, clock: FixedClock | None = None
) -> tuple[World, list[tuple[int, int]]]:
    """A world on ``store``, with each read of the entries since a mark recorded (after, upto)."""
    world = World(store, chat, clock)
    notifier = world.pipeline.notifier
    assert notifier is not None
    reads: list[tuple[int, int]] = []

    def since(incident_id: str, after: int, upto: int) -> list[TimelineEntry]:
        reads.append((after, upto))
        return store.entries_since(incident_id, after, upto)

    notifier.since = since
    return world, reads


def _storm(*workers: World) -> None:
    """The API fails and stays failing; the retriever's alarm flaps for an hour, every 2 minutes; a
    human acknowledges half-way (a notable entry), the API recovers at the end (mitigated). With
    several workers, each batch goes to the next one in turn."""
    turn = itertools.cycle(workers)
    next(turn).send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"))
    for n in range(30):
        at = T0 + timedelta(minutes=2 * (n + 1))
        state = "ALARM" if n % 2 == 0 else "OK"
        next(turn).send(alarm_event("chat-rag-latency", state, at.strftime("%Y-%m-%dT%H:%M:%SZ")))
        if n == 15:
            worker = next(turn)
            [incident] = worker.incidents()
            worker.pipeline.acknowledge(incident.id, "U-ONCALL")
    next(turn).send(alarm_event("chat-api-5xx", "OK", "2026-11-25T11:05:00Z"))


def _thread(world: World) -> list[Any]:
    return [(p.thread_ts, p.key, p.message) for p in world.chat.posts]


def test_a_storm_of_signal_changes_reads_the_thread_entries_only_when_a_save_filed_one() -> None:
    noted, reads = _world(MemoryStore())
    unnoted, every_read = _world(Unnoted())
    _storm(noted)
    _storm(unnoted)
    # THEN the thread says the same, reply for reply, whether the sync read every time or not
    assert _thread(noted) == _thread(unnoted)
    assert len([p for p in noted.chat.posts if p.thread_ts]) >= 2  # it has replies to agree on
    # AND an incident whose saves do not say what they filed is read on every sync past the mark, as before
    [incident] = noted.incidents()
    assert len(every_read) > 25
    # AND one whose saves say it is read only for the versions that filed an entry since the mark
    filed = {v for v, _ in noted.store.versioned[incident.id]}  # the flapping, the ack, the mitigation
    assert len(filed) == 3 and len(reads) == len(filed)  # each read once, by the sync after its save
    assert all(any(after < v <= upto for v in filed) for after, upto in reads)  # no read found nothing


def test_workers_taking_turns_leave_the_thread_a_single_worker_leaves() -> None:
    # GIVEN two workers on one table, one Slack and one clock, each handed the next batch in turn: each
    # holds the incident as its own last save left it, and the thread's mark as the other may have moved it
    store, chat, clock = MemoryStore(), LocalChat(), FixedClock(T0)
    (a, reads_a), (b, reads_b) = _world(store, chat, clock), _world(store, chat, clock)
    _storm(a, b)
    alone, _ = _world(Unnoted())
    _storm(alone)
    # THEN the thread is the one a worker reading on every sync leaves, reply for reply, posted once each
    assert _thread(a) == _thread(alone)
    keys = [p.key for p in chat.posts if p.thread_ts]
    assert len(keys) >= 2 and len(keys) == len(set(keys))
    # AND between them the workers read once per version that filed an entry
    [incident] = a.incidents()
    filed = {v for v, _ in store.versioned[incident.id]}
    assert len(reads_a) + len(reads_b) == len(filed) == 3


def test_an_incident_saved_before_the_note_was_kept_is_read_from_its_mark() -> None:
    world, reads = _world(MemoryStore())
    world.send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"))
    [incident] = world.incidents()
    # GIVEN the incident as an older bot saved it: no note, and a notable entry filed after the mark
    world.store.incidents[incident.id] = incident.model_copy(update={"noted_version": None})
    world.pipeline.acknowledge(incident.id, "U-ONCALL")
    # THEN the sync read the entries since its mark, and replied to the acknowledgement
    assert reads and any("acknowledged" in str(p.message) for p in world.chat.posts if p.thread_ts)


def test_the_sync_reads_from_the_version_after_its_mark_and_not_at_it() -> None:
    world, reads = _world(MemoryStore())
    world.send(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z"))
    [incident] = world.incidents()
    record = world.store.message_for(incident.id)
    assert record is not None
    mark = record.thread_version
    notifier = world.pipeline.notifier
    assert notifier is not None
    later = incident.version + 1
    # WHEN the incident the sync holds says the last filing was at the mark: nothing to read
    notifier.sync(incident.model_copy(update={"version": later, "noted_version": mark}))
    assert reads == []
    # AND when it was the version just after the mark: read from the mark
    notifier.sync(incident.model_copy(update={"version": later, "noted_version": mark + 1}))
    assert reads == [(mark, later)]
