"""What the linter reports: problems with a file, a line, a named path and what to do (pure)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem: ``file:line: path: message`` (a warning says so after the line)."""

    file: str
    lineno: int | None
    path: str
    message: str
    severity: Severity = "error"

    def text(self) -> str:
        where = f"{self.file}:{self.lineno}: " if self.lineno else f"{self.file}: "
        kind = "warning: " if self.severity == "warning" else ""
        return f"{where}{kind}{self.path + ': ' if self.path else ''}{self.message}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a choice is close to ``word``, else nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def quoted(values: Iterable[str]) -> str:
    """``'a', 'b' or 'c'``."""
    items = [repr(v) for v in values]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
