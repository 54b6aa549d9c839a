"""The normalized signal: what every event the bot reads becomes.

The first nine fields are the ``aiops normalize`` contract of DESIGN.md. The typed per-kind parts
(``alarm``, ``insight``, ``budget``, ...) carry what the later stages need. Every model is frozen:
the core never mutates a signal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, field_serializer

Kind = Literal[
    "alarm", "log_anomaly", "insight", "health", "budget", "cost_anomaly", "change", "automation", "forecast"
]
"""``forecast``: the bot's own projection (source ``aiops.forecast``, aiops/forecast/): firing while a
threshold is projected to be crossed within its horizon, resolved when the projection falls back."""
Status = Literal["firing", "resolved", "info"]
AlarmState = Literal["ALARM", "OK", "INSUFFICIENT_DATA"]
AlarmType = Literal["metric", "metric_math", "anomaly_detection", "composite"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class MetricQuery(Frozen):
    """One metric (or expression) an alarm evaluates."""

    id: str = ""
    namespace: str = ""
    name: str = ""
    dimensions: dict[str, str] = {}
    stat: str = ""
    period: int | None = None
    expression: str = ""
    return_data: bool = True


class AlarmInfo(Frozen):
    name: str
    arn: str = ""
    alarm_type: AlarmType
    state: AlarmState
    previous_state: AlarmState | None = None
    reason: str = ""
    threshold: float | None = None
    comparison: str = ""
    evaluation_periods: int | None = None
    threshold_metric_id: str = ""
    """Anomaly-detection alarms: the id of the ANOMALY_DETECTION_BAND expression."""
    anomaly_band: str = ""
    """Anomaly-detection alarms: the band expression, e.g. ``ANOMALY_DETECTION_BAND(m1, 2)``."""
    metrics: tuple[MetricQuery, ...] = ()
    alarm_rule: str = ""
    """Composite alarms: the rule expression."""
    children: tuple[str, ...] = ()
    """Composite alarms: the alarms named in the rule (or the triggering children)."""
    actions_suppressed_by: str = ""
    actions_suppressed_reason: str = ""
    actions_suppressor: str = ""
    tags: dict[str, str] = {}
    onset: datetime | None = None
    """The first breaching datapoint (see :mod:`aiops.signals.onset`); None: unknown, use the event time."""

    @property
    def primary_metric(self) -> MetricQuery | None:
        """The metric a human would name for this alarm: the one that is not an expression."""
        return primary_metric(self.metrics)


def primary_metric(metrics: tuple[MetricQuery, ...]) -> MetricQuery | None:
    """Of an alarm's metrics, the one a human would name: returned data and not an expression."""
    plain = [m for m in metrics if m.name]
    if not plain:
        return None
    for m in plain:
        if m.return_data:
            return m
    return plain[0]


class InsightAnomaly(Frozen):
    id: str = ""
    metrics: tuple[MetricQuery, ...] = ()
    resources: tuple[str, ...] = ()
    """Resource names or ARNs the anomaly names."""
    start_time: datetime | None = None
    """The anomaly's own ``startTime``: its onset."""


class InsightInfo(Frozen):
    insight_id: str
    severity: str = ""
    """LOW | MEDIUM | HIGH, as DevOps Guru spells it."""
    insight_type: str = ""
    """REACTIVE | PROACTIVE."""
    event_kind: str = ""
    """open | severity_upgraded | anomaly_association | closed | recommendation."""
    url: str = ""
    description: str = ""
    anomalies: tuple[InsightAnomaly, ...] = ()
    stacks: tuple[str, ...] = ()
    tags: dict[str, str] = {}
    recommendations: tuple[str, ...] = ()


class HealthInfo(Frozen):
    service: str
    event_type_code: str = ""
    event_type_category: str = ""
    status_code: str = ""
    """open | closed | upcoming."""
    description: str = ""
    affected_entities: tuple[str, ...] = ()
    start_time: datetime | None = None
    """Parsed from the RFC 1123 ``startTime`` of the event."""
    end_time: datetime | None = None


class BudgetInfo(Frozen):
    budget_name: str
    budget_type: str = ""
    threshold_type: str = ""
    """ACTUAL | FORECASTED."""
    threshold: float | None = None
    """The notification threshold as the message states it (percent of the limit, or an amount)."""
    limit: float | None = None
    actual: float | None = None
    forecast: float | None = None
    unit: str = "USD"


class CostRootCause(Frozen):
    service: str = ""
    usage_type: str = ""
    region: str = ""
    account: str = ""


class CostAnomalyInfo(Frozen):
    anomaly_id: str
    monitor_arn: str = ""
    impact_usd: float | None = None
    """Total impact of the anomaly (actual minus expected spend)."""
    max_impact_usd: float | None = None
    expected_spend_usd: float | None = None
    actual_spend_usd: float | None = None
    score: float | None = None
    root_causes: tuple[CostRootCause, ...] = ()
    start: str = ""
    end: str = ""
    url: str = ""


ChangeTargetKind = Literal["parameter", "prompt"]


class ChangeInfo(Frozen):
    target_kind: ChangeTargetKind
    target: str
    """SSM parameter name or Bedrock prompt id / ARN."""
    operation: str = ""
    """Create | Update | Delete | LabelParameterVersion | CreatePromptVersion | UpdatePrompt ..."""
    old_version: str | None = None
    new_version: str | None = None
    labels: tuple[str, ...] = ()
    actor: str = ""


