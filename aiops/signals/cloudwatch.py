"""CloudWatch alarms in the three shapes AWS delivers them.

- EventBridge "CloudWatch Alarm State Change" (camelCase ``detail``),
- the SNS notification of an alarm action (PascalCase ``AlarmName``, ``Trigger`` ...),
- the direct alarm-to-Lambda action (``alarmData``, same inner shape as the EventBridge detail).

Single-metric, metric-math, anomaly-detection and composite alarms all come through here; an alarm on
``AWS/Logs`` ``AnomalyCount`` is CloudWatch Logs anomaly detection and becomes kind ``log_anomaly``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from aiops.signals.base import Input, arn_parts, parse
from aiops.signals.model import AlarmInfo, AlarmState, AlarmType, Kind, MetricQuery, Signal, Status
from aiops.text import MAX_NAME, MAX_TEXT, MAX_TITLE, cap

SOURCE = "aws.cloudwatch"
_STATUS: dict[str, Status] = {"ALARM": "firing", "OK": "resolved", "INSUFFICIENT_DATA": "info"}
_RULE_CHILD = re.compile(r"\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*\"?([^\")]+?)\"?\s*\)")
_MAX_METRICS = 20


# --- EventBridge / alarmData shape ------------------------------------------------------------------


class _Metric(Input):
    namespace: str = ""
    name: str = ""
    dimensions: dict[str, str] = {}


class _MetricStat(Input):
    metric: _Metric
    period: int | None = None
    stat: str = ""


class _MetricEntry(Input):
    id: str = ""
    metric_stat: _MetricStat | None = Field(default=None, alias="metricStat")
    expression: str = ""
    return_data: bool = Field(default=True, alias="returnData")


class _State(Input):
    value: AlarmState
    reason: str = ""
    reason_data: str | dict[str, Any] | None = Field(default=None, alias="reasonData")
    timestamp: str = ""
    actions_suppressed_by: str = Field(default="", alias="actionsSuppressedBy")
    actions_suppressed_reason: str = Field(default="", alias="actionsSuppressedReason")


class _Config(Input):
    description: str | None = None
    metrics: list[_MetricEntry] = []
    alarm_rule: str = Field(default="", alias="alarmRule")
    actions_suppressor: str = Field(default="", alias="actionsSuppressor")
    threshold: float | None = None
    comparison: str = Field(default="", alias="comparisonOperator")
    threshold_metric_id: str = Field(default="", alias="thresholdMetricId")
    evaluation_periods: int | None = Field(default=None, alias="evaluationPeriods")


class _Detail(Input):
    alarm_name: str = Field(alias="alarmName", min_length=1)
    state: _State
    previous_state: _State | None = Field(default=None, alias="previousState")
    configuration: _Config = _Config()
    alarm_tags: dict[str, str] = Field(default={}, alias="alarmTags")


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
    d = parse(_Detail, detail, source=SOURCE, prefix=prefix)
    cfg = d.configuration
    metrics = tuple(_query(m) for m in cfg.metrics[:_MAX_METRICS])
    reason_data = _reason_data(d.state.reason_data)
    threshold = cfg.threshold if cfg.threshold is not None else _float(reason_data.get("threshold"))
    children = _children(cfg.alarm_rule) or _triggering(reason_data)
    info = AlarmInfo(
        name=cap(d.alarm_name, MAX_NAME),
        arn=cap(alarm_arn, MAX_TEXT),
        alarm_type=_alarm_type(metrics, cfg.alarm_rule, cfg.threshold_metric_id),
        state=d.state.value,
        previous_state=d.previous_state.value if d.previous_state else None,
        reason=cap(d.state.reason),
        threshold=threshold,
        comparison=cap(cfg.comparison, 64),
        evaluation_periods=cfg.evaluation_periods,
        threshold_metric_id=cap(cfg.threshold_metric_id or _band_id(metrics), 64),
        anomaly_band=_band(metrics),
        metrics=metrics,
        alarm_rule=cap(cfg.alarm_rule),
        children=children,
        actions_suppressed_by=cap(d.state.actions_suppressed_by, 64),
        actions_suppressed_reason=cap(d.state.actions_suppressed_reason),
        actions_suppressor=cap(cfg.actions_suppressor, MAX_NAME),
        tags={cap(k, 128): cap(v, 256) for k, v in list(d.alarm_tags.items())[:50]},
    )
    return _signal(info, event_id, time, account, region, detail_type, cfg.description)


def _query(m: _MetricEntry) -> MetricQuery:
    ms = m.metric_stat
    return MetricQuery(
        id=cap(m.id, 255),
        namespace=cap(ms.metric.namespace, 255) if ms else "",
        name=cap(ms.metric.name, 255) if ms else "",
        dimensions={cap(k, 255): cap(v, 1024) for k, v in list(ms.metric.dimensions.items())[:30]}
        if ms
        else {},
        stat=cap(ms.stat, 64) if ms else "",
        period=ms.period if ms else None,
        expression=cap(m.expression, 1024),
        return_data=m.return_data,
    )


# --- SNS notification shape ----------------------------------------------------------------------


class _SnsDimension(Input):
    name: str
    value: str


class _SnsMetric(Input):
    namespace: str = Field(default="", alias="Namespace")
    name: str = Field(default="", alias="MetricName")
    dimensions: list[_SnsDimension] = Field(default=[], alias="Dimensions")


class _SnsMetricStat(Input):
    metric: _SnsMetric = Field(alias="Metric")
    period: int | None = Field(default=None, alias="Period")
    stat: str = Field(default="", alias="Stat")


class _SnsMetricEntry(Input):
    id: str = Field(default="", alias="Id")
    metric_stat: _SnsMetricStat | None = Field(default=None, alias="MetricStat")
    expression: str = Field(default="", alias="Expression")
    return_data: bool = Field(default=True, alias="ReturnData")


class _SnsTrigger(Input):
    metric_name: str = Field(default="", alias="MetricName")
    namespace: str = Field(default="", alias="Namespace")
    statistic: str = Field(default="", alias="Statistic")
    extended_statistic: str = Field(default="", alias="ExtendedStatistic")
    dimensions: list[_SnsDimension] = Field(default=[], alias="Dimensions")
    period: int | None = Field(default=None, alias="Period")
    evaluation_periods: int | None = Field(default=None, alias="EvaluationPeriods")
    comparison: str = Field(default="", alias="ComparisonOperator")
    threshold: float | None = Field(default=None, alias="Threshold")
    threshold_metric_id: str = Field(default="", alias="ThresholdMetricId")
    metrics: list[_SnsMetricEntry] = Field(default=[], alias="Metrics")

    @field_validator("statistic", "extended_statistic", "metric_name", "namespace", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return "" if v is None else v


class _SnsAlarm(Input):
    alarm_name: str = Field(alias="AlarmName", min_length=1)
    description: str | None = Field(default=None, alias="AlarmDescription")
    account: str = Field(default="", alias="AWSAccountId")
    new_state: AlarmState = Field(alias="NewStateValue")
    old_state: AlarmState | None = Field(default=None, alias="OldStateValue")
    reason: str = Field(default="", alias="NewStateReason")
    state_change_time: str = Field(default="", alias="StateChangeTime")
    alarm_arn: str = Field(default="", alias="AlarmArn")
    trigger: _SnsTrigger | None = Field(default=None, alias="Trigger")
    alarm_rule: str = Field(default="", alias="AlarmRule")
    triggering_children: list[dict[str, Any]] = Field(default=[], alias="TriggeringChildren")


def from_sns_message(message: Any, *, message_id: str, time: datetime, account: str, region: str) -> Signal:
    """A signal from the JSON an alarm action publishes to SNS."""
    m = parse(_SnsAlarm, message, source=SOURCE, prefix="Message")
    arn_region, arn_account = arn_parts(m.alarm_arn)
    metrics: tuple[MetricQuery, ...] = ()
    comparison, threshold, threshold_id, periods = "", None, "", None
    if m.trigger is not None:
        t = m.trigger
        comparison, threshold, threshold_id, periods = (
            t.comparison,
            t.threshold,
            t.threshold_metric_id,
            t.evaluation_periods,
        )
        if t.metrics:
            metrics = tuple(_sns_query(e) for e in t.metrics[:_MAX_METRICS])
        elif t.metric_name:
            metrics = (
                MetricQuery(
                    namespace=cap(t.namespace, 255),
                    name=cap(t.metric_name, 255),
                    dimensions=_dims(t.dimensions),
                    stat=cap(t.statistic or t.extended_statistic, 64),
                    period=t.period,
                ),
            )
    children = _children(m.alarm_rule) or tuple(
        _alarm_name_of(str(c.get("Arn", "")))
        for c in m.triggering_children[:_MAX_METRICS]
        if isinstance(c, dict)
    )
    info = AlarmInfo(
        name=cap(m.alarm_name, MAX_NAME),
        arn=cap(m.alarm_arn, MAX_TEXT),
        alarm_type=_alarm_type(metrics, m.alarm_rule, threshold_id),
        state=m.new_state,
        previous_state=m.old_state,
        reason=cap(m.reason),
        threshold=threshold,
        comparison=cap(comparison, 64),
        evaluation_periods=periods,
        threshold_metric_id=cap(threshold_id, 64),
        anomaly_band=_band(metrics),
        metrics=metrics,
        alarm_rule=cap(m.alarm_rule),
        children=children,
    )
    return _signal(
        info,
        message_id,
        time,
        m.account or arn_account or account,
        arn_region or region,
        "CloudWatch Alarm State Change",
        m.description,
    )


def _sns_query(e: _SnsMetricEntry) -> MetricQuery:
    ms = e.metric_stat
    return MetricQuery(
        id=cap(e.id, 255),
        namespace=cap(ms.metric.namespace, 255) if ms else "",
        name=cap(ms.metric.name, 255) if ms else "",
        dimensions=_dims(ms.metric.dimensions) if ms else {},
        stat=cap(ms.stat, 64) if ms else "",
        period=ms.period if ms else None,
        expression=cap(e.expression, 1024),
        return_data=e.return_data,
    )


def _dims(dims: list[_SnsDimension]) -> dict[str, str]:
    return {cap(d.name, 255): cap(d.value, 1024) for d in dims[:30]}


# --- shared ---------------------------------------------------------------------------------------


def _signal(
    info: AlarmInfo,
    event_id: str,
    time: datetime,
    account: str,
    region: str,
    detail_type: str,
    description: str | None,
) -> Signal:
    kind: Kind = "log_anomaly" if _is_log_anomaly(info) else "alarm"
    what = "Log anomaly" if kind == "log_anomaly" else "Alarm"
    title = f"{what} {info.name} is {info.state}"
    if description:
        title = f"{title}: {description}"
    return Signal(
        id=event_id,
        source=SOURCE,
        time=time,
        kind=kind,
        status=_STATUS[info.state],
        resource=info.name,
        title=cap(title, MAX_TITLE),
        account=cap(account, 32),
        region=cap(region, 32),
        detail_type=detail_type,
        alarm=info,
    )


def _is_log_anomaly(info: AlarmInfo) -> bool:
    return any(m.namespace == "AWS/Logs" and m.name == "AnomalyCount" for m in info.metrics)


def _alarm_type(metrics: tuple[MetricQuery, ...], rule: str, threshold_id: str) -> AlarmType:
    if rule:
        return "composite"
    if threshold_id or _band(metrics):
        return "anomaly_detection"
    if any(m.expression for m in metrics) or len(metrics) > 1:
        return "metric_math"
    return "metric"


def _band(metrics: tuple[MetricQuery, ...]) -> str:
    for m in metrics:
        if "ANOMALY_DETECTION_BAND" in m.expression.upper():
            return m.expression
    return ""


def _band_id(metrics: tuple[MetricQuery, ...]) -> str:
    for m in metrics:
        if "ANOMALY_DETECTION_BAND" in m.expression.upper():
            return m.id
    return ""


def _reason_data(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """``reasonData`` is JSON inside a string. It is auxiliary: a broken one costs its details only."""
    if isinstance(raw, dict):
        return raw
    if not raw or len(raw) > 64 * 1024:
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _children(rule: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for match in _RULE_CHILD.finditer(rule[:MAX_TEXT]):
        seen.setdefault(cap(_alarm_name_of(match.group(1).strip()), MAX_NAME), None)
    return tuple(seen)[:_MAX_METRICS]


def _triggering(reason_data: dict[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    triggering = reason_data.get("triggeringAlarms")
    if isinstance(triggering, list):
        for t in triggering[:_MAX_METRICS]:
            if isinstance(t, dict) and isinstance(t.get("arn"), str):
                out.append(cap(_alarm_name_of(t["arn"]), MAX_NAME))
    return tuple(out)


def _alarm_name_of(ref: str) -> str:
    """An alarm name from a rule reference or ARN (``arn:aws:cloudwatch:r:a:alarm:NAME``)."""
    marker = ":alarm:"
    return ref.split(marker, 1)[1] if marker in ref else ref
