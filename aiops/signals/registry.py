"""Explicit registries: which normalizer reads which event. No discovery, no import-time magic.

Imports go one way: :mod:`aiops.signals.envelopes` reads these tables; the tables name the
normalizers; no normalizer imports an envelope.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiops.signals import (
    automation,
    budgets,
    changes,
    cloudwatch,
    cloudwatch_sns,
    cost,
    devopsguru,
    forecast,
    health,
)
from aiops.signals.envelope_inputs import EventBridgeEvent
from aiops.signals.model import Signal

EventBridgeNormalizer = Callable[[EventBridgeEvent, datetime], Signal]
SnsJsonNormalizer = Callable[[dict[str, Any], str, datetime, str, str], Signal]
SnsTextNormalizer = Callable[[str, str, str, datetime, str, str], Signal]


def _cw_alarm(ev: EventBridgeEvent, when: datetime) -> Signal:
    arn = ev.resources[0] if ev.resources and isinstance(ev.resources[0], str) else ""
    return cloudwatch.from_detail(
        ev.detail, event_id=ev.id, time=when, account=ev.account, region=ev.region, alarm_arn=arn
    )


def _devops_guru(ev: EventBridgeEvent, when: datetime) -> Signal:
    return devopsguru.from_detail(
        ev.detail,
        kind_status=devopsguru.DETAIL_TYPES[ev.detail_type],
        event_id=ev.id,
        time=when,
        account=ev.account,
        region=ev.region,
        detail_type=ev.detail_type,
    )


def _health(ev: EventBridgeEvent, when: datetime) -> Signal:
    return health.from_detail(ev.detail, event_id=ev.id, time=when, account=ev.account, region=ev.region)


def _cost(ev: EventBridgeEvent, when: datetime) -> Signal:
    return cost.from_document(
        ev.detail,
        event_id=ev.id,
        time=when,
        account=ev.account,
        region=ev.region,
        detail_type=ev.detail_type,
        prefix="detail",
    )


def _parameter_store(ev: EventBridgeEvent, when: datetime) -> Signal:
    return changes.from_parameter_store(
        ev.detail, event_id=ev.id, time=when, account=ev.account, region=ev.region
    )


def _cloudtrail(ev: EventBridgeEvent, when: datetime) -> Signal:
    return changes.from_cloudtrail(
        ev.detail, source=ev.source, event_id=ev.id, time=when, account=ev.account, region=ev.region
    )


def _forecast(ev: EventBridgeEvent, when: datetime) -> Signal:
    return forecast.from_detail(ev.detail, event_id=ev.id, time=when, account=ev.account, region=ev.region)


def _automation(ev: EventBridgeEvent, when: datetime) -> Signal:
    return automation.from_detail(
        ev.detail, detail_type=ev.detail_type, event_id=ev.id, time=when, account=ev.account, region=ev.region
    )


EVENTBRIDGE: dict[tuple[str, str], EventBridgeNormalizer] = {
    ("aws.cloudwatch", "CloudWatch Alarm State Change"): _cw_alarm,
    **{("aws.devops-guru", dt): _devops_guru for dt in devopsguru.DETAIL_TYPES},
    ("aws.health", "AWS Health Event"): _health,
    ("aws.ce", "Anomaly Detected"): _cost,
    ("aws.ssm", "Parameter Store Change"): _parameter_store,
    ("aws.ssm", "AWS API Call via CloudTrail"): _cloudtrail,
    ("aws.bedrock", "AWS API Call via CloudTrail"): _cloudtrail,
    ("aws.ssm", automation.EXECUTION): _automation,
    ("aws.ssm", automation.STEP): _automation,
    (forecast.SOURCE, forecast.DETAIL_TYPE): _forecast,
}

SNS_JSON: list[tuple[Callable[[dict[str, Any]], bool], SnsJsonNormalizer]] = [
    (cloudwatch_sns.matches, cloudwatch_sns.from_sns_message),
    (devopsguru.matches, devopsguru.from_sns_message),
    (cost.matches, cost.from_sns_message),
]

SNS_TEXT: list[tuple[Callable[[str, str], bool], SnsTextNormalizer]] = [
    (budgets.matches, budgets.from_sns_text),
]

SOURCES = frozenset(source for source, _ in EVENTBRIDGE)
