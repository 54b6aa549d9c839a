"""The SNS notification of a CloudWatch alarm action (PascalCase ``AlarmName``, ``Trigger`` ...).

Only ``AlarmName`` and ``NewStateValue`` are required (the signal's resource and status); the trigger,
its metrics and dimensions are tolerant: a captured 2015 notification, a null ``Trigger`` or a
``Dimensions`` map instead of a list cost those fields only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from aiops.signals import alarm_parts as parts
from aiops.signals.base import Input, arn_parts, parse
from aiops.signals.model import AlarmState, Kind, Signal
from aiops.signals.tolerant import AnyMap, FlagTrue, Items, Opt, OptFloat, OptInt, Text, TextMap
from aiops.text import MAX_NAME, MAX_TEXT, cap


class _Metric(Input):
    namespace: Text = Field(default="", alias="Namespace")
    name: Text = Field(default="", alias="MetricName")
    dimensions: TextMap = Field(default={}, alias="Dimensions")


class _MetricStat(Input):
    metric: _Metric = Field(alias="Metric")
    period: OptInt = Field(default=None, alias="Period")
    stat: Text = Field(default="", alias="Stat")


class _MetricEntry(Input):
    id: Text = Field(default="", alias="Id")
    metric_stat: Opt[_MetricStat] = Field(default=None, alias="MetricStat")
    expression: Text = Field(default="", alias="Expression")
    return_data: FlagTrue = Field(default=True, alias="ReturnData")


class _Trigger(Input):
    metric_name: Text = Field(default="", alias="MetricName")
    namespace: Text = Field(default="", alias="Namespace")
    statistic: Text = Field(default="", alias="Statistic")
    extended_statistic: Text = Field(default="", alias="ExtendedStatistic")
    dimensions: TextMap = Field(default={}, alias="Dimensions")
    period: OptInt = Field(default=None, alias="Period")
    evaluation_periods: OptInt = Field(default=None, alias="EvaluationPeriods")
    comparison: Text = Field(default="", alias="ComparisonOperator")
    threshold: OptFloat = Field(default=None, alias="Threshold")
    threshold_metric_id: Text = Field(default="", alias="ThresholdMetricId")
    metrics: Items[_MetricEntry] = Field(default=[], alias="Metrics")


class _Alarm(Input):
    alarm_name: str = Field(alias="AlarmName", min_length=1)
    description: Text = Field(default="", alias="AlarmDescription")
    account: Text = Field(default="", alias="AWSAccountId")
    new_state: AlarmState = Field(alias="NewStateValue")
    old_state: Opt[AlarmState] = Field(default=None, alias="OldStateValue")
    reason: Text = Field(default="", alias="NewStateReason")
    alarm_arn: Text = Field(default="", alias="AlarmArn")
    trigger: Opt[_Trigger] = Field(default=None, alias="Trigger")
    alarm_rule: Text = Field(default="", alias="AlarmRule")
    triggering_children: Items[AnyMap] = Field(default=[], alias="TriggeringChildren")


def matches(doc: dict[str, Any]) -> bool:
    return "AlarmName" in doc and "NewStateValue" in doc


def from_sns_message(doc: Any, message_id: str, time: datetime, account: str, region: str) -> Signal:
    """A signal from the JSON an alarm action publishes to SNS."""
    m = parse(_Alarm, doc, source=parts.SOURCE, prefix="Message")
    arn_region, arn_account = arn_parts(m.alarm_arn)
    metrics: list[dict[str, Any]] = []
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
            metrics = [_query(e) for e in t.metrics[: parts.MAX_METRICS]]
        elif t.metric_name:
            metrics = [
                {
                    "namespace": cap(t.namespace, 255),
                    "name": cap(t.metric_name, 255),
                    "dimensions": _dims(t.dimensions),
                    "stat": cap(t.statistic or t.extended_statistic, 64),
                    "period": t.period,
                }
            ]
    children = parts.children(m.alarm_rule) or tuple(
        parts.alarm_name_of(c["Arn"])
        for c in m.triggering_children[: parts.MAX_METRICS]
        if isinstance(c.get("Arn"), str)
    )
    name = cap(m.alarm_name, MAX_NAME)
    info = {
        "name": name,
        "arn": cap(m.alarm_arn, MAX_TEXT),
        "alarm_type": parts.alarm_type(metrics, m.alarm_rule, threshold_id),
        "state": m.new_state,
        "previous_state": m.old_state,
        "reason": cap(m.reason),
        "threshold": threshold,
        "comparison": cap(comparison, 64),
        "evaluation_periods": periods,
        "threshold_metric_id": cap(threshold_id, 64),
        "anomaly_band": parts.band(metrics),
        "metrics": metrics,
        "alarm_rule": cap(m.alarm_rule),
        "children": children,
    }
    kind: Kind = "log_anomaly" if parts.is_log_anomaly(metrics) else "alarm"
    return parts.signal(
        info,
        message_id,
        time,
        cap(m.account or arn_account or account, 32),
        cap(arn_region or region, 32),
        "CloudWatch Alarm State Change",
        parts.title(kind, name, m.new_state, m.description),
        kind,
    )


def _query(e: _MetricEntry) -> dict[str, Any]:
    ms = e.metric_stat
    query: dict[str, Any] = {
        "id": cap(e.id, 255),
        "expression": cap(e.expression, 1024),
        "return_data": e.return_data,
    }
    if ms:
        query.update(
            namespace=cap(ms.metric.namespace, 255),
            name=cap(ms.metric.name, 255),
            dimensions=_dims(ms.metric.dimensions),
            stat=cap(ms.stat, 64),
            period=ms.period,
        )
    return query


def _dims(dims: dict[str, str]) -> dict[str, str]:
    return {cap(k, 255): cap(v, 1024) for k, v in list(dims.items())[:30]}
