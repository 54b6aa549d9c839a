"""AWS Health events: evidence that a provider (e.g. Bedrock in the region), not the app, is at fault."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from aiops.signals.base import Input, parse, parse_time
from aiops.signals.model import HealthInfo, Signal, Status
from aiops.text import MAX_TEXT, MAX_TITLE, cap

SOURCE = "aws.health"
_STATUS: dict[str, Status] = {"open": "firing", "closed": "resolved", "upcoming": "info"}


class _Description(Input):
    language: str = ""
    latest_description: str = Field(default="", alias="latestDescription")


class _Entity(Input):
    entity_value: str = Field(default="", alias="entityValue")


class _Detail(Input):
    event_arn: str = Field(alias="eventArn", min_length=1)
    service: str = Field(min_length=1)
    event_type_code: str = Field(default="", alias="eventTypeCode")
    event_type_category: str = Field(default="", alias="eventTypeCategory")
    status_code: str = Field(alias="statusCode")
    start_time: str = Field(default="", alias="startTime")
    end_time: str = Field(default="", alias="endTime")
    event_region: str = Field(default="", alias="eventRegion")
    event_description: list[_Description] = Field(default=[], alias="eventDescription")
    affected_entities: list[_Entity] = Field(default=[], alias="affectedEntities")


def from_detail(detail: Any, *, event_id: str, time: datetime, account: str, region: str) -> Signal:
    d = parse(_Detail, detail, source=SOURCE, prefix="detail")
    status = _STATUS.get(d.status_code.lower())
    if status is None:
        from aiops.errors import InvalidEventError

        raise InvalidEventError(
            f"unknown status {cap(d.status_code, 20)!r}", source=SOURCE, field="detail.statusCode"
        )
    english = [x.latest_description for x in d.event_description if x.language.startswith("en")]
    text = (english or [x.latest_description for x in d.event_description] or [""])[0]
    info = HealthInfo(
        service=cap(d.service, 64),
        event_type_code=cap(d.event_type_code, 128),
        event_type_category=cap(d.event_type_category, 64),
        status_code=d.status_code.lower(),
        description=cap(text),
        affected_entities=tuple(cap(e.entity_value, 512) for e in d.affected_entities[:20] if e.entity_value),
        start_time=parse_time(d.start_time, source=SOURCE, field="detail.startTime")
        if d.start_time
        else None,
        end_time=parse_time(d.end_time, source=SOURCE, field="detail.endTime") if d.end_time else None,
    )
    return Signal(
        id=event_id,
        source=SOURCE,
        time=time,
        kind="health",
        status=status,
        resource=cap(d.event_arn, MAX_TEXT),
        title=cap(f"AWS Health: {info.service} {info.event_type_code} ({info.status_code})", MAX_TITLE),
        account=account,
        region=cap(d.event_region or region, 32),
        detail_type="AWS Health Event",
        health=info,
    )
