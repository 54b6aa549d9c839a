"""Read-modify-write of one incident with optimistic versioning: every stage changes incidents so."""

from __future__ import annotations

from collections.abc import Callable

from aiops.errors import ConflictError
from aiops.incident.model import Incident, TimelineEntry
from aiops.incident.ports import IncidentStore

Change = Callable[[Incident], tuple[Incident, list[TimelineEntry]]]
"""A pure change of an incident: the new incident and the timeline entries it writes."""


class Updater:
    def __init__(self, incidents: IncidentStore, *, retries: int) -> None:
        self.incidents = incidents
        self.retries = retries

    def __call__(self, incident_id: str, change: Change, *, first: Incident | None = None) -> Incident:
        """Apply ``change`` and save; a lost race re-reads and re-applies. ``first``: the incident as the
        caller already read it (tried first, saving a read)."""
        for attempt in range(self.retries):
            current = first if attempt == 0 and first is not None else self.incidents.get(incident_id)
            if current is None:
                raise ConflictError(incident_id)
            new, entries = change(current)
            if not entries and (new is current or new == current):
                return current
            try:
                return self.incidents.save(new, entries)
            except ConflictError:
                continue
        raise ConflictError(incident_id)
