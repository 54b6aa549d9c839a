"""The store contract: one suite, run against the in-memory twin and the DynamoDB adapter on moto.

`aiops replay` runs on the twin (aiops/local/memory.py); Lambda runs on the adapter. Everything the
pipeline relies on is pinned here for both: conditional writes and claims, versions, leases, TTL expiry,
the order things are read back in, and how many DynamoDB requests each call costs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aiops.errors import ConflictError
from aiops.incident.model import Incident, SignalRef, SignalState, TimelineEntry
from aiops.incident.ports import Silence
from aiops.local.clock import FixedClock
from aiops.local.memory import MemoryStore
from aiops.present.ports import CLAIM_LEASE, MessageRecord
from aiops.remediation.decide import Run
from aiops.signals import normalize
from aiops.signals.model import Signal
from tests.support.events import alarm_event

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DAYS2, DAY1 = T0 + timedelta(days=2), T0 + timedelta(days=1)


class Requests:
    """DynamoDB requests made so far: botocore's before-call on moto, the twin's own count in memory."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.moto = 0
        if not isinstance(store, MemoryStore):

            def count(**_: Any) -> None:
                self.moto += 1

            store.client.meta.events.register("before-call.dynamodb", count)

    def __call__(self) -> int:
        return self.store.requests if isinstance(self.store, MemoryStore) else self.moto


@pytest.fixture(params=["memory", "dynamodb"])
def world(request: Any) -> Iterator[tuple[Any, FixedClock, Requests]]:
    clock = FixedClock(T0)
    if request.param == "memory":
        store = MemoryStore(clock)
        yield store, clock, Requests(store)
        return
    from aiops.adapters.dynamodb import DynamoStore
    from aiops.local.emulator import emulator

    with emulator("contract") as client:
        dynamo = DynamoStore("contract", clock=clock, client=client)
        yield dynamo, clock, Requests(dynamo)


def _signal(
    name: str = "chat-api-5xx", state: str = "ALARM", at: datetime = T0, eid: str | None = None
) -> Signal:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    [signal] = normalize(alarm_event(name, state, stamp, event_id=eid))
    return signal


def _state(fp: str, version: int, status: str = "firing", incident: str | None = "inc-1") -> SignalState:
    return SignalState(fingerprint=fp, status=status, last_time=T0, incident_id=incident, version=version)  # type: ignore[arg-type]


def _incident(iid: str = "inc-1", service: str = "chat", at: datetime = T0) -> Incident:
    return Incident(id=iid, service=service, title="t", opened_at=at, last_activity_at=at)


def _entry(iid: str, key: str, at: datetime = T0, kind: str = "signal") -> TimelineEntry:
    return TimelineEntry(incident_id=iid, at=at, key=key, kind=kind, text=key)


# -- the signal ledger -----------------------------------------------------------------------------


def test_an_event_id_is_claimed_once_and_its_state_moves_by_version(world: Any) -> None:
    store, _, requests = world
    s = _signal()
    assert store.lookup([s.id], ["fp1"]) == [(False, None)]
    assert store.record(
        s, _state("fp1", 1), incident_ids=["inc-1"], expected_version=None, expires_at=T0 + timedelta(days=2)
    )
    dup, state = store.lookup([s.id], ["fp1"])[0]
    assert dup and state == _state("fp1", 1)
    # a redelivery is a duplicate, whatever version it expects (the claim is checked first)
    assert (
        store.record(
            s, _state("fp1", 2), incident_ids=[], expected_version=7, expires_at=T0 + timedelta(days=2)
        )
        is False
    )
    # a new event expecting a stale version loses the race, and claims nothing
    other = _signal(eid="e-2")
    with pytest.raises(ConflictError):
        store.record(
            other, _state("fp1", 2), incident_ids=[], expected_version=None, expires_at=T0 + timedelta(days=2)
        )
    assert store.lookup([other.id], ["fp1"])[0].duplicate is False
    assert store.record(
        other, _state("fp1", 2), incident_ids=[], expected_version=1, expires_at=T0 + timedelta(days=2)
    )
    assert store.lookup([other.id], ["fp1"])[0].state.version == 2
    assert requests() == 8  # 4 lookups (one BatchGetItem each), 4 transactions


