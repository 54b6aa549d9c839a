"""Narrative rows (issue 27): the last narrative of an incident and the spend counters that cap it.

- ``INC#<id>`` | ``NARR``: the moment last asked about, its outcome (shown / abstained / failed, why, the
  text), and the incident's ``calls`` and ``tokens``. Kept ``INCIDENT_RETENTION`` after it was written.
- ``NARR#<service>`` | ``<UTC day>``: the service's ``calls`` and ``tokens`` that day (TTL: two days on).

A call is reserved by one transaction of two conditional updates (``calls`` below its cap, ``tokens``
below its cap, and a moment not asked about yet): concurrent workers can never exceed a cap. The tokens
an answer spent are added when it is settled, so one answer may take the count past the token cap; the
next reservation is refused.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from aiops.adapters.dynamodb import conditions, keys
from aiops.adapters.dynamodb.codec import av, epoch, read_time
from aiops.adapters.dynamodb.table import INCIDENT_RETENTION, Table, refused
from aiops.present.ports import NarrativeLimits, NarrativeRecord
from aiops.signals.model import format_time

_COUNTERS_KEPT = timedelta(days=2)
_RESERVATION = ("incident", "day")
"""What the reservation's two updates are, in the order sent (a cancellation is read by them)."""


def _reserve(key: keys.Key, table: str, max_calls: int, max_tokens: int, expires: int) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": key.attrs(),
        "UpdateExpression": "ADD calls :one SET expires_at = :exp",
        "ConditionExpression": conditions.UNDER_CAPS,
        "ExpressionAttributeValues": {
            ":one": av(1),
            ":max_calls": av(max_calls),
            ":max_tokens": av(max_tokens),
            ":exp": av(expires),
        },
    }


def _record(incident_id: str, row: dict[str, Any]) -> NarrativeRecord:
    def s(name: str) -> str:
        return str(row.get(name, {}).get("S", ""))

    at = s("at")
    return NarrativeRecord(
        incident_id=incident_id,
        digest=s("moment"),
        status=s("status") or "pending",
        model_id=s("model_id"),
        reason=s("reason"),
        text=s("text"),
        calls=int(row.get("calls", {}).get("N", "0")),
        tokens=int(row.get("tokens", {}).get("N", "0")),
        at=read_time(at) if at else None,
    )


class NarrativeRows(Table):
    def narrative_record(self, incident_id: str) -> NarrativeRecord | None:
        resp = self.client.get_item(
            TableName=self.table, Key=keys.narrative(incident_id).attrs(), ConsistentRead=True
        )
        item = resp.get("Item")
        return _record(incident_id, item) if item else None

    def reserve_narrative(
        self, incident_id: str, service: str, day: str, digest: str, model_id: str, limits: NarrativeLimits
    ) -> str | None:
        now = self.clock.now()
        inc = _reserve(
            keys.narrative(incident_id),
            self.table,
            limits.calls_per_incident,
            limits.tokens_per_incident,
            epoch(now + INCIDENT_RETENTION),
        )
        inc["UpdateExpression"] += ", moment = :moment, #st = :pending, model_id = :model, #at = :at"
        inc["ConditionExpression"] = conditions.both(conditions.UNDER_CAPS, conditions.NEW_MOMENT)
        inc["ExpressionAttributeNames"] = {"#st": "status", "#at": "at"}
        inc["ExpressionAttributeValues"] |= {
            ":moment": av(digest),
            ":pending": av("pending"),
            ":model": av(model_id),
            ":at": av(format_time(now)),
        }
        expires = (
            datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=now.tzinfo) + _COUNTERS_KEPT
        )
        per_day = _reserve(
            keys.narrative_day(service, day),
            self.table,
            limits.calls_per_day,
            limits.tokens_per_day,
            epoch(expires),
        )
        try:
            self.client.transact_write_items(TransactItems=[{"Update": inc}, {"Update": per_day}])  # type: ignore[typeddict-item]
        except self.client.exceptions.TransactionCanceledException as exc:
            failed = refused(exc.response, _RESERVATION)
            return self._why_not(incident_id, service, day, digest, limits, failed)
        return None

    def _why_not(
        self,
        incident_id: str,
        service: str,
        day: str,
        digest: str,
        limits: NarrativeLimits,
        failed: frozenset[str] | None,
    ) -> str:
        """Which condition refused the reservation (read back: a refusal is rare and costs two reads);
        ``failed``: the updates that refused, None when the cancellation did not say."""
        record = self.narrative_record(incident_id)
        if record is not None and (failed is None or "incident" in failed):
            if record.digest == digest:
                return "cached"
            if record.calls >= limits.calls_per_incident:
                return "incident_calls"
            if record.tokens >= limits.tokens_per_incident:
                return "incident_tokens"
        resp = self.client.get_item(TableName=self.table, Key=keys.narrative_day(service, day).attrs())
        row = resp.get("Item", {})
        if int(row.get("calls", {}).get("N", "0")) >= limits.calls_per_day:
            return "day_calls"
        if int(row.get("tokens", {}).get("N", "0")) >= limits.tokens_per_day:
            return "day_tokens"
        return "conflict"

    def settle_narrative(self, record: NarrativeRecord, service: str, day: str, tokens: int) -> None:
        names = {"#st": "status", "#txt": "text", "#at": "at"}
        # a later moment reserved meanwhile: its outcome stands (the day still counts these tokens)
        with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._settle(record, names, tokens)
        if tokens:
            self.client.update_item(
                TableName=self.table,
                Key=keys.narrative_day(service, day).attrs(),
                UpdateExpression="ADD tokens :t",
                ExpressionAttributeValues={":t": av(tokens)},
            )

    def _settle(self, record: NarrativeRecord, names: dict[str, str], tokens: int) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=keys.narrative(record.incident_id).attrs(),
            UpdateExpression="ADD tokens :t SET #st = :st, reason = :reason, #txt = :text, #at = :at",
            ConditionExpression=conditions.SAME_MOMENT,  # a later reservation's outcome is not overwritten
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={
                ":t": av(tokens),
                ":st": av(record.status),
                ":reason": av(record.reason),
                ":text": av(record.text),
                ":at": av(format_time(record.at or self.clock.now())),
                ":moment": av(record.digest),
            },
        )
