"""Envelopes: how an event reaches the bot, and the one entry point that turns any of them into signals.

Accepted: a bare EventBridge event, the direct alarm-to-Lambda action, a Lambda SNS event or one of
its records, an SNS notification (an SQS body without raw delivery), a raw SNS message (an SQS body
with raw delivery), and a Lambda SQS batch whose bodies are any of these.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import Field

from aiops.errors import InvalidEventError, UnsupportedEventError
from aiops.signals import cloudwatch, registry
from aiops.signals.base import MAX_EVENT_BYTES, Input, arn_parts, loads, parse, parse_time
from aiops.signals.model import Deferred, Signal
from aiops.text import cap


class EventBridgeEvent(Input):
    id: str = Field(min_length=1, max_length=256)
    source: str = Field(min_length=1, max_length=256)
    detail_type: str = Field(alias="detail-type", max_length=256)
    time: str
    account: str = Field(default="", max_length=32)
    region: str = Field(default="", max_length=32)
    resources: list[str] = []
    detail: dict[str, Any]


class _SnsNotification(Input):
    message_id: str = Field(alias="MessageId", min_length=1, max_length=256)
    topic_arn: str = Field(default="", alias="TopicArn")
    subject: str | None = Field(default=None, alias="Subject")
    message: str = Field(alias="Message")
    timestamp: str = Field(alias="Timestamp")


def normalize_text(text: str | bytes, *, source: str = "event") -> list[Signal]:
    """Signals from a JSON document (a file, an SQS body); size-checked before it is decoded."""
    if isinstance(text, str) and len(text) <= MAX_EVENT_BYTES:
        fast = cloudwatch.from_eventbridge_json(text)
        if fast is not None:
            return [fast.signal()]
    return normalize(loads(text, source=source, field="(document)"))


def normalize(payload: Any, *, fallback_id: str = "") -> list[Signal]:
    """Signals from any accepted envelope. Raises only InvalidEventError / UnsupportedEventError."""
    if not isinstance(payload, dict):
        raise InvalidEventError(f"expected a JSON object, got {type(payload).__name__}", source="event")
    records = payload.get("Records")
    if isinstance(records, list):
        if not records:
            raise InvalidEventError("is empty", source="lambda", field="Records")
        out: list[Signal] = []
        for i, record in enumerate(records):
            out.extend(_record(record, i))
        return out
    if "Sns" in payload:
        return [_sns_record(payload, "Sns")]
    if payload.get("Type") == "Notification" and "Message" in payload:
        return [_sns_notification(payload, "")]
    if "detail-type" in payload:
        return [normalize_eventbridge(payload)]
    if "alarmData" in payload:
        return [_lambda_alarm_action(payload)]
    if any(matches(payload) for matches, _ in registry.SNS_JSON):
        if not fallback_id:
            raise InvalidEventError("raw SNS message without a message id", source="aws.sns")
        return [_raw_message(payload, fallback_id)]
    raise UnsupportedEventError("not an EventBridge event, SNS message or SQS batch", source="event")


def normalize_eventbridge(event: Any) -> Signal:
    src = event.get("source") if isinstance(event, dict) else None
    source = src if isinstance(src, str) and src else "eventbridge"
    ev = parse(EventBridgeEvent, event, source=cap(source, 64))
    fn = registry.EVENTBRIDGE.get((ev.source, ev.detail_type))
    if fn is None:
        if ev.source in registry.SOURCES:
            raise UnsupportedEventError(
                f"detail-type {cap(ev.detail_type, 80)!r} is not handled",
                source=ev.source,
                field="detail-type",
            )
        raise UnsupportedEventError("source is not handled", source=cap(ev.source, 64), field="source")
    when = parse_time(ev.time, source=ev.source, field="time")
    return fn(ev, when)


def _record(record: Any, index: int) -> list[Signal]:
    if not isinstance(record, dict):
        raise InvalidEventError("must be an object", source="lambda", field=f"Records[{index}]")
    if record.get("eventSource") == "aws:sqs":
        body = record.get("body")
        mid = record.get("messageId")
        if not isinstance(body, str):
            raise InvalidEventError("must be a string", source="aws.sqs", field=f"Records[{index}].body")
        return sqs_body(body, mid if isinstance(mid, str) else "")
    if "Sns" in record:
        return [_sns_record(record, f"Records[{index}].Sns")]
    raise UnsupportedEventError("record is neither SQS nor SNS", source="lambda", field=f"Records[{index}]")


def sqs_body(body: str, message_id: str) -> list[Signal]:
    """Signals from one SQS message body (an EventBridge event or an SNS notification, raw or not)."""
    return [s if isinstance(s, Signal) else s.signal() for s in prepare_sqs_body(body, message_id)]


def prepare_sqs_body(body: str, message_id: str) -> list[Signal | Deferred]:
    """:func:`sqs_body` for the pipeline: an alarm event (the bulk of a storm) comes back validated but
    unbuilt, so that a duplicate delivery costs its validation only."""
    if len(body) <= MAX_EVENT_BYTES:
        fast = cloudwatch.from_eventbridge_json(body)
        if fast is not None:
            return [fast]
    return list(normalize(loads(body, source="aws.sqs", field="body"), fallback_id=message_id))


def _sns_record(record: dict[str, Any], field: str) -> Signal:
    sns = record.get("Sns")
    if not isinstance(sns, dict):
        raise InvalidEventError("must be an object", source="aws.sns", field=field)
    return _sns_notification(sns, field)


def _sns_notification(payload: dict[str, Any], field: str) -> Signal:
    n = parse(_SnsNotification, payload, source="aws.sns", prefix=field)
    when = parse_time(n.timestamp, source="aws.sns", field="Timestamp").replace(microsecond=0)
    region, account = arn_parts(n.topic_arn)
    if len(n.message) > MAX_EVENT_BYTES:
        raise InvalidEventError(
            f"is {len(n.message)} bytes, over the {MAX_EVENT_BYTES}-byte limit",
            source="aws.sns",
            field="Message",
        )
    return sns_message(
        n.message, n.subject or "", message_id=n.message_id, time=when, account=account, region=region
    )


def sns_message(
    message: str, subject: str, *, message_id: str, time: datetime, account: str, region: str
) -> Signal:
    """Dispatch an SNS ``Message`` to the normalizer of the service that published it."""
    for matches, fn in registry.SNS_TEXT:
        if matches(message, subject):
            return fn(message, subject, message_id, time, account, region)
    if not message.lstrip().startswith(("{", "[")):
        raise UnsupportedEventError(
            "is neither JSON nor a known text notification", source="aws.sns", field="Message"
        )
    try:
        doc = json.loads(message)
    except (ValueError, RecursionError) as exc:
        raise InvalidEventError(
            f"is not valid JSON ({str(exc)[:120]})", source="aws.sns", field="Message"
        ) from None
    if not isinstance(doc, dict):
        raise InvalidEventError("must be a JSON object", source="aws.sns", field="Message")
    if "detail-type" in doc:  # an EventBridge event forwarded through SNS
        return normalize_eventbridge(doc)
    for match_json, fn_json in registry.SNS_JSON:
        if match_json(doc):
            return fn_json(doc, message_id, time, account, region)
    raise UnsupportedEventError("SNS message of an unknown publisher", source="aws.sns", field="Message")


_RAW_TIME_FIELDS = ("StateChangeTime", "startTimeISO", "startTimeIso", "anomalyEndDate")


def _raw_message(payload: dict[str, Any], message_id: str) -> Signal:
    """An SQS body under raw delivery: the publisher's message itself, no SNS metadata."""
    for match_json, fn_json in registry.SNS_JSON:
        if match_json(payload):
            field = next((f for f in _RAW_TIME_FIELDS if payload.get(f)), _RAW_TIME_FIELDS[0])
            when = parse_time(payload.get(field), source="aws.sns", field=field)
            return fn_json(payload, message_id, when, "", "")
    raise UnsupportedEventError("raw SNS message of an unknown publisher", source="aws.sns")


def _lambda_alarm_action(payload: dict[str, Any]) -> Signal:
    arn = payload.get("alarmArn")
    arn = arn if isinstance(arn, str) else ""
    when = parse_time(payload.get("time"), source=cloudwatch.SOURCE, field="time")
    region, account = arn_parts(arn)
    acct = payload.get("accountId")
    reg = payload.get("region")
    # The action carries no event id; the alarm's ARN and the transition time identify it.
    event_id = f"{arn or 'alarm'}@{when.isoformat()}"
    return cloudwatch.from_detail(
        payload.get("alarmData"),
        event_id=cap(event_id, 512),
        time=when,
        account=acct if isinstance(acct, str) else account,
        region=reg if isinstance(reg, str) else region,
        alarm_arn=arn,
        prefix="alarmData",
    )


SignalFactory = Callable[[EventBridgeEvent, datetime], Signal]
