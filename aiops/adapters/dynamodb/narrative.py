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

from aiops.adapters.dynamodb.table import INCIDENT_RETENTION, Table, _epoch, _n, _s, _time
from aiops.present.ports import NarrativeLimits, NarrativeRecord
from aiops.signals.model import format_time

_COUNTERS_KEPT = timedelta(days=2)
_UNDER_CAPS = (
    "(attribute_not_exists(calls) OR calls < :max_calls)"
    " AND (attribute_not_exists(tokens) OR tokens < :max_tokens)"
)


def _reserve(
    key: dict[str, Any], table: str, max_calls: int, max_tokens: int, expires: int
) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": key,
        "UpdateExpression": "ADD calls :one SET expires_at = :exp",
        "ConditionExpression": _UNDER_CAPS,
        "ExpressionAttributeValues": {
            ":one": _n(1),
            ":max_calls": _n(max_calls),
            ":max_tokens": _n(max_tokens),
            ":exp": _n(expires),
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
        at=_time(at) if at else None,
    )


class NarrativeRows(Table):
    def narrative_record(self, incident_id: str) -> NarrativeRecord | None:
        resp = self.client.get_item(
            TableName=self.table, Key={"pk": _s(f"INC#{incident_id}"), "sk": _s("NARR")}, ConsistentRead=True
        )
        item = resp.get("Item")
        return _record(incident_id, item) if item else None

    def reserve_narrative(
        self, incident_id: str, service: str, day: str, digest: str, model_id: str, limits: NarrativeLimits
    ) -> str | None:
        now = self.clock.now()
        inc = _reserve(
            {"pk": _s(f"INC#{incident_id}"), "sk": _s("NARR")},
            self.table,
            limits.calls_per_incident,
            limits.tokens_per_incident,
            _epoch(now + INCIDENT_RETENTION),
        )
        inc["UpdateExpression"] += ", moment = :moment, #st = :pending, model_id = :model, #at = :at"
        inc["ConditionExpression"] = (
            f"({inc['ConditionExpression']}) AND (attribute_not_exists(moment) OR moment <> :moment)"
        )
        inc["ExpressionAttributeNames"] = {"#st": "status", "#at": "at"}
        inc["ExpressionAttributeValues"] |= {
            ":moment": _s(digest),
            ":pending": _s("pending"),
            ":model": _s(model_id),
            ":at": _s(format_time(now)),
        }
        expires = (
            datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=now.tzinfo) + _COUNTERS_KEPT
        )
        per_day = _reserve(
            {"pk": _s(f"NARR#{service}"), "sk": _s(day)},
            self.table,
            limits.calls_per_day,
            limits.tokens_per_day,
            _epoch(expires),
        )
        try:
            self.client.transact_write_items(TransactItems=[{"Update": inc}, {"Update": per_day}])  # type: ignore[typeddict-item]
        except self.client.exceptions.TransactionCanceledException as exc:
            codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            return self._why_not(incident_id, service, day, digest, limits, codes)
        return None

    def _why_not(
        self, incident_id: str, service: str, day: str, digest: str, limits: NarrativeLimits, codes: list[str]
    ) -> str:
        """Which condition refused the reservation (read back: a refusal is rare and costs two reads)."""
        record = self.narrative_record(incident_id)
        if record is not None and (not codes or codes[0] == "ConditionalCheckFailed"):
            if record.digest == digest:
                return "cached"
            if record.calls >= limits.calls_per_incident:
                return "incident_calls"
            if record.tokens >= limits.tokens_per_incident:
                return "incident_tokens"
        resp = self.client.get_item(TableName=self.table, Key={"pk": _s(f"NARR#{service}"), "sk": _s(day)})
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
                Key={"pk": _s(f"NARR#{service}"), "sk": _s(day)},
                UpdateExpression="ADD tokens :t",
                ExpressionAttributeValues={":t": _n(tokens)},
            )

    def _settle(self, record: NarrativeRecord, names: dict[str, str], tokens: int) -> None:
        self.client.update_item(
            TableName=self.table,
            Key={"pk": _s(f"INC#{record.incident_id}"), "sk": _s("NARR")},
            UpdateExpression="ADD tokens :t SET #st = :st, reason = :reason, #txt = :text, #at = :at",
            ConditionExpression="moment = :moment",  # a later reservation's outcome is not overwritten
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={
                ":t": _n(tokens),
                ":st": _s(record.status),
                ":reason": _s(record.reason),
                ":text": _s(record.text),
                ":at": _s(format_time(record.at or self.clock.now())),
                ":moment": _s(record.digest),
            },
        )
