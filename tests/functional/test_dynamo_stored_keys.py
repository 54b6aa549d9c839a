"""The keys a deployed table already holds: every row family, written through the adapter on moto, read
back with a Scan and compared with the literal strings the table has always stored.

A deployed table keeps its rows across a release, so a refactor of how keys are built must not move a
byte of them (issue 28): these strings are written here by hand, never derived from the key module.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aiops.incident.model import Incident, SignalState, TimelineEntry
from aiops.incident.ports import Silence
from aiops.local.clock import FixedClock
from aiops.present.ports import MessageRecord, NarrativeLimits
from aiops.remediation.decide import Run
from aiops.signals import normalize
from aiops.signals.model import Signal
from tests.support.events import alarm_event

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 25, 10, 5, 30, 250000, tzinfo=UTC)  # with a fraction: written to the microsecond


@pytest.fixture
def store() -> Iterator[Any]:
    from aiops.adapters.dynamodb import DynamoStore
    from aiops.local.emulator import emulator

    with emulator("stored-keys") as client:
        yield DynamoStore("stored-keys", clock=FixedClock(T0), client=client)


def _rows(store: Any) -> dict[tuple[str, str], dict[str, Any]]:
    items = store.client.get_paginator("scan").paginate(TableName=store.table)
    return {(i["pk"]["S"], i["sk"]["S"]): i for page in items for i in page["Items"]}


def _signal(eid: str, at: datetime = T0) -> Signal:
    [signal] = normalize(
        alarm_event("chat-api-5xx", "ALARM", at.strftime("%Y-%m-%dT%H:%M:%SZ"), event_id=eid)
    )
    return signal


def test_every_row_family_is_stored_under_the_keys_a_deployed_table_holds(store: Any) -> None:
    # GIVEN one write of every kind the adapter makes
    incident = Incident(
        id="inc-1", service="chat", title="t", opened_at=T0, last_activity_at=T0, scope="chat|111|us-east-1"
    )
    created = store.create(incident)
    entries = [
        TimelineEntry(incident_id="inc-1", at=T1, key="sig:e-1", kind="signal", text="x"),
        TimelineEntry(incident_id="inc-1", at=T1, key="act:roll#1", kind="action", text="y"),
    ]
    store.save(created, entries)
    global_incident = Incident(id="inc-2", service="billing", title="t", opened_at=T1, last_activity_at=T1)
    store.create(global_incident)
    signal = _signal("e-1")
    state = SignalState(fingerprint="fp-9", status="firing", last_time=T0, incident_id="inc-1", version=1)
    assert store.record(signal, state, incident_ids=["inc-1"], expected_version=None, expires_at=T0)
    store.remember("change:chat", _signal("e-ctx", T1), expires_at=T0 + timedelta(days=1))
    store.silence(Silence("chat", "bedrock", T0 + timedelta(hours=1), "U42", "maintenance"))
    store.silence(Silence("chat", None, T0 + timedelta(hours=2), "U43"))
    assert store.claim("inc-1", "C1", now=T0)
    assert store.store(
        MessageRecord(incident_id="inc-1", channel="C1", ts="171.1", rendered_version=2),
        expected_version=None,
    )
    assert store.claim_entry("inc-1", "act:roll#1", now=T0)
    store.record_run(
        "chat", Run("PromptRollback", T1, "running"), execution_id="x-1", incident_id="inc-1", playbook="pb"
    )
    store.index("a1b2c3", created, previous=None)
    limits = NarrativeLimits(
        calls_per_incident=3, tokens_per_incident=9000, calls_per_day=10, tokens_per_day=1
    )
    assert store.reserve_narrative("inc-1", "chat", "2026-11-25", "d1", "m", limits) is None

    # THEN the table holds exactly these keys, byte for byte
    rows = _rows(store)
    assert sorted(rows) == sorted(
        [
            ("EVT#e-1", "EVT"),
            ("FP#fp-9", "STATE"),
            ("SVC#chat", "CURRENT#111|us-east-1"),
            ("SVC#billing", "CURRENT"),
            ("INC#inc-1", "META"),
            ("INC#inc-2", "META"),
            ("INC#inc-1", "SIG#2026-11-25T10:00:00Z#e-1"),
            ("INC#inc-1", "TL#2026-11-25T10:05:30.250000Z#sig:e-1"),
            ("INC#inc-1", "TL#2026-11-25T10:05:30.250000Z#act:roll#1"),
            ("INC#inc-1", "VER#0000000002#act:roll#1"),
            ("INC#inc-1", "SLACK"),
            ("INC#inc-1", "SLACK#act:roll#1"),
            ("INC#inc-1", "NARR"),
            ("NARR#chat", "2026-11-25"),
            ("CTX#change:chat", "2026-11-25T10:05:30Z#e-ctx"),
            ("SIL#chat", "bedrock#2026-11-25T11:00:00Z#U42"),
            ("SIL#chat", "*#2026-11-25T12:00:00Z#U43"),
            ("RUN#chat", "2026-11-25T10:05:30.250000Z#x-1"),
            ("EXE#x-1", "EXE"),
            ("SIM#a1b2c3#chat", "2026-11-25T10:00:00Z#inc-1"),
            ("SIM#a1b2c3", "2026-11-25T10:00:00Z#inc-1"),
        ]
    )
    # AND the index keys and the keys kept as attributes are the same strings as ever
    meta = rows[("INC#inc-1", "META")]
    assert meta["hist_month"] == {"S": "2026-11"}
    assert meta["hist_opened"] == {"S": "2026-11-25T10:00:00Z#inc-1"}
    assert meta["unsettled"] == {"S": "1"} and meta["opened"] == {"S": "2026-11-25T10:00:00Z#inc-1"}
    assert rows[("INC#inc-2", "META")]["hist_opened"] == {"S": "2026-11-25T10:05:30.250000Z#inc-2"}
    assert rows[("EXE#x-1", "EXE")]["run_sk"] == {"S": "2026-11-25T10:05:30.250000Z#x-1"}
    assert rows[("SVC#chat", "CURRENT#111|us-east-1")]["incident_id"] == {"S": "inc-1"}
    # AND every attribute of the rows keeps its DynamoDB type
    assert meta["version"] == {"N": "2"} and rows[("EVT#e-1", "EVT")]["expires_at"] == {"N": "1795600800"}
    assert rows[("SVC#billing", "CURRENT")]["active"] == {"BOOL": True}
