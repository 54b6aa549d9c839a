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
from functools import partial
from typing import Annotated, Any, Literal, NamedTuple, Required

from pydantic import Field, TypeAdapter, ValidationError, field_validator
from typing_extensions import TypedDict

from aiops.errors import InvalidEventError
from aiops.signals.base import Input, arn_parts, parse, parse_as, parse_time
from aiops.signals.model import (
    AlarmState,
    AlarmType,
    Deferred,
    Kind,
    MetricQuery,
    Signal,
    Status,
    fingerprint_of,
)
from aiops.text import MAX_NAME, MAX_TEXT, MAX_TITLE, cap

SOURCE = "aws.cloudwatch"
_STATUS: dict[str, Status] = {"ALARM": "firing", "OK": "resolved", "INSUFFICIENT_DATA": "info"}
_RULE_CHILD = re.compile(r"\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*\"?([^\")]+?)\"?\s*\)")
_MAX_METRICS = 20


# --- EventBridge / alarmData shape ------------------------------------------------------------------
# The hot path of a storm: typed dicts, validated by pydantic-core without building model instances.


class _Metric(TypedDict, total=False):
    namespace: str
    name: str
    dimensions: dict[str, str]


class _MetricStat(TypedDict, total=False):
    metric: Required[_Metric]
    period: int | None
    stat: str


class _MetricEntry(TypedDict, total=False):
    id: str
    metricStat: _MetricStat | None
    expression: str
    returnData: bool


class _State(TypedDict, total=False):
    value: Required[AlarmState]
    reason: str
    reasonData: str | dict[str, Any] | None
    actionsSuppressedBy: str
    actionsSuppressedReason: str


class _PreviousState(TypedDict):
    """Only the previous value is read; the rest of the previous state is not decoded at all."""

    value: AlarmState


class _Config(TypedDict, total=False):
    description: str | None
    metrics: list[_MetricEntry]
    alarmRule: str
    actionsSuppressor: str
    threshold: float | None
    comparisonOperator: str
    thresholdMetricId: str
    evaluationPeriods: int | None


class _Detail(TypedDict, total=False):
    alarmName: Required[Annotated[str, Field(min_length=1)]]
    state: Required[_State]
    previousState: _PreviousState | None
    configuration: _Config
    alarmTags: dict[str, str]


_DETAIL: TypeAdapter[_Detail] = TypeAdapter(_Detail)
_NO_CONFIG: _Config = {}


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
    d = parse_as(_DETAIL, detail, source=SOURCE, prefix=prefix)
    return _deferred(d, event_id, time, account, region, alarm_arn, detail_type).signal()


_AlarmEvent = TypedDict(
    "_AlarmEvent",
    {
        "id": Required[Annotated[str, Field(min_length=1, max_length=256)]],
        "source": Required[Literal["aws.cloudwatch"]],
        "detail-type": Required[Literal["CloudWatch Alarm State Change"]],
        "time": Required[str],
        "account": Annotated[str, Field(max_length=32)],
        "region": Annotated[str, Field(max_length=32)],
        "resources": list[str],
        "detail": Required[_Detail],
    },
    total=False,
)
_ALARM_EVENT: TypeAdapter[_AlarmEvent] = TypeAdapter(_AlarmEvent)
_ALARM_DETAIL_TYPE = '"CloudWatch Alarm State Change"'


def from_eventbridge_json(text: str) -> Deferred | None:
    """The fast path of a storm: an EventBridge alarm event decoded and validated in one pass by
    pydantic-core, straight from its JSON text, its full signal built on demand. None when the text is
    anything else, or is not valid (the general path then decodes it and says what is wrong)."""
    if _ALARM_DETAIL_TYPE not in text:
        return None
    try:
        ev = _ALARM_EVENT.validate_json(text)
        when = parse_time(ev["time"], source=SOURCE, field="time")
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
    d: _Detail,
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
    if not children and _may_trigger(raw_reason):
        children = _triggering(_reason_data(raw_reason))
        names, memo = (static.name, *children), None
    title = static.titles.get(value)
    if title is None:
        title = static.titles[value] = _title(static.kind, static.name, value, static.description)
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
        _STATUS[value],
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
    )


