"""The ports of the incident record: the clock, the signal ledger, the incident, context, silence stores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from aiops.incident.model import (
    Incident,
    SignalRef,
    SignalState,
    TimelineEntry,
)
from aiops.incident.similar import PastIncident
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


def first_saved(incident: Incident) -> Incident:
    """The incident as its creation writes it: version 1, no entry filed yet."""
    return incident.model_copy(update={"version": 1, "noted_version": 0})


def next_saved(incident: Incident, *, files_notable: bool) -> Incident:
    """The incident as a save writes it: its next version, noted when the save files an entry its thread
    may reply to (see :attr:`Incident.noted_version`)."""
    version = incident.version + 1
    update = {"version": version, "noted_version": version} if files_notable else {"version": version}
    return incident.model_copy(update=update)


class IncidentStore(Protocol):
    def get(self, incident_id: str) -> Incident | None: ...

    def open_for(self, service: str) -> Incident | None:
        """The current (not resolved) incident under a pointer key (:attr:`Incident.pointer`: the
        service, or the service in one account and region), if any."""
        ...

    def open_in(self, service: str) -> list[Incident]:
        """The service's active incidents under every pointer (each account and region), oldest first."""
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
        and append the timeline entries (idempotent by key). Returns it with the version bumped.

        Every entry that is not a ``signal`` is also filed under the version this save writes, where
        :meth:`entries_since` finds it: what the Slack thread has not seen yet, without the history."""
        ...

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        """The whole timeline, in timeline order (reports and postmortems; never on the hot path)."""
        ...

    def entries_since(self, incident_id: str, after: int, upto: int) -> list[TimelineEntry]:
        """The entries other than signals that the saves of versions ``after + 1`` to ``upto`` wrote,
        in timeline order: one sort-key range, however long the incident has been open."""
        ...


class HistoryIndex(Protocol):
    """Past incidents by signature (:mod:`aiops.incident.signature`): a bounded number of requests
    however long the history is, never a scan."""

    def similar(
        self, signature: str, service: str, since: datetime, until: datetime, *, exclude: str
    ) -> tuple[list[PastIncident], list[PastIncident], bool]:
        """Incidents opened in ``[since, until]`` with ``signature`` (``exclude`` left out): the same
        service's, newest first (at most ``SAME_SERVICE_LIMIT``; the bool says the limit was reached),
        and other services', newest first (at most ``OTHER_SERVICES_LIMIT``). The newest of the first
        (else of the second) and the others carry their outcome and thread link."""
        ...

    def index(self, signature: str, incident: Incident, *, previous: str | None) -> None:
        """File ``incident`` under ``signature`` (idempotent), and no longer under ``previous``."""
        ...