def test_an_event_id_claim_expires_with_its_ttl(world: Any) -> None:
    store, clock, _ = world
    s = _signal()
    store.record(
        s, _state("fp1", 1), incident_ids=[], expected_version=None, expires_at=T0 + timedelta(seconds=10)
    )
    clock.set(T0 + timedelta(seconds=10, milliseconds=900))  # the same epoch second: still claimed
    assert store.lookup([s.id], ["fp1"])[0].duplicate
    assert store.record(s, _state("fp1", 2), incident_ids=[], expected_version=1, expires_at=T0) is False
    clock.set(T0 + timedelta(seconds=11))
    assert store.lookup([s.id], ["fp1"])[0].duplicate is False
    assert store.record(
        s, _state("fp1", 2), incident_ids=[], expected_version=1, expires_at=T0 + timedelta(days=2)
    )


def test_signal_rows_are_listed_once_in_event_time_order(world: Any) -> None:
    store, _, requests = world
    late, early = _signal(at=T0 + timedelta(minutes=5), eid="b"), _signal(at=T0, eid="z")
    store.record(
        late,
        _state("fp1", 1),
        incident_ids=["inc-1", "inc-2"],
        expected_version=None,
        expires_at=T0 + timedelta(days=1),
    )
    store.link("inc-1", [SignalRef(id="z", time=early.time, kind="alarm", status="firing")])
    store.link("inc-1", [SignalRef(id="z", time=early.time, kind="alarm", status="firing")])  # idempotent
    store.link("inc-1", [])
    before = requests()
    assert store.signals_of("inc-1") == ["z", "b"]
    assert store.signals_of("inc-2") == ["b"]
    assert store.signals_of("inc-3") == []
    assert requests() - before == 3
    many = [SignalRef(id=f"s{n:03d}", time=T0, kind="alarm", status="firing") for n in range(60)]
    before = requests()
    store.link("inc-4", many)
    assert requests() - before == 3  # batch writes of 25
    assert len(store.signals_of("inc-4")) == 60


def test_context_is_recalled_by_time_range_until_it_expires(world: Any) -> None:
    store, clock, _ = world
    a, b, c = (_signal(at=T0 + timedelta(minutes=m), eid=f"c{m}") for m in (0, 10, 20))
    for s in (c, a, b, b):
        store.remember("change:chat", s, expires_at=s.time + timedelta(hours=1))
    assert [s.id for s in store.recall("change:chat", T0, T0 + timedelta(minutes=10))] == ["c0", "c10"]
    assert store.recall("change:chat", T0, T0 + timedelta(minutes=10))[0] == a
    assert store.recall("change:other", T0, DAY1) == []
    clock.set(T0 + timedelta(hours=1, minutes=10, seconds=1))  # a's and b's TTL have passed
    assert [s.id for s in store.recall("change:chat", T0, DAY1)] == ["c20"]


def test_silences_are_in_force_until_their_end_and_idempotent(world: Any) -> None:
    store, _, _ = world
    until = T0 + timedelta(hours=1)
    store.silence(Silence("chat", None, until, "U1", "noisy"))
    store.silence(Silence("chat", None, until, "U1", "noisy"))
    store.silence(Silence("chat", "api", until + timedelta(hours=1), "U2"))
    assert store.silences("chat", T0) == [  # by sort key: the whole service ("*") first
        Silence("chat", None, until, "U1", "noisy"),
        Silence("chat", "api", until + timedelta(hours=1), "U2"),
    ]
    assert store.silences("chat", until) == [Silence("chat", "api", until + timedelta(hours=1), "U2")]
    assert store.silences("search", T0) == []


# -- incidents -------------------------------------------------------------------------------------