def _build(
    d: _Detail,
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
        threshold = _float(_reason_data(raw_reason).get("threshold"))
    info = {
        **static.part,
        "state": state["value"],
        "previous_state": previous["value"] if previous else None,
        "reason": cap(state.get("reason", "")),
        "threshold": threshold,
        "children": children,
        "actions_suppressed_by": cap(state.get("actionsSuppressedBy", ""), 64),
        "actions_suppressed_reason": cap(state.get("actionsSuppressedReason", "")),
    }
    return _signal(info, event_id, time, account, region, detail_type, title, static.kind)


def _place(static: _Static, account: str, region: str) -> tuple[str, str, str]:
    """(account, region, fingerprint) of an alarm as its events spell account and region."""
    account, region = cap(account, 32), cap(region, 32)
    return account, region, fingerprint_of(static.kind, account, region, static.name)


class _Static(NamedTuple):
    """What an alarm's events derive from its configuration and tags alone."""

    configuration: _Config
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


def _static(d: _Detail, alarm_arn: str) -> _Static:
    """The configuration-derived part of an alarm's signal, reused while the configuration is equal: a
    storm repeats the same alarms, and their metric queries need building once (an exact-equality
    check, so an edited alarm is derived afresh)."""
    cfg = d.get("configuration", _NO_CONFIG)
    tags = d.get("alarmTags")
    key = (d["alarmName"], alarm_arn)
    hit = _STATICS.get(key)
    if hit is not None and hit.configuration == cfg and hit.tags == tags:
        return hit
    metrics = [_query(m) for m in cfg.get("metrics", ())[:_MAX_METRICS]]
    rule = cfg.get("alarmRule", "")
    threshold_id = cfg.get("thresholdMetricId", "")
    name = cap(d["alarmName"], MAX_NAME)
    queries = tuple(MetricQuery.model_validate(m) for m in metrics)
    out_tags = {cap(k, 128): cap(v, 256) for k, v in list(tags.items())[:50]} if tags else {}
    part = {
        "name": name,
        "arn": cap(alarm_arn, MAX_TEXT),
        "alarm_type": _alarm_type(metrics, rule, threshold_id),
        "comparison": cap(cfg.get("comparisonOperator", ""), 64),
        "evaluation_periods": cfg.get("evaluationPeriods"),
        "threshold_metric_id": cap(threshold_id or _band_id(metrics), 64),
        "anomaly_band": _band(metrics),
        "metrics": queries,
        "alarm_rule": cap(rule),
        "actions_suppressor": cap(cfg.get("actionsSuppressor", ""), MAX_NAME),
        "tags": out_tags,
    }
    children = _children(rule)
    found = _Static(
        cfg,
        tags,
        part,
        cfg.get("threshold"),
        children,
        cfg.get("description"),
        "log_anomaly" if _is_log_anomaly(metrics) else "alarm",
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


def _query(m: _MetricEntry) -> dict[str, Any]:
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
            metrics = [_sns_query(e) for e in t.metrics[:_MAX_METRICS]]
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
    children = _children(m.alarm_rule) or tuple(
        _alarm_name_of(str(c.get("Arn", "")))
        for c in m.triggering_children[:_MAX_METRICS]
        if isinstance(c, dict)
    )
    name = cap(m.alarm_name, MAX_NAME)
    info = {
        "name": name,
        "arn": cap(m.alarm_arn, MAX_TEXT),
        "alarm_type": _alarm_type(metrics, m.alarm_rule, threshold_id),
        "state": m.new_state,
        "previous_state": m.old_state,
        "reason": cap(m.reason),
        "threshold": threshold,
        "comparison": cap(comparison, 64),
        "evaluation_periods": periods,
        "threshold_metric_id": cap(threshold_id, 64),
        "anomaly_band": _band(metrics),
        "metrics": metrics,
        "alarm_rule": cap(m.alarm_rule),
        "children": children,
    }
    kind: Kind = "log_anomaly" if _is_log_anomaly(metrics) else "alarm"
    return _signal(
        info,
        message_id,
        time,
        cap(m.account or arn_account or account, 32),
        cap(arn_region or region, 32),
        "CloudWatch Alarm State Change",
        _title(kind, name, m.new_state, m.description),
        kind,
    )


def _sns_query(e: _SnsMetricEntry) -> dict[str, Any]:
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


def _dims(dims: list[_SnsDimension]) -> dict[str, str]:
    return {cap(d.name, 255): cap(d.value, 1024) for d in dims[:30]}


# --- shared ---------------------------------------------------------------------------------------


def _title(kind: Kind, name: str, state: str, description: str | None) -> str:
    what = "Log anomaly" if kind == "log_anomaly" else "Alarm"
    title = f"{what} {name} is {state}"
    return cap(f"{title}: {description}" if description else title, MAX_TITLE)


def _signal(
    info: dict[str, Any],
    event_id: str,
    time: datetime,
    account: str,
    region: str,
    detail_type: str,
    title: str,
    kind: Kind,
) -> Signal:
    """One validation for the whole signal: pydantic-core builds the nested models."""
    return Signal.model_validate(
        {
            "id": event_id,
            "source": SOURCE,
            "time": time,
            "kind": kind,
            "status": _STATUS[info["state"]],
            "resource": info["name"],
            "title": title,
            "account": account,
            "region": region,
            "detail_type": detail_type,
            "alarm": info,
        }
    )


def _is_log_anomaly(metrics: list[dict[str, Any]]) -> bool:
    return any(m.get("namespace") == "AWS/Logs" and m.get("name") == "AnomalyCount" for m in metrics)


def _alarm_type(metrics: list[dict[str, Any]], rule: str, threshold_id: str) -> AlarmType:
    if rule:
        return "composite"
    if threshold_id or _band(metrics):
        return "anomaly_detection"
    if any(m.get("expression") for m in metrics) or len(metrics) > 1:
        return "metric_math"
    return "metric"


def _band(metrics: list[dict[str, Any]]) -> str:
    for m in metrics:
        if "ANOMALY_DETECTION_BAND" in m.get("expression", "").upper():
            return str(m["expression"])
    return ""


def _band_id(metrics: list[dict[str, Any]]) -> str:
    for m in metrics:
        if "ANOMALY_DETECTION_BAND" in m.get("expression", "").upper():
            return str(m["id"])
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


def _may_trigger(raw: str | dict[str, Any] | None) -> bool:
    """Whether ``reasonData`` can hold ``triggeringAlarms``: JSON spells that key literally or with
    ``\\u`` escapes, so most alarms never decode it for their head (only when built, for the threshold)."""
    if raw is None or isinstance(raw, dict):
        return raw is not None
    return "triggeringAlarms" in raw or "\\u" in raw


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
