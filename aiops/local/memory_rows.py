"""The twin's Slack message rows and runbook run rows (``INC#<id> | SLACK``, ``RUN#``, ``EXE#``).

See :mod:`aiops.local.memory` for the twin as a whole and the request counts.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache

from aiops.present.ports import CLAIM_LEASE, MessageRecord
from aiops.remediation.decide import Run
from aiops.signals.model import format_time


def batches(n: int, size: int) -> int:
    """Requests for ``n`` items at ``size`` a request (none for none)."""
    return -(-n // size)


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


@lru_cache(maxsize=256)
def _from_epoch(seconds: int) -> datetime:
    """A stored epoch as the time it is (a claim's time is read on every sync of its incident)."""
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass(slots=True)
class MessageRow:
    """The ``SLACK`` row: ``claimed_at`` in epoch seconds as the table keeps it (None: given back)."""

    channel: str
    rendered_version: int
    claimed_at: int | None
    ts: str | None = None
    updated_at: datetime | None = None
    posted: list[str] = field(default_factory=list)
    """Replies claimed before they had rows of their own (the adapter reads the old ``posted`` set)."""
    thread_version: int = 0
    thread_settled: bool = False


@dataclass(slots=True)
class ReplyRow:
    """A ``SLACK#<entry key>`` row: the claim of one thread reply, ``done`` once Slack took it."""

    claimed_at: int | None
    done: bool = False


class RowFamily:
    """The base of the twin's row families: the lock, clock and request count they share, given by the
    ``MemoryStore`` that mixes them in (aiops/local/memory.py)."""

    _lock: threading.RLock

    def now(self) -> datetime:
        raise NotImplementedError

    def _count(self, n: int = 1) -> None:
        raise NotImplementedError


class MessageRows(RowFamily):
    def __init__(self) -> None:
        self.messages: dict[str, MessageRow] = {}
        self.entries: dict[str, dict[str, ReplyRow]] = {}
        """incident id -> {entry key: its reply's claim}"""

    def message_for(self, incident_id: str, *, entries: Sequence[str] = ()) -> MessageRecord | None:
        """The ``SLACK`` row (a GetItem); with ``entries``, and those replies' rows (a BatchGetItem)."""
        with self._lock:
            self._count()
            row = self.messages.get(incident_id)
            if row is None:
                return None
            claimed = row.claimed_at
            posted: set[str] | tuple[str, ...] = set(row.posted) if row.posted else ()
            pending: set[str] | tuple[str, ...] = ()
            if entries:
                rows = self.entries.get(incident_id, {})
                asked = {k: rows[k] for k in dict.fromkeys(entries) if k in rows}
                posted = {*posted, *(k for k, e in asked.items() if e.done)}
                pending = {k for k, e in asked.items() if not e.done} - posted
            return MessageRecord(
                incident_id=incident_id,
                channel=row.channel,
                ts=row.ts,
                rendered_version=row.rendered_version,
                posted_entries=tuple(sorted(posted)) if posted else (),
                claimed_at=_from_epoch(claimed) if claimed is not None else None,
                updated_at=row.updated_at,
                pending_entries=tuple(sorted(pending)) if pending else (),
                thread_version=row.thread_version,
                thread_settled=row.thread_settled,
            )

    def claim(self, incident_id: str, channel: str, *, now: datetime) -> bool:
        """A new row unless one is confirmed (has a ``ts``) or holds a claim younger than the lease."""
        with self._lock:
            self._count()
            row = self.messages.get(incident_id)
            lapsed = _epoch(now - CLAIM_LEASE)
            if row is not None and (
                row.ts is not None or (row.claimed_at is not None and not row.claimed_at < lapsed)
            ):
                return False
            self.messages[incident_id] = MessageRow(channel, -1, _epoch(now))
            return True

    def store(self, record: MessageRecord, *, expected_version: int | None) -> bool:
        """SET channel, rendered_version (and ts, updated_at when given) under the adapter's condition."""
        with self._lock:
            self._count()
            row = self.messages.get(record.incident_id)
            if expected_version is None:
                ok = row is not None and row.ts is None
            else:
                ok = row is not None and row.rendered_version == expected_version
            if not ok or row is None:
                return False
            row.channel, row.rendered_version = record.channel, record.rendered_version
            if record.ts is not None:
                row.ts = record.ts
            if record.updated_at is not None:
                row.updated_at = record.updated_at
            return True

    def claim_entry(self, incident_id: str, key: str, *, now: datetime, release: bool = False) -> bool:
        """A PutItem unless the reply is done or its claim is younger than the lease; ``release``: an
        UpdateItem removing the claim of a reply not done (False when there is none)."""
        with self._lock:
            self._count()
            rows = self.entries.setdefault(incident_id, {})
            entry = rows.get(key)
            if release:
                if entry is None or entry.done:
                    return False
                entry.claimed_at = None
                return True
            lapsed = _epoch(now - CLAIM_LEASE)
            if entry is not None and (
                entry.done or (entry.claimed_at is not None and not entry.claimed_at < lapsed)
            ):
                return False
            rows[key] = ReplyRow(_epoch(now))
            return True

    def confirm_entry(self, incident_id: str, key: str) -> None:
        with self._lock:
            self._count()
            rows = self.entries.setdefault(incident_id, {})
            entry = rows.setdefault(key, ReplyRow(None))
            entry.done = True

    def mark_thread(self, incident_id: str, version: int, *, settled: bool = False) -> None:
        """An UpdateItem conditional on the row and a lower mark: the mark never goes back."""
        with self._lock:
            self._count()
            row = self.messages.get(incident_id)
            if row is not None and row.thread_version < version:
                row.thread_version, row.thread_settled = version, settled

    def release(self, incident_id: str) -> None:
        """The claim lapses at once; the row stays, so the next attempt looks for the post first."""
        with self._lock:
            self._count()
            row = self.messages.get(incident_id)
            if row is not None and row.ts is None:
                row.claimed_at = None


class RunRows(RowFamily):
    def __init__(self) -> None:
        self.run_rows: dict[str, dict[str, Run]] = {}
        """service -> {``<started>#<execution>``: run}"""
        self.executions: dict[str, tuple[str, str, str, str]] = {}
        """execution id -> (service, run key, incident id, playbook)"""

    def record_run(
        self, service: str, run: Run, *, execution_id: str, incident_id: str, playbook: str
    ) -> None:
        with self._lock:
            self._count()
            if execution_id in self.executions:
                return  # the transaction's condition: an execution is recorded once
            sk = f"{format_time(run.started_at)}#{execution_id}"
            self.run_rows.setdefault(service, {})[sk] = run
            self.executions[execution_id] = (service, sk, incident_id, playbook)

    def finish_run(self, execution_id: str, status: str) -> tuple[str, str] | None:
        with self._lock:
            self._count()
            found = self.executions.get(execution_id)
            if found is None:
                return None
            self._count()
            service, sk, incident_id, playbook = found
            rows = self.run_rows.setdefault(service, {})
            if sk in rows:
                rows[sk] = replace(rows[sk], status=status)
            return incident_id, playbook

    def runs(self, service: str, since: datetime) -> list[Run]:
        with self._lock:
            self._count()
            rows = self.run_rows.get(service, {})
            return [rows[sk] for sk in sorted(rows) if rows[sk].started_at >= since]
