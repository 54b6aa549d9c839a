"""Scoring the forecast pass on recorded series (tests/series/): hits, misses, false alarms, lead time.

A pass runs every ``every`` minutes over the series (as EventBridge Scheduler would). An episode is a run
of passes from a WARNING to the next OK. A series with a throttle alarm is a *hit* when a warning episode
is open at the alarm (began before it), its lead time the minutes from that episode's first warning to
the alarm; else a *miss*. Every warning episode that no throttle alarm follows is a *false alarm*.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

SERIES = Path(__file__).resolve().parents[1] / "series"


def load_series(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SERIES / f"{name}.json").read_text())
    return doc


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def points(doc: dict[str, Any]) -> list[tuple[datetime, float]]:
    start = parse_time(doc["start"])
    return [(start + timedelta(minutes=i), float(v)) for i, v in enumerate(doc["usage_per_minute"])]


@dataclass
class Score:
    name: str
    throttle_at: datetime | None
    episodes: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    hit: bool = False
    miss: bool = False
    false_alarms: int = 0
    lead_minutes: float | None = None


def score(doc: dict[str, Any], name: str, states: list[tuple[datetime, str | None]]) -> Score:
    """``states``: each pass's time and the state it emitted (WARNING, OK, or None: it said nothing)."""
    throttle = parse_time(doc["throttle_alarm_at"]) if doc["throttle_alarm_at"] else None
    s = Score(name, throttle)
    open_at: datetime | None = None
    for t, state in states:
        if throttle is not None and t >= throttle:
            break  # after the alarm the incident is real: the forecast's job is done
        if state == "WARNING" and open_at is None:
            open_at = t
        elif state == "OK" and open_at is not None:
            s.episodes.append((open_at, t))
            open_at = None
    if open_at is not None:
        s.episodes.append((open_at, None))
    leading = [e for e in s.episodes if e[1] is None and throttle is not None]
    if throttle is not None and leading:
        s.hit = True
        s.lead_minutes = (throttle - leading[0][0]).total_seconds() / 60
    elif throttle is not None:
        s.miss = True
    s.false_alarms = len([e for e in s.episodes if e not in leading])
    return s


def run_passes(
    doc: dict[str, Any], one_pass: Callable[[datetime], str | None], *, every: int = 5
) -> list[tuple[datetime, str | None]]:
    start = parse_time(doc["start"])
    end = start + timedelta(minutes=len(doc["usage_per_minute"]))
    out = []
    t = start + timedelta(minutes=every)
    while t <= end:
        out.append((t, one_pass(t)))
        t += timedelta(minutes=every)
    return out