def test_one_current_incident_per_service_in_each_account_and_region(world: Any) -> None:
    store, _, _ = world
    east = _incident("inc-e").model_copy(update={"region": "us-east-1", "scope": "chat|111|us-east-1"})
    west = _incident("inc-w").model_copy(update={"region": "eu-west-1", "scope": "chat|111|eu-west-1"})
    store.create(east)
    store.create(west)  # another region: its own pointer, no conflict
    with pytest.raises(ConflictError):
        store.create(_incident("inc-e2").model_copy(update={"scope": "chat|111|us-east-1"}))
    assert store.open_for("chat|111|us-east-1").id == "inc-e"
    assert store.open_for("chat|111|eu-west-1").id == "inc-w"
    assert store.open_for("chat") is None
    assert [i.id for i in store.open_in("chat")] == ["inc-e", "inc-w"]
    assert store.open_in("chat-other") == []
    _, current = store.prefetch([], ["chat|111|us-east-1", "chat|111|eu-west-1", "chat"])
    assert {k: v.id for k, v in current.items()} == {
        "chat|111|us-east-1": "inc-e",
        "chat|111|eu-west-1": "inc-w",
    }
    # WHEN the east one resolves, its pointer frees, the west one's does not
    ended = store.get("inc-e").model_copy(update={"status": "resolved", "resolved_at": T0})
    store.save(ended, [])
    assert store.open_for("chat|111|us-east-1") is None and [i.id for i in store.open_in("chat")] == ["inc-w"]


def test_one_current_incident_per_service(world: Any) -> None:
    store, _, requests = world
    created = store.create(_incident("inc-1"))
    assert created.version == 1 and store.get("inc-1") == created
    assert store.open_for("chat") == created
    with pytest.raises(ConflictError):
        store.create(_incident("inc-2"))  # the service has an active incident
    with pytest.raises(ConflictError):
        store.create(_incident("inc-2"), replaces="inc-9")  # ... and it is not the one replaced
    with pytest.raises(ConflictError):
        store.create(_incident("inc-1", service="search"))  # an id is created once
    second = store.create(_incident("inc-2"), replaces="inc-1")  # gone quiet: replaced
    assert store.open_for("chat") == second
    assert store.get("inc-1") == created  # still there, no longer current
    assert store.get("nope") is None and store.open_for("search") is None
    before = requests()
    store.open_for("chat")
    store.open_for("search")
    assert requests() - before == 3  # the pointer, then the incident it points at


def test_save_is_versioned_and_appends_the_timeline_once(world: Any) -> None:
    store, _, _ = world
    inc = store.create(_incident())
    saved = store.save(
        inc.model_copy(update={"severity": "SEV1"}), [_entry(inc.id, "a"), _entry(inc.id, "b")]
    )
    assert saved.version == 2 and store.get(inc.id) == saved
    with pytest.raises(ConflictError):
        store.save(inc, [])  # stale
    with pytest.raises(ConflictError):
        store.save(_incident("inc-9"), [])  # never created
    store.save(saved, [_entry(inc.id, "a"), _entry(inc.id, "c", T0 - timedelta(seconds=1))])
    assert [e.key for e in store.timeline(inc.id)] == ["c", "a", "b"]
    assert store.timeline("nope") == []


def test_a_long_timeline_is_kept_whole(world: Any) -> None:
    store, _, requests = world
    inc = store.create(_incident())
    entries = [_entry(inc.id, f"k{n:03d}", T0 + timedelta(seconds=n)) for n in range(130)]
    before = requests()
    store.save(inc, entries)
    assert requests() - before == 1 + 2  # a transaction of 100, then 31 rows in two batch writes
    assert [e.key for e in store.timeline(inc.id)] == [e.key for e in entries]


