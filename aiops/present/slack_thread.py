"""One calm Slack thread per incident: the root message posted once and edited in place (coalesced under
storms), notable timeline entries as replies in its thread, each exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from aiops.errors import DependencyError
from aiops.incident.links import slack_thread_url
from aiops.incident.model import Incident, TimelineEntry
from aiops.incident.ports import Clock
from aiops.present.ports import (
    CLAIM_LEASE,
    ChatClient,
    DeferredEdits,
    MessageKey,
    MessageRecord,
    MessageRef,
    MessageStore,
    SlackMessage,
)
from aiops.present.slack_blocks import entry_message, incident_message

log = logging.getLogger(__name__)
EDIT_RACES = 3
"""Edits of the root tried when other workers edit it at the same time (each loser shows the newest)."""

NOTABLE = frozenset(
    {
        "action",
        "escalated",
        "acknowledged",
        "mitigated",
        "resolved",
        "reopened",
        "severity",
        "flapping",
        "silenced",
        "narrative",
    }
)
"""Timeline entries that become thread replies; signals only update the root message."""
DEFAULT_INTERVAL = timedelta(seconds=10)


def replies(entries: list[TimelineEntry], *, settled: bool = False) -> tuple[list[TimelineEntry], bool]:
    """The timeline entries that become thread replies, in timeline order, and whether the thread ends
    settled. ``settled``: the state the entries before these left (the sync reads only entries it has
    not synced, and keeps this one bit of the past in the message record).

    Lifecycle churn caused by signals (every signal resolved, reopened) only edits the root message,
    which counts the reopens and shows the last change: the thread says "resolved" once the resolution
    held (the escalation's ``settled`` entry, with the page's resolve), and "reopened" only when the
    incident comes back after that. A flapping alarm thus costs no reply per cycle.
    """
    out = []
    for e in entries:
        if e.kind == "reopened":
            if settled:  # back after its resolution held: a recurrence worth a reply
                out.append(e)
            settled = False
        elif e.kind == "resolved" and e.key.startswith("settled:"):
            settled = True
            out.append(e)
        elif e.kind == "resolved" and e.key.startswith("resolved@"):
            continue  # every signal resolved: said by the settled entry once it holds
        elif e.kind == "mitigated" and not e.key.startswith("mitigated-by:"):
            continue  # signals resolved (a quiet period runs): the root message shows it
        elif e.kind in NOTABLE:
            out.append(e)
    return out, settled


class ChatError(DependencyError):
    """Slack did not take the message (after the client's own retries)."""


class Notifier:
    def __init__(
        self,
        *,
        chat: ChatClient,
        messages: MessageStore,
        channel_for: Callable[[Incident], str],
        reload: Callable[[str], Incident | None],
        clock: Clock,
        since: Callable[[str, int, int], list[TimelineEntry]] | None = None,
        render: Callable[[Incident], SlackMessage] = incident_message,
        min_interval: timedelta = DEFAULT_INTERVAL,
    ) -> None:
        self.chat = chat
        self.messages = messages
        self.channel_for = channel_for
        self.reload = reload
        self.clock = clock
        self.since = since
        """``IncidentStore.entries_since``: the entries saved after the thread's mark, nothing older."""
        self._render = render
        self.min_interval = min_interval
        self._later = chat.update_later if isinstance(chat, DeferredEdits) else None

    def render(self, incident: Incident) -> SlackMessage:
        return self._draft(incident)()

    def _draft(self, incident: Incident) -> Callable[[], SlackMessage]:
        """The root message, to be rendered: what it reads from the store (when another service's
        incident is the cause, the link to its thread) is read now; the incident is frozen."""
        if self._render is not incident_message:
            return partial(self._render, incident)
        rc = incident.root_cause
        url = None
        if rc is not None and rc.cause == "upstream" and rc.upstream:
            record = self.messages.message_for(rc.upstream)
            url = slack_thread_url(record.channel, record.ts) if record is not None and record.ts else None
        return partial(incident_message, incident, upstream_url=url)

    def _edit(self, ref: MessageRef, incident: Incident) -> None:
        if self._later is not None:  # a local stand-in keeping the latest edit: rendered when read
            self._later(ref, self._draft(incident))
        else:
            self.chat.update(ref, self.render(incident))

    def sync(self, incident: Incident) -> bool:
        """Bring the thread up to date; False when something stays pending (a later sync sends it).

        Nothing here fails the caller: Slack failing, or the store failing while it records what Slack
        took, leaves the record saying what is missing (a claim not confirmed lapses), and the next
        event or the scheduled flush sends it, after looking for what may have reached Slack.
        """
        try:
            record = self.messages.message_for(incident.id)
            done = self._root(incident, record)
            if record is None or record.ts is None:  # posted (or adopted) just now
                record = self.messages.message_for(incident.id)
            self._sync_thread(incident, record)
            return done
        except ChatError as exc:
            log.warning("slack.pending", extra={"incident_id": incident.id, "error": str(exc)})
            return False
        except Exception as exc:  # the store: the signals are recorded; what Slack lacks stays pending
            log.warning(
                "slack.pending",
                extra={"incident_id": incident.id, "error": type(exc).__name__},
                exc_info=True,
            )
            return False

    def _sync_root(self, incident: Incident) -> bool:
        return self._root(incident, self.messages.message_for(incident.id))

    def _root(self, incident: Incident, record: MessageRecord | None) -> bool:
        now = self.clock.now()
        if record is None:
            if not self.messages.claim(incident.id, self.channel_for(incident), now=now):
                return False  # another worker is posting the root message and re-checks after
            return self._post(incident, self.channel_for(incident), look_first=False)
        if record.ts is None:
            lapsed = record.claimed_at is None or now - record.claimed_at > CLAIM_LEASE
            if lapsed and self.messages.claim(incident.id, record.channel, now=now):
                # an earlier attempt may have reached Slack before it failed: look before posting
                return self._post(incident, record.channel, look_first=True)
            return False
        if record.rendered_version >= incident.version:
            return True
        if record.updated_at is not None and now - record.updated_at < self.min_interval:
            return False  # coalesced: the next event or the scheduled flush sends the newest state
        ref, expected = MessageRef(record.channel, record.ts), record.rendered_version
        for _ in range(EDIT_RACES):
            self._edit(ref, incident)
            shown = max(incident.version, expected)
            if self.messages.store(
                MessageRecord(incident.id, record.channel, record.ts, shown, updated_at=now),
                expected_version=expected,
            ):
                return True
            # another worker edited the root meanwhile: its edit and ours reached Slack in either order,
            # so the root may show the older state while the record says the newer: show the newest again
            latest, again = self.reload(incident.id), self.messages.message_for(incident.id)
            if again is None or again.ts is None:
                return False
            if latest is not None and latest.version > incident.version:
                incident = latest
            expected = again.rendered_version
        return False

    def _post(self, incident: Incident, channel: str, *, look_first: bool) -> bool:
        key = MessageKey(incident.id)
        try:
            found = self.chat.find(channel, key) if look_first else None
            ref = found or self.chat.post(channel, self.render(incident), key=key)
        except ChatError:
            self.messages.release(incident.id)
            raise
        if found is not None:  # posted before, its answer or its record lost: adopt it, then edit it
            log.info("slack.root_found", extra={"incident_id": incident.id})
            self.messages.store(MessageRecord(incident.id, found.channel, found.ts, 0), expected_version=None)
            return self._sync_root(incident)
        self.messages.store(
            MessageRecord(incident.id, ref.channel, ref.ts, incident.version, updated_at=self.clock.now()),
            expected_version=None,
        )
        latest = self.reload(incident.id)
        if latest is not None and latest.version > incident.version:
            return self._sync_root(
                latest
            )  # it moved on while we posted: show the newest (or leave it pending)
        return True

    def _sync_thread(self, incident: Incident, record: MessageRecord | None) -> None:
        """Post the replies of the entries saved since the thread's mark, then move the mark: the reads
        are the new entries and their reply rows, never the incident's history."""
        if self.since is None or record is None or record.ts is None:
            return
        if record.thread_version >= incident.version:
            return  # every reply up to this version is in the thread already
        noted = incident.noted_version
        if noted is not None and noted <= record.thread_version:
            return  # no version since the mark filed an entry: nothing to read, the mark stays
        new, settled = replies(
            self.since(incident.id, record.thread_version, incident.version), settled=record.thread_settled
        )
        if new:
            record = self.messages.message_for(incident.id, entries=[e.key for e in new]) or record
        complete = True
        for entry in new:
            if entry.key in record.posted_entries:
                continue
            if not self.messages.claim_entry(incident.id, entry.key, now=self.clock.now()):
                complete = False
                continue  # another worker posts it (or, if it fails, its claim lapses)
            key = MessageKey(incident.id, entry.key)
            try:
                # a claim taken over (never confirmed): its reply may be in the thread already
                retaken = entry.key in record.pending_entries
                if not retaken or self.chat.find(record.channel, key, thread_ts=record.ts) is None:
                    self.chat.post(
                        record.channel, entry_message(incident, entry), thread_ts=record.ts, key=key
                    )
            except ChatError:  # not lost: looked for, then posted, next time
                self.messages.claim_entry(incident.id, entry.key, now=self.clock.now(), release=True)
                raise
            self.messages.confirm_entry(incident.id, entry.key)
        if complete:
            self.messages.mark_thread(incident.id, incident.version, settled=settled)
