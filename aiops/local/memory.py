"""In-memory adapters with the same semantics as the DynamoDB ones (conditional writes, versions).

Thread-safe, so concurrency tests and benchmarks can run them from several threads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from aiops.decide import Run
from aiops.errors import ConflictError
from aiops.incident import Incident, SignalRef, SignalState, TimelineEntry, timeline_order
from aiops.ports import CLAIM_LEASE, MessageRecord, Seen, Silence
from aiops.signals.model import Head, Signal


class MemoryStore:
    """SignalLedger + IncidentStore + MessageStore + ContextStore + SilenceStore in dictionaries."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.events: dict[str, datetime] = {}
        self.states: dict[str, SignalState] = {}
        self.signal_rows: dict[str, dict[str, tuple[datetime, str]]] = {}
        self.incidents: dict[str, Incident] = {}
        self.current: dict[str, str] = {}
        self.timelines: dict[str, dict[str, TimelineEntry]] = {}
        self.messages: dict[str, MessageRecord] = {}
        self.context: dict[str, dict[str, Signal]] = {}
        self.silenced: list[Silence] = []
        self.claims: set[tuple[str, str]] = set()
        self.run_log: dict[str, tuple[str, Run, str, str]] = {}
        """execution id -> (service, run, incident id, playbook)"""

    # SignalLedger
    def lookup(self, event_ids: Sequence[str], fingerprints: Sequence[str]) -> list[Seen]:
        with self._lock:
            return [
                Seen(i in self.events, self.states.get(fp))
                for i, fp in zip(event_ids, fingerprints, strict=True)
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
            if signal.id in self.events:
                return False
            current = self.states.get(state.fingerprint)
            if (current.version if current else None) != expected_version:
                raise ConflictError(state.fingerprint)
            self.events[signal.id] = expires_at
            self.states[state.fingerprint] = state
            for incident_id in incident_ids:
                self.signal_rows.setdefault(incident_id, {})[signal.id] = (signal.time, signal.kind)
            return True

    def link(self, incident_id: str, signals: Sequence[SignalRef]) -> None:
        with self._lock:
            for s in signals:
                self.signal_rows.setdefault(incident_id, {})[s.id] = (s.time, s.kind)

    # ContextStore
    def remember(self, key: str, signal: Signal, *, expires_at: datetime) -> None:
        with self._lock:
            self.context.setdefault(key, {})[signal.id] = signal

    def recall(self, key: str, since: datetime, until: datetime) -> list[Signal]:
        with self._lock:
            found = [s for s in self.context.get(key, {}).values() if since <= s.time <= until]
        return sorted(found, key=lambda s: (s.time, s.id))

    # SilenceStore
    def silence(self, silence: Silence) -> None:
        with self._lock:
            self.silenced.append(silence)

    def silences(self, service: str, now: datetime) -> list[Silence]:
        with self._lock:
            return [s for s in self.silenced if s.service == service and s.until > now]

    def signals_of(self, incident_id: str) -> list[str]:
        with self._lock:
            rows = self.signal_rows.get(incident_id, {})
            return [sid for sid, _ in sorted(rows.items(), key=lambda kv: (kv[1][0], kv[0]))]

    # IncidentStore
    def get(self, incident_id: str) -> Incident | None:
        with self._lock:
            return self.incidents.get(incident_id)

    def open_for(self, service: str) -> Incident | None:
        with self._lock:
            incident_id = self.current.get(service)
            incident = self.incidents.get(incident_id) if incident_id else None
            return incident if incident is not None and incident.is_active else None

    def prefetch(
        self, incident_ids: Sequence[str], services: Sequence[str]
    ) -> tuple[dict[str, Incident], dict[str, Incident]]:
        with self._lock:
            by_id = {i: self.incidents[i] for i in incident_ids if i in self.incidents}
            current = {s: inc for s in services if (inc := self.open_for(s)) is not None}
            return by_id, current

    def create(self, incident: Incident, *, replaces: str | None = None) -> Incident:
        with self._lock:
            existing = self.open_for(incident.service)
            if (existing is not None and existing.id != replaces) or incident.id in self.incidents:
                raise ConflictError(f"service:{incident.service}")
            created = incident.model_copy(update={"version": 1})
            self.incidents[incident.id] = created
            self.current[incident.service] = incident.id
            return created

    def save(self, incident: Incident, entries: Sequence[TimelineEntry]) -> Incident:
        with self._lock:
            stored = self.incidents.get(incident.id)
            if stored is None or stored.version != incident.version:
                raise ConflictError(incident.id)
            saved = incident.model_copy(update={"version": incident.version + 1})
            self.incidents[incident.id] = saved
            timeline = self.timelines.setdefault(incident.id, {})
            for e in entries:
                timeline.setdefault(e.key, e)
            return saved

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        with self._lock:
            return sorted(self.timelines.get(incident_id, {}).values(), key=timeline_order)

    # RunLedger
    def claim_action(self, incident_id: str, playbook: str) -> bool:
        with self._lock:
            if (incident_id, playbook) in self.claims:
                return False
            self.claims.add((incident_id, playbook))
            return True

    def record_run(
        self, service: str, run: Run, *, execution_id: str, incident_id: str, playbook: str
    ) -> None:
        with self._lock:
            self.run_log[execution_id] = (service, run, incident_id, playbook)

    def finish_run(self, execution_id: str, status: str) -> tuple[str, str] | None:
        with self._lock:
            found = self.run_log.get(execution_id)
            if found is None:
                return None
            service, run, incident_id, playbook = found
            self.run_log[execution_id] = (service, replace(run, status=status), incident_id, playbook)
            return incident_id, playbook

    def runs(self, service: str, since: datetime) -> list[Run]:
        with self._lock:
            found = [r for s, r, _, _ in self.run_log.values() if s == service and r.started_at >= since]
        return sorted(found, key=lambda r: r.started_at)

    # MessageStore
    def message_for(self, incident_id: str) -> MessageRecord | None:
        with self._lock:
            return self.messages.get(incident_id)

    def claim(self, incident_id: str, channel: str, *, now: datetime) -> bool:
        with self._lock:
            rec = self.messages.get(incident_id)
            if rec is not None and (
                rec.ts is not None or (rec.claimed_at and now - rec.claimed_at <= CLAIM_LEASE)
            ):
                return False
            self.messages[incident_id] = MessageRecord(incident_id, channel, None, -1, claimed_at=now)
            return True

    def store(self, record: MessageRecord, *, expected_version: int | None) -> bool:
        with self._lock:
            rec = self.messages.get(record.incident_id)
            if expected_version is None:
                ok = rec is not None and rec.ts is None
            else:
                ok = rec is not None and rec.rendered_version == expected_version
            if ok and rec is not None:
                self.messages[record.incident_id] = replace(
                    record, claimed_at=rec.claimed_at, posted_entries=rec.posted_entries
                )
            return ok

    def claim_entry(self, incident_id: str, key: str, *, release: bool = False) -> bool:
        with self._lock:
            rec = self.messages.get(incident_id)
            if rec is not None and release:
                self.messages[incident_id] = replace(
                    rec, posted_entries=tuple(k for k in rec.posted_entries if k != key)
                )
                return True
            if rec is None or key in rec.posted_entries:
                return False
            self.messages[incident_id] = replace(rec, posted_entries=(*rec.posted_entries, key))
            return True

    def release(self, incident_id: str) -> None:
        with self._lock:
            rec = self.messages.get(incident_id)
            if rec is not None and rec.ts is None:
                del self.messages[incident_id]


class FixedClock:
    """A clock that says what it is told; ``aiops replay`` sets it to each event's time."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now
