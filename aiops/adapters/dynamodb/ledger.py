"""The signal ledger: event-id claims, fingerprint states, signal rows, context and silences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiops.adapters.dynamodb import conditions, keys
from aiops.adapters.dynamodb.codec import STATE_DOC, av, epoch, read_time
from aiops.adapters.dynamodb.table import TIMELINE_RETENTION, Table, refused
from aiops.errors import ConflictError
from aiops.incident.model import SignalRef, SignalState
from aiops.incident.ports import Seen, Silence
from aiops.signals.model import Head, Signal, format_time

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class LedgerRows(Table):
    def lookup(self, event_ids: Sequence[str], fingerprints: Sequence[str]) -> list[Seen]:
        wanted: dict[keys.Key, None] = {}
        for event_id, fp in zip(event_ids, fingerprints, strict=True):
            wanted[keys.event_claim(event_id)] = None
            wanted[keys.signal_state(fp)] = None
        items = self._batch_get(list(wanted))
        now = epoch(self.clock.now())
        out = []
        for event_id, fp in zip(event_ids, fingerprints, strict=True):
            evt = items.get(keys.event_claim(event_id))
            dup = evt is not None and int(evt.get("expires_at", {"N": "0"})["N"]) >= now
            row = items.get(keys.signal_state(fp))
            state = STATE_DOC.validate_json(row["doc"]["S"]) if row else None
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
        now = epoch(self.clock.now())
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        **keys.event_claim(signal.id).attrs(),
                        "expires_at": av(epoch(expires_at)),
                        "incident_id": av(state.incident_id or ""),
                    },
                    "ConditionExpression": conditions.CLAIM_OR_EXPIRED,
                    "ExpressionAttributeValues": {":now": av(now)},
                }
            },
            {
                "Put": self._versioned_put(
                    {
                        **keys.signal_state(state.fingerprint).attrs(),
                        "version": av(state.version),
                        "doc": av(STATE_DOC.dump_json(state).decode()),
                    },
                    expected_version,
                )
            },
        ]
        items += [
            {"Put": {"TableName": self.table, "Item": self._signal_row(i, signal)}} for i in incident_ids
        ]
        names = ["event claim", "state", *(["signal"] * len(incident_ids))]  # names[i]: what items[i] is
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException as exc:
            failed = refused(exc.response, names) or frozenset()
            if "event claim" in failed:  # a redelivery: the claim is checked first, whatever the state
                return False
            if "state" in failed:  # another event moved the state since it was read
                raise ConflictError(state.fingerprint) from None
            raise
        return True

    def link(self, incident_id: str, signals: Sequence[SignalRef]) -> None:
        rows = [{"PutRequest": {"Item": self._signal_row(incident_id, s)}} for s in signals]
        for start in range(0, len(rows), 25):
            self._batch_write(rows[start : start + 25])

    def _signal_row(self, incident_id: str, signal: Head) -> dict[str, Any]:
        return {
            **keys.signal_row(incident_id, signal.time, signal.id).attrs(),
            "kind": av(signal.kind),
            "status": av(signal.status),
            "expires_at": av(epoch(signal.time + TIMELINE_RETENTION)),
        }

    def remember(self, key: str, signal: Signal, *, expires_at: datetime) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                **keys.context(key, signal.time, signal.id).attrs(),
                "doc": av(signal.model_dump_json()),
                "expires_at": av(epoch(expires_at)),
            },
        )

    def recall(self, key: str, since: datetime, until: datetime) -> list[Signal]:
        resp_items = self._between(keys.context_between(key, since, until))
        now = epoch(self.clock.now())
        found = [
            Signal.model_validate_json(i["doc"]["S"]) for i in resp_items if int(i["expires_at"]["N"]) >= now
        ]
        return sorted((s for s in found if since <= s.time <= until), key=lambda s: (s.time, s.id))

    def silence(self, silence: Silence) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                **keys.silence(silence.service, silence.component, silence.until, silence.by).attrs(),
                "component": av(silence.component or ""),
                "until": av(format_time(silence.until)),
                "by": av(silence.by),
                "reason": av(silence.reason),
                "expires_at": av(epoch(silence.until)),
            },
        )

    def silences(self, service: str, now: datetime) -> list[Silence]:
        out = []
        for item in self._query(keys.silences_of(service), ""):
            until = read_time(item["until"]["S"])
            if until > now:
                out.append(
                    Silence(
                        service, item["component"]["S"] or None, until, item["by"]["S"], item["reason"]["S"]
                    )
                )
        return out

    def signals_of(self, incident_id: str) -> list[str]:
        rows = self._live(self._query(keys.incident_rows(incident_id), keys.SIGNAL_ROWS))
        return [keys.parse_signal_row(keys.key_of(row)).name for row in rows]
