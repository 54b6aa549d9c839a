"""What a row's attributes hold: DynamoDB attribute values (through boto3's own ``TypeSerializer``),
epoch seconds for TTL, stored times, and the JSON documents of state rows and timeline entries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from pydantic import TypeAdapter

from aiops.incident.model import SignalState, TimelineEntry

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeSerializer

Stored = str | int | bool
"""What the adapter writes: strings, whole numbers, flags (boto3 refuses floats; nothing here has one)."""


@cache
def _serializer() -> TypeSerializer:
    """boto3's serializer, imported when a row is first written: importing boto3 costs a local replay
    on the in-memory store (which never writes a DynamoDB item) a fifth of a second of its start."""
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


STATE_DOC: TypeAdapter[SignalState] = TypeAdapter(SignalState)
ENTRY_DOC: TypeAdapter[TimelineEntry] = TypeAdapter(TimelineEntry)
"""State rows and timeline entries, as JSON: validated on the way in, like every model read back."""


def av(value: Stored) -> dict[str, Any]:
    """One attribute value as the low-level client takes it: ``{"S": ...}``, ``{"N": ...}`` or
    ``{"BOOL": ...}``."""
    return cast("dict[str, Any]", _serializer().serialize(value))


def attrs(values: Mapping[str, Stored]) -> dict[str, Any]:
    """A whole item (or the values of an expression), each value as :func:`av` writes it."""
    return {name: av(value) for name, value in values.items()}


def epoch(value: datetime) -> int:
    """Whole seconds since the epoch: a TTL (``expires_at``) or a lease (``claimed_at``)."""
    return int(value.timestamp())


def read_time(text: str) -> datetime:
    """A time the adapter stored with ``format_time`` (RFC 3339, ``Z``), read back aware."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
