"""The signal ledger: event-id claims, fingerprint states, signal rows, context and silences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiops.adapters.dynamodb.table import _STATE, TIMELINE_RETENTION, Table, _epoch, _n, _s
from aiops.errors import ConflictError
from aiops.incident.model import SignalRef, SignalState
from aiops.incident.ports import Seen, Silence
from aiops.signals.model import Head, Signal, format_time

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class LedgerRows(Table):
    def lookup(self, event_ids: Sequence[str], fingerprints: Sequence[str]) -> list[Seen]:
        keys: dict[tuple[str, str], None] = {}
        for event_id, fp in zip(event_ids, fingerprints, strict=True):
            keys[(f"EVT#{event_id}", "EVT")] = None
            keys[(f"FP#{fp}", "STATE")] = None
        items = self._batch_get(list(keys))
        now = _epoch(self.clock.now())
        out = []
        for event_id, fp in zip(event_ids, fingerprints, strict=True):
            evt = items.get((f"EVT#{event_id}", "EVT"))
            dup = evt is not None and int(evt.get("expires_at", {"N": "0"})["N"]) >= now
            row = items.get((f"FP#{fp}", "STATE"))
            state = _STATE.validate_json(row["doc"]["S"]) if row else None
            out.append(Seen(dup, state))
        return out

    def record(
        self,
        signal: Head,
        state: SignalState,
        *,
        incident_ids: Sequence[str],
        expected_version: int | None,
        expires_at: datetime,
    ) -> bool:
        now = _epoch(self.clock.now())
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        "pk": _s(f"EVT#{signal.id}"),
                        "sk": _s("EVT"),
                        "expires_at": _n(_epoch(expires_at)),
                        "incident_id": _s(state.incident_id or ""),
                    },
                    "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                    "ExpressionAttributeValues": {":now": _n(now)},
                }
            },
            {
                "Put": self._versioned_put(
                    {
                        "pk": _s(f"FP#{state.fingerprint}"),
                        "sk": _s("STATE"),
                        "version": _n(state.version),
                        "doc": _s(_STATE.dump_json(state).decode()),
                    },
                    expected_version,
                )
            },
        ]
        items += [
            {"Put": {"TableName": self.table, "Item": self._signal_row(i, signal)}} for i in incident_ids
        ]
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            codes = [r.get("Code", "None") for r in reasons]
            if codes and codes[0] == "ConditionalCheckFailed":
                return False
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise ConflictError(state.fingerprint) from None
            raise
        return True

    def link(self, incident_id: str, signals: Sequence[SignalRef]) -> None:
        rows = [{"PutRequest": {"Item": self._signal_row(incident_id, s)}} for s in signals]
        for start in range(0, len(rows), 25):
            self._batch_write(rows[start : start + 25])

    def _signal_row(self, incident_id: str, signal: Head) -> dict[str, Any]:
        return {
            "pk": _s(f"INC#{incident_id}"),
            "sk": _s(f"SIG#{format_time(signal.time)}#{signal.id}"),
            "kind": _s(signal.kind),
            "status": _s(signal.status),
            "expires_at": _n(_epoch(signal.time + TIMELINE_RETENTION)),
        }

    def remember(self, key: str, signal: Signal, *, expires_at: datetime) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": _s(f"CTX#{key}"),
                "sk": _s(f"{format_time(signal.time)}#{signal.id}"),
                "doc": _s(signal.model_dump_json()),
                "expires_at": _n(_epoch(expires_at)),
            },
        )

    def recall(self, key: str, since: datetime, until: datetime) -> list[Signal]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {
                ":pk": _s(f"CTX#{key}"),
                ":lo": _s(format_time(since)),
                ":hi": _s(format_time(until) + "#\uffff"),
            },
            "ConsistentRead": True,
        }
        resp_items = self._items("query", kwargs)
        now = _epoch(self.clock.now())
        found = [
            Signal.model_validate_json(i["doc"]["S"]) for i in resp_items if int(i["expires_at"]["N"]) >= now
        ]
        return sorted((s for s in found if since <= s.time <= until), key=lambda s: (s.time, s.id))

    def silence(self, silence: Silence) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": _s(f"SIL#{silence.service}"),
                "sk": _s(f"{silence.component or '*'}#{format_time(silence.until)}#{silence.by}"),
                "component": _s(silence.component or ""),
                "until": _s(format_time(silence.until)),
                "by": _s(silence.by),
                "reason": _s(silence.reason),
                "expires_at": _n(_epoch(silence.until)),
            },
        )

    def silences(self, service: str, now: datetime) -> list[Silence]:
        out = []
        for item in self._query(f"SIL#{service}", ""):
            until = datetime.fromisoformat(item["until"]["S"].replace("Z", "+00:00"))
            if until > now:
                out.append(
                    Silence(
                        service, item["component"]["S"] or None, until, item["by"]["S"], item["reason"]["S"]
                    )
                )
        return out

    def signals_of(self, incident_id: str) -> list[str]:
        rows = self._live(self._query(f"INC#{incident_id}", "SIG#"))
        return [row["sk"]["S"].split("#", 2)[2] for row in rows]
