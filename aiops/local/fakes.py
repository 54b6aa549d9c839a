"""Local stand-ins for Slack and PagerDuty: they keep what they are handed instead of sending it.

``aiops demo``, ``aiops replay``, tests and benchmarks use them; Lambda never does.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from aiops.escalation.ports import ChangeNote, Delivery, Page
from aiops.present.ports import MessageKey, MessageRef, SlackMessage


@dataclass
class Posted:
    channel: str
    ts: str
    message: SlackMessage
    thread_ts: str | None = None
    kept: list[SlackMessage] = field(default_factory=list)
    edit_count: int = 0
    key: MessageKey | None = None
    draft: Callable[[], SlackMessage] | None = None
    """The latest edit, not rendered until it is read (``LocalChat.update_later``)."""

    @property
    def edits(self) -> list[SlackMessage]:
        """The edits kept (every one, or only the latest: see ``LocalChat.keep_edits``)."""
        if self.draft is not None:
            self.kept[:] = [self.draft()]
            self.draft = None
        return self.kept


class LocalChat:
    """A ChatClient that keeps messages instead of sending them (demo, replay, tests).

    ``keep_edits``: keep every version of an edited message (the demo writes each one out); otherwise
    only the latest, so a long replay's memory does not grow with the number of edits."""

    def __init__(self, *, keep_edits: bool = True) -> None:
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self.posts: list[Posted] = []
        self._by_ts: dict[tuple[str, str], Posted] = {}
        self._by_key: dict[tuple[str, str | None, MessageKey], str] = {}
        self.keep_edits = keep_edits
        self.calls = 0

    def post(
        self,
        channel: str,
        message: SlackMessage,
        *,
        thread_ts: str | None = None,
        key: MessageKey | None = None,
    ) -> MessageRef:
        with self._lock:
            self.calls += 1
            ts = f"1700000000.{next(self._ts):06d}"
            posted = Posted(channel, ts, message, thread_ts, key=key)
            self.posts.append(posted)
            self._by_ts[(channel, ts)] = posted
            if key is not None:
                self._by_key.setdefault((channel, thread_ts, key), ts)
            return MessageRef(channel, ts)

    def find(self, channel: str, key: MessageKey, *, thread_ts: str | None = None) -> MessageRef | None:
        with self._lock:
            self.calls += 1
            ts = self._by_key.get((channel, thread_ts, key))
            return MessageRef(channel, ts) if ts is not None else None

    def update(self, ref: MessageRef, message: SlackMessage) -> None:
        with self._lock:
            self.calls += 1
            p = self._by_ts.get((ref.channel, ref.ts))
            if p is None:
                raise KeyError(ref.ts)
            p.edit_count += 1
            p.draft = None
            if self.keep_edits:
                p.kept.append(message)
            else:
                p.kept[:] = [message]

    def update_later(self, ref: MessageRef, render: Callable[[], SlackMessage]) -> None:
        """An edit rendered only if it is read: when only the latest is kept, a replay renders none of
        the thousands a storm's root goes through but the last (every one when all are kept)."""
        if self.keep_edits:
            self.update(ref, render())
            return
        with self._lock:
            self.calls += 1
            p = self._by_ts.get((ref.channel, ref.ts))
            if p is None:
                raise KeyError(ref.ts)
            p.edit_count += 1
            p.draft = render

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
