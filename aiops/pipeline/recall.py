"""Recall: past incidents like this one, looked up when an incident opens or its signature changes (its
root cause, the kind of change, the families of its failing metrics), and kept on the incident.

A lookup costs what :class:`~aiops.incident.ports.HistoryIndex` promises (two Queries and a batch read
on DynamoDB) whatever the history's length, and only when the signature moved: every other pass over
the incident costs nothing. The window ends when the incident opened, so a replay finds the same
incidents each time.
"""

from __future__ import annotations

from datetime import timedelta

from aiops.incident.model import Incident, RootCause, TimelineEntry
from aiops.incident.ports import HistoryIndex
from aiops.incident.signature import Signature, signature_of
from aiops.incident.similar import SIMILAR_WINDOW_DAYS, Similar
from aiops.pipeline.update import Updater

MEMO_SIZE = 1024
"""Incidents whose last signature is kept (a worker sees few at once)."""


class Recall:
    def __init__(self, history: HistoryIndex) -> None:
        self.history = history
        self._memo: dict[str, tuple[int, RootCause | None, Signature | None]] = {}

    def signature(self, incident: Incident) -> Signature | None:
        """:func:`signature_of`, read again only when its inputs may have moved. A member never leaves
        an incident, never stops having fired, never changes its kind, metric or role: its fired
        symptoms only grow, so while their number and the root cause stay, so does the signature (a
        storm's every event would otherwise classify every member again)."""
        fired = len([m for m in incident.members.values() if m.fired_at is not None and m.role == "symptom"])
        rc = incident.root_cause
        memo = self._memo.get(incident.id)
        if memo is not None and memo[0] == fired and (memo[1] is rc or memo[1] == rc):
            return memo[2]
        signature = signature_of(incident)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[incident.id] = (fired, rc, signature)
        return signature

    def __call__(self, incident: Incident, update: Updater) -> Incident:
        signature = self.signature(incident)
        if signature is None:
            return incident
        known = incident.similar
        if known is not None and known.signature == signature.key:
            return incident
        since = incident.opened_at - timedelta(days=SIMILAR_WINDOW_DAYS)
        same, others, capped = self.history.similar(
            signature.key, incident.service, since, incident.opened_at, exclude=incident.id
        )
        self.history.index(signature.key, incident, previous=known.signature if known else None)
        similar = Similar(
            signature=signature.key,
            label=signature.label,
            count=len(same),
            capped=capped,
            last=same[0] if same else (others[0] if others else None),
            others=tuple(others),
        )

        def keep(current: Incident) -> tuple[Incident, list[TimelineEntry]]:
            if current.similar == similar:
                return current, []
            return current.model_copy(update={"similar": similar}), []

        return update(incident.id, keep, first=incident)
