"""The escalation's timers on the replay clock: kept in memory, fired in time order as the stream's
time passes them (and, after the last event, the ones still pending), so a replay shows a delayed
page at its time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiops.incident.model import Timer
from aiops.local.clock import FixedClock

MAX_FIRINGS = 10_000
"""A bound on one drain: a timer that keeps making timers cannot hang a replay."""


class LocalScheduler:
    """A Scheduler that keeps one-time timers by name instead of asking EventBridge Scheduler."""

    def __init__(self) -> None:
        self.pending: dict[str, tuple[Timer, str]] = {}
        self.fired: list[tuple[Timer, str]] = []
        self.calls = 0

    def schedule(self, timer: Timer, incident_id: str) -> None:
        self.calls += 1
        self.pending[timer.name] = (timer, incident_id)

    def cancel(self, name: str) -> None:
        self.calls += 1
        self.pending.pop(name, None)

    def next_due(self, until: datetime | None) -> tuple[Timer, str] | None:
        due = [p for p in self.pending.values() if until is None or p[0].at <= until]
        return min(due, key=lambda p: (p[0].at, p[0].name)) if due else None


def fire_due(
    app: Any,
    clock: FixedClock,
    until: datetime | None,
    invoke: Callable[[str, str], object] | None = None,
) -> int:
    """Fire every timer due by ``until`` (None: all of them), each with the clock at its time, as
    EventBridge Scheduler would invoke ``handlers.timers`` (``invoke(incident_id, timer name)``; by
    default the pipeline directly). Returns how many fired."""
    scheduler = getattr(app, "scheduler", None)
    if not isinstance(scheduler, LocalScheduler):
        return 0
    fired = 0
    while fired < MAX_FIRINGS:
        due = scheduler.next_due(until)
        if due is None:
            break
        timer, incident_id = due
        del scheduler.pending[timer.name]
        scheduler.fired.append(due)
        clock.set(max(clock.now(), timer.at))
        (invoke or app.pipeline.on_timer)(incident_id, timer.name)
        fired += 1
    return fired
