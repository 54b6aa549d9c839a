"""The in-memory twin of the DynamoDB store: the same rows, conditions, ordering and TTLs, in dictionaries.
``aiops replay``, the unit tests and the benchmarks run on it; tests/functional/test_store_contract.py
holds it and :class:`~aiops.adapters.dynamodb.DynamoStore` on moto to one suite, so they cannot drift.

Each row family of ``aiops/adapters/dynamodb`` has a dictionary here keyed the way the table is (the
same sort-key strings, so the same order; the same conditions; TTLs and leases in epoch seconds, so
they lapse at the same instant). It counts the DynamoDB requests the real adapter would make for each
call (``requests``), so a replay on it reports the same ``aws_calls.dynamodb`` as one on moto:

================================  ==============================================================
method                            DynamoDB requests the adapter makes
================================  ==============================================================
lookup                            BatchGetItem per 100 distinct keys (an event id and a fingerprint
                                  per signal)
record                            1 TransactWriteItems
link                              BatchWriteItem per 25 rows
remember / silence                1 PutItem
recall / silences / signals_of    1 Query
timeline / runs / entries_since   1 Query
get / message_for                 1 GetItem (message_for with ``entries``: 1 BatchGetItem, the
                                  root's row and those replies' rows)
open_for                          1 GetItem (the service's pointer), +1 GetItem when it is active
prefetch                          BatchGetItem per 100 services, +1 per 100 incidents wanted
create                            1 TransactWriteItems
save                              1 TransactWriteItems; +1 UpdateItem when a reopened incident is
                                  made current again; +1 BatchWriteItem per 25 rows (timeline rows,
                                  and ``VER#`` rows of entries other than signals) past the 100 a
                                  transaction holds; +1 TransactWriteItems when the service
                                  has moved on to another incident (the retry without its pointer)
claim                             1 PutItem
claim_entry                       1 PutItem (with ``release``: 1 UpdateItem)
store / confirm_entry / release   1 UpdateItem
mark_thread                       1 UpdateItem
record_run                        1 TransactWriteItems (refused when the execution is recorded)
finish_run                        1 GetItem, +1 UpdateItem when the execution is known
all_incidents                     1 Scan
unsettled_incidents               1 Query of the index, +1 UpdateItem per row retired
open_incidents                    1 Query of the index, +1 BatchGetItem per 100 incidents
history                           1 Query of the history index per calendar month of the window
similar                           2 Query (limited), +1 BatchGetItem when any is found
index                             1 BatchWriteItem
================================  ==============================================================
Thread-safe (one lock, as each DynamoDB request is atomic), so concurrency tests can share it."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from aiops.errors import ConflictError
from aiops.incident.model import (
    Incident,
    SignalRef,
    SignalState,
    TimelineEntry,
    one_row_each,
    timeline_order,
)
from aiops.incident.ports import Clock, Seen, Silence, first_saved, next_saved
from aiops.local.memory_history import INCIDENT_RETENTION, HistoryRows
from aiops.local.memory_narrative import NarrativeRows
from aiops.local.memory_rows import MessageRows, RunRows, batches
from aiops.signals.model import Head, Signal, format_time

UNSETTLED_FOR_SECONDS = 86400
"""aiops.adapters.dynamodb.UNSETTLED_FOR, in seconds (this module imports nothing of the adapter)."""
RETENTION_SECONDS = 90 * 86400
"""aiops.adapters.dynamodb.table.TIMELINE_RETENTION, in seconds: how long the detail outlives it."""
TRANSACT_ROOM = 100
"""Items one TransactWriteItems holds; the timeline entries beyond it go in batch writes."""
_NEVER = datetime.min.replace(tzinfo=UTC)
SWEEP_EVERY = 10_000
"""Event-id claims held before expired ones are swept (then twice what is left)."""


def epoch(value: datetime) -> int:
    """Seconds since the epoch, truncated: how the table stores TTLs and leases."""
    return int(value.timestamp())


@dataclass(slots=True)
class _Pointer:
    """``SVC#<service>`` | ``CURRENT``: the service's current incident."""

    incident_id: str
    active: bool


