"""The twin's history reads: incidents by the month they opened (the adapter's ``history`` index).

See :mod:`aiops.local.memory` for the twin as a whole and the request counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from aiops.incident.model import Incident
from aiops.local.memory_rows import _Rows

INCIDENT_RETENTION = timedelta(days=400)
"""aiops.adapters.dynamodb.INCIDENT_RETENTION (this package imports nothing of the adapter)."""


def months(since: datetime, until: datetime) -> int:
    """Calendar months ``[since, until]`` touches: the Queries the adapter makes, one a month."""
    return max(0, (until.year - since.year) * 12 + until.month - since.month + 1)


class HistoryRows(_Rows):
    incidents: dict[str, Incident]

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
