"""Silences as the pipeline reads them: cached per service for a little while (they change by hand)."""

from __future__ import annotations

from datetime import datetime

from aiops.incident.model import Incident
from aiops.incident.ports import Silence, SilenceStore
from aiops.pipeline.settings import SILENCE_REFRESH


class SilenceView:
    def __init__(self, store: SilenceStore) -> None:
        self.store = store
        self._cache: dict[str, tuple[datetime, list[Silence]]] = {}

    def forget(self, service: str) -> None:
        self._cache.pop(service, None)

    def active(self, service: str, now: datetime) -> list[Silence]:
        """Silences change by hand and rarely: read at most every SILENCE_REFRESH per service."""
        hit = self._cache.get(service)
        if hit is None or not hit[0] <= now < hit[0] + SILENCE_REFRESH:
            hit = (now, self.store.silences(service, now))
            self._cache[service] = hit
        return [x for x in hit[1] if x.until > now] if hit[1] else []

    def until(self, incident: Incident, now: datetime) -> datetime | None:
        active = self.active(incident.service, now)
        if not active:
            return None
        whole = [s.until for s in active if s.component is None]
        if whole:
            return max(whole)
        covered = {s.component: s.until for s in active}
        firing = {m.component for m in incident.firing}
        if firing and firing <= set(covered):
            return min(covered[c] for c in firing if c is not None)
        return None
