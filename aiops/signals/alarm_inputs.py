"""Input shapes of a CloudWatch alarm event: the EventBridge ``detail`` and the Lambda action's ``alarmData``.

The hot path of a storm: typed dicts, validated by pydantic-core without building model instances.
Only ``alarmName`` and ``state.value`` are required (the signal's resource and status); every other
field is tolerant (:mod:`aiops.signals.tolerant`), so a null, a missing or an oddly shaped one costs
that field only, and a well-formed event costs no Python call at all.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Required

from pydantic import Field, PlainValidator, TypeAdapter
from typing_extensions import TypedDict

from aiops.signals.model import AlarmState
from aiops.signals.tolerant import FlagTrue, Items, Opt, OptFloat, OptInt, Text, TextMap


class Metric(TypedDict, total=False):
    namespace: Text
    name: Text
    dimensions: TextMap


class MetricStat(TypedDict, total=False):
    metric: Required[Metric]
    period: OptInt
    stat: Text


class MetricEntry(TypedDict, total=False):
    id: Text
    metricStat: Opt[MetricStat]
    expression: Text
    returnData: FlagTrue


def _no_reason_data(value: Any) -> None:
    return None


ReasonData = Annotated[
    str | dict[str, Any] | Annotated[None, PlainValidator(_no_reason_data)] | None,
    Field(union_mode="left_to_right"),
]


class State(TypedDict, total=False):
    value: Required[AlarmState]
    reason: Text
    reasonData: ReasonData
    actionsSuppressedBy: Text
    actionsSuppressedReason: Text


class PreviousState(TypedDict):
    """Only the previous value is read; the rest of the previous state is not decoded at all."""

    value: AlarmState


class Config(TypedDict, total=False):
    description: Text
    metrics: Items[MetricEntry]
    alarmRule: Text
    actionsSuppressor: Text
    threshold: OptFloat
    comparisonOperator: Text
    thresholdMetricId: Text
    evaluationPeriods: OptInt


def _empty_config(value: Any) -> Config:
    return {}


class AlarmDetail(TypedDict, total=False):
    alarmName: Required[Annotated[str, Field(min_length=1)]]
    state: Required[State]
    previousState: Opt[PreviousState]
    configuration: Annotated[
        Config | Annotated[Config, PlainValidator(_empty_config)], Field(union_mode="left_to_right")
    ]
    alarmTags: TextMap


DETAIL: TypeAdapter[AlarmDetail] = TypeAdapter(AlarmDetail)
NO_CONFIG: Config = {}


AlarmEvent = TypedDict(
    "AlarmEvent",
    {
        "id": Required[Annotated[str, Field(min_length=1, max_length=256)]],
        "source": Required[Literal["aws.cloudwatch"]],
        "detail-type": Required[Literal["CloudWatch Alarm State Change"]],
        "time": Required[str],
        "account": Annotated[str, Field(max_length=32)],
        "region": Annotated[str, Field(max_length=32)],
        "resources": list[str],
        "detail": Required[AlarmDetail],
    },
    total=False,
)
"""A whole EventBridge alarm event, for the fast path that validates it straight from JSON text.
Strict outside ``detail``: anything unusual there falls to the general path, which tolerates it."""

ALARM_EVENT: TypeAdapter[AlarmEvent] = TypeAdapter(AlarmEvent)