class AutomationInfo(Frozen):
    execution_id: str
    document: str = ""
    status: str = ""
    """SSM's ExecutionStatus: Pending, InProgress, Waiting, Success, TimedOut, Cancelled, Failed."""
    step_name: str = ""
    """Set for step status-change events."""
    action: str = ""


ForecastWhat = Literal["tpm_quota", "monthly_cost"]


class ForecastInfo(Frozen):
    """A projection (aiops/forecast/): what is projected to cross which threshold, when, how surely."""

    service: str
    """The catalog service the forecast pass projected for: it names its owner (no selector needed)."""
    component: str
    what: ForecastWhat
    metric: str = ""
    """``Namespace/MetricName`` of the projected metric (playbook matching)."""
    dimensions: dict[str, str] = {}
    threshold: float | None = None
    """The quota (tokens per minute) or the budget (USD)."""
    threshold_source: str = ""
    current: float | None = None
    rate: float | None = None
    """Growth per minute (quota) or spend per hour (cost), from the fit."""
    projected: float | None = None
    """Cost: the projected month-end spend."""
    eta_minutes: float | None = None
    """Quota: minutes until the fitted line crosses the quota."""
    band_low: float | None = None
    band_high: float | None = None
    """The error band: eta early / late (quota, minutes), or projected spend low / high (cost, USD)."""
    window_minutes: int | None = None
    points: int | None = None


class Signal(Frozen):
    """One normalized signal. ``id`` is the EventBridge event id or the SNS MessageId."""

    id: str
    source: str
    time: datetime
    kind: Kind
    status: Status
    resource: str
    title: str
    account: str = ""
    region: str = ""
    detail_type: str = ""
    alarm: AlarmInfo | None = None
    insight: InsightInfo | None = None
    health: HealthInfo | None = None
    budget: BudgetInfo | None = None
    cost: CostAnomalyInfo | None = None
    change: ChangeInfo | None = None
    automation: AutomationInfo | None = None
    forecast: ForecastInfo | None = None

    @field_serializer("time")
    def _ser_time(self, value: datetime) -> str:
        return format_time(value)


@lru_cache(maxsize=4096)
def format_time(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` and whole seconds when there are no fractions.

    Cached: the same instants (an incident's opening, a folding interval) are formatted on every save
    of a storm; ``isoformat`` writes what the ``strftime`` formats would, in a fraction of the time."""
    if value.tzinfo is not UTC and value.utcoffset() != _ZERO:  # in UTC (the usual case): as it is
        value = value.astimezone(UTC)
    if value.microsecond:
        return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return value.isoformat()[:19] + "Z"  # YYYY-MM-DDTHH:MM:SS, its offset (UTC's) dropped


_ZERO = timedelta(0)


@lru_cache(maxsize=8192)
def fingerprint_of(kind: str, account: str, region: str, resource: str) -> str:
    """Identity of the thing that signals, never its text: kind, account, region and resource (an
    alarm and the log anomaly alarm of the same name are one thing)."""
    kind = "alarm" if kind == "log_anomaly" else kind
    raw = f"{kind}|{account}|{region}|{resource}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


class Head(Protocol):
    """What recording a signal reads of it: a :class:`Signal`, a :class:`Deferred`, a reference."""

    @property
    def id(self) -> str: ...

    @property
    def time(self) -> datetime: ...

    @property
    def kind(self) -> Kind: ...

    @property
    def status(self) -> Status: ...


@dataclass(slots=True, eq=False)
class Deferred:
    """A validated alarm event whose full :class:`Signal` is built only when a stage needs it.

    It carries the signal's head: everything deduplication, resolution, routing, flap detection,
    recording and an incident's member read, with exactly the values the built signal has (both come
    from the same derivation). The pipeline never builds an alarm; ``aiops normalize`` and the other
    callers that need the whole signal do.
    """

    id: str
    time: datetime
    kind: Kind
    status: Status
    resource: str
    title: str
    account: str
    region: str
    fingerprint: str
    alarm_names: tuple[str, ...]
    """The alarm's name, then the alarms a composite names: what ``alarm_name`` selectors match."""
    metrics: tuple[MetricQuery, ...]
    tags: dict[str, str]
    build: Callable[[], Signal]
    memo: dict[object, object] | None = None
    """Shared by the events of one alarm configuration whose resolution facts (names, metrics, tags)
    are that configuration's: the catalog keeps their resolution there (None: this event's own
    reason names further alarms)."""
    built: Signal | None = None
    started: Callable[[], datetime | None] | None = None
    """The alarm's first breaching datapoint, read from its ``reasonData`` only when asked."""

    def onset(self) -> datetime:
        """When the symptom began (see :mod:`aiops.signals.onset`); the event time when unknown."""
        found = self.started() if self.started is not None else None
        return found if found is not None and found <= self.time else self.time

    def signal(self) -> Signal:
        """The full signal, built once."""
        if self.built is None:
            self.built = self.build()
        return self.built


def full(signal: Signal | Deferred) -> Signal:
    """The full signal of either form."""
    return signal.signal() if isinstance(signal, Deferred) else signal
