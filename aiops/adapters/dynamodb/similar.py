"""Similarity rows: each incident filed under its signature, so "seen N times" is two Queries and one
BatchGetItem however long the history is.

- ``SIM#<signature>#<service>`` | ``<opened_at>#<id>``: the service's incidents with that signature.
- ``SIM#<signature>`` | ``<opened_at>#<id>``: every service's (``service`` attribute), ranked lower.

Both kept ``INCIDENT_RETENTION`` after the incident opened (TTL ``expires_at``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiops.adapters.dynamodb import keys
from aiops.adapters.dynamodb.codec import av, epoch
from aiops.adapters.dynamodb.table import INCIDENT_RETENTION, Table
from aiops.incident.links import slack_thread_url
from aiops.incident.model import Incident
from aiops.incident.signature import outcome
from aiops.incident.similar import OTHER_SERVICES_LIMIT, SAME_SERVICE_LIMIT, PastIncident


def _past(row: dict[str, Any]) -> PastIncident:
    opened_at, incident_id = keys.parse_opened_order(row["sk"]["S"])
    return PastIncident(id=incident_id, service=row["service"]["S"], opened_at=opened_at)


class SimilarRows(Table):
    def similar(
        self, signature: str, service: str, since: datetime, until: datetime, *, exclude: str
    ) -> tuple[list[PastIncident], list[PastIncident], bool]:
        now = epoch(self.clock.now())
        same_rows = self._newest(
            keys.similar_between(signature, service, since, until), SAME_SERVICE_LIMIT + 1
        )
        same = _distinct([_past(r) for r in same_rows if r["incident_id"]["S"] != exclude and _live(r, now)])
        capped = len(same) >= SAME_SERVICE_LIMIT
        same = same[:SAME_SERVICE_LIMIT]
        wanted = OTHER_SERVICES_LIMIT + SAME_SERVICE_LIMIT + 1
        rows = self._newest(keys.similar_between(signature, None, since, until), wanted)
        others = _distinct([_past(r) for r in rows if r["service"]["S"] != service and _live(r, now)])
        others = others[:OTHER_SERVICES_LIMIT]
        shown = ([same[0]] if same else []) + others
        if not shown:
            return same, others, capped
        found = self._batch_get([keys.incident(p.id) for p in shown] + [keys.slack_root(p.id) for p in shown])
        detailed = {p.id: _detail(p, found) for p in shown}
        if same:
            same[0] = detailed[same[0].id]
        return same, [detailed[p.id] for p in others], capped

    def _newest(self, span: keys.Between, limit: int) -> list[dict[str, Any]]:
        """One Query: the newest ``limit`` rows of ``span``."""
        resp = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues={":pk": av(span.pk), ":from": av(span.lo), ":to": av(span.hi)},
            ScanIndexForward=False,
            Limit=limit,
        )
        return list(resp.get("Items", []))

    def index(self, signature: str, incident: Incident, *, previous: str | None) -> None:
        attrs = {
            "service": av(incident.service),
            "incident_id": av(incident.id),
            "expires_at": av(epoch(incident.opened_at + INCIDENT_RETENTION)),
        }
        rows = [(incident.service, incident.opened_at, incident.id), (None, incident.opened_at, incident.id)]
        requests: list[Any] = [
            {"PutRequest": {"Item": {**keys.similar(signature, *row).attrs(), **attrs}}} for row in rows
        ]
        if previous is not None and previous != signature:
            requests += [{"DeleteRequest": {"Key": keys.similar(previous, *row).attrs()}} for row in rows]
        self._batch_write(requests)


def _distinct(found: list[PastIncident]) -> list[PastIncident]:
    """Each incident once (one whose opening moved earlier may have left a row under its old time)."""
    out: dict[str, PastIncident] = {}
    for p in found:
        out.setdefault(p.id, p)
    return list(out.values())


def _live(row: dict[str, Any], now: int) -> bool:
    return int(row.get("expires_at", {"N": str(now + 1)})["N"]) > now


def _detail(past: PastIncident, found: dict[keys.Key, dict[str, Any]]) -> PastIncident:
    meta = found.get(keys.incident(past.id))
    slack = found.get(keys.slack_root(past.id))
    update: dict[str, str] = {}
    if meta is not None:
        update["outcome"] = outcome(Incident.model_validate_json(meta["doc"]["S"]))
    if slack is not None and "ts" in slack:
        update["thread_url"] = slack_thread_url(slack["channel"]["S"], slack["ts"]["S"])
    return past.model_copy(update=update)
