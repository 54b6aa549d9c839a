"""A fingerprint's state row and a timeline entry: the JSON DynamoDB stores is an object with the
fields' names, and it reads back equal (plain dataclasses in the core, validated on the way in)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from aiops.adapters.dynamodb.codec import ENTRY_DOC, STATE_DOC
from aiops.incident.model import SignalRef, SignalState, TimelineEntry

T = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def test_state_row_round_trips_as_a_json_object() -> None:
    state = SignalState(
        fingerprint="fp",
        status="resolved",
        last_time=T,
        incident_id="inc-1",
        changes=(T, T.replace(minute=5)),
        orphans=(SignalRef(id="e1", time=T, kind="alarm", status="resolved"),),
        version=7,
    )
    text = STATE_DOC.dump_json(state).decode()
    doc = json.loads(text)
    assert doc["last_time"] == "2026-11-25T03:00:00Z" and doc["version"] == 7
    assert doc["orphans"] == [
        {"id": "e1", "time": "2026-11-25T03:00:00Z", "kind": "alarm", "status": "resolved"}
    ]
    assert STATE_DOC.validate_json(text) == state


def test_a_corrupt_state_row_is_refused_not_half_read() -> None:
    with pytest.raises(ValidationError):
        STATE_DOC.validate_json(
            '{"fingerprint": "fp", "status": "exploded", "last_time": "2026-11-25T03:00:00Z"}'
        )


def test_timeline_entry_round_trips_as_a_json_object() -> None:
    entry = TimelineEntry(incident_id="inc-1", at=T, key="signal:e1", kind="signal", text="alarm a firing")
    text = ENTRY_DOC.dump_json(entry).decode()
    assert json.loads(text) == {
        "incident_id": "inc-1",
        "at": "2026-11-25T03:00:00Z",
        "key": "signal:e1",
        "kind": "signal",
        "text": "alarm a firing",
        "actor": "aiops",
    }
    assert ENTRY_DOC.validate_json(text) == entry
