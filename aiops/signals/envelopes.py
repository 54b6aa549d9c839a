"""Envelopes: how an event reaches the bot, and the one entry point that turns any of them into signals.

Accepted: a bare EventBridge event, the direct alarm-to-Lambda action, a Lambda SNS event or one of
its records, an SNS notification (an SQS body without raw delivery), a raw SNS message (an SQS body
with raw delivery: the publisher's JSON or text itself), and a Lambda SQS batch whose bodies are any
of these, mixed. Which normalizer reads what is :mod:`aiops.signals.registry`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiops.errors import InvalidEventError, UnsupportedEventError
from aiops.signals import cloudwatch, registry
from aiops.signals.base import MAX_EVENT_BYTES, arn_parts, epoch_millis, loads, parse, parse_time
from aiops.signals.envelope_inputs import EventBridgeEvent, SnsNotification
from aiops.signals.model import Deferred, Signal
from aiops.text import cap


def normalize_text(text: str | bytes, *, source: str = "event") -> list[Signal]:
    """Signals from a JSON document (a file, an SQS body); size-checked before it is decoded."""
    if isinstance(text, str) and len(text) <= MAX_EVENT_BYTES:
        fast = cloudwatch.from_eventbridge_json(text)
        if fast is not None:
            return [fast.signal()]
    return normalize(loads(text, source=source, field="(document)"))


def normalize(payload: Any, *, fallback_id: str = "", sent: datetime | None = None) -> list[Signal]:
    """Signals from any accepted envelope. Raises only InvalidEventError / UnsupportedEventError.
    ``fallback_id`` and ``sent`` are the id and time of a raw SQS delivery, which has neither."""
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
        return [_raw_message(payload, fallback_id, sent)]
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
        attributes = record.get("attributes")
        sent = attributes.get("SentTimestamp") if isinstance(attributes, dict) else None
        if not isinstance(body, str):
            raise InvalidEventError("must be a string", source="aws.sqs", field=f"Records[{index}].body")
        return sqs_body(body, mid if isinstance(mid, str) else "", sent_timestamp=sent)
    if "Sns" in record:
        return [_sns_record(record, f"Records[{index}].Sns")]
    raise UnsupportedEventError("record is neither SQS nor SNS", source="lambda", field=f"Records[{index}]")


def sqs_body(body: str, message_id: str, *, sent_timestamp: Any = None) -> list[Signal]:
    """Signals from one SQS message body (an EventBridge event or an SNS notification, raw or not).
    ``sent_timestamp`` is the record's ``SentTimestamp`` attribute (epoch milliseconds): the time of
    a raw message that carries none of its own."""
    return [
        s if isinstance(s, Signal) else s.signal()
        for s in prepare_sqs_body(body, message_id, sent_timestamp=sent_timestamp)
    ]


def prepare_sqs_body(body: str, message_id: str, *, sent_timestamp: Any = None) -> list[Signal | Deferred]:
    """:func:`sqs_body` for the pipeline: an alarm event (the bulk of a storm) comes back validated but
    unbuilt, so that a duplicate delivery costs its validation only."""
    if len(body) <= MAX_EVENT_BYTES:
        fast = cloudwatch.from_eventbridge_json(body)
        if fast is not None:
            return [fast]
    sent = epoch_millis(sent_timestamp)
    if not body.lstrip().startswith(("{", "[")) and len(body) <= MAX_EVENT_BYTES:
        return [_raw_text(body, message_id, sent)]
    return list(normalize(loads(body, source="aws.sqs", field="body"), fallback_id=message_id, sent=sent))


def _sns_record(record: dict[str, Any], field: str) -> Signal:
    sns = record.get("Sns")
    if not isinstance(sns, dict):
        raise InvalidEventError("must be an object", source="aws.sns", field=field)
    return _sns_notification(sns, field)


def _sns_notification(payload: dict[str, Any], field: str) -> Signal:
    n = parse(SnsNotification, payload, source="aws.sns", prefix=field)
    when = parse_time(n.timestamp, source="aws.sns", field="Timestamp").replace(microsecond=0)
    region, account = arn_parts(n.topic_arn)
    if len(n.message) > MAX_EVENT_BYTES:
        raise InvalidEventError(
            f"is {len(n.message)} bytes, over the {MAX_EVENT_BYTES}-byte limit",
            source="aws.sns",
            field="Message",
        )
    return sns_message(
        n.message, n.subject, message_id=n.message_id, time=when, account=account, region=region
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


def _raw_message(payload: dict[str, Any], message_id: str, sent: datetime | None) -> Signal:
    """An SQS body under raw delivery: the publisher's JSON message itself, no SNS metadata. Its time
    is the publisher's own, else the time SQS received it."""
    for match_json, fn_json in registry.SNS_JSON:
        if match_json(payload):
            field = next((f for f in _RAW_TIME_FIELDS if payload.get(f)), None)
            if field is not None or sent is None:
                field = field or _RAW_TIME_FIELDS[0]
                sent = parse_time(payload.get(field), source="aws.sns", field=field)
            return fn_json(payload, message_id, sent, "", "")
    raise UnsupportedEventError("raw SNS message of an unknown publisher", source="aws.sns")


def _raw_text(body: str, message_id: str, sent: datetime | None) -> Signal:
    """An SQS body under raw delivery of a text publisher (AWS Budgets): the notification text itself,
    timed by the SQS record's SentTimestamp."""
    if not any(matches(body, "") for matches, _ in registry.SNS_TEXT):
        raise UnsupportedEventError(
            "is neither JSON nor a known text notification", source="aws.sqs", field="body"
        )
    if not message_id:
        raise InvalidEventError("raw SQS text without a message id", source="aws.sqs", field="messageId")
    if sent is None:
        raise InvalidEventError(
            "is needed: a raw text message carries no time of its own",
            source="aws.sqs",
            field="attributes.SentTimestamp",
        )
    return sns_message(body, "", message_id=message_id, time=sent, account="", region="")


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
