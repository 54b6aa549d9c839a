"""A virtual clock for the time a test asserts on: sleeping moves it, and costs no real time.

``time.sleep`` is replaced for the test (the adapters look it up when they call it), and ``time.monotonic``
reads the real clock plus everything slept so far: it never goes back, and a budget counted on it runs
out exactly as it would have in real time. What a test asserts is ``slept`` (or ``sleeps``): what the
code chose to wait, independent of how loaded the machine is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

_REAL_MONOTONIC = time.monotonic  # before any test replaces it


@dataclass
class VirtualTime:
    sleeps: list[float] = field(default_factory=list)
    """Every sleep asked for, in order, in seconds."""

    @property
    def slept(self) -> float:
        return sum(self.sleeps)

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")  # as time.sleep says
        self.sleeps.append(seconds)

    def monotonic(self) -> float:
        return _REAL_MONOTONIC() + self.slept
