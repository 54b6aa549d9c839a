"""CloudWatch alarm events: the EventBridge "CloudWatch Alarm State Change" and the direct alarm-to-Lambda
action (``alarmData``, the same inner shape), down to the head of their signal.

This is the hot path of a storm. :func:`from_eventbridge_json` validates an alarm event straight from
its JSON text and returns a :class:`~aiops.signals.model.Deferred`: the head (id, status, resource,
fingerprint, names, metrics, tags) now, the full signal only when a stage asks for it. What an alarm's
configuration derives is kept per alarm while the configuration is equal, so a storm of one alarm
derives it once. The SNS shape of an alarm is :mod:`aiops.signals.cloudwatch_sns`; what all shapes
share is :mod:`aiops.signals.alarm_parts`. Single-metric, metric-math, anomaly-detection and composite
alarms all come through here; an alarm on ``AWS/Logs`` ``AnomalyCount`` is CloudWatch Logs anomaly
detection and becomes kind ``log_anomaly``.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

from pydantic import ValidationError

from aiops.errors import InvalidEventError
from aiops.signals import alarm_parts as parts
from aiops.signals.alarm_inputs import ALARM_EVENT, DETAIL, NO_CONFIG, AlarmDetail, Config, MetricEntry
from aiops.signals.base import parse_as, parse_time
from aiops.signals.model import Deferred, Kind, MetricQuery, Signal, fingerprint_of
from aiops.signals.onset import alarm_onset, bounded
from aiops.text import MAX_NAME, MAX_TEXT, cap

SOURCE = parts.SOURCE


def from_detail(
    detail: Any,
    *,
    event_id: str,
    time: datetime,
    account: str,
    region: str,
    alarm_arn: str = "",
    detail_type: str = "CloudWatch Alarm State Change",
    prefix: str = "detail",
) -> Signal:
    """A signal from an EventBridge alarm ``detail`` or a Lambda action's ``alarmData``."""
    d = parse_as(DETAIL, detail, source=parts.SOURCE, prefix=prefix)
    return _deferred(d, event_id, time, account, region, alarm_arn, detail_type).signal()


_ALARM_DETAIL_TYPE = '"CloudWatch Alarm State Change"'


def from_eventbridge_json(text: str) -> Deferred | None:
    """The fast path of a storm: an EventBridge alarm event decoded and validated in one pass by
    pydantic-core, straight from its JSON text, its full signal built on demand. None when the text is
    anything else, or is not valid (the general path then decodes it and says what is wrong)."""
    if _ALARM_DETAIL_TYPE not in text:
        return None
    try:
        ev = ALARM_EVENT.validate_json(text)
        when = parse_time(ev["time"], source=parts.SOURCE, field="time")
    except (ValidationError, InvalidEventError):
        return None
    resources = ev.get("resources")
    return _deferred(
        ev["detail"],
        ev["id"],
        when,
        ev.get("account", ""),
        ev.get("region", ""),
        resources[0] if resources else "",
        "CloudWatch Alarm State Change",
    )


def _deferred(
    d: AlarmDetail,
    event_id: str,
    time: datetime,
    account: str,
    region: str,
    alarm_arn: str,
    detail_type: str,
) -> Deferred:
    """The head of an alarm's signal now, the rest when it is built (see :class:`Deferred`)."""
    static = _static(d, alarm_arn)
    state = d["state"]
    value = state["value"]
    raw_reason = state.get("reasonData")
    names = static.names
    children = static.children
    memo: dict[object, object] | None = static.memo
    if not children and parts.may_trigger(raw_reason):
        children = parts.triggering(parts.reason_data(raw_reason))
        names, memo = (static.name, *children), None
    title = static.titles.get(value)
    if title is None:
        title = static.titles[value] = parts.title(static.kind, static.name, value, static.description)
    place = static.places.get((account, region))
    if place is None:
        if len(static.places) >= 16:
            static.places.clear()
        place = static.places[(account, region)] = _place(static, account, region)
    account, region, identity = place

    return Deferred(
        event_id,
        time,
        static.kind,
        parts.STATUS[value],
        static.name,
        title,
        account,
        region,
        identity,
        names,
        static.metrics,
        static.out_tags,
        partial(_build, d, static, children, event_id, time, account, region, detail_type, title),
        memo,
        started=partial(_onset, d, static),
    )


def _onset(d: AlarmDetail, static: _Static) -> datetime | None:
    """The first breaching datapoint of the alarm's state (read only when a stage asks)."""
    state = d["state"]
    if state["value"] != "ALARM":
        return None
    return alarm_onset(
        state.get("reasonData"), static.part["comparison"], static.threshold, state.get("reason", "")
    )


