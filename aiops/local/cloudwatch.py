"""The in-memory twin of CloudWatch: metric alarms and their state, datapoints and GetMetricData.

Alarms: ``put_metric_alarm``, ``set_alarm_state`` (ResourceNotFound for an unknown alarm),
``describe_alarms`` (by name). Metrics: ``put_metric_data`` (``Value``, ``Values``/``Counts`` or
``StatisticValues``) and ``get_metric_data`` for ``MetricStat`` queries: datapoints of the metric with
exactly that namespace, name and dimension set, in ``[StartTime, EndTime)`` (whole seconds), bucketed by
``Period`` from ``StartTime``, with Sum, Average, Minimum, Maximum, SampleCount or a percentile ``pNN``
(nearest rank over the raw values). Pinned against moto by tests/functional/test_aws_twins.py where moto
follows AWS; where it does not (moto 5 ignores the namespace of a query with dimensions, matches any
dimension set for a query without, and fails on percentiles), this twin follows AWS.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from botocore.exceptions import ClientError

from aiops.incident.ports import Clock
from aiops.local.clients import Twin, client_error, modeled

ACCOUNT = "123456789012"
MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


@dataclass(slots=True)
class _Series:
    """One metric's datapoints, oldest first: (time, raw values, (sum, min, max, count), unit)."""

    times: list[datetime] = field(default_factory=list)
    points: list[tuple[list[float], tuple[float, float, float, float], str | None]] = field(
        default_factory=list
    )

    def add(self, at: datetime, values: list[float], unit: str | None) -> None:
        stats = (sum(values), min(values), max(values), float(len(values)))
        self._insert(at, (values, stats, unit))

    def add_stats(self, at: datetime, stats: tuple[float, float, float, float], unit: str | None) -> None:
        self._insert(at, ([], stats, unit))

    def _insert(
        self, at: datetime, point: tuple[list[float], tuple[float, float, float, float], str | None]
    ) -> None:
        i = bisect.bisect_right(self.times, at)
        self.times.insert(i, at)
        self.points.insert(i, point)


def _utc(value: Any) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _dims(dimensions: Sequence[Mapping[str, str]] | None) -> frozenset[tuple[str, str]]:
    return frozenset((d["Name"], d["Value"]) for d in dimensions or ())


def statistic(stat: str, raw: list[float], stats: list[tuple[float, float, float, float]]) -> float | None:
    """``stat`` over one period: raw values and pre-aggregated sets (which carry no percentiles)."""
    count = sum(s[3] for s in stats)
    if count == 0:
        return None
    if stat == "Sum":
        return sum(s[0] for s in stats)
    if stat == "SampleCount":
        return count
    if stat == "Average":
        return sum(s[0] for s in stats) / count
    if stat == "Minimum":
        return min(s[1] for s in stats)
    if stat == "Maximum":
        return max(s[2] for s in stats)
    if stat.startswith("p") and raw:
        p = float(stat[1:])
        ordered = sorted(raw)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
    return None


