"""What every shape of a CloudWatch alarm event derives the same way: status, kind, type, title,
composite children, and the one validation that builds the signal."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from aiops.signals.model import AlarmType, Kind, Signal, Status
from aiops.text import MAX_NAME, MAX_TEXT, MAX_TITLE, cap

SOURCE = "aws.cloudwatch"
STATUS: dict[str, Status] = {"ALARM": "firing", "OK": "resolved", "INSUFFICIENT_DATA": "info"}
MAX_METRICS = 20
_RULE_CHILD = re.compile(r"\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*\"?([^\")]+?)\"?\s*\)")


def title(kind: Kind, name: str, state: str, description: str | None) -> str:
    what = "Log anomaly" if kind == "log_anomaly" else "Alarm"
    text = f"{what} {name} is {state}"
    return cap(f"{text}: {description}" if description else text, MAX_TITLE)


def signal(
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
            "status": STATUS[info["state"]],
            "resource": info["name"],
            "title": title,
            "account": account,
            "region": region,
            "detail_type": detail_type,
            "alarm": info,
        }
    )


def is_log_anomaly(metrics: list[dict[str, Any]]) -> bool:
    return any(m.get("namespace") == "AWS/Logs" and m.get("name") == "AnomalyCount" for m in metrics)


def alarm_type(metrics: list[dict[str, Any]], rule: str, threshold_id: str) -> AlarmType:
    if rule:
        return "composite"
    if threshold_id or band(metrics):
        return "anomaly_detection"
    if any(m.get("expression") for m in metrics) or len(metrics) > 1:
        return "metric_math"
    return "metric"


def band(metrics: list[dict[str, Any]]) -> str:
    for m in metrics:
        if "ANOMALY_DETECTION_BAND" in m.get("expression", "").upper():
            return str(m["expression"])
    return ""


def band_id(metrics: list[dict[str, Any]]) -> str:
    for m in metrics:
        if "ANOMALY_DETECTION_BAND" in m.get("expression", "").upper():
            return str(m["id"])
    return ""


def reason_data(raw: str | dict[str, Any] | None) -> dict[str, Any]:
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


def may_trigger(raw: str | dict[str, Any] | None) -> bool:
    """Whether ``reasonData`` can hold ``triggeringAlarms``: JSON spells that key literally or with
    ``\\u`` escapes, so most alarms never decode it for their head (only when built, for the threshold)."""
    if raw is None or isinstance(raw, dict):
        return raw is not None
    return "triggeringAlarms" in raw or "\\u" in raw


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def children(rule: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for match in _RULE_CHILD.finditer(rule[:MAX_TEXT]):
        seen.setdefault(cap(alarm_name_of(match.group(1).strip()), MAX_NAME), None)
    return tuple(seen)[:MAX_METRICS]


def triggering(data: dict[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    alarms = data.get("triggeringAlarms")
    if isinstance(alarms, list):
        for t in alarms[:MAX_METRICS]:
            if isinstance(t, dict) and isinstance(t.get("arn"), str):
                out.append(cap(alarm_name_of(t["arn"]), MAX_NAME))
    return tuple(out)


def alarm_name_of(ref: str) -> str:
    """An alarm name from a rule reference or ARN (``arn:aws:cloudwatch:r:a:alarm:NAME``)."""
    marker = ":alarm:"
    return ref.split(marker, 1)[1] if marker in ref else ref
