"""The maturity report for people: one table per level, coloured only when asked (a terminal)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from aiops.account.practices import LEVELS, PASS_SCORE

if TYPE_CHECKING:
    from aiops.account.maturity import MaturityReport

_COLOURS = {"present": "32", "partial": "33", "missing": "31", "unknown": "35"}
_MARK = {"present": "+", "partial": "~", "missing": "-", "unknown": "?"}


def _paint(text: str, status: str, color: bool) -> str:
    return f"\033[{_COLOURS[status]}m{text}\033[0m" if color else text


def render_text(report: MaturityReport, *, color: bool = False, width: int = 100) -> str:
    """The report as a table: level, practice, status, then the evidence and the fix, indented."""
    lines = [
        f"Observability maturity of account {report.account or '(unknown)'} in {', '.join(report.regions)}",
        f"Level reached: {report.level}"
        + (f" ({LEVELS[report.level]})" if report.level else "")
        + f"  (a level counts from a score of {PASS_SCORE:.0%}, present 1, partial 0.5)",
    ]
    title_w = max(len(a.title) for a in report.practices)
    for level, name in LEVELS.items():
        lines += [
            "",
            f"Level {level} {name}: score {report.scores[level]:.0%}",
            "-" * min(width, title_w + 14),
        ]
        for a in (p for p in report.practices if p.level == level):
            status = _paint(f"{a.status:<8}", a.status, color)
            lines.append(f" {_MARK[a.status]} {a.title:<{title_w}}  {status}")
            for e in a.evidence:
                lines += textwrap.wrap(e, width, initial_indent="     ", subsequent_indent="       ")
            if a.fix:
                for i, fix in enumerate(a.fix.splitlines()):
                    lines += textwrap.wrap(
                        fix,
                        width,
                        initial_indent="     fix: " if i == 0 else "          ",
                        subsequent_indent="          ",
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
    calls = sum(report.calls.values())
    lines += ["", f"{calls} read-only API request(s)"]
    return "\n".join(lines) + "\n"