def test_entries_since_a_version_are_one_range_read_whatever_the_history(world: Any) -> None:
    store, _, requests = world
    inc = store.create(_incident())
    # GIVEN a long history: 300 saves of signals, with an escalation and a severity change early on
    early = [
        _entry(inc.id, "page", T0, "escalated"),
        _entry(inc.id, "s0", T0),
        _entry(inc.id, "sev", T0, "severity"),
    ]
    inc = store.save(inc, early)
    for n in range(1, 300):
        inc = store.save(inc, [_entry(inc.id, f"s{n}", T0 + timedelta(seconds=n))])
    # WHEN the versions after the early one are asked for, and then one more save brings two milestones
    mark = inc.version
    late = T0 + timedelta(hours=1)
    inc = store.save(
        inc,
        [
            _entry(inc.id, "flap", late, "flapping"),
            _entry(inc.id, "s-late", late),
            _entry(inc.id, "ack", late - timedelta(minutes=5), "acknowledged"),  # an older time
        ],
    )
    before = requests()
    # THEN the entries other than signals that those versions wrote, in timeline order, in one Query
    assert [e.key for e in store.entries_since(inc.id, mark, inc.version)] == ["ack", "flap"]
    assert requests() - before == 1
    assert [e.key for e in store.entries_since(inc.id, 0, 2)] == ["page", "sev"]
    assert store.entries_since(inc.id, 2, mark) == []  # signals alone: nothing to reply to
    assert store.entries_since(inc.id, inc.version, inc.version + 5) == []
    assert store.entries_since("nope", 0, 9) == []
    assert len(store.timeline(inc.id)) == 305  # the timeline itself keeps every entry


def test_the_incident_says_which_version_last_filed_an_entry_to_reply_to(world: Any) -> None:
    store, _, _ = world
    inc = store.create(_incident())
    assert inc.noted_version == 0  # nothing filed yet (None is for items saved before it was kept)
    # WHEN a save files an escalation, then saves file signals alone, then a flapping entry
    inc = store.save(inc, [_entry(inc.id, "page", T0, "escalated"), _entry(inc.id, "s0", T0)])
    assert (inc.version, inc.noted_version) == (2, 2)
    for n in range(1, 4):
        inc = store.save(inc, [_entry(inc.id, f"s{n}", T0 + timedelta(seconds=n))])
    # THEN signals alone leave the note where it was, and it is read back as saved
    assert (inc.version, inc.noted_version) == (5, 2)
    assert store.get(inc.id) == inc
    inc = store.save(inc, [_entry(inc.id, "flap", T0 + timedelta(seconds=9), "flapping")])
    assert (inc.version, inc.noted_version) == (6, 6)
    # AND what the note promises holds: nothing is filed between it and the version after it
    assert [e.key for e in store.entries_since(inc.id, 2, 5)] == []
    assert [e.key for e in store.entries_since(inc.id, 5, 6)] == ["flap"]


def test_a_settled_incident_s_detail_expires_after_90_days_its_record_after_400(world: Any) -> None:
    store, clock, _ = world
    # GIVEN an incident with a signal, a timeline and a reply entry, resolved at T0 + 1h
    inc = store.create(_incident())
    signal = _signal(eid="e-1")
    assert store.record(
        signal, _state("fp", 1), incident_ids=[inc.id], expected_version=None, expires_at=DAYS2
    )
    inc = store.save(inc, [_entry(inc.id, "s", T0), _entry(inc.id, "page", T0, "escalated")])
    done = T0 + timedelta(hours=1)
    inc = store.save(inc.model_copy(update={"status": "resolved", "resolved_at": done}), [])
    # WHEN 89 days pass, everything is still there; past 90 days, no read returns its detail (even
    # before DynamoDB's TTL gets round to deleting the rows), but the record itself is kept
    clock.set(done + timedelta(days=89))
    assert store.get(inc.id) == inc and store.signals_of(inc.id) == ["e-1"]
    assert sorted(e.key for e in store.timeline(inc.id)) == ["page", "s"]
    assert [e.key for e in store.entries_since(inc.id, 0, inc.version)] == ["page"]
    clock.set(done + timedelta(days=90, seconds=1))
    assert store.signals_of(inc.id) == [] and store.timeline(inc.id) == []
    assert store.entries_since(inc.id, 0, inc.version) == []
    assert store.get(inc.id) == inc
    # THEN past 400 days the record goes too
    clock.set(done + timedelta(days=400, seconds=1))
    assert store.get(inc.id) is None and store.prefetch([inc.id], []) == ({}, {})


