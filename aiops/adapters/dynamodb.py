"""DynamoDB adapter: one table (``pk``/``sk`` strings, TTL on ``expires_at``), conditional writes.

Rows (``pk`` | ``sk``):

- ``EVT#<event id>`` | ``EVT``: the event-id claim that makes a redelivery a no-op (TTL).
- ``FP#<fingerprint>`` | ``STATE``: one row per alarm / insight / budget, versioned.
- ``SVC#<service>`` | ``CURRENT``: which incident is the service's current one; ``active`` false once
  it resolved. Creating an incident is a transaction guarded by this row: one incident per group.
- ``INC#<id>`` | ``META``: the incident, versioned (optimistic concurrency), written once per batch.
- ``INC#<id>`` | ``SIG#<time>#<event id>``: the signals it absorbed (their own rows, not in the item).
- ``INC#<id>`` | ``TL#<time>#<key>``: its timeline.
- ``INC#<id>`` | ``SLACK``: its Slack root message (channel, ts, the version it shows).
- ``CTX#change:<service>`` / ``CTX#health:<region>`` | ``<time>#<event id>``: changes and provider health
  events, recalled by time range when ranking root causes (TTL).
- ``SIL#<service>`` | ``<component>#<until>#<by>``: silences (TTL at their end).
- ``ACT#<incident>`` | ``<playbook>``: the claim that makes each remediation decision happen once.
- ``RUN#<service>`` | ``<started>#<execution>``: runbook runs, the guards' memory (cooldown, cap, breaker).
- ``EXE#<execution>`` | ``EXE``: which incident and playbook an execution belongs to.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import TypeAdapter

from aiops.decide import Run
from aiops.errors import ConflictError
from aiops.incident import Incident, SignalRef, SignalState, TimelineEntry, timeline_order
from aiops.ports import CLAIM_LEASE, Clock, MessageRecord, Seen, Silence
from aiops.signals.model import Head, Signal, format_time

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import GlobalSecondaryIndexTypeDef, TransactWriteItemTypeDef

_BATCH_GET = 100
_TRANSACT = 100
UNSETTLED_INDEX: GlobalSecondaryIndexTypeDef = {
    "IndexName": "unsettled",
    "KeySchema": [
        {"AttributeName": "unsettled", "KeyType": "HASH"},
        {"AttributeName": "opened", "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["status", "resolved_at"]},
}
"""A sparse index of the incidents a flush may still have work for (template.yaml declares the same):
an incident's row carries its keys while it is not resolved and for a day after; the flush reads
this index, never the whole table, and retires the rows that aged out."""
UNSETTLED_FOR = timedelta(days=1)
"""How long a resolved incident stays on the flush's list (its last Slack edits, a late quiet period)."""
_STATE: TypeAdapter[SignalState] = TypeAdapter(SignalState)
_ENTRY: TypeAdapter[TimelineEntry] = TypeAdapter(TimelineEntry)
"""State rows and timeline entries, as JSON: validated on the way in, like every model read back."""


def _s(value: str) -> dict[str, Any]:
    return {"S": value}


def _n(value: int | float) -> dict[str, Any]:
    return {"N": str(value)}


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


