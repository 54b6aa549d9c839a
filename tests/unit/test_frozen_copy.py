"""The incident models' shallow copy (``aiops/incident/frozen.py``) gives what pydantic's own gives: the
same fields, the same set of fields set, no extra, no private; it only costs less. A copy whose update
sets nothing new shares its original's set of fields set, which is safe because nothing adds to it: a
frozen model refuses assignment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from aiops.incident.model import Incident, Member

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _incident() -> Incident:
    member = Member(
        fingerprint="fp",
        kind="alarm",
        resource="chat-api-5xx",
        component="api",
        title="chat-api-5xx is in ALARM",
        status="firing",
        first_seen=T0,
        last_change=T0,
    )
    return Incident(
        id="inc-1", service="chat", title="t", opened_at=T0, last_activity_at=T0, members={"fp": member}
    )


def _state(model: BaseModel) -> tuple[Any, ...]:
    return (
        type(model),
        model.__dict__,
        model.model_fields_set,
        model.__pydantic_extra__,
        model.__pydantic_private__,
    )


@pytest.mark.parametrize(
    "update",
    [
        None,
        {},
        {"version": 7},  # a field not set before: the copy's set grows, the original's does not
        {"status": "mitigated", "mitigated_at": T0},
        {"members": {}},  # a field set before: the set is the same
    ],
)
def test_a_copy_is_what_pydantic_s_own_copy_is(update: dict[str, Any] | None) -> None:
    incident = _incident()
    before = set(incident.model_fields_set)
    ours = incident.model_copy(update=update)
    theirs = BaseModel.model_copy(incident, update=update)
    assert _state(ours) == _state(theirs)
    assert ours == theirs and ours is not incident
    assert incident.model_fields_set == before  # copying never changes the original


def test_copies_sharing_a_set_of_fields_set_cannot_change_it() -> None:
    incident = _incident().model_copy(update={"version": 1})
    again = incident.model_copy(update={"version": 2})  # nothing new set: the set is shared
    assert again.model_fields_set == incident.model_fields_set
    with pytest.raises(ValidationError):
        again.version = 3  # type: ignore[misc]  # frozen: refused before anything is recorded
    with pytest.raises(ValidationError):
        again.reopens = 4  # type: ignore[misc]
    assert "reopens" not in incident.model_fields_set and "reopens" not in again.model_fields_set
    deep = again.model_copy(update={"reopens": 1}, deep=True)  # pydantic's deep copy: a set of its own
    assert "reopens" in deep.model_fields_set and "reopens" not in incident.model_fields_set
