"""The replay's stream reading: line numbers, event-time order, progress on stderr."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from aiops.local.stream import OrderWatch, Progress, numbered

T = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Ticks:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_line_numbers_count_blank_lines() -> None:
    assert list(numbered(["a\n", "\n", "  \n", "b\r\n"])) == [(1, "a"), (4, "b")]


def test_only_the_first_event_out_of_order_is_named() -> None:
    warnings: list[str] = []
    watch = OrderWatch("e.jsonl", warnings.append)
    for n, seconds in enumerate([0, 100, 50, 300, 10, 200, 299], 1):
        watch.check(n, T + timedelta(seconds=seconds))
    assert watch.late == 2  # lines 5 and 6; line 3 is 50 s late (within a minute), line 7 1 s
    assert warnings == [
        "warning: e.jsonl:5: event time 2026-11-25T10:00:10Z is 290 s before line 4's 2026-11-25T10:05:00Z: "
        "replay reads events oldest first, and EventBridge reorders by about a minute at most; sort the "
        "stream by time (later lines out of order are counted in stats.out_of_order)"
    ]


def test_a_terminal_gets_a_bar_with_rate_and_time_left() -> None:
    out, clock = Tty(), Ticks()
    progress = Progress(out, total=1000, now=clock)
    progress.update(10, 10)
    assert out.getvalue() == ""  # nothing for the first two seconds
    clock.t += 4
    progress.update(4000, 250)
    bar = out.getvalue()
    assert bar.startswith(
        "\rreplay [#######                       ]  25%  4,000 events  1,000 events/s  ETA 0:12"
    )
    clock.t += 4
    progress.finish(8000)
    assert out.getvalue().endswith("\r" + " " * 90 + "\rreplay: 8,000 events in 8.0 s (1,000 events/s)\n")


def test_a_pipe_gets_one_summary_line_and_a_short_run_nothing() -> None:
    out, clock = io.StringIO(), Ticks()
    progress = Progress(out, total=1000, now=clock)
    clock.t += 3
    progress.update(3000, 500)
    progress.finish(6000)
    assert out.getvalue() == "replay: 6,000 events in 3.0 s (2,000 events/s)\n"
    quick = io.StringIO()
    Progress(quick, now=Ticks()).finish(5)
    assert quick.getvalue() == ""