class MemoryCloudWatch(Twin):
    service = "cloudwatch"

    def __init__(self, clock: Clock, region: str = "us-east-1") -> None:
        self.clock = clock
        self.region = region
        self.alarms: dict[str, dict[str, Any]] = {}
        self.metrics: dict[MetricKey, _Series] = {}
        self.exceptions = SimpleNamespace(
            ClientError=ClientError, ResourceNotFound=modeled("ResourceNotFound")
        )

    # -- alarms ------------------------------------------------------------------------------------

    def put_metric_alarm(self, *, AlarmName: str, **config: Any) -> dict[str, Any]:
        now = self.clock.now()
        previous = self.alarms.get(AlarmName, {})
        self.alarms[AlarmName] = {
            "AlarmName": AlarmName,
            "AlarmArn": f"arn:aws:cloudwatch:{self.region}:{ACCOUNT}:alarm:{AlarmName}",
            "StateValue": previous.get("StateValue", "INSUFFICIENT_DATA"),
            "StateReason": previous.get("StateReason", "Unchecked: Initial alarm creation"),
            "StateUpdatedTimestamp": previous.get("StateUpdatedTimestamp", now),
            "AlarmConfigurationUpdatedTimestamp": now,
            "Namespace": config.get("Namespace"),
            "MetricName": config.get("MetricName"),
            "Dimensions": list(config.get("Dimensions") or []),
            "Statistic": config.get("Statistic"),
            "Period": config.get("Period"),
            "EvaluationPeriods": config.get("EvaluationPeriods"),
            "Threshold": config.get("Threshold"),
            "ComparisonOperator": config.get("ComparisonOperator"),
        }
        return {}

    def set_alarm_state(
        self, *, AlarmName: str, StateValue: str, StateReason: str, **_: Any
    ) -> dict[str, Any]:
        alarm = self.alarms.get(AlarmName)
        if alarm is None:
            raise client_error(
                self.exceptions.ResourceNotFound,
                "ResourceNotFound",
                f"Alarm {AlarmName} not found",
                "SetAlarmState",
            )
        alarm.update(StateValue=StateValue, StateReason=StateReason, StateUpdatedTimestamp=self.clock.now())
        return {}

    def describe_alarms(
        self,
        *,
        AlarmNames: Sequence[str] | None = None,
        AlarmTypes: Sequence[str] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """As AWS answers: without ``AlarmTypes``, metric alarms only (the twin holds no composite)."""
        names = sorted(self.alarms) if AlarmNames is None else sorted(set(AlarmNames) & set(self.alarms))
        metric = "MetricAlarm" in (AlarmTypes or ["MetricAlarm"])
        return {
            "MetricAlarms": [dict(self.alarms[n]) for n in names] if metric else [],
            "CompositeAlarms": [],
        }

    # -- metrics -----------------------------------------------------------------------------------

    def put_metric_data(self, *, Namespace: str, MetricData: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        for datum in MetricData:
            key = (Namespace, str(datum["MetricName"]), _dims(datum.get("Dimensions")))
            series = self.metrics.setdefault(key, _Series())
            at = _utc(datum["Timestamp"]) if datum.get("Timestamp") is not None else self.clock.now()
            unit = datum.get("Unit")
            if datum.get("StatisticValues"):
                s = datum["StatisticValues"]
                stats = (float(s["Sum"]), float(s["Minimum"]), float(s["Maximum"]), float(s["SampleCount"]))
                series.add_stats(at, stats, unit)
            elif datum.get("Values"):
                counts = datum.get("Counts") or [1] * len(datum["Values"])
                values = [
                    float(v) for v, c in zip(datum["Values"], counts, strict=True) for _ in range(int(c))
                ]
                series.add(at, values, unit)
            else:
                series.add(at, [float(datum.get("Value", 0.0))], unit)
        return {}

    def get_metric_data(
        self,
        *,
        MetricDataQueries: Sequence[Mapping[str, Any]],
        StartTime: Any,
        EndTime: Any,
        ScanBy: str = "TimestampDescending",
        **_: Any,
    ) -> dict[str, Any]:
        start, end = _utc(StartTime).replace(microsecond=0), _utc(EndTime).replace(microsecond=0)
        if start >= end:
            raise client_error(
                ClientError,
                "ValidationError",
                "The parameter EndTime must be greater than StartTime.",
                "GetMetricData",
            )
        results = []
        for query in MetricDataQueries:
            if "MetricStat" not in query:
                raise client_error(
                    ClientError,
                    "UnsupportedOperation",
                    "metric math and Metrics Insights are not emulated in memory (use --emulator moto)",
                    "GetMetricData",
                )
            times, values = self._query(query["MetricStat"], start, end)
            if ScanBy == "TimestampDescending":
                times, values = times[::-1], values[::-1]
            if query.get("ReturnData", True):
                results.append(
                    {
                        "Id": query["Id"],
                        "Label": query.get("Label") or query["MetricStat"]["Metric"]["MetricName"],
                        "Timestamps": times,
                        "Values": values,
                        "StatusCode": "Complete",
                    }
                )
        return {"MetricDataResults": results, "Messages": []}

    def _query(
        self, stat: Mapping[str, Any], start: datetime, end: datetime
    ) -> tuple[list[datetime], list[float]]:
        metric = stat["Metric"]
        series = self.metrics.get(
            (metric["Namespace"], metric["MetricName"], _dims(metric.get("Dimensions")))
        )
        if series is None:
            return [], []
        period, unit = int(stat["Period"]), stat.get("Unit")
        buckets: dict[int, tuple[list[float], list[tuple[float, float, float, float]]]] = {}
        lo, hi = bisect.bisect_left(series.times, start), bisect.bisect_left(series.times, end)
        for at, (raw, stats, point_unit) in zip(series.times[lo:hi], series.points[lo:hi], strict=True):
            if unit and point_unit != unit:
                continue
            bucket = buckets.setdefault(int((at - start).total_seconds()) // period, ([], []))
            bucket[0].extend(raw)
            bucket[1].append(stats)
        times, values = [], []
        for k in sorted(buckets):
            value = statistic(str(stat["Stat"]), *buckets[k])
            if value is not None:
                times.append(start + timedelta(seconds=k * period))
                values.append(value)
        return times, values