def _build(
    d: AlarmDetail,
    static: _Static,
    children: tuple[str, ...],
    event_id: str,
    time: datetime,
    account: str,
    region: str,
    detail_type: str,
    title: str,
) -> Signal:
    """The full signal of an alarm event whose head :func:`_deferred` derived."""
    state = d["state"]
    previous = d.get("previousState")
    raw_reason = state.get("reasonData")
    threshold = static.threshold
    if threshold is None:
        threshold = parts.number(parts.reason_data(raw_reason).get("threshold"))
    info = {
        **static.part,
        "state": state["value"],
        "previous_state": previous["value"] if previous else None,
        "reason": cap(state.get("reason", "")),
        "threshold": threshold,
        "children": children,
        "actions_suppressed_by": cap(state.get("actionsSuppressedBy", ""), 64),
        "actions_suppressed_reason": cap(state.get("actionsSuppressedReason", "")),
        "onset": bounded(_onset(d, static), time) if state["value"] == "ALARM" else None,
    }
    return parts.signal(info, event_id, time, account, region, detail_type, title, static.kind)


def _place(static: _Static, account: str, region: str) -> tuple[str, str, str]:
    """(account, region, fingerprint) of an alarm as its events spell account and region."""
    account, region = cap(account, 32), cap(region, 32)
    return account, region, fingerprint_of(static.kind, account, region, static.name)


class _Static(NamedTuple):
    """What an alarm's events derive from its configuration and tags alone."""

    configuration: Config
    tags: dict[str, str] | None
    part: dict[str, Any]
    threshold: float | None
    children: tuple[str, ...]
    description: str | None
    kind: Kind
    name: str
    names: tuple[str, ...]
    """The alarm's name and the alarms its rule names: what ``alarm_name`` selectors match."""
    metrics: tuple[MetricQuery, ...]
    out_tags: dict[str, str]
    titles: dict[str, str]
    """Title by alarm state, filled as the states occur."""
    places: dict[tuple[str, str], tuple[str, str, str]]
    """(account, region) as events spell them -> (capped account, capped region, fingerprint)."""
    memo: dict[object, object]
    """See :attr:`Deferred.memo`."""


_STATICS: dict[tuple[str, str], _Static] = {}
_MAX_STATICS = 4096


def _static(d: AlarmDetail, alarm_arn: str) -> _Static:
    """The configuration-derived part of an alarm's signal, reused while the configuration is equal: a
    storm repeats the same alarms, and their metric queries need building once (an exact-equality
    check, so an edited alarm is derived afresh)."""
    cfg = d.get("configuration", NO_CONFIG)
    tags = d.get("alarmTags")
    key = (d["alarmName"], alarm_arn)
    hit = _STATICS.get(key)
    if hit is not None and hit.configuration == cfg and hit.tags == tags:
        return hit
    metrics = [_query(m) for m in cfg.get("metrics", ())[: parts.MAX_METRICS]]
    rule = cfg.get("alarmRule", "")
    threshold_id = cfg.get("thresholdMetricId", "")
    name = cap(d["alarmName"], MAX_NAME)
    queries = tuple(MetricQuery.model_validate(m) for m in metrics)
    out_tags = {cap(k, 128): cap(v, 256) for k, v in list(tags.items())[:50]} if tags else {}
    part = {
        "name": name,
        "arn": cap(alarm_arn, MAX_TEXT),
        "alarm_type": parts.alarm_type(metrics, rule, threshold_id),
        "comparison": cap(cfg.get("comparisonOperator", ""), 64),
        "evaluation_periods": cfg.get("evaluationPeriods"),
        "threshold_metric_id": cap(threshold_id or parts.band_id(metrics), 64),
        "anomaly_band": parts.band(metrics),
        "metrics": queries,
        "alarm_rule": cap(rule),
        "actions_suppressor": cap(cfg.get("actionsSuppressor", ""), MAX_NAME),
        "tags": out_tags,
    }
    children = parts.children(rule)
    found = _Static(
        cfg,
        tags,
        part,
        cfg.get("threshold"),
        children,
        cfg.get("description"),
        "log_anomaly" if parts.is_log_anomaly(metrics) else "alarm",
        name,
        (name, *children),
        queries,
        out_tags,
        {},
        {},
        {},
    )
    if len(_STATICS) >= _MAX_STATICS:
        _STATICS.clear()
    _STATICS[key] = found
    return found


def _query(m: MetricEntry) -> dict[str, Any]:
    ms = m.get("metricStat")
    query: dict[str, Any] = {
        "id": cap(m.get("id", ""), 255),
        "expression": cap(m.get("expression", ""), 1024),
        "return_data": m.get("returnData", True),
    }
    if ms:
        metric = ms["metric"]
        dims = metric.get("dimensions")
        query.update(
            namespace=cap(metric.get("namespace", ""), 255),
            name=cap(metric.get("name", ""), 255),
            dimensions={cap(k, 255): cap(v, 1024) for k, v in list(dims.items())[:30]} if dims else {},
            stat=cap(ms.get("stat", ""), 64),
            period=ms.get("period"),
        )
    return query
