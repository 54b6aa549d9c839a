"""Untrusted text made safe for Slack's mrkdwn: escaped (no mention, link or command can form), bare URLs
shown as code, capped without cutting an escape in half; people as mentions only when they are Slack
user ids."""

from __future__ import annotations

import re
from datetime import datetime

from aiops.signals.model import format_time
from aiops.text import cap

SECTION_LIMIT = 3000

_BARE_URL = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:)[^\s`]+")
"""What Slack would turn into a link by itself (a scheme, ``www.``, ``mailto:``), up to a space."""


def escape_mrkdwn(text: str) -> str:
    """Escape Slack's three control characters so no mention, link or command can form, and show a
    bare URL as code, which Slack does not link (a backtick of the text's own becomes a lookalike, so
    it cannot close the code span early)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _BARE_URL.search(escaped) is None:
        return escaped
    return _BARE_URL.sub(lambda m: f"`{m.group(0)}`", escaped.replace("`", "\u02cb"))


def mrkdwn(value: object, limit: int = SECTION_LIMIT) -> str:
    """Cap first (counting the escaped length), so an escape sequence is never cut in half."""
    text = cap(value, limit)
    escaped = escape_mrkdwn(text)
    while len(escaped) > limit:
        text = cap(text, max(1, len(text) - (len(escaped) - limit) - 1))
        escaped = escape_mrkdwn(text)
    return escaped


_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,20}")


def person(value: object) -> str:
    """Who did something: a Slack user id as a mention; anyone else (a PagerDuty user's name) as
    escaped text, so a name can never form a mention or a link."""
    text = cap(value, 64)
    return f"<@{text}>" if _SLACK_USER.fullmatch(text) else mrkdwn(text, 64)


def plain(value: object, limit: int = SECTION_LIMIT) -> str:
    return cap(value, limit)


def when(value: datetime | None) -> str:
    return format_time(value) if value else "-"


def link(url: str, text: str, limit: int = 200) -> str:
    """A mrkdwn link whose text is escaped; the URL is ours (built from ids) or a checked console URL."""
    label = mrkdwn(text, limit)
    if not url or any(ch in url for ch in "<>| "):
        return label
    return f"<{url}|{label}>"