class MemoryStore(MessageRows, RunRows, HistoryRows, NarrativeRows):
    """SignalLedger + IncidentStore + MessageStore + ContextStore + SilenceStore + RunLedger in memory.
    ``clock`` decides TTLs and the unsettled index, as the adapter's does; without one nothing expires."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._lock = threading.RLock()
        self.clock = clock
        self.requests = 0
        """DynamoDB requests the adapter would have made (see the table above)."""
        self.events: dict[str, int] = {}
        """``EVT#<event id>``: the claim's expiry, epoch seconds."""
        self._sweep_at = SWEEP_EVERY
        self.states: dict[str, SignalState] = {}
        self.signal_rows: dict[str, dict[str, str]] = {}
        """incident id -> {``<time>#<event id>``: event id}"""
        self.incidents: dict[str, Incident] = {}
        self.pointers: dict[str, _Pointer] = {}
        self.unsettled: dict[str, str] = {}
        """The sparse index: incident id -> its ``opened`` key, while it is on the index."""
        self.timelines: dict[str, dict[tuple[datetime, str], TimelineEntry]] = {}
        """incident id -> {(time, key): entry}; and the same in timeline order, beside their order keys:"""
        self.ordered: dict[str, tuple[list[TimelineEntry], list[tuple[datetime, int, str]]]] = {}
        self.versioned: dict[str, list[tuple[int, TimelineEntry]]] = {}
        """incident id -> ``VER#<version>#<key>`` rows, appended in version order (saved once each)."""
        self.context: dict[str, dict[str, tuple[Signal, int]]] = {}
        self.silenced: dict[str, dict[str, Silence]] = {}
        MessageRows.__init__(self)
        RunRows.__init__(self)
        HistoryRows.__init__(self)
        NarrativeRows.__init__(self)

    def now(self) -> datetime:
        return self.clock.now() if self.clock is not None else _NEVER

    def _count(self, n: int = 1) -> None:
        self.requests += n

    # -- SignalLedger ------------------------------------------------------------------------------

    def lookup(self, event_ids: Sequence[str], fingerprints: Sequence[str]) -> list[Seen]:
        with self._lock:
            self._count(batches(len(set(event_ids)) + len(set(fingerprints)), 100))  # distinct keys
            now = epoch(self.now())
            events = self.events
            return [
                Seen(e in events and events[e] >= now, self.states.get(fp))
                for e, fp in zip(event_ids, fingerprints, strict=True)
            ]

    def record(
        self,
        signal: Head,
        state: SignalState,
        *,
        incident_ids: Sequence[str],
        expected_version: int | None,
        expires_at: datetime,
    ) -> bool:
        with self._lock:
            self._count()
            claimed = self.events.get(signal.id)
            if claimed is not None and claimed >= epoch(self.now()):
                return False  # the event id is claimed (and its claim has not expired)
            current = self.states.get(state.fingerprint)
            if (current.version if current else None) != expected_version:
                raise ConflictError(state.fingerprint)
            self.events[signal.id] = epoch(expires_at)
            if len(self.events) >= self._sweep_at:
                self._sweep()
            self.states[state.fingerprint] = state
            if incident_ids:
                sk = f"{format_time(signal.time)}#{signal.id}"
                for incident_id in incident_ids:
                    self.signal_rows.setdefault(incident_id, {})[sk] = signal.id
            return True

    def _sweep(self) -> None:
        """Forget expired event-id claims, as DynamoDB's TTL deletes them (an expired claim counts as
        absent either way): a replay of days of events holds the claims of the last two days."""
        now = epoch(self.now())
        self.events = {e: expiry for e, expiry in self.events.items() if expiry >= now}
        self._sweep_at = max(2 * len(self.events), SWEEP_EVERY)

    def link(self, incident_id: str, signals: Sequence[SignalRef]) -> None:
        with self._lock:
            self._count(batches(len(signals), 25))
            rows = self.signal_rows.setdefault(incident_id, {})
            for s in signals:
                rows[f"{format_time(s.time)}#{s.id}"] = s.id

    def signals_of(self, incident_id: str) -> list[str]:
        with self._lock:
            self._count()
            rows = self.signal_rows.get(incident_id, {})
            live = format_time(datetime.fromtimestamp(self._horizon(), tz=UTC))
            return [rows[sk] for sk in sorted(rows) if sk >= live]

    # -- ContextStore ------------------------------------------------------------------------------

    def remember(self, key: str, signal: Signal, *, expires_at: datetime) -> None:
        with self._lock:
            self._count()
            rows = self.context.setdefault(key, {})
            rows[f"{format_time(signal.time)}#{signal.id}"] = (signal, epoch(expires_at))

    def recall(self, key: str, since: datetime, until: datetime) -> list[Signal]:
        with self._lock:
            self._count()
            lo, hi = format_time(since), format_time(until) + "#\uffff"
            now = epoch(self.now())
            found = [
                s
                for sk, (s, expires) in self.context.get(key, {}).items()
                if lo <= sk <= hi and expires >= now and since <= s.time <= until
            ]
        return sorted(found, key=lambda s: (s.time, s.id))

    # -- SilenceStore ------------------------------------------------------------------------------

    def silence(self, silence: Silence) -> None:
        with self._lock:
            self._count()
            sk = f"{silence.component or '*'}#{format_time(silence.until)}#{silence.by}"
            self.silenced.setdefault(silence.service, {})[sk] = silence

    def silences(self, service: str, now: datetime) -> list[Silence]:
        with self._lock:
            self._count()
            rows = self.silenced.get(service, {})
            return [rows[sk] for sk in sorted(rows) if rows[sk].until > now]

    # -- IncidentStore -----------------------------------------------------------------------------

    def _horizon(self) -> int:
        """Rows whose time is older than this (epoch seconds) are past their TTL."""
        return epoch(self.now()) - RETENTION_SECONDS if self.clock is not None else 0

    def _alive(self, incident: Incident | None) -> Incident | None:
        """The incident item unless its TTL (``INCIDENT_RETENTION`` after it resolved) has passed."""
        at = incident.resolved_at if incident is not None else None
        if at is None or self.clock is None:
            return incident
        return incident if at + INCIDENT_RETENTION > self.now() else None

    def get(self, incident_id: str) -> Incident | None:
        with self._lock:
            self._count()
            return self._alive(self.incidents.get(incident_id))

    def open_for(self, service: str) -> Incident | None:
        with self._lock:
            self._count()
            pointer = self.pointers.get(service)
            if pointer is None or not pointer.active:
                return None
            incident = self.get(pointer.incident_id)
            return incident if incident is not None and incident.is_active else None

    def open_in(self, service: str) -> list[Incident]:
        """The service's active incidents in every account and region (one Query, in DynamoDB)."""
        with self._lock:
            self._count()
            found = [
                self.incidents.get(p.incident_id)
                for key, p in self.pointers.items()
                if p.active and (key == service or key.startswith(f"{service}|"))
            ]
            return sorted(
                (i for i in found if i is not None and i.is_active), key=lambda i: (i.opened_at, i.id)
            )

    def prefetch(
        self, incident_ids: Sequence[str], services: Sequence[str]
    ) -> tuple[dict[str, Incident], dict[str, Incident]]:
        with self._lock:
            distinct = list(dict.fromkeys(services))
            self._count(batches(len(distinct), 100))
            active = {
                s: p.incident_id for s in distinct if (p := self.pointers.get(s)) is not None and p.active
            }
            wanted = list(dict.fromkeys([*incident_ids, *active.values()]))
            self._count(batches(len(wanted), 100))
            by_id = {i: inc for i in wanted if (inc := self._alive(self.incidents.get(i))) is not None}
            current = {s: by_id[i] for s, i in active.items() if i in by_id and by_id[i].is_active}
            return by_id, current

    def create(self, incident: Incident, *, replaces: str | None = None) -> Incident:
        with self._lock:
            self._count()
            pointer = self.pointers.get(incident.pointer)
            guard = (
                pointer is None
                or not pointer.active
                or (replaces is not None and pointer.incident_id == replaces)
            )
            if not guard or incident.id in self.incidents:
                raise ConflictError(f"service:{incident.pointer}")
            created = first_saved(incident)
            self.pointers[incident.pointer] = _Pointer(incident.id, True)
            self._put(created)
            return created

    def save(self, incident: Incident, entries: Sequence[TimelineEntry]) -> Incident:
        with self._lock:
            self._count()
            stored = self.incidents.get(incident.id)
            if stored is None or stored.version != incident.version:
                raise ConflictError(incident.id)
            entries = one_row_each(entries)
            filed = {e.key: e for e in entries if e.kind != "signal"}
            saved = next_saved(incident, files_notable=bool(filed))
            pointer = self.pointers.get(incident.pointer)
            mine = pointer is not None and pointer.incident_id == incident.id
            room = TRANSACT_ROOM - 1
            if not saved.is_active:
                if mine and pointer is not None:
                    pointer.active = False
                    room -= 1  # the pointer's update rides in the transaction
                else:
                    self._count()  # the adapter's retry without the pointer it no longer holds
            self._count(batches(max(0, len(filed) + len(entries) - room), 25))
            self._put(saved)
            self.versioned.setdefault(incident.id, []).extend((saved.version, e) for e in filed.values())
            for e in entries:
                self._entry(e)
            if saved.is_active and any(e.kind == "reopened" for e in entries):
                self._count()
                if mine and pointer is not None:
                    pointer.active = True
            return saved

    def _put(self, incident: Incident) -> None:
        """The incident item, and its place on the sparse index as the adapter's item carries it."""
        self.incidents[incident.id] = incident
        resolved = incident.resolved_at
        if resolved is None or (self.now() - resolved).total_seconds() < UNSETTLED_FOR_SECONDS:
            self.unsettled[incident.id] = f"{format_time(incident.opened_at)}#{incident.id}"
        else:
            self.unsettled.pop(incident.id, None)

    def _entry(self, e: TimelineEntry) -> None:
        """Write a timeline row (the same time and key overwrite it), keeping it in order (by order key)."""
        rows = self.timelines.setdefault(e.incident_id, {})
        ordered, keys = self.ordered.setdefault(e.incident_id, ([], []))
        old, rows[(e.at, e.key)] = rows.get((e.at, e.key)), e
        new = timeline_order(e)
        if old is not None:  # one row per time and key: its order key is unique
            at = bisect.bisect_left(keys, timeline_order(old))
            if keys[at] == new:
                ordered[at] = e  # rewritten in place (a folded entry's count): its place is the same
                return
            del ordered[at], keys[at]
        at = bisect.bisect_right(keys, new)
        ordered.insert(at, e)
        keys.insert(at, new)

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        with self._lock:
            self._count()
            horizon = self._horizon()
            return [e for e in self.ordered.get(incident_id, ([], []))[0] if epoch(e.at) >= horizon]

    def entries_since(self, incident_id: str, after: int, upto: int) -> list[TimelineEntry]:
        with self._lock:
            self._count()
            rows = self.versioned.get(incident_id, [])
            lo = bisect.bisect_right(rows, after, key=lambda r: r[0])
            hi = bisect.bisect_right(rows, upto, key=lambda r: r[0])
            horizon = self._horizon()
            return sorted((e for _, e in rows[lo:hi] if epoch(e.at) >= horizon), key=timeline_order)

    def all_incidents(self) -> list[Incident]:
        """Every incident (the adapter scans; for the local tools, never deployed)."""
        with self._lock:
            self._count()
            return sorted(self.incidents.values(), key=lambda i: (i.opened_at, i.id))

    def unsettled_incidents(self) -> list[str]:
        """Incidents not resolved, or resolved within the day; those that aged out leave the index."""
        with self._lock:
            self._count()
            now = self.now()
            out = []
            for incident_id, _ in sorted(self.unsettled.items(), key=lambda kv: kv[1]):
                incident = self.incidents[incident_id]
                at = incident.resolved_at
                if (
                    incident.status == "resolved"
                    and at is not None
                    and (now - at).total_seconds() >= UNSETTLED_FOR_SECONDS
                ):
                    self._count()
                    del self.unsettled[incident_id]
                    continue
                out.append(incident_id)
            return out

    def open_incidents(self) -> list[Incident]:
        with self._lock:
            self._count()
            ids = [
                i
                for i, _ in sorted(self.unsettled.items(), key=lambda kv: kv[1])
                if self.incidents[i].status != "resolved"
            ]
            self._count(batches(len(ids), 100))
            found = [self.incidents[i] for i in ids if self.incidents[i].is_active]
            return sorted(found, key=lambda i: (i.opened_at, i.id))
