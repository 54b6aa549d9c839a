"""Reading a replay's event stream: numbered lines, event-time order, progress on stderr.

A stream is read line by line and never held whole: a day of events replays in constant memory.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, TextIO

from aiops.signals.model import format_time

REORDER_TOLERANCE = timedelta(seconds=60)
"""How far back EventBridge's at-least-once, any-order delivery plausibly reorders events."""


STDIN = "-"
"""The file name that reads standard input (``aiops replay -``)."""


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that could not be read as text: why (it is rejected on its own; the stream goes on)."""

    reason: str


Line = str | BadLine


def numbered(lines: Iterable[Line]) -> Iterator[tuple[int, Line]]:
    """(line number, text) of each non-blank line; numbers count the blank lines too."""
    for number, line in enumerate(lines, 1):
        if isinstance(line, BadLine):
            yield number, line
        elif line.strip():
            yield number, line.rstrip("\r\n")


def decoded(raw: Iterable[bytes]) -> Iterator[Line]:
    """Binary lines as text: a UTF-8 byte order mark at the start is dropped (editors on Windows write
    one), a line that is not UTF-8 becomes a :class:`BadLine` naming the byte and its column."""
    for number, chunk in enumerate(raw, 1):
        if number == 1 and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        try:
            yield chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield BadLine(f"not UTF-8: byte 0x{chunk[exc.start]:02x} at column {exc.start + 1}")


def read_lines(path: Path | str) -> Iterator[Line]:
    """The lines of the file (``-``: standard input), read as they are needed."""
    if str(path) == STDIN:
        yield from decoded(_stdin())
        return
    with Path(path).open("rb") as fh:
        yield from decoded(fh)


def _stdin() -> BinaryIO:
    return sys.stdin.buffer


class OrderWatch:
    """Events older than the newest seen by more than the reordering EventBridge explains."""

    def __init__(self, source: str, warn: Callable[[str], None]) -> None:
        self.source = source
        self.warn = warn
        self.newest: tuple[datetime, int] | None = None
        self.late = 0

    def check(self, number: int, when: datetime) -> None:
        if self.newest is None or when > self.newest[0]:
            self.newest = (when, number)
            return
        newest, at = self.newest
        if newest - when <= REORDER_TOLERANCE:
            return
        self.late += 1
        if self.late == 1:
            self.warn(
                f"warning: {self.source}:{number}: event time {format_time(when)} is "
                f"{(newest - when).total_seconds():,.0f} s before line {at}'s {format_time(newest)}: "
                "replay reads events oldest first, and EventBridge reorders by about a minute at most; "
                "sort the stream by time (later lines out of order are counted in stats.out_of_order)"
            )


class Progress:
    """Progress of a long replay on ``out`` (stderr): a bar with events/s and the time left when it is a
    terminal, one summary line at the end otherwise. Silent for streams done within ``after`` seconds.

    ``total``/``done`` are in any unit that measures the stream (bytes of the file read so far)."""

    def __init__(
        self,
        out: TextIO,
        *,
        total: int | None = None,
        after: float = 2.0,
        every: float = 0.25,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = out
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self.total = total
        self.after = after
        self.every = every
        self.now = now
        self.started = now()
        self._next = self.started + after
        self._drawn = False

    def update(self, events: int, done: int | None = None) -> None:
        if not self.tty:
            return
        t = self.now()
        if t < self._next:
            return
        self._next = t + self.every
        elapsed = max(t - self.started, 1e-9)
        rate = events / elapsed
        line = f"replay: {events:,} events, {rate:,.0f} events/s"
        if self.total and done is not None:
            share = min(done / self.total, 1.0)
            left = elapsed * (1 - share) / share if share > 0 else 0.0
            bar = "#" * int(share * 30)
            line = (
                f"replay [{bar:<30}] {share:4.0%}  {events:,} events  {rate:,.0f} events/s  "
                f"ETA {_clock(left)}"
            )
        self.out.write("\r" + line.ljust(90)[:90])
        self.out.flush()
        self._drawn = True

    def finish(self, events: int) -> None:
        elapsed = self.now() - self.started
        if self._drawn:
            self.out.write("\r" + " " * 90 + "\r")
        if elapsed >= self.after:
            rate = events / max(elapsed, 1e-9)
            self.out.write(f"replay: {events:,} events in {elapsed:,.1f} s ({rate:,.0f} events/s)\n")
        self.out.flush()


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
