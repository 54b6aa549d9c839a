"""AWS Health events: evidence that a provider (e.g. Bedrock in the region), not the app, is at fault.

Both published forms: with ``statusCode`` (open / closed / upcoming) and the long-published one
without it (``eventTypeCategory``, ``startTime``, optional ``endTime``), the ARN as ``eventArn`` or
``arn``, times in ISO 8601 or RFC 1123. Without a status code an ``issue`` is open until its
``endTime`` has passed at the event's time; any other category (an account notification, a scheduled
change, an investigation) announces no outage and is ``info``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, Field

from aiops.errors import EventError, InvalidEventError
from aiops.signals.base import Input, parse, parse_time
from aiops.signals.model import HealthInfo, Signal, Status
from aiops.signals.tolerant import Items, Text
from aiops.text import MAX_TEXT, MAX_TITLE, cap

SOURCE = "aws.health"
_STATUS: dict[str, Status] = {"open": "firing", "closed": "resolved", "upcoming": "info"}


class _Description(Input):
    language: Text = ""
    latest_description: Text = Field(default="", alias="latestDescription")


class _Entity(Input):
    entity_value: Text = Field(default="", alias="entityValue")


class _Detail(Input):
    event_arn: str = Field(validation_alias=AliasChoices("eventArn", "arn"), min_length=1)
    service: Text = ""
    event_type_code: Text = Field(default="", alias="eventTypeCode")
    event_type_category: Text = Field(default="", alias="eventTypeCategory")
    status_code: Text = Field(default="", alias="statusCode")
    start_time: Text = Field(default="", alias="startTime")
    end_time: Text = Field(default="", alias="endTime")
    event_region: Text = Field(default="", validation_alias=AliasChoices("eventRegion", "region"))
    event_description: Items[_Description] = Field(default=[], alias="eventDescription")
    affected_entities: Items[_Entity] = Field(default=[], alias="affectedEntities")


def from_detail(detail: Any, *, event_id: str, time: datetime, account: str, region: str) -> Signal:
    d = parse(_Detail, detail, source=SOURCE, prefix="detail")
    start, end = _time(d.start_time, "startTime"), _time(d.end_time, "endTime")
    code = d.status_code.strip().lower()
    if code:
        status = _STATUS.get(code)
        if status is None:
            raise InvalidEventError(
                f"unknown status {cap(d.status_code, 20)!r}", source=SOURCE, field="detail.statusCode"
            )
    elif d.event_type_category.strip().lower() != "issue":
        status = "info"
    else:
        code = "closed" if end is not None and end <= time else "open"
        status = _STATUS[code]
    english = [x.latest_description for x in d.event_description if x.language.startswith("en")]
    text = (english or [x.latest_description for x in d.event_description] or [""])[0]
    info = HealthInfo(
        service=cap(d.service, 64),
        event_type_code=cap(d.event_type_code, 128),
        event_type_category=cap(d.event_type_category, 64),
        status_code=cap(code, 16),
        description=cap(text),
        affected_entities=tuple(cap(e.entity_value, 512) for e in d.affected_entities[:20] if e.entity_value),
        start_time=start,
        end_time=end,
    )
    what = " ".join(p for p in (info.service, info.event_type_code) if p) or "event"
    state = info.status_code or info.event_type_category or "unknown"
    return Signal(
        id=event_id,
        source=SOURCE,
        time=time,
        kind="health",
        status=status,
        resource=cap(d.event_arn, MAX_TEXT),
        title=cap(f"AWS Health: {what} ({state})", MAX_TITLE),
        account=account,
        region=cap(d.event_region or region, 32),
        detail_type="AWS Health Event",
        health=info,
    )


def _time(value: str, field: str) -> datetime | None:
    """A start or end time; a garbled one costs that time only (the event's own time is required)."""
    if not value:
        return None
    try:
        return parse_time(value, source=SOURCE, field=f"detail.{field}")
    except EventError:
        return None
