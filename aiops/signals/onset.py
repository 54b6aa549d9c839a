"""Onset: when a symptom began, read from the data it carries, not from when its event was delivered.

- An alarm: its first breaching datapoint. ``state.reasonData`` holds the evaluated window: its
  ``startDate`` and ``period`` with the ``recentDatapoints`` (oldest first) and, on newer alarms,
  ``evaluatedDatapoints`` (each with its own ``timestamp``). The first datapoint that breaches the
  threshold (by the alarm's comparison operator, or outside ``recentLower/UpperThresholds`` for an
  anomaly-detection band) is the onset; when no datapoint can be judged, the window's ``startDate``
  is (the alarm breached within it). A composite alarm: its earliest triggering child's state time.
- A DevOps Guru insight: its earliest anomaly ``startTime`` (else the insight's own ``startTime``).
- An AWS Health event: its ``startTime``. A cost anomaly: its ``anomalyStartDate``.
- Anything else, or data that cannot be read: the event's time (the state change).

Tolerant by design: a missing, odd or hostile ``reasonData`` only costs the precision of the onset,
never the event. An onset is never after the event, nor more than :data:`MAX_LEAD` before it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiops.errors import InvalidEventError
from aiops.signals.alarm_parts import number, reason_data
from aiops.signals.base import parse_time
from aiops.signals.model import Deferred, Signal

MAX_LEAD = timedelta(days=1)
"""An onset further back than this before its event is not believed (a clock or a broken payload)."""
_MAX_POINTS = 100


def bounded(onset: datetime | None, event_time: datetime) -> datetime:
    """``onset`` when it is plausible for an event at ``event_time``, else ``event_time``."""
    if onset is None or onset > event_time or event_time - onset > MAX_LEAD:
        return event_time
    return onset


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return parse_time(value, source="aws.cloudwatch", field="reasonData")
    except InvalidEventError:
        return None


_BREACH = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


def _points(data: dict[str, Any]) -> list[tuple[datetime, float]]:
    """(time, value) of the evaluated datapoints, oldest first."""
    evaluated = data.get("evaluatedDatapoints")
    out: list[tuple[datetime, float]] = []
    if isinstance(evaluated, list) and evaluated:
        for p in evaluated[:_MAX_POINTS]:
            if not isinstance(p, dict):
                continue
            at, value = _time(p.get("timestamp")), number(p.get("value"))
            if at is not None and value is not None:
                out.append((at, value))
        return sorted(out)
    start, period, recent = (
        _time(data.get("startDate")),
        number(data.get("period")),
        data.get("recentDatapoints"),
    )
    if start is None or not period or period <= 0 or not isinstance(recent, list):
        return []
    for i, raw in enumerate(recent[:_MAX_POINTS]):
        value = number(raw)
        if value is not None:
            out.append((start + timedelta(seconds=period * i), value))
    return out


def _band_breaches(data: dict[str, Any], points: list[tuple[datetime, float]]) -> list[datetime]:
    lower, upper = data.get("recentLowerThresholds"), data.get("recentUpperThresholds")
    if not isinstance(lower, list) or not isinstance(upper, list) or len(points) != len(upper):
        return []
    out = []
    for (at, value), lo, hi in zip(points, lower, upper, strict=False):
        lo_n, hi_n = number(lo), number(hi)
        if (lo_n is not None and value < lo_n) or (hi_n is not None and value > hi_n):
            out.append(at)
    return out


_REASON_COMPARISON = (  # the state reason spells the operator when the event's configuration does not
    ("greater than or equal to the threshold", "GreaterThanOrEqualToThreshold"),
    ("greater than the threshold", "GreaterThanThreshold"),
    ("less than or equal to the threshold", "LessThanOrEqualToThreshold"),
    ("less than the threshold", "LessThanThreshold"),
)


def comparison_in(reason: str) -> str:
    """The comparison operator a CloudWatch state reason states ("... was greater than the threshold")."""
    text = reason[:2000]
    for phrase, operator in _REASON_COMPARISON:
        if phrase in text and f"not {phrase}" not in text:
            return operator
    return ""


def alarm_onset(
    raw: str | dict[str, Any] | None, comparison: str, threshold: float | None, reason: str = ""
) -> datetime | None:
    """The first breaching datapoint of an alarm's ``reasonData`` (None when it says nothing usable);
    the comparison is the configuration's, else the one the state ``reason`` states."""
    comparison = comparison or comparison_in(reason)
    data = reason_data(raw) if raw is not None else {}
    if not data:
        return None
    triggering = data.get("triggeringAlarms")
    if isinstance(triggering, list):
        times = [
            _time(t.get("state", {}).get("timestamp"))
            for t in triggering[:_MAX_POINTS]
            if isinstance(t, dict) and isinstance(t.get("state"), dict)
        ]
        known = [t for t in times if t is not None]
        return min(known) if known else None
    points = _points(data)
    limit = threshold if threshold is not None else number(data.get("threshold"))
    breach = _BREACH.get(comparison)
    if breach is not None and limit is not None:
        hits = [at for at, value in points if breach(value, limit)]
    else:
        hits = _band_breaches(data, points)
    if hits:
        return hits[0]
    start = _time(data.get("startDate"))
    return start if start is not None else (points[0][0] if points else None)


def earliest(times: list[datetime | None]) -> datetime | None:
    known = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in times if t is not None]
    return min(known) if known else None


def onset_of(signal: Signal | Deferred) -> datetime:
    """When the symptom ``signal`` reports began (its event time when the data does not say)."""
    if isinstance(signal, Deferred):
        return signal.onset()
    found: datetime | None = None
    if signal.alarm is not None:
        found = signal.alarm.onset
    elif signal.health is not None:
        found = signal.health.start_time
    elif signal.insight is not None:
        found = earliest([a.start_time for a in signal.insight.anomalies])
    return bounded(found, signal.time)