def test_an_open_incident_does_not_expire(world: Any) -> None:
    store, clock, _ = world
    inc = store.create(_incident())
    clock.set(T0 + timedelta(days=200))
    assert store.get(inc.id) == inc


def test_the_thread_mark_carries_whether_the_thread_ended_settled(world: Any) -> None:
    store, _, _ = world
    store.claim("inc-1", "#c", now=T0)
    store.store(MessageRecord("inc-1", "C1", "1.1", 1), expected_version=None)
    assert store.message_for("inc-1").thread_settled is False
    store.mark_thread("inc-1", 4, settled=True)
    store.mark_thread("inc-1", 3, settled=False)  # an older mark moves nothing
    record = store.message_for("inc-1")
    assert (record.thread_version, record.thread_settled) == (4, True)
    store.mark_thread("inc-1", 6)
    assert store.message_for("inc-1").thread_settled is False


def test_a_resolved_incident_frees_its_service_and_a_reopened_one_takes_it_back(world: Any) -> None:
    store, _, requests = world
    inc = store.create(_incident())
    resolved = store.save(inc.model_copy(update={"status": "resolved", "resolved_at": T0}), [])
    assert store.open_for("chat") is None
    before = requests()
    reopened = store.save(
        resolved.model_copy(update={"status": "open", "resolved_at": None}),
        [_entry(inc.id, "r", kind="reopened")],
    )
    assert requests() - before == 2  # the save, and the pointer made active again
    assert store.open_for("chat") == reopened
    store.save(reopened.model_copy(update={"status": "resolved", "resolved_at": T0}), [])
    newer = store.create(_incident("inc-2"))  # no replaces needed: nothing is active
    assert store.open_for("chat") == newer


def test_an_incident_replaced_as_current_still_resolves_and_reopens(world: Any) -> None:
    # GIVEN inc-1 gone quiet and replaced by inc-2 as the service's current incident
    store, _, requests = world
    old = store.create(_incident("inc-1"))
    new = store.create(_incident("inc-2"), replaces="inc-1")
    # WHEN inc-1's last alarm clears: it resolves, and inc-2 stays current
    before = requests()
    resolved = store.save(old.model_copy(update={"status": "resolved", "resolved_at": T0}), [])
    assert requests() - before == 2  # the transaction, and its retry without the pointer it lost
    assert resolved.status == "resolved" and store.open_for("chat") == new
    # and a reopened inc-1 does not take the service back from inc-2
    store.save(resolved.model_copy(update={"status": "open"}), [_entry("inc-1", "r", kind="reopened")])
    assert store.open_for("chat") == new


def test_prefetch_reads_a_batch_at_once(world: Any) -> None:
    store, _, requests = world
    a = store.create(_incident("inc-1"))
    b = store.create(_incident("inc-2", service="search"))
    b = store.save(b.model_copy(update={"status": "resolved", "resolved_at": T0}), [])
    before = requests()
    by_id, current = store.prefetch(["inc-2", "inc-9"], ["chat", "search", "chat", "other"])
    assert requests() - before == 2
    assert by_id == {"inc-1": a, "inc-2": b}  # what was asked, and the services' current incidents
    assert current == {"chat": a}
    before = requests()
    assert store.prefetch([], []) == ({}, {})
    assert requests() == before


def test_the_flush_list_keeps_resolved_incidents_for_a_day(world: Any) -> None:
    store, clock, _ = world
    a = store.create(_incident("inc-a", service="a", at=T0))
    b = store.create(_incident("inc-b", service="b", at=T0 + timedelta(minutes=1)))
    store.create(_incident("inc-c", service="c", at=T0 - timedelta(minutes=1)))
    store.save(a.model_copy(update={"status": "resolved", "resolved_at": T0}), [])
    store.save(b.model_copy(update={"status": "mitigated", "mitigated_at": T0}), [])
    assert store.unsettled_incidents() == ["inc-c", "inc-a", "inc-b"]
    assert [i.id for i in store.open_incidents()] == ["inc-c", "inc-b"]
    assert [i.id for i in store.all_incidents()] == ["inc-c", "inc-a", "inc-b"]
    clock.set(DAY1)
    assert store.unsettled_incidents() == ["inc-c", "inc-b"]
    assert store.unsettled_incidents() == ["inc-c", "inc-b"]  # retired for good


