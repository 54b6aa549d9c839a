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
