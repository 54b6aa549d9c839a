"""Admission: an event's time must lie in a sane window around the clock, or its record is refused.

A time in year 9999 would overflow the incident's windows; one in 2099 would hold its incident open for
every later signal of the service. ``aiops replay`` sets the clock to the events' own times, so a replay
of any period is admitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiops.errors import InvalidEventError
from aiops.pipeline.settings import Settings
from aiops.signals.cloudwatch import SOURCE as ALARM_SOURCE
from aiops.signals.model import Deferred, Signal, format_time


def admit(signals: Sequence[Signal | Deferred], now: datetime, settings: Settings) -> list[Signal | Deferred]:
    """The signals of one record, when each one's time lies within ``max_event_age`` before ``now`` and
    ``max_event_lead`` after; InvalidEventError (one clear line) otherwise."""
    earliest, latest = now - settings.max_event_age, now + settings.max_event_lead
    for s in signals:
        if not earliest <= s.time <= latest:
            raise InvalidEventError(
                f"{format_time(s.time)} is outside the accepted window "
                f"{format_time(earliest)} .. {format_time(latest)} around the clock",
                source=s.source if isinstance(s, Signal) else ALARM_SOURCE,
                field="time",
            )
    return list(signals)