def test_history_lists_a_window_newest_first_a_query_per_month(world: Any) -> None:
    # issue 27: the history index, by the month an incident opened
    store, clock, requests = world
    store.create(_incident("inc-old", service="a", at=T0 - timedelta(days=40)))
    b = store.create(_incident("inc-b", service="b", at=T0 - timedelta(days=3)))
    store.create(_incident("inc-c", service="a", at=T0), replaces="inc-old")
    store.save(b.model_copy(update={"status": "resolved", "resolved_at": T0}), [])
    before = requests()
    found = store.history(T0 - timedelta(days=30), T0)
    assert requests() - before == 2  # October and November
    assert [i.id for i in found] == ["inc-c", "inc-b"]
    assert [i.id for i in store.history(T0 - timedelta(days=60), T0, service="a")] == ["inc-c", "inc-old"]
    assert [i.id for i in store.history(T0 - timedelta(days=60), T0, statuses=("resolved",))] == ["inc-b"]
    clock.set(T0 + timedelta(days=401))  # past its retention: gone, though TTL may not have deleted it
    assert [i.id for i in store.history(T0 - timedelta(days=60), T0)] == ["inc-c", "inc-old"]


# -- remediation runs ------------------------------------------------------------------------------


def test_runs_are_remembered_once_per_execution(world: Any) -> None:
    store, _, requests = world
    later = Run("ModelFallback", T0 + timedelta(minutes=5), "running")
    first = Run("PromptRollback", T0, "running")
    store.record_run("chat", later, execution_id="e2", incident_id="inc-1", playbook="model-fallback")
    store.record_run("chat", first, execution_id="e1", incident_id="inc-1", playbook="prompt-rollback")
    before = requests()
    assert store.finish_run("e1", "failed") == ("inc-1", "prompt-rollback")
    assert store.finish_run("nope", "failed") is None
    assert requests() - before == 3
    assert store.runs("chat", T0) == [Run("PromptRollback", T0, "failed"), later]
    # a retried start finds the same execution: recorded again, nothing changes
    store.record_run("chat", first, execution_id="e1", incident_id="inc-1", playbook="prompt-rollback")
    assert store.runs("chat", T0) == [Run("PromptRollback", T0, "failed"), later]
    assert store.runs("chat", T0 + timedelta(minutes=1)) == [later]
    assert store.runs("search", T0) == []


# -- the Slack message record ----------------------------------------------------------------------


def test_the_root_message_is_claimed_once_with_a_lease(world: Any) -> None:
    store, _, _ = world
    assert store.message_for("inc-1") is None
    assert store.claim("inc-1", "#c", now=T0)
    assert not store.claim("inc-1", "#c", now=T0 + CLAIM_LEASE)  # held
    assert store.message_for("inc-1") == MessageRecord("inc-1", "#c", None, -1, claimed_at=T0)
    assert store.claim("inc-1", "#d", now=T0 + CLAIM_LEASE + timedelta(seconds=1))  # lapsed: taken over
    taken = T0 + CLAIM_LEASE + timedelta(seconds=1)
    assert store.message_for("inc-1") == MessageRecord("inc-1", "#d", None, -1, claimed_at=taken)
    # confirmed with the ts Slack gave: never claimed again
    assert store.store(MessageRecord("inc-1", "#d", "1.1", 1, updated_at=T0), expected_version=None)
    assert not store.store(MessageRecord("inc-1", "#d", "1.2", 1), expected_version=None)
    assert not store.claim("inc-1", "#d", now=DAY1)
    record = store.message_for("inc-1")
    assert (record.ts, record.rendered_version, record.updated_at, record.claimed_at) == ("1.1", 1, T0, taken)


