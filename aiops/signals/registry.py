"""Explicit registries: which normalizer reads which event. No discovery, no import-time magic."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiops.signals import cloudwatch
from aiops.signals.model import Signal

if TYPE_CHECKING:
    from aiops.signals.envelopes import EventBridgeEvent

EventBridgeNormalizer = Callable[["EventBridgeEvent", datetime], Signal]
SnsJsonNormalizer = Callable[[dict[str, Any], str, datetime, str, str], Signal]
SnsTextNormalizer = Callable[[str, str, str, datetime, str, str], Signal]


def _cw_alarm(ev: EventBridgeEvent, when: datetime) -> Signal:
    arn = ev.resources[0] if ev.resources and isinstance(ev.resources[0], str) else ""
    return cloudwatch.from_detail(
        ev.detail, event_id=ev.id, time=when, account=ev.account, region=ev.region, alarm_arn=arn
    )


def _cw_sns(doc: dict[str, Any], message_id: str, when: datetime, account: str, region: str) -> Signal:
    return cloudwatch.from_sns_message(doc, message_id=message_id, time=when, account=account, region=region)


EVENTBRIDGE: dict[tuple[str, str], EventBridgeNormalizer] = {
    ("aws.cloudwatch", "CloudWatch Alarm State Change"): _cw_alarm,
}

SNS_JSON: list[tuple[Callable[[dict[str, Any]], bool], SnsJsonNormalizer]] = [
    (lambda d: "AlarmName" in d and "NewStateValue" in d, _cw_sns),
]

SNS_TEXT: list[tuple[Callable[[str, str], bool], SnsTextNormalizer]] = []

SOURCES = frozenset(source for source, _ in EVENTBRIDGE)
