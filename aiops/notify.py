"""Keeping one Slack root message per incident true: post it once, then edit it in place."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiops.errors import AiopsError
from aiops.incident import Incident
from aiops.ports import CLAIM_LEASE, ChatClient, Clock, MessageRecord, MessageRef, MessageStore, SlackMessage
from aiops.render import incident_message

log = logging.getLogger(__name__)


class ChatError(AiopsError):
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
        render: Callable[[Incident], SlackMessage] = incident_message,
    ) -> None:
        self.chat = chat
        self.messages = messages
        self.channel_for = channel_for
        self.reload = reload
        self.clock = clock
        self.render = render

    def sync(self, incident: Incident) -> bool:
        """Bring the incident's root message up to date; False when an update stays pending.

        A Slack failure never fails the batch: the record keeps the version Slack last showed, so the
        next event or the scheduled flush sends what is missing.
        """
        try:
            return self._sync(incident)
        except ChatError as exc:
            log.warning("slack.pending", extra={"incident_id": incident.id, "error": str(exc)})
            return False

    def _sync(self, incident: Incident) -> bool:
        record = self.messages.message_for(incident.id)
        now = self.clock.now()
        if record is None:
            if not self.messages.claim(incident.id, self.channel_for(incident), now=now):
                return False  # another worker is posting the root message and re-checks after
            return self._post(incident, self.channel_for(incident))
        if record.ts is None:
            lapsed = record.claimed_at is not None and now - record.claimed_at > CLAIM_LEASE
            if lapsed and self.messages.claim(incident.id, record.channel, now=now):
                return self._post(incident, record.channel)
            return False
        if record.rendered_version >= incident.version:
            return True
        self.chat.update(MessageRef(record.channel, record.ts), self.render(incident))
        self.messages.store(
            MessageRecord(incident.id, record.channel, record.ts, incident.version, record.posted_entries),
            expected_version=record.rendered_version,
        )
        return True

    def _post(self, incident: Incident, channel: str) -> bool:
        try:
            ref = self.chat.post(channel, self.render(incident))
        except ChatError:
            self.messages.release(incident.id)
            raise
        self.messages.store(
            MessageRecord(incident.id, ref.channel, ref.ts, incident.version), expected_version=None
        )
        latest = self.reload(incident.id)
        if latest is not None and latest.version > incident.version:
            return self._sync(latest)  # it moved on while we posted: show the newest
        return True
