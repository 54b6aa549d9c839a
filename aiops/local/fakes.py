"""Local stand-ins for Slack and PagerDuty: they keep what they are handed instead of sending it.

``aiops demo``, ``aiops replay``, tests and benchmarks use them; Lambda never does.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Collection
from dataclasses import dataclass, field

from aiops.ports import ChangeNote, Delivery, MessageRef, Page, SlackMessage


@dataclass
class Posted:
    channel: str
    ts: str
    message: SlackMessage
    thread_ts: str | None = None
    edits: list[SlackMessage] = field(default_factory=list)


class LocalChat:
    """A ChatClient that keeps messages instead of sending them (demo and replay without a token)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self.posts: list[Posted] = []
        self.calls = 0

    def post(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> MessageRef:
        with self._lock:
            self.calls += 1
            ts = f"1700000000.{next(self._ts):06d}"
            self.posts.append(Posted(channel, ts, message, thread_ts))
            return MessageRef(channel, ts)

    def update(self, ref: MessageRef, message: SlackMessage) -> None:
        with self._lock:
            self.calls += 1
            for p in self.posts:
                if p.ts == ref.ts and p.channel == ref.channel:
                    p.edits.append(message)
                    return
            raise KeyError(ref.ts)

    def current(self, ts: str) -> SlackMessage:
        for p in self.posts:
            if p.ts == ts:
                return p.edits[-1] if p.edits else p.message
        raise KeyError(ts)


class LocalPager:
    """A Pager that keeps pages instead of sending them (no routing key and no SNS topic). Services in
    ``sns_only`` stand for those without a PagerDuty key: their pages go to "sns"."""

    def __init__(self, sns_only: Collection[str] = ()) -> None:
        self.sns_only = frozenset(sns_only)
        self.pages: list[Page] = []
        self.changes: list[ChangeNote] = []
        self.calls = 0

    def send(self, page: Page) -> Delivery:
        self.calls += 1
        self.pages.append(page)
        sns = page.service in self.sns_only or page.prefer == "sns"
        return Delivery("sns" if sns else "pagerduty")

    def change(self, note: ChangeNote) -> None:
        self.calls += 1
        self.changes.append(note)
