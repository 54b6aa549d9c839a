"""Ports: the small protocols through which the pure core does I/O.

Adapters live in :mod:`aiops.adapters` (DynamoDB, Slack, the wall clock) and
:mod:`aiops.local.memory` (in-memory twins with the same semantics, for tests and benchmarks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple, Protocol

from aiops.decide import Run
from aiops.impact import Query
from aiops.incident import (
    Incident,
    PageAction,
    PageTarget,
    Severity,
    SignalRef,
    SignalState,
    TimelineEntry,
    Timer,
)
from aiops.runbooks import CHANGE_STEP, UNDO_STEP
from aiops.signals.model import Head, Signal


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class Seen(NamedTuple):
    """What the store knows of a signal before it is applied (one per event of a batch)."""

    duplicate: bool
    state: SignalState | None


class SignalLedger(Protocol):
    """Per-event and per-fingerprint rows: the hot path of a storm never touches the incident item."""

    def lookup(self, event_ids: Sequence[str], fingerprints: Sequence[str]) -> list[Seen]:
        """For each event: was its id recorded already, and its fingerprint's state."""
        ...

    def record(
        self,
        signal: Head,
        state: SignalState,
        *,
        incident_ids: Sequence[str],
        expected_version: int | None,
        expires_at: datetime,
    ) -> bool:
        """Atomically: claim the event id, write the fingerprint state (conditional on its version) and
        the signal's row under each incident it joined. False when the event id was claimed already
        (a duplicate); :class:`~aiops.errors.ConflictError` when the fingerprint moved on meanwhile."""
        ...

    def link(self, incident_id: str, signals: Sequence[SignalRef]) -> None:
        """Add rows for signals recorded earlier that join ``incident_id`` now (idempotent)."""
        ...

    def signals_of(self, incident_id: str) -> list[str]:
        """Event ids absorbed by an incident, in event-time order."""
        ...


class MetricsReader(Protocol):
    def read(
        self, queries: Sequence[Query], start: datetime, end: datetime
    ) -> dict[str, list[tuple[datetime, float]]]:
        """Every query's datapoints in [start, end), oldest first, in as few requests as the API allows;
        :class:`~aiops.errors.MetricsError` when they cannot be read."""
        ...


@dataclass(frozen=True, slots=True)
class ExecutionUpdate:
    execution_id: str
    status: Literal["running", "succeeded", "failed"]
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What a finished run did, read from its steps (the runbook convention: a ``change`` step makes the
    change, an ``undo`` step puts it back)."""

    changed: bool
    undone: bool

    @property
    def change(self) -> Literal["unchanged", "undone", "still_applied"]:
        if not self.changed:
            return "unchanged"
        return "undone" if self.undone else "still_applied"

    @classmethod
    def from_steps(cls, statuses: Mapping[str, str]) -> RunOutcome:
        """From each step's last status (``Success``, ``Failed``, ``Cancelled``, ...) by step name."""
        return cls(
            changed=statuses.get(CHANGE_STEP) == "Success", undone=statuses.get(UNDO_STEP) == "Success"
        )


class Remediator(Protocol):
    """Runbook executions: SSM Automation in AWS, the local executor in demo, replay and tests."""

    def start(self, runbook: str, parameters: Mapping[str, Any], client_token: str) -> str:
        """Start ``runbook``; the same ``client_token`` never starts a second execution. Returns its id."""
        ...

    def poll(self) -> list[ExecutionUpdate]:
        """Executions that finished since the last poll (SSM reports through EventBridge instead)."""
        ...

    def status(self, execution_id: str) -> ExecutionUpdate | None:
        """What the service itself says of an execution (SSM: ``GetAutomationExecution``), None when it
        does not know it: the flush settles an action whose status event or status write was lost."""
        ...

    def automation_enabled(self) -> bool:
        """The global kill switch (an SSM parameter: ``/aiops/<stack>/automation/enabled`` in a stack)."""
        ...

    def parameter_value(self, name: str) -> str | None:
        """The live value of an SSM parameter a runbook acts on; None when it cannot be read."""
        ...

    def outcome(self, execution_id: str) -> RunOutcome:
        """What a finished execution changed and put back, from its step record."""
        ...


class RunLedger(Protocol):
    """The guards' memory: runbook runs per service, and which incident each execution belongs to.
    (Each remediation happens once because its action is recorded on the incident, under the incident's
    optimistic version, before the runbook starts: see :mod:`aiops.remediate`.)"""

    def record_run(
        self, service: str, run: Run, *, execution_id: str, incident_id: str, playbook: str
    ) -> None:
        """Record a started execution once: a second call for the same execution changes nothing."""
        ...

    def finish_run(self, execution_id: str, status: str) -> tuple[str, str] | None:
        """Mark a run finished; the (incident id, playbook) it belongs to, or None if unknown."""
        ...

    def runs(self, service: str, since: datetime) -> list[Run]: ...


