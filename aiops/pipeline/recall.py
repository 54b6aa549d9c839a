"""Recall: past incidents like this one, looked up when an incident opens or its signature changes (its
root cause, the kind of change, the families of its failing metrics), and kept on the incident.

A lookup costs what :class:`~aiops.incident.ports.HistoryIndex` promises (two Queries and a batch read
on DynamoDB) whatever the history's length, and only when the signature moved: every other pass over
the incident costs nothing. The window ends when the incident opened, so a replay finds the same
incidents each time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from aiops.incident.model import Incident, RootCause, TimelineEntry
from aiops.incident.ports import HistoryIndex
from aiops.incident.signature import Signature, signature_of
from aiops.incident.similar import SIMILAR_WINDOW_DAYS, Similar
from aiops.pipeline.update import Updater

MEMO_SIZE = 1024
"""Incidents whose last signature is kept (a worker sees few at once)."""


class _Memo(NamedTuple):
    """What an incident's signature was read from, and the signature."""

    members: int
    symptoms: int
    fired: int
    """Symptoms that have fired (at most ``symptoms``)."""
    root_cause: RootCause | None
    signature: Signature | None


class Recall:
    def __init__(self, history: HistoryIndex) -> None:
        self.history = history
        self._memo: dict[str, _Memo] = {}

    def signature(self, incident: Incident) -> Signature | None:
        """:func:`signature_of`, read again only when its inputs may have moved. A member never leaves
        an incident, never stops having fired, never changes its kind, metric or role: its fired
        symptoms only grow, so while their number and the root cause stay, so does the signature (a
        storm's every event would otherwise classify every member again). Once every symptom has fired,
        their number stays while the members do: they are not even counted again."""
        members = incident.members
        rc = incident.root_cause
        memo = self._memo.get(incident.id)
        if memo is not None and memo.members == len(members) and memo.fired == memo.symptoms:
            fired, symptoms = memo.fired, memo.symptoms  # every symptom fired, none added
        else:
            symptoms = fired = 0
            for m in members.values():
                if m.role == "symptom":
                    symptoms += 1
                    fired += m.fired_at is not None
        if memo is not None and memo.fired == fired and (memo.root_cause is rc or memo.root_cause == rc):
            if memo.members != len(members):
                self._memo[incident.id] = memo._replace(members=len(members), symptoms=symptoms)
            return memo.signature
        signature = signature_of(incident)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[incident.id] = _Memo(len(members), symptoms, fired, rc, signature)
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
