"""The store semantics the recovery of issue 18 relies on, the same on DynamoDB (moto) and in memory:
leased claims of the root post and of each thread reply, their release, the thread's version mark, and a
run recorded once per execution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aiops.adapters.dynamodb import DynamoStore
from aiops.local.clock import FixedClock
from aiops.local.memory import MemoryStore
from aiops.present.ports import CLAIM_LEASE, MessageRecord
from aiops.remediation.decide import Run

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest, clock: FixedClock) -> Any:
    if request.param == "memory":
        return MemoryStore()
    aws = request.getfixturevalue("aws")
    return DynamoStore("aiops-test", clock=clock, client=aws)


def test_a_root_claim_lapses_after_its_lease_and_a_released_one_at_once(store: Any) -> None:
    assert store.claim("inc-1", "#c", now=T0)
    assert not store.claim("inc-1", "#c", now=T0 + CLAIM_LEASE)  # held
    assert store.claim("inc-1", "#c", now=T0 + CLAIM_LEASE + timedelta(seconds=1))  # lapsed: taken over
    store.release("inc-1")
    record = store.message_for("inc-1")
    assert record is not None and record.ts is None and record.claimed_at is None  # the record stays
    assert store.claim("inc-1", "#c", now=T0 + timedelta(minutes=2))
    assert store.store(MessageRecord("inc-1", "C1", "1.1", 3), expected_version=None)
    store.release("inc-1")  # confirmed: nothing to give back
    assert not store.claim("inc-1", "#c", now=T0 + timedelta(hours=1))  # posted: never again
    assert (store.message_for("inc-1").ts, store.message_for("inc-1").rendered_version) == ("1.1", 3)


def test_a_reply_claim_is_leased_released_and_confirmed(store: Any) -> None:
    store.claim("inc-1", "#c", now=T0)
    store.store(MessageRecord("inc-1", "C1", "1.1", 1), expected_version=None)
    assert store.claim_entry("inc-1", "page:trigger", now=T0)
    assert not store.claim_entry("inc-1", "page:trigger", now=T0 + timedelta(seconds=30))
    record = store.message_for("inc-1", entries=["page:trigger"])
    assert (record.posted_entries, record.pending_entries) == ((), ("page:trigger",))
    assert store.claim_entry("inc-1", "page:trigger", now=T0 + timedelta(seconds=61))  # lapsed
    store.claim_entry("inc-1", "page:trigger", now=T0, release=True)
    assert store.claim_entry("inc-1", "page:trigger", now=T0 + timedelta(seconds=62))  # released
    store.confirm_entry("inc-1", "page:trigger")
    assert not store.claim_entry("inc-1", "page:trigger", now=T0 + timedelta(hours=1))
    record = store.message_for("inc-1", entries=["page:trigger"])
    assert (record.posted_entries, record.pending_entries) == (("page:trigger",), ())


def test_the_thread_mark_never_goes_back_and_survives_root_edits(store: Any) -> None:
    store.claim("inc-1", "#c", now=T0)
    store.store(MessageRecord("inc-1", "C1", "1.1", 1), expected_version=None)
    store.mark_thread("inc-1", 5)
    store.mark_thread("inc-1", 3)
    assert store.store(MessageRecord("inc-1", "C1", "1.1", 6), expected_version=1)
    assert store.message_for("inc-1").thread_version == 5


def test_a_run_is_recorded_once_per_execution(store: Any) -> None:
    run = Run("PromptRollback", T0, "running")
    store.record_run("svc", run, execution_id="e-1", incident_id="inc-1", playbook="p")
    later = Run("PromptRollback", T0 + timedelta(minutes=1), "running")  # a retried start, same execution
    store.record_run("svc", later, execution_id="e-1", incident_id="inc-1", playbook="p")
    assert store.runs("svc", T0 - timedelta(days=1)) == [run]
    assert store.finish_run("e-1", "succeeded") == ("inc-1", "p")
    assert [r.status for r in store.runs("svc", T0 - timedelta(days=1))] == ["succeeded"]
