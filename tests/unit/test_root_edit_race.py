"""Two workers editing one incident's Slack root at once (issue 23, found by the concurrent chaos runs):
the edits reach Slack in either order, and the root ends showing the newest state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiops.local.fakes import LocalChat
from aiops.present.slack_thread import Notifier
from aiops.signals import normalize
from tests.support.events import alarm_event
from tests.unit.test_pipeline import World


def test_the_older_edit_landing_last_is_followed_by_the_newest() -> None:
    # GIVEN an incident whose root shows version 1, and versions 2 and 3 made by two workers
    world = World()
    world.pipeline.process([("m1", normalize(alarm_event("chat-api-5xx", "ALARM", "2026-11-25T10:00:00Z")))])
    [v1] = world.store.all_incidents()
    v2 = world.store.save(v1.model_copy(update={"severity": "SEV3"}), [])
    v3 = world.store.save(v2.model_copy(update={"severity": "SEV1"}), [])
    chat: LocalChat = world.chat
    notifier = Notifier(
        chat=chat,
        messages=world.store,
        channel_for=lambda i: "#c",
        reload=world.store.get,
        clock=world.clock,
        min_interval=timedelta(0),
    )
    update = chat.update
    raced: list[bool] = []

    def the_other_worker_edits_first(ref: Any, message: Any) -> None:
        # WHEN worker X's edit (version 2) is on its way, worker Y shows version 3 from start to end, and
        # then X's older edit reaches Slack
        if not raced:
            raced.append(True)
            assert notifier.sync(v3)
        update(ref, message)

    chat.update = the_other_worker_edits_first  # type: ignore[method-assign]
    notifier.sync(v2)
    # THEN X saw its record lose and showed the newest again: the root shows version 3
    [root] = [p for p in chat.posts if p.thread_ts is None]
    assert raced == [True] and chat.current(root.ts).text.startswith("SEV1 ")
