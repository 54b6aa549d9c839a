"""The clock of replay, the demo and the tests: it says what it is told."""

from __future__ import annotations

from datetime import datetime


class FixedClock:
    """A clock that says what it is told; ``aiops replay`` sets it to each event's time."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now
