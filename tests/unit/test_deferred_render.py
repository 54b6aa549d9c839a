"""What a long replay does not render (issue 25): a local Slack stand-in that keeps only the latest edit
of the root renders that edit when it is read, never the thousands before it; the root it shows, the
calls counted and the edit count are what rendering every edit gives. And the root's renderer's own
``tojson`` says exactly what Jinja's says."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from jinja2.utils import htmlsafe_json_dumps

from aiops.incident.model import Incident
from aiops.local.fakes import LocalChat
from aiops.present.ports import SlackMessage
from aiops.present.slack_blocks import incident_message, tojson
from aiops.present.slack_thread import Notifier
from aiops.signals import normalize
from tests.support.events import alarm_event
from tests.unit.test_pipeline import World


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "<!channel> & 'quoted' \"double\" >",
        "unicode: é — ✓ \u2028",
        {"b": 1, "a": [1.5, None, True, "<x>"]},
        42,
        None,
    ],
)
def test_tojson_says_what_jinjas_tojson_says(value: Any) -> None:
    assert tojson(value) == str(htmlsafe_json_dumps(value, ensure_ascii=False, sort_keys=False))


def _storm(chat: LocalChat) -> tuple[World, list[SlackMessage], list[Incident]]:
    """One alarm flapping for ten minutes through the pipeline of ``world``, every change an edit of the
    root (no coalescing); returns what was rendered and each incident version rendered."""
    world = World()
    world.chat = chat
    rendered: list[SlackMessage] = []
    shown: list[Incident] = []

    def render(incident: Incident) -> SlackMessage:
        shown.append(incident)
        rendered.append(incident_message(incident))
        return rendered[-1]

    world.pipeline.notifier = Notifier(
        chat=chat,
        messages=world.store,
        channel_for=lambda i: "#c",
        reload=world.store.get,
        clock=world.clock,
        render=render,
        min_interval=timedelta(0),
    )
    for minute in range(10):
        state = "ALARM" if minute % 2 == 0 else "OK"
        world.send(alarm_event("chat-api-5xx", state, f"2026-11-25T10:{minute:02d}:00Z"))
    return world, rendered, shown


def test_a_chat_keeping_the_latest_edit_renders_only_what_is_read() -> None:
    # GIVEN the same storm shown to a chat keeping every edit and to one keeping the latest only
    every, rendered_every, _ = _storm(LocalChat(keep_edits=True))
    latest, rendered_latest, shown = _storm(LocalChat(keep_edits=False))
    [root_every] = [p for p in every.chat.posts if p.thread_ts is None]
    [root_latest] = [p for p in latest.chat.posts if p.thread_ts is None]
    # THEN every edit was rendered for the first, only the post for the second, so far
    assert root_every.edit_count == root_latest.edit_count >= 5
    assert len(rendered_every) == 1 + root_every.edit_count
    assert len(rendered_latest) == 1
    # WHEN the root is read, THEN its latest edit is rendered, once, and it is what the other shows
    assert latest.chat.current(root_latest.ts) == every.chat.current(root_every.ts)
    assert latest.chat.current(root_latest.ts) == root_latest.edits[-1]
    assert len(rendered_latest) == 2 and shown[-1] == latest.store.get(shown[-1].id)
    # and Slack was asked as often
    assert latest.chat.calls == every.chat.calls


def test_an_edit_after_a_read_replaces_the_rendered_one() -> None:
    world = World()
    chat = LocalChat(keep_edits=False)
    world.pipeline.process([("m1", normalize(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z")))])
    [incident] = world.store.all_incidents()
    ref = chat.post("#c", incident_message(incident))
    # GIVEN an edit left to render, read; WHEN one edit is rendered and another left, THEN the last shows
    chat.update_later(ref, lambda: SlackMessage(text="first", blocks=()))
    assert chat.current(ref.ts).text == "first"
    chat.update(ref, SlackMessage(text="second", blocks=()))
    chat.update_later(ref, lambda: SlackMessage(text="third", blocks=()))
    assert [m.text for m in chat.posts[0].edits] == ["third"] and chat.posts[0].edit_count == 3
