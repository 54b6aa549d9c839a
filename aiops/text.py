"""Untrusted text from events: capped in length, kept as data.

Nothing here interprets text; escaping for a particular sink (Slack mrkdwn) happens at that sink.
"""

from __future__ import annotations

import unicodedata

MAX_NAME = 256
"""Alarm names, budget names, resource ids: CloudWatch caps alarm names at 255."""
MAX_TITLE = 300
MAX_TEXT = 2_000
"""Reasons and descriptions: enough for a human, far below any sink's limit."""
ELLIPSIS = "…"


def cap(value: object, limit: int = MAX_TEXT) -> str:
    """``value`` as a string of at most ``limit`` characters, control characters removed."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if len(text) > limit * 4:
        text = text[: limit * 4]
    if not text.isprintable():
        text = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    if len(text) > limit:
        return text[: limit - 1] + ELLIPSIS
    return text


def differing(before: str, after: str, width: int = 48, context: int = 12) -> tuple[str, str]:
    """Two values, each cut to about ``width`` characters around where they differ: a start (or end)
    they share beyond ``context`` characters becomes ``…``, so two long prompts that differ in one word
    show that word rather than the same first ``width`` characters twice."""
    if len(before) <= width and len(after) <= width:
        return before, after
    prefix = 0
    for a, b in zip(before, after, strict=False):
        if a != b:
            break
        prefix += 1
    most = min(len(before), len(after)) - prefix
    suffix = 0
    while suffix < most and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]:
        suffix += 1

    def cut(value: str) -> str:
        start = max(0, prefix - context)
        end = len(value) - max(0, suffix - context)
        head = ELLIPSIS if start else ""
        body = value[start:end]
        tail = ELLIPSIS if end < len(value) else ""
        if len(body) > width:
            body, tail = body[: width - 1], ELLIPSIS
        return head + body + tail

    return cut(before), cut(after)


def change_text(parameter: str, before: str | None, after: str | None, width: int = 48) -> str:
    """``parameter: 'before' -> 'after'``, long values shown where they differ (``(none)``: no value)."""
    b, a = differing(before or "", after or "", width)
    return (
        f"{cap(parameter, MAX_NAME)}: {repr(cap(b)) if before is not None else '(none)'} -> "
        f"{repr(cap(a)) if after is not None else '(none)'}"
    )
