"""The twin's history reads: incidents by the month they opened (the adapter's ``history`` index).

See :mod:`aiops.local.memory` for the twin as a whole and the request counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from aiops.incident.links import slack_thread_url
from aiops.incident.model import Incident
from aiops.incident.signature import outcome
from aiops.incident.similar import OTHER_SERVICES_LIMIT, SAME_SERVICE_LIMIT, PastIncident
from aiops.local.memory_rows import MessageRow, RowFamily
from aiops.signals.model import format_time

INCIDENT_RETENTION = timedelta(days=400)
"""aiops.adapters.dynamodb.INCIDENT_RETENTION (this package imports nothing of the adapter)."""


def months(since: datetime, until: datetime) -> int:
    """Calendar months ``[since, until]`` touches: the Queries the adapter makes, one a month."""
    return max(0, (until.year - since.year) * 12 + until.month - since.month + 1)


def _distinct(found: list[PastIncident]) -> list[PastIncident]:
    """Each incident once, newest row first (as the adapter's)."""
    out: dict[str, PastIncident] = {}
    for p in found:
        out.setdefault(p.id, p)
    return list(out.values())


class HistoryRows(RowFamily):
    incidents: dict[str, Incident]
    messages: dict[str, MessageRow]

    def __init__(self) -> None:
        self.similar_rows: dict[str, dict[str, tuple[str, str]]] = {}
        """``SIM#<signature>[#<service>]`` -> {``<opened>#<id>``: (service, incident id)}"""

    def history(
        self,
        since: datetime,
        until: datetime,
        *,
        service: str | None = None,
        statuses: Sequence[str] = (),
    ) -> list[Incident]:
        """Incidents opened in ``[since, until]``, newest first (a Query per month)."""
        with self._lock:
            self._count(months(since, until))
            now = self.now()
            found = [
                i
                for i in self.incidents.values()
                if since <= i.opened_at <= until
                and (service is None or i.service == service)
                and (not statuses or i.status in statuses)
                and (i.resolved_at is None or i.resolved_at + INCIDENT_RETENTION > now)
            ]
            return sorted(found, key=lambda i: (i.opened_at, i.id), reverse=True)

    def similar(
        self, signature: str, service: str, since: datetime, until: datetime, *, exclude: str
    ) -> tuple[list[PastIncident], list[PastIncident], bool]:
        """Two Queries (each at most its limit, newest first), +1 BatchGetItem for the ones shown."""
        with self._lock:
            self._count(2)
            now = self.now()
            same = _distinct(
                [
                    p
                    for p in self._newest(f"{signature}#{service}", since, until, SAME_SERVICE_LIMIT + 1)
                    if p.id != exclude and self._live(p, now)
                ]
            )
            capped = len(same) >= SAME_SERVICE_LIMIT
            same = same[:SAME_SERVICE_LIMIT]
            rows = self._newest(signature, since, until, OTHER_SERVICES_LIMIT + SAME_SERVICE_LIMIT + 1)
            others = _distinct([p for p in rows if p.service != service and self._live(p, now)])
            others = others[:OTHER_SERVICES_LIMIT]
            if not same and not others:
                return same, others, capped
            self._count()
            if same:
                same[0] = self._detail(same[0])
            return same, [self._detail(p) for p in others], capped

    def _newest(self, key: str, since: datetime, until: datetime, limit: int) -> list[PastIncident]:
        rows = self.similar_rows.get(key, {})
        low, high = format_time(since), format_time(until) + "#~"
        out = []
        for sk in sorted((k for k in rows if low <= k <= high), reverse=True)[:limit]:
            opened = datetime.fromisoformat(sk.rpartition("#")[0].replace("Z", "+00:00"))
            out.append(PastIncident(id=rows[sk][1], service=rows[sk][0], opened_at=opened))
        return out

    @staticmethod
    def _live(past: PastIncident, now: datetime) -> bool:
        return past.opened_at + INCIDENT_RETENTION > now

    def _detail(self, past: PastIncident) -> PastIncident:
        update: dict[str, str] = {}
        incident = self.incidents.get(past.id)
        if incident is not None:
            update["outcome"] = outcome(incident)
        message = self.messages.get(past.id)
        if message is not None and message.ts is not None:
            update["thread_url"] = slack_thread_url(message.channel, message.ts)
        return past.model_copy(update=update)

    def index(self, signature: str, incident: Incident, *, previous: str | None) -> None:
        """One BatchWriteItem: the two rows, and the previous signature's removed."""
        with self._lock:
            self._count()
            sk = f"{format_time(incident.opened_at)}#{incident.id}"
            if previous is not None and previous != signature:
                for key in (f"{previous}#{incident.service}", previous):
                    self.similar_rows.get(key, {}).pop(sk, None)
            for key in (f"{signature}#{incident.service}", signature):
                self.similar_rows.setdefault(key, {})[sk] = (incident.service, incident.id)