def test_the_root_message_moves_by_rendered_version(world: Any) -> None:
    store, _, _ = world
    store.claim("inc-1", "#c", now=T0)
    store.store(MessageRecord("inc-1", "#c", "1.1", 3, updated_at=T0), expected_version=None)
    assert not store.store(MessageRecord("inc-1", "#c", "1.1", 5), expected_version=2)
    later = T0 + timedelta(seconds=30, microseconds=250)
    assert store.store(MessageRecord("inc-1", "#c", None, 5, updated_at=later), expected_version=3)
    record = store.message_for("inc-1")
    assert (record.ts, record.rendered_version, record.updated_at) == ("1.1", 5, later)  # ts kept
    assert not store.store(MessageRecord("inc-9", "#c", "1.1", 1), expected_version=0)


def test_an_unconfirmed_claim_can_be_released(world: Any) -> None:
    store, _, _ = world
    store.claim("inc-1", "#c", now=T0)
    store.release("inc-1")  # the post failed: the claim lapses at once, the record stays
    assert store.message_for("inc-1") == MessageRecord("inc-1", "#c", None, -1)
    assert store.claim("inc-1", "#c", now=T0)
    store.store(MessageRecord("inc-1", "#c", "1.1", 1), expected_version=None)
    store.release("inc-1")  # confirmed: kept
    store.release("inc-9")  # nothing there: nothing happens
    assert store.message_for("inc-1").ts == "1.1"
    assert store.message_for("inc-9") is None


def test_each_thread_reply_is_claimed_once_with_a_lease(world: Any) -> None:
    store, _, _ = world
    store.claim("inc-1", "#c", now=T0)
    store.store(MessageRecord("inc-1", "#c", "1.1", 1), expected_version=None)
    assert store.claim_entry("inc-1", "k1", now=T0) and store.claim_entry("inc-1", "k2", now=T0)
    assert not store.claim_entry("inc-1", "k1", now=T0 + CLAIM_LEASE)  # held
    store.confirm_entry("inc-1", "k2")
    record = store.message_for("inc-1", entries=["k1", "k2", "k3"])
    assert (record.posted_entries, record.pending_entries) == (("k2",), ("k1",))
    assert store.message_for("inc-1").posted_entries == ()  # one GetItem: the root's row alone
    # only the replies asked about are read: a sync about to post k1 never reads k2's row
    assert store.message_for("inc-1", entries=["k1"]).posted_entries == ()
    assert store.claim_entry("inc-1", "k1", now=T0, release=True)  # its post failed: given back
    assert not store.claim_entry("inc-1", "k2", now=T0, release=True)  # done: never given back
    assert not store.claim_entry("inc-1", "k9", now=T0, release=True)  # never claimed
    assert store.claim_entry("inc-1", "k1", now=T0)  # taken again at once
    # a claim never confirmed lapses after the lease; a confirmed reply is never claimed again
    assert store.claim_entry("inc-1", "k1", now=T0 + CLAIM_LEASE + timedelta(seconds=1))
    assert not store.claim_entry("inc-1", "k2", now=DAY1)
    store.confirm_entry("inc-1", "k1")
    record = store.message_for("inc-1", entries=["k2", "k1"])
    assert (record.posted_entries, record.pending_entries) == (("k1", "k2"), ())


def test_the_twin_forgets_expired_claims_as_the_table_s_ttl_does() -> None:
    # GIVEN more claims than the twin holds before sweeping, most of them expired by now
    from aiops.local import memory

    clock = FixedClock(T0)
    store = MemoryStore(clock)
    for n in range(memory.SWEEP_EVERY - 1):
        store.events[f"old-{n}"] = int(T0.timestamp()) - 1
    # WHEN one more event is recorded
    store.record(
        _signal(eid="new"), _state("fp1", 1), incident_ids=[], expected_version=None, expires_at=DAYS2
    )
    # THEN only the live claim is held, and the expired ones read as absent, as before
    assert list(store.events) == ["new"]
    assert store.lookup(["old-1", "new"], ["fp9", "fp1"])[0].duplicate is False
