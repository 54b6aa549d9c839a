"""Bare URLs in untrusted alarm text never become Slack links (issue 23, item 6).

Slack turns a bare ``https://...`` (or ``www....``) in mrkdwn into a link; escaping ``& < >`` does not stop
that. Every place alarm text reaches a Slack message shows it as code instead."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from aiops.present.mrkdwn import mrkdwn
from aiops.present.slack_blocks import entry_message, incident_message
from aiops.signals import normalize
from tests.support.events import alarm_event
from tests.unit.test_pipeline import World

URLS = ("https://evil.example/bare", "www.evil.example/x", "HTTP://evil.example/upper")


def _texts(node: Any) -> Iterator[str]:
    """Every string Slack parses as mrkdwn: mrkdwn text objects and the top-level notification text."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def _linkable(text: str) -> list[str]:
    """URLs Slack would link: outside `code` spans."""
    outside = re.sub(r"`[^`\n]*`", "", text)
    return [u for u in URLS if u.lower() in outside.lower()]


def test_bare_urls_from_an_alarm_are_code_wherever_alarm_text_appears() -> None:
    # GIVEN an alarm whose name and reason carry bare URLs (a reason is free text)
    world = World()
    name = "chat-api-5xx-https://evil.example/bare"
    reason = "see https://evil.example/bare or www.evil.example/x (HTTP://evil.example/upper)"
    world.pipeline.process(
        [("m1", normalize(alarm_event(name, "ALARM", "2026-11-25T10:00:00Z", reason=reason)))]
    )
    [incident] = world.store.all_incidents()
    messages = [incident_message(incident)] + [
        entry_message(incident, e) for e in world.store.timeline(incident.id)
    ]
    messages += [p.message for p in world.chat.posts]
    seen = 0
    for message in messages:
        body = {"text": message.text, "blocks": message.blocks}
        for text in [message.text, *_texts(body)]:
            seen += "evil.example" in text
            assert _linkable(text) == [], text
    assert seen >= 5  # the places the review found: the notification text, the title, members, timeline


def test_a_backtick_in_the_text_cannot_close_the_code_span_around_a_url() -> None:
    text = mrkdwn("`start https://evil.example/bare end`")
    assert _linkable(text) == []
    assert "`https://evil.example/bare`" in text


def test_text_without_urls_is_unchanged() -> None:
    assert mrkdwn("p99 latency > 2s on anthropic.claude-3 & `x`") == (
        "p99 latency &gt; 2s on anthropic.claude-3 &amp; `x`"
    )
