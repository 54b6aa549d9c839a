"""Selector globs checked: malformed, unable to match, or claiming what another selector claims (pure).

Selectors are ``fnmatch`` patterns (``*``, ``?``, ``[...]``, ``[!...]``). Two patterns *intersect* when
some string matches both; :func:`common` finds one such string (or None), by a breadth-first search over
pairs of positions in the two patterns.
"""

from __future__ import annotations

import fnmatch
import re
from collections import deque
from dataclasses import dataclass

ANY = "any"
STAR = "star"


@dataclass(frozen=True)
class Token:
    kind: str
    """``lit``, ``set``, ``any`` (``?``) or ``star`` (``*``)."""
    chars: tuple[tuple[str, str], ...] = ()
    """For ``lit`` one (c, c); for ``set`` its ranges."""
    negated: bool = False

    def has(self, c: str) -> bool:
        if self.kind == ANY:
            return True
        inside = any(lo <= c <= hi for lo, hi in self.chars)
        return inside != self.negated

    def sample(self) -> str | None:
        """A character this token matches (a readable one when it can)."""
        if self.kind == ANY:
            return "x"
        if not self.negated:
            return self.chars[0][0] if self.chars else None
        return next((c for c in "x0aZ-_" if self.has(c)), None)


def tokens(pattern: str) -> list[Token]:
    """``pattern`` as fnmatch reads it (an unclosed ``[`` is a literal ``[``)."""
    out: list[Token] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if not out or out[-1].kind != STAR:
                out.append(Token(STAR))
        elif c == "?":
            out.append(Token(ANY))
        elif c == "[":
            j = i
            if j < n and pattern[j] == "!":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                out.append(Token("lit", (("[", "["),)))
                continue
            body, i = pattern[i:j], j + 1
            negated = body.startswith("!")
            body = body[1:] if negated else body
            ranges, k = [], 0
            while k < len(body):
                if k + 2 < len(body) and body[k + 1] == "-":
                    ranges.append((body[k], body[k + 2]))
                    k += 3
                else:
                    ranges.append((body[k], body[k]))
                    k += 1
            out.append(Token("set", tuple(ranges), negated))
        else:
            out.append(Token("lit", ((c, c),)))
    return out


def malformed(pattern: str) -> str | None:
    """Why ``pattern`` is not the glob it looks like, or None."""
    if pattern == "":
        return "an empty pattern matches nothing"
    try:
        re.compile(fnmatch.translate(pattern))
    except re.error as exc:
        return f"malformed glob {shown(pattern)}: {exc.msg}"
    for n, c in enumerate(pattern):
        if c == "[":
            rest = pattern[n + 1 :]
            close = rest.find("]", 2 if rest.startswith("!]") else 1 if rest.startswith("]") else 0)
            if close < 0:
                return (
                    f"unclosed '[' in {shown(pattern)}: fnmatch reads it as a literal '['; close the class, "
                    "or write [[] for a literal bracket"
                )
    for t in tokens(pattern):
        reversed_ranges = [f"{lo}-{hi}" for lo, hi in t.chars if lo > hi]
        if t.kind == "set" and reversed_ranges:
            return (
                f"malformed glob {shown(pattern)}: the range {reversed_ranges[0]} is reversed, and fnmatch "
                "drops it (write it low to high)"
            )
    return None


def shown(pattern: str) -> str:
    """A pattern as a message quotes it: capped."""
    return repr(pattern if len(pattern) <= 60 else pattern[:59] + "…")


def _single(t: Token) -> bool:
    return t.kind != STAR


def _meet(a: Token, b: Token) -> str | None:
    """A character both single-character tokens match."""
    for candidate in (a.sample(), b.sample()):
        if candidate is not None and a.has(candidate) and b.has(candidate):
            return candidate
    for t in (a, b):
        for lo, hi in t.chars:
            for c in (lo, hi, chr((ord(lo) + ord(hi)) // 2)):
                if a.has(c) and b.has(c):
                    return c
    return None


def common(a: str, b: str) -> str | None:
    """A string matched by both globs, or None when they share nothing."""
    ta, tb = tokens(a), tokens(b)
    start = (0, 0)
    parent: dict[tuple[int, int], tuple[tuple[int, int], str] | None] = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        i, j = state
        if i == len(ta) and j == len(tb):
            out = []
            node: tuple[int, int] | None = state
            while node is not None and parent[node] is not None:
                prev, ch = parent[node]  # type: ignore[misc]
                out.append(ch)
                node = prev
            return "".join(reversed(out))
        x = ta[i] if i < len(ta) else None
        y = tb[j] if j < len(tb) else None
        moves: list[tuple[tuple[int, int], str]] = []
        if x is not None and x.kind == STAR:
            moves.append(((i + 1, j), ""))
        if y is not None and y.kind == STAR:
            moves.append(((i, j + 1), ""))
        if x is not None and y is not None:
            if x.kind == STAR and _single(y):
                c = y.sample()
                if c is not None:
                    moves.append(((i, j + 1), c))
            elif _single(x) and y.kind == STAR:
                c = x.sample()
                if c is not None:
                    moves.append(((i + 1, j), c))
            elif _single(x) and _single(y):
                c = _meet(x, y)
                if c is not None:
                    moves.append(((i + 1, j + 1), c))
        for nxt, ch in moves:
            if nxt not in parent:
                parent[nxt] = (state, ch)
                queue.append(nxt)
    return None


@dataclass(frozen=True)
class Field:
    """What AWS allows in a selector's field: a pattern asking for more cannot match anything."""

    what: str
    max_length: int
    allowed: re.Pattern[str] | None = None
    """Characters the field may hold (one character at a time)."""


FIELDS = {
    "alarm_name": Field("an alarm name", 255, re.compile(r"[^\x00-\x1f\x7f]")),
    "namespace": Field("a CloudWatch namespace", 255, re.compile(r"[0-9A-Za-z.\-_/#: ]")),
    "parameter": Field("an SSM parameter name", 2048, re.compile(r"[A-Za-z0-9_.\-/]")),
    "budget_name": Field("a budget name", 100, re.compile(r"[^:\\]")),
    "stack": Field("a CloudFormation stack name", 128, re.compile(r"[A-Za-z0-9\-]")),
    "cost_service": Field("an AWS service name", 256),
    "prompt": Field("a Bedrock prompt id or ARN", 2048),
    "dimension": Field("a dimension value", 1024),
    "tag": Field("a tag value", 256),
}


def cannot_match(field: str, pattern: str) -> str | None:
    """Why no value of ``field`` can match ``pattern`` (AWS's limits on it), or None."""
    spec = FIELDS.get(field)
    if spec is None:
        return None
    toks = tokens(pattern)
    least = sum(1 for t in toks if t.kind != STAR)
    if least > spec.max_length:
        return f"{shown(pattern)} needs {least} characters; {spec.what} has at most {spec.max_length}"
    if spec.allowed is not None:
        bad = sorted(
            {t.chars[0][0] for t in toks if t.kind == "lit" and not spec.allowed.fullmatch(t.chars[0][0])}
        )
        if bad:
            chars = ", ".join(repr(c) for c in bad)
            return f"{shown(pattern)} cannot match: {spec.what} never contains {chars}"
    if (
        field == "parameter"
        and "/" in pattern
        and toks
        and toks[0].kind == "lit"
        and not pattern.startswith("/")
    ):
        return f"{shown(pattern)} cannot match: an SSM parameter name with '/' in it starts with '/'"
    return None