@dataclass(frozen=True, slots=True)
class Page:
    """One page, whatever carries it (PagerDuty Events v2, or SNS): built by :mod:`aiops.page`."""

    dedup_key: str
    """The incident id: trigger, acknowledge and resolve of one incident share it."""
    service: str
    action: PageAction
    severity: Severity
    summary: str
    """At most 1,024 characters (PagerDuty's limit)."""
    component: str
    details: Mapping[str, Any]
    links: tuple[tuple[str, str], ...]
    """(href, text) pairs: the Slack thread, the consoles."""
    at: datetime
    prefer: PageTarget | None = None
    """Where this incident's page went before: its acknowledge and resolve follow it there."""


@dataclass(frozen=True, slots=True)
class Delivery:
    target: PageTarget
    error: str = ""
    """What went wrong on the way (e.g. PagerDuty failed and SNS took it)."""


@dataclass(frozen=True, slots=True)
class ChangeNote:
    """A change the bot made (a runbook run), for the service's PagerDuty timeline."""

    service: str
    summary: str
    at: datetime
    details: Mapping[str, Any]
    links: tuple[tuple[str, str], ...] = ()


class Pager(Protocol):
    """PagerDuty Events v2, SNS for services without a routing key and as the fallback."""

    def send(self, page: Page) -> Delivery:
        """Deliver ``page`` within a bounded time. :class:`~aiops.errors.PageRejectedError` when it was
        refused as invalid (not to be retried); :class:`~aiops.errors.PagerError` when no target took
        it (try again later)."""
        ...

    def change(self, note: ChangeNote) -> None:
        """Record a change on the service's PagerDuty timeline (best effort; nothing without a key)."""
        ...


class Scheduler(Protocol):
    """One-time timers (EventBridge Scheduler ``at(...)`` schedules that delete themselves)."""

    def schedule(self, timer: Timer, incident_id: str) -> None:
        """Fire ``timer`` at ``timer.at`` for the incident; the same name again moves it (idempotent)."""
        ...

    def cancel(self, name: str) -> None:
        """Cancel a timer; one already gone (fired, or never made) is fine."""
        ...


class ContextStore(Protocol):
    """Signals that open nothing but explain later ones: changes (per service), provider health."""

    def remember(self, key: str, signal: Signal, *, expires_at: datetime) -> None: ...

    def recall(self, key: str, since: datetime, until: datetime) -> list[Signal]:
        """Signals under ``key`` with ``since <= time <= until``, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class Silence:
    service: str
    component: str | None
    until: datetime
    by: str
    reason: str = ""


class SilenceStore(Protocol):
    def silence(self, silence: Silence) -> None: ...

    def silences(self, service: str, now: datetime) -> list[Silence]:
        """The service's silences still in force at ``now``."""
        ...


class IncidentStore(Protocol):
    def get(self, incident_id: str) -> Incident | None: ...

    def open_for(self, service: str) -> Incident | None:
        """The service's current (not resolved) incident, if any."""
        ...

    def prefetch(
        self, incident_ids: Sequence[str], services: Sequence[str]
    ) -> tuple[dict[str, Incident], dict[str, Incident]]:
        """For a batch, at once: the incidents by id, and each service's current active incident."""
        ...

    def create(self, incident: Incident, *, replaces: str | None = None) -> Incident:
        """Create ``incident`` as the service's current one, provided the current one is still
        ``replaces`` (an incident gone quiet past the group window) or there is none active;
        ConflictError otherwise (another writer got there first)."""
        ...

    def save(self, incident: Incident, entries: Sequence[TimelineEntry]) -> Incident:
        """Write ``incident`` if its stored version is ``incident.version`` (ConflictError otherwise)
        and append the timeline entries (idempotent by key). Returns it with the version bumped."""
        ...

    def timeline(self, incident_id: str) -> list[TimelineEntry]: ...


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


@dataclass(frozen=True, slots=True)
class MessageRecord:
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
    """The thread has every notable entry of the incident up to this version (its timeline need not be
    read again until the version moves)."""


class MessageStore(Protocol):
    """Which Slack message shows which incident; the claim makes the root post happen once."""

    def message_for(self, incident_id: str, *, entries: bool = False) -> MessageRecord | None:
        """The root message's record; with ``entries``, also which thread replies are confirmed or
        pending (a second read, only needed when the thread is brought up to date)."""
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

    def mark_thread(self, incident_id: str, version: int) -> None:
        """Every notable entry up to ``version`` is in the thread (``thread_version`` never goes back)."""
        ...
