"""The ports of presentation: the Slack client and the store of posted messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol, runtime_checkable

CLAIM_LEASE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class MessageRef:
    channel: str
    ts: str


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """A rendered Slack message: the fallback text and the Block Kit blocks."""

    text: str
    blocks: Sequence[dict[str, Any]]


ROOT_ENTRY = "root"


@dataclass(frozen=True, slots=True)
class MessageKey:
    """What a message is, carried in Slack's message ``metadata``: an incident's root message
    (``entry`` :data:`ROOT_ENTRY`) or the reply of one of its timeline entries (the entry's key).
    A post whose answer was lost is found again by it instead of being posted twice."""

    incident_id: str
    entry: str = ROOT_ENTRY


class ChatClient(Protocol):
    """Slack's Web API, as much of it as the bot uses."""

    def post(
        self,
        channel: str,
        message: SlackMessage,
        *,
        thread_ts: str | None = None,
        key: MessageKey | None = None,
    ) -> MessageRef:
        """Post once: a post is never retried blindly (Slack may have stored it before its answer was
        lost); ``key`` goes into the message's metadata so that :meth:`find` recognises it."""
        ...

    def update(self, ref: MessageRef, message: SlackMessage) -> None: ...

    def find(self, channel: str, key: MessageKey, *, thread_ts: str | None = None) -> MessageRef | None:
        """The message posted with ``key`` (in the thread of ``thread_ts``, else among the channel's
        messages), or None; ChatError when Slack cannot be asked now."""
        ...


@runtime_checkable
class DeferredEdits(Protocol):
    """A chat client that keeps only the latest edit of a message and renders it when it is read (the
    local stand-in of a replay): it takes an edit as the render that makes it. Slack itself needs every
    edit rendered; a replay of a storm would render thousands nobody reads."""

    def update_later(self, ref: MessageRef, render: Callable[[], SlackMessage]) -> None: ...


class MessageRecord(NamedTuple):
    """Which Slack message shows an incident, and how far its thread is (the ``SLACK`` row, as read).
    A named tuple: read on every sync of a storm, it is made at a third of a frozen dataclass's cost."""

    incident_id: str
    channel: str
    ts: str | None
    """None while the root post is claimed but not yet confirmed by Slack."""
    rendered_version: int
    """The incident version the root message shows; lower than the incident's means an update is due."""
    posted_entries: tuple[str, ...] = ()
    """Timeline entries whose thread reply Slack confirmed."""
    claimed_at: datetime | None = None
    """When the root post was claimed (None once a failed post gave its claim back)."""
    updated_at: datetime | None = None
    """When the root message was last written (posted or edited): storms are coalesced on it."""
    pending_entries: tuple[str, ...] = ()
    """Timeline entries claimed but not confirmed: a post that may have reached Slack, looked for
    before it is posted again."""
    thread_version: int = 0
    """The thread has every notable entry of the incident up to this version: the next sync reads only
    the entries that later versions wrote."""
    thread_settled: bool = False
    """Whether, at ``thread_version``, the thread's last word was a resolution that held (a ``settled``
    entry): a reopen after it is a recurrence worth a reply, one before it only edits the root."""


class MessageStore(Protocol):
    """Which Slack message shows which incident; the claim makes the root post happen once."""

    def message_for(self, incident_id: str, *, entries: Sequence[str] = ()) -> MessageRecord | None:
        """The root message's record; with ``entries`` (timeline entry keys), also which of those
        entries' thread replies are confirmed or pending (their rows alone, never every reply's)."""
        ...

    def claim(self, incident_id: str, channel: str, *, now: datetime) -> bool:
        """Reserve the right to post the root message; False if somebody holds it (a claim that was
        never confirmed with a ``ts`` lapses after :data:`CLAIM_LEASE`, so a crash cannot block it)."""
        ...

    def store(self, record: MessageRecord, *, expected_version: int | None) -> bool:
        """Write the record if its stored ``rendered_version`` is ``expected_version`` (None: a claim)."""
        ...

    def release(self, incident_id: str) -> None:
        """Give back an unconfirmed claim (the post failed), so the next attempt need not wait for the
        lease. The record stays: Slack may have stored the post, so that attempt looks for it first."""
        ...

    def claim_entry(self, incident_id: str, key: str, *, now: datetime, release: bool = False) -> bool:
        """True for exactly one caller per timeline entry at a time: its thread reply is posted once. A
        claim never confirmed lapses after :data:`CLAIM_LEASE` (then it is in ``pending_entries``).
        ``release``: give the entry back at once (its post failed), so a later sync posts it."""
        ...

    def confirm_entry(self, incident_id: str, key: str) -> None:
        """The entry's reply is in Slack: it is never posted again."""
        ...

    def mark_thread(self, incident_id: str, version: int, *, settled: bool = False) -> None:
        """Every notable entry up to ``version`` is in the thread (``thread_version`` never goes back);
        ``settled``: the thread's state at that version (see ``MessageRecord.thread_settled``)."""
        ...


# --- the narrative (issue 27): a model's account of the incident, grounded by aiops/present/narrative.py


@dataclass(frozen=True, slots=True)
class NarrativeLimits:
    """At most this many Converse calls and tokens (input + output) per incident and per service-day."""

    calls_per_incident: int
    tokens_per_incident: int
    calls_per_day: int
    tokens_per_day: int


@dataclass(frozen=True, slots=True)
class NarrativeRecord:
    """The last narrative pass of an incident, and its spend so far (``aiops incidents show``)."""

    incident_id: str
    digest: str
    """The record asked about: the same record is never asked about twice."""
    status: str
    """``shown`` | ``abstained`` | ``failed`` | ``pending`` (a call reserved, its answer not yet kept)."""
    model_id: str
    reason: str = ""
    text: str = ""
    calls: int = 0
    tokens: int = 0
    at: datetime | None = None


class NarrativeLedger(Protocol):
    """The narrative's record and its spend counters (conditional updates: a call is made only once its
    reservation held, so concurrent workers never exceed the caps)."""

    def narrative_record(self, incident_id: str) -> NarrativeRecord | None: ...

    def reserve_narrative(
        self, incident_id: str, service: str, day: str, digest: str, model_id: str, limits: NarrativeLimits
    ) -> str | None:
        """None when one call is reserved, else why not: ``cached`` (this record was asked about),
        ``incident_calls``, ``incident_tokens``, ``day_calls`` or ``day_tokens``."""
        ...

    def settle_narrative(self, record: NarrativeRecord, service: str, day: str, tokens: int) -> None:
        """Keep the outcome of a reserved call and add the tokens it spent (incident and day)."""
        ...


@dataclass(frozen=True, slots=True)
class NarratorAnswer:
    text: object
    """The answer's text as the model returned it (not yet trusted: grounded before use)."""
    input_tokens: int
    output_tokens: int


class Narrator(Protocol):
    """A model asked for a narrative (Bedrock Converse in AWS). Raises NarratorError when it fails."""

    def converse(self, model_id: str, system: str, user_text: str, max_tokens: int) -> NarratorAnswer: ...
