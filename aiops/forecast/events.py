"""A projection as the event the forecast pass puts on EventBridge (read by aiops/signals/forecast.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from aiops.forecast.project import Projection
from aiops.signals.forecast import DETAIL_TYPE, SOURCE
from aiops.signals.model import format_time

_IDS = uuid.UUID("6f0f8a52-29a1-4c39-9a57-1c2f0e3b5a29")
"""The namespace of the events' ids: one id per (resource, state, time), so a retried pass repeats it."""


def to_event(p: Projection, now: datetime, *, account: str, region: str) -> dict[str, Any] | None:
    """The EventBridge event of ``p`` (None when it says nothing: no state)."""
    if p.state is None:
        return None
    when = format_time(now.astimezone(UTC).replace(microsecond=0))
    projection = {
        "threshold": p.threshold,
        "thresholdSource": p.threshold_source,
        "current": p.current,
        "rate": p.rate,
        "projected": p.projected,
        "etaMinutes": p.eta_minutes,
        "bandLow": p.band_low,
        "bandHigh": p.band_high,
        "windowMinutes": p.window_minutes,
        "points": p.points,
    }
    return {
        "version": "0",
        "id": str(uuid.uuid5(_IDS, f"{p.resource}|{p.state}|{when}")),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": account,
        "time": when,
        "region": region,
        "resources": [],
        "detail": {
            "service": p.service,
            "component": p.component,
            "forecast": p.what,
            "state": p.state,
            "resource": p.resource,
            "summary": p.summary,
            "metric": {"namespace": p.namespace, "name": p.metric, "dimensions": dict(p.dimensions)},
            "projection": {k: v for k, v in projection.items() if v is not None and v != ""},
        },
    }


def put_entries(events: list[dict[str, Any]], bus: str) -> list[dict[str, Any]]:
    """The PutEvents entries of ``events`` (the handler puts them in batches of 10)."""
    import json

    return [
        {
            "Source": e["source"],
            "DetailType": e["detail-type"],
            "Detail": json.dumps(e["detail"], separators=(",", ":")),
            "EventBusName": bus,
            "Time": datetime.fromisoformat(e["time"].replace("Z", "+00:00")),
        }
        for e in events
    ]
