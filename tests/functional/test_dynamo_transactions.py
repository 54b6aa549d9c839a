"""A transaction whose one condition fails, on moto: the adapter reads DynamoDB's cancellation reasons
by the item each one is about (the items it sent, named), not by a position it assumed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aiops.adapters.dynamodb.table import refused
from aiops.errors import ConflictError
from aiops.incident.model import Incident, SignalState, TimelineEntry
from aiops.local.clock import FixedClock
from aiops.present.ports import NarrativeLimits
from aiops.remediation.decide import Run
from aiops.signals import normalize
from aiops.signals.model import Signal
from tests.support.events import alarm_event

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=1)


@pytest.fixture
def store() -> Iterator[Any]:
    from aiops.adapters.dynamodb import DynamoStore
    from aiops.local.emulator import emulator

    with emulator("transactions") as client:
        yield DynamoStore("transactions", clock=FixedClock(T0), client=client)


def _put(key: str, *, new: bool = False) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": "transactions", "Item": {"pk": {"S": key}, "sk": {"S": "x"}}}
    if new:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    return {"Put": put}


def test_the_reasons_moto_gives_are_read_by_the_name_of_the_item_that_refused(store: Any) -> None:
    # GIVEN a row "b" already there, and a transaction of four items whose third must be new
    store.client.put_item(TableName="transactions", Item={"pk": {"S": "b"}, "sk": {"S": "x"}})
    items = [_put("a"), _put("c", new=True), _put("b", new=True), _put("d")]
    with pytest.raises(store.client.exceptions.TransactionCanceledException) as cancelled:
        store.client.transact_write_items(TransactItems=items)
    # THEN the refusal is the third item's, by its name, and only its
    response = cancelled.value.response
    assert refused(response, ["a", "c", "b", "d"]) == frozenset({"b"})
    # AND a reply that names no reasons cannot be read (the caller re-raises), never a guess
    assert refused({"Error": {"Code": "TransactionCanceledException"}}, ["a"]) is None
    # AND a reason other than a condition (a conflicting transaction) is not a refusal
    conflict = {"CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]}
    assert refused(conflict, ["a", "b"]) == frozenset()


def _signal(eid: str) -> Signal:
    [signal] = normalize(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z", event_id=eid))
    return signal


def _state(version: int) -> SignalState:
    return SignalState(fingerprint="fp", status="firing", last_time=T0, incident_id="inc-1", version=version)


def test_a_signal_whose_state_moved_on_is_a_conflict_and_claims_nothing(store: Any) -> None:
    # GIVEN the state at version 1, and a new event (its claim free) that read no state at all
    assert store.record(_signal("e-1"), _state(1), incident_ids=[], expected_version=None, expires_at=LATER)
    # WHEN it records, with two incidents' signal rows after the claim and the state in one transaction
    with pytest.raises(ConflictError, match="fp"):
        store.record(
            _signal("e-2"),
            _state(1),
            incident_ids=["inc-1", "inc-2"],
            expected_version=None,
            expires_at=LATER,
        )
    # THEN only the state refused: nothing of the transaction was written, its claim neither
    assert store.lookup(["e-2"], ["fp"])[0].duplicate is False
    assert store.signals_of("inc-2") == []
    # AND a redelivery of e-1 is a duplicate even with a stale version: the claim is read first, by name
    assert (
        store.record(_signal("e-1"), _state(2), incident_ids=["inc-1"], expected_version=7, expires_at=LATER)
        is False
    )


def test_an_incident_resolving_after_it_was_replaced_saves_its_timeline_without_the_pointer(
    store: Any,
) -> None:
    # GIVEN inc-1 replaced by inc-2 as the service's current one
    old = store.create(Incident(id="inc-1", service="chat", title="t", opened_at=T0, last_activity_at=T0))
    new = store.create(
        Incident(id="inc-2", service="chat", title="t", opened_at=T0, last_activity_at=T0), replaces="inc-1"
    )
    # WHEN inc-1 resolves with three entries: incident, pointer, then the entries' rows in one transaction
    entries = [
        TimelineEntry(incident_id="inc-1", at=T0, key=f"k{n}", kind="note", text=f"note {n}")
        for n in range(3)
    ]
    saved = store.save(old.model_copy(update={"status": "resolved", "resolved_at": T0}), entries)
    # THEN the pointer alone refused: the save went through without it, inc-2 stays current
    assert saved.version == 2 and store.get("inc-1").status == "resolved"
    assert [e.key for e in store.timeline("inc-1")] == ["k0", "k1", "k2"]
    assert [e.key for e in store.entries_since("inc-1", 1, 2)] == ["k0", "k1", "k2"]
    assert store.open_for("chat") == new
    # AND a save from a stale read of inc-1 refuses on the incident's version: a conflict
    with pytest.raises(ConflictError, match="inc-1"):
        store.save(old.model_copy(update={"status": "resolved", "resolved_at": T0}), entries)


def test_a_run_recorded_twice_counts_once(store: Any) -> None:
    run = Run("PromptRollback", T0, "running")
    for _ in range(2):  # a retried start: the execution's row refuses, the run is not written again
        store.record_run("chat", run, execution_id="x-1", incident_id="inc-1", playbook="pb")
    assert store.runs("chat", T0) == [run]
    assert store.finish_run("x-1", "succeeded") == ("inc-1", "pb")


def test_a_narrative_refused_by_the_day_alone_says_so(store: Any) -> None:
    # GIVEN the service's day at its call cap, the incident far below its own
    limits = NarrativeLimits(
        calls_per_incident=5, tokens_per_incident=10_000, calls_per_day=1, tokens_per_day=10_000
    )
    assert store.reserve_narrative("inc-1", "chat", "2026-11-25", "m1", "model", limits) is None
    # WHEN another incident of the service asks: only the day's update refuses
    assert store.reserve_narrative("inc-2", "chat", "2026-11-25", "m1", "model", limits) == "day_calls"
    # AND the incident asking about the moment it asked already refuses on its own row
    assert store.reserve_narrative("inc-1", "chat", "2026-11-25", "m1", "model", limits) == "cached"