class DynamoStore:
    """SignalLedger + IncidentStore + MessageStore + ContextStore + SilenceStore on one DynamoDB table."""

    def __init__(self, table_name: str, *, clock: Clock, client: DynamoDBClient | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.client = client
        self.table = table_name
        self.clock = clock

    # -- SignalLedger ------------------------------------------------------------------------------

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
        }

    # -- ContextStore ------------------------------------------------------------------------------

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

    # -- SilenceStore ------------------------------------------------------------------------------

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
        rows = self._query(f"INC#{incident_id}", "SIG#")
        return [row["sk"]["S"].split("#", 2)[2] for row in rows]

    # -- IncidentStore -----------------------------------------------------------------------------

    def get(self, incident_id: str) -> Incident | None:
        resp = self.client.get_item(
            TableName=self.table, Key={"pk": _s(f"INC#{incident_id}"), "sk": _s("META")}, ConsistentRead=True
        )
        item = resp.get("Item")
        return Incident.model_validate_json(item["doc"]["S"]) if item else None

    def open_for(self, service: str) -> Incident | None:
        resp = self.client.get_item(
            TableName=self.table, Key={"pk": _s(f"SVC#{service}"), "sk": _s("CURRENT")}, ConsistentRead=True
        )
        item = resp.get("Item")
        if not item or not item.get("active", {}).get("BOOL", False):
            return None
        incident = self.get(item["incident_id"]["S"])
        return incident if incident is not None and incident.is_active else None

    def prefetch(
        self, incident_ids: Sequence[str], services: Sequence[str]
    ) -> tuple[dict[str, Incident], dict[str, Incident]]:
        pointers = self._batch_get([(f"SVC#{s}", "CURRENT") for s in dict.fromkeys(services)])
        active = {
            k[0][4:]: v["incident_id"]["S"] for k, v in pointers.items() if v.get("active", {}).get("BOOL")
        }
        wanted = list(dict.fromkeys([*incident_ids, *active.values()]))
        rows = self._batch_get([(f"INC#{i}", "META") for i in wanted]) if wanted else {}
        by_id = {k[0][4:]: Incident.model_validate_json(v["doc"]["S"]) for k, v in rows.items()}
        current = {s: by_id[i] for s, i in active.items() if i in by_id and by_id[i].is_active}
        return by_id, current

    def create(self, incident: Incident, *, replaces: str | None = None) -> Incident:
        created = incident.model_copy(update={"version": 1})
        guard = "attribute_not_exists(pk) OR active = :false"
        values: dict[str, Any] = {":false": {"BOOL": False}}
        if replaces is not None:
            guard += " OR incident_id = :replaces"
            values[":replaces"] = _s(replaces)
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                "pk": _s(f"SVC#{incident.service}"),
                                "sk": _s("CURRENT"),
                                "incident_id": _s(incident.id),
                                "active": {"BOOL": True},
                            },
                            "ConditionExpression": guard,
                            "ExpressionAttributeValues": values,
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": self._incident_item(created),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except self.client.exceptions.TransactionCanceledException:
            raise ConflictError(f"service:{incident.service}") from None
        return created

    def save(self, incident: Incident, entries: Sequence[TimelineEntry]) -> Incident:
        saved = incident.model_copy(update={"version": incident.version + 1})
        items: list[TransactWriteItemTypeDef] = [
            {"Put": self._versioned_put(self._incident_item(saved), incident.version)}
        ]
        if not saved.is_active:
            items.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": {"pk": _s(f"SVC#{incident.service}"), "sk": _s("CURRENT")},
                        "UpdateExpression": "SET active = :false",
                        "ConditionExpression": "incident_id = :id",
                        "ExpressionAttributeValues": {":false": {"BOOL": False}, ":id": _s(incident.id)},
                    }
                }
            )
        puts = [self._timeline_put(e) for e in entries]
        room = _TRANSACT - len(items)
        try:
            self.client.transact_write_items(TransactItems=items + puts[:room])
        except self.client.exceptions.TransactionCanceledException as exc:
            codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in codes:
                raise ConflictError(incident.id) from None
            raise
        if saved.is_active and any(e.kind == "reopened" for e in entries):
            self._reactivate(saved)
        for start in range(room, len(puts), 25):  # a long timeline: the rest, idempotent by key
            self._batch_write([{"PutRequest": {"Item": p["Put"]["Item"]}} for p in puts[start : start + 25]])
        return saved

    def _reactivate(self, incident: Incident) -> None:
        """A reopened incident is the service's current one again, unless a newer one took its place."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": _s(f"SVC#{incident.service}"), "sk": _s("CURRENT")},
                UpdateExpression="SET active = :true",
                ConditionExpression="incident_id = :id",
                ExpressionAttributeValues={":true": {"BOOL": True}, ":id": _s(incident.id)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        rows = self._query(f"INC#{incident_id}", "TL#")
        return sorted((_ENTRY.validate_json(r["doc"]["S"]) for r in rows), key=timeline_order)

    def unsettled_incidents(self) -> list[str]:
        """Incidents a flush may still have work for: not resolved, or resolved within the day. Read
        from the sparse index (see ``UNSETTLED_INDEX``); rows that aged out are retired on the way."""
        now = self.clock.now()
        out = []
        for row in self._unsettled_rows():
            incident_id = row["pk"]["S"][4:]
            resolved_at = row.get("resolved_at", {}).get("S")
            if (
                row.get("status", {}).get("S") == "resolved"
                and resolved_at
                and now - datetime.fromisoformat(resolved_at) >= UNSETTLED_FOR
            ):
                self._retire(incident_id, resolved_at)
                continue
            out.append(incident_id)
        return out

    def open_incidents(self) -> list[Incident]:
        """The incidents not resolved, oldest first (the index, then one consistent batch read)."""
        ids = [r["pk"]["S"][4:] for r in self._unsettled_rows() if r.get("status", {}).get("S") != "resolved"]
        by_id, _ = self.prefetch(ids, []) if ids else ({}, {})
        return sorted((i for i in by_id.values() if i.is_active), key=lambda i: (i.opened_at, i.id))

    def _unsettled_rows(self) -> list[dict[str, Any]]:
        return self._items(
            "query",
            {
                "TableName": self.table,
                "IndexName": UNSETTLED_INDEX["IndexName"],
                "KeyConditionExpression": "unsettled = :one",
                "ExpressionAttributeValues": {":one": _s("1")},
            },
        )

    def _retire(self, incident_id: str, resolved_at: str) -> None:
        """Take a long-resolved incident off the index (unless it was reopened or resolved again)."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": _s(f"INC#{incident_id}"), "sk": _s("META")},
                UpdateExpression="REMOVE unsettled, opened",
                ConditionExpression="#status = :resolved AND resolved_at = :at",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":resolved": _s("resolved"), ":at": _s(resolved_at)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return

    def all_incidents(self) -> list[Incident]:
        """Every incident in the table (a Scan: for the local tools, demo and replay, never deployed)."""
        rows = self._items(
            "scan",
            {
                "TableName": self.table,
                "FilterExpression": "sk = :meta",
                "ExpressionAttributeValues": {":meta": _s("META")},
                "ConsistentRead": True,
            },
        )
        out = [Incident.model_validate_json(i["doc"]["S"]) for i in rows]
        return sorted(out, key=lambda i: (i.opened_at, i.id))

    # -- RunLedger ---------------------------------------------------------------------------------

    def claim_action(self, incident_id: str, playbook: str) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": _s(f"ACT#{incident_id}"),
                    "sk": _s(playbook),
                    "expires_at": _n(_epoch(self.clock.now()) + 90 * 86400),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def record_run(
        self, service: str, run: Run, *, execution_id: str, incident_id: str, playbook: str
    ) -> None:
        sk = f"{format_time(run.started_at)}#{execution_id}"
        expires = _n(_epoch(run.started_at) + 30 * 86400)
        self.client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": {
                            "pk": _s(f"RUN#{service}"),
                            "sk": _s(sk),
                            "runbook": _s(run.runbook),
                            "status": _s(run.status),
                            "started_at": _s(format_time(run.started_at)),
                            "expires_at": expires,
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": {
                            "pk": _s(f"EXE#{execution_id}"),
                            "sk": _s("EXE"),
                            "service": _s(service),
                            "run_sk": _s(sk),
                            "incident_id": _s(incident_id),
                            "playbook": _s(playbook),
                            "expires_at": expires,
                        },
                    }
                },
            ]
        )

    def finish_run(self, execution_id: str, status: str) -> tuple[str, str] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": _s(f"EXE#{execution_id}"), "sk": _s("EXE")}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        self.client.update_item(
            TableName=self.table,
            Key={"pk": _s(f"RUN#{item['service']['S']}"), "sk": _s(item["run_sk"]["S"])},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": _s(status)},
        )
        return item["incident_id"]["S"], item["playbook"]["S"]

    def runs(self, service: str, since: datetime) -> list[Run]:
        rows = self._query(f"RUN#{service}", "")
        out = [
            Run(
                r["runbook"]["S"],
                datetime.fromisoformat(r["started_at"]["S"].replace("Z", "+00:00")),
                r["status"]["S"],
            )
            for r in rows
        ]
        return [r for r in out if r.started_at >= since]

    # -- MessageStore ------------------------------------------------------------------------------

    def message_for(self, incident_id: str) -> MessageRecord | None:
        resp = self.client.get_item(
            TableName=self.table, Key={"pk": _s(f"INC#{incident_id}"), "sk": _s("SLACK")}, ConsistentRead=True
        )
        item = resp.get("Item")
        if not item:
            return None
        claimed = item.get("claimed_at", {}).get("N")
        return MessageRecord(
            incident_id=incident_id,
            channel=item["channel"]["S"],
            ts=item["ts"]["S"] if "ts" in item else None,
            rendered_version=int(item["rendered_version"]["N"]),
            posted_entries=tuple(item.get("posted", {}).get("SS", ())),
            claimed_at=datetime.fromtimestamp(int(claimed), tz=self.clock.now().tzinfo) if claimed else None,
            updated_at=_time(item["updated_at"]["S"]) if "updated_at" in item else None,
        )

    def claim(self, incident_id: str, channel: str, *, now: datetime) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": _s(f"INC#{incident_id}"),
                    "sk": _s("SLACK"),
                    "channel": _s(channel),
                    "rendered_version": _n(-1),
                    "claimed_at": _n(_epoch(now)),
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR (attribute_not_exists(ts) AND claimed_at < :lapsed)"
                ),
                ExpressionAttributeValues={":lapsed": _n(_epoch(now - CLAIM_LEASE))},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def store(self, record: MessageRecord, *, expected_version: int | None) -> bool:
        """Write the root message's state; ``posted`` (the thread replies) belongs to claim_entry."""
        values: dict[str, Any] = {":ch": _s(record.channel), ":v": _n(record.rendered_version)}
        expr = "SET channel = :ch, rendered_version = :v"
        if record.ts is not None:
            expr += ", ts = :ts"
            values[":ts"] = _s(record.ts)
        if record.updated_at is not None:
            expr += ", updated_at = :u"
            values[":u"] = _s(format_time(record.updated_at))
        if expected_version is None:
            cond = "attribute_exists(pk) AND attribute_not_exists(ts)"
        else:
            cond = "rendered_version = :expected"
            values[":expected"] = _n(expected_version)
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": _s(f"INC#{record.incident_id}"), "sk": _s("SLACK")},
                UpdateExpression=expr,
                ConditionExpression=cond,
                ExpressionAttributeValues=values,
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def claim_entry(self, incident_id: str, key: str, *, release: bool = False) -> bool:
        if release:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": _s(f"INC#{incident_id}"), "sk": _s("SLACK")},
                UpdateExpression="DELETE posted :k",
                ExpressionAttributeValues={":k": {"SS": [key]}},
            )
            return True
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": _s(f"INC#{incident_id}"), "sk": _s("SLACK")},
                UpdateExpression="ADD posted :k",
                ConditionExpression=(
                    "attribute_exists(pk) AND (attribute_not_exists(posted) OR NOT contains(posted, :key))"
                ),
                ExpressionAttributeValues={":k": {"SS": [key]}, ":key": _s(key)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release(self, incident_id: str) -> None:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"pk": _s(f"INC#{incident_id}"), "sk": _s("SLACK")},
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(ts)",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return  # confirmed meanwhile, or already gone

    # -- helpers -----------------------------------------------------------------------------------

    def _incident_item(self, incident: Incident) -> dict[str, Any]:
        item = {
            "pk": _s(f"INC#{incident.id}"),
            "sk": _s("META"),
            "version": _n(incident.version),
            "service": _s(incident.service),
            "status": _s(incident.status),
            "doc": _s(incident.model_dump_json()),
        }
        if incident.resolved_at is not None:
            item["resolved_at"] = _s(format_time(incident.resolved_at))
        if incident.resolved_at is None or self.clock.now() - incident.resolved_at < UNSETTLED_FOR:
            item["unsettled"] = _s("1")
            item["opened"] = _s(f"{format_time(incident.opened_at)}#{incident.id}")
        return item

    def _versioned_put(self, item: dict[str, Any], expected_version: int | None) -> Any:
        put: dict[str, Any] = {"TableName": self.table, "Item": item}
        if expected_version is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :expected"
            put["ExpressionAttributeValues"] = {":expected": _n(expected_version)}
        return put

    def _timeline_put(self, entry: TimelineEntry) -> TransactWriteItemTypeDef:
        return {
            "Put": {
                "TableName": self.table,
                "Item": {
                    "pk": _s(f"INC#{entry.incident_id}"),
                    "sk": _s(f"TL#{format_time(entry.at)}#{entry.key}"),
                    "doc": _s(_ENTRY.dump_json(entry).decode()),
                },
            }
        }

    def _query(self, pk: str, prefix: str) -> list[dict[str, Any]]:
        values = {":pk": _s(pk), ":prefix": _s(prefix)} if prefix else {":pk": _s(pk)}
        return self._items(
            "query",
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)" if prefix else "pk = :pk",
                "ExpressionAttributeValues": values,
                "ConsistentRead": True,
            },
        )

    def _items(self, operation: Literal["query", "scan"], kwargs: dict[str, Any]) -> list[dict[str, Any]]:
        """Every item of a Query or Scan, through boto3's paginator (it follows LastEvaluatedKey)."""
        return [
            item for page in self.client.get_paginator(operation).paginate(**kwargs) for item in page["Items"]
        ]

    def _batch_write(self, requests: list[Any]) -> None:
        pending: Any = {self.table: requests}
        for attempt in range(8):
            resp = self.client.batch_write_item(RequestItems=pending)
            pending = resp.get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(min(0.05 * 2**attempt, 1.0))
        raise RuntimeError("DynamoDB left items unprocessed after 8 attempts")

    def _batch_get(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        if not keys:
            return found
        for start in range(0, len(keys), _BATCH_GET):
            pending: Any = {
                self.table: {
                    "Keys": [{"pk": _s(pk), "sk": _s(sk)} for pk, sk in keys[start : start + _BATCH_GET]],
                    "ConsistentRead": True,
                }
            }
            for attempt in range(8):
                resp = self.client.batch_get_item(RequestItems=pending)
                for item in resp.get("Responses", {}).get(self.table, []):
                    found[(item["pk"]["S"], item["sk"]["S"])] = item
                pending = resp.get("UnprocessedKeys") or {}
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))
            else:
                raise RuntimeError("DynamoDB left keys unprocessed after 8 attempts")
        return found


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def create_table(client: DynamoDBClient, table_name: str) -> None:
    """The table as template.yaml declares it (for moto in tests, demo and replay)."""
    client.create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "unsettled", "AttributeType": "S"},
            {"AttributeName": "opened", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[UNSETTLED_INDEX],
        BillingMode="PAY_PER_REQUEST",
    )
