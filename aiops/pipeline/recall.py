"""Recall: past incidents like this one, looked up when an incident opens or its signature changes (its
root cause, the kind of change, the families of its failing metrics), and kept on the incident.

A lookup costs what :class:`~aiops.incident.ports.HistoryIndex` promises (two Queries and a batch read
on DynamoDB) whatever the history's length, and only when the signature moved: every other pass over
the incident costs nothing. The window ends when the incident opened, so a replay finds the same
incidents each time.
"""

from __future__ import annotations

from datetime import timedelta

from aiops.incident.model import Incident, TimelineEntry
from aiops.incident.ports import HistoryIndex
from aiops.incident.signature import signature_of
from aiops.incident.similar import SIMILAR_WINDOW_DAYS, Similar
from aiops.pipeline.update import Updater


class Recall:
    def __init__(self, history: HistoryIndex) -> None:
        self.history = history

    def __call__(self, incident: Incident, update: Updater) -> Incident:
        signature = signature_of(incident)
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
