"""The twin's narrative rows: the incident's last narrative and the per-incident and per-day spend
counters, with the adapter's conditions (aiops/adapters/dynamodb/narrative.py). Request counts: a
reservation is one transaction (a refusal reads back what refused it), a settle one or two updates.
"""

from __future__ import annotations

from dataclasses import replace

from aiops.local.memory_rows import RowFamily
from aiops.present.ports import NarrativeLimits, NarrativeRecord


class NarrativeRows(RowFamily):
    def __init__(self) -> None:
        self.narratives: dict[str, NarrativeRecord] = {}
        """``INC#<id>`` | ``NARR``"""
        self.narrative_days: dict[tuple[str, str], tuple[int, int]] = {}
        """``NARR#<service>`` | ``<day>`` -> (calls, tokens)"""

    def narrative_record(self, incident_id: str) -> NarrativeRecord | None:
        with self._lock:
            self._count()
            return self.narratives.get(incident_id)

    def reserve_narrative(
        self, incident_id: str, service: str, day: str, digest: str, model_id: str, limits: NarrativeLimits
    ) -> str | None:
        with self._lock:
            self._count()
            record = self.narratives.get(incident_id)
            calls, tokens = self.narrative_days.get((service, day), (0, 0))
            refused = None
            if record is not None and record.digest == digest:
                refused = "cached"
            elif record is not None and record.calls >= limits.calls_per_incident:
                refused = "incident_calls"
            elif record is not None and record.tokens >= limits.tokens_per_incident:
                refused = "incident_tokens"
            elif calls >= limits.calls_per_day:
                refused = "day_calls"
            elif tokens >= limits.tokens_per_day:
                refused = "day_tokens"
            if refused is not None:
                self._count(2 if refused != "cached" else 1)
                return refused
            now = self.now()
            self.narratives[incident_id] = NarrativeRecord(
                incident_id=incident_id,
                digest=digest,
                status="pending",
                model_id=model_id,
                calls=(record.calls if record else 0) + 1,
                tokens=record.tokens if record else 0,
                at=now,
            )
            self.narrative_days[(service, day)] = (calls + 1, tokens)
            return None

    def settle_narrative(self, record: NarrativeRecord, service: str, day: str, tokens: int) -> None:
        with self._lock:
            self._count(2 if tokens else 1)
            kept = self.narratives.get(record.incident_id)
            if kept is not None and kept.digest == record.digest:
                self.narratives[record.incident_id] = replace(
                    kept,
                    status=record.status,
                    reason=record.reason,
                    text=record.text,
                    tokens=kept.tokens + tokens,
                )
            calls, spent = self.narrative_days.get((service, day), (0, 0))
            self.narrative_days[(service, day)] = (calls, spent + tokens)
