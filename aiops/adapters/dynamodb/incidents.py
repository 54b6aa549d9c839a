"""Incident rows: the versioned incident, the service's current one, the timeline, the unsettled index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiops.adapters.dynamodb.table import (
    _ENTRY,
    _TRANSACT,
    INCIDENT_RETENTION,
    UNSETTLED_FOR,
    UNSETTLED_INDEX,
    Table,
    _epoch,
    _n,
    _s,
)
from aiops.errors import ConflictError
from aiops.incident.model import Incident, TimelineEntry, one_row_each, timeline_order
from aiops.signals.model import format_time

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def pointer_key(scope: str) -> tuple[str, str]:
    """(pk, sk) of a service pointer: ``SVC#<service>`` | ``CURRENT`` for a service-wide (global) one,
    ``CURRENT#<account>|<region>`` for one account and region (``catalog.topology.scope_key``)."""
    service, _, place = scope.partition("|")
    return f"SVC#{service}", f"CURRENT#{place}" if place else "CURRENT"


def scope_of(pk: str, sk: str) -> str:
    return pk[4:] + (f"|{sk[8:]}" if sk.startswith("CURRENT#") else "")


class IncidentRows(Table):
    def get(self, incident_id: str) -> Incident | None:
        resp = self.client.get_item(
            TableName=self.table, Key={"pk": _s(f"INC#{incident_id}"), "sk": _s("META")}, ConsistentRead=True
        )
        item = resp.get("Item")
        return Incident.model_validate_json(item["doc"]["S"]) if item and self._live([item]) else None

    def open_for(self, service: str) -> Incident | None:
        pk, sk = pointer_key(service)
        resp = self.client.get_item(
            TableName=self.table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True
        )
        item = resp.get("Item")
        if not item or not item.get("active", {}).get("BOOL", False):
            return None
        incident = self.get(item["incident_id"]["S"])
        return incident if incident is not None and incident.is_active else None

    def prefetch(
        self, incident_ids: Sequence[str], services: Sequence[str]
    ) -> tuple[dict[str, Incident], dict[str, Incident]]:
        pointers = self._batch_get([pointer_key(s) for s in dict.fromkeys(services)])
        active = {
            scope_of(*k): v["incident_id"]["S"]
            for k, v in pointers.items()
            if v.get("active", {}).get("BOOL")
        }
        wanted = list(dict.fromkeys([*incident_ids, *active.values()]))
        rows = self._batch_get([(f"INC#{i}", "META") for i in wanted]) if wanted else {}
        by_id = {
            k[0][4:]: Incident.model_validate_json(v["doc"]["S"]) for k, v in rows.items() if self._live([v])
        }
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
                                "pk": _s(pointer_key(incident.pointer)[0]),
                                "sk": _s(pointer_key(incident.pointer)[1]),
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
            raise ConflictError(f"service:{incident.pointer}") from None
        return created

    @staticmethod
    def _pointer(incident: Incident) -> dict[str, Any]:
        pk, sk = pointer_key(incident.pointer)
        return {"pk": _s(pk), "sk": _s(sk)}

    def open_in(self, service: str) -> list[Incident]:
        """The service's active incidents in every account and region (a Query of its pointers)."""
        resp = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :current)",
            ExpressionAttributeValues={":pk": _s(f"SVC#{service}"), ":current": _s("CURRENT")},
            ConsistentRead=True,
        )
        found = [
            self.get(i["incident_id"]["S"]) for i in resp.get("Items", []) if i.get("active", {}).get("BOOL")
        ]
        return sorted((i for i in found if i is not None and i.is_active), key=lambda i: (i.opened_at, i.id))

    def save(self, incident: Incident, entries: Sequence[TimelineEntry]) -> Incident:
        saved = incident.model_copy(update={"version": incident.version + 1})
        entries = one_row_each(entries)
        items: list[TransactWriteItemTypeDef] = [
            {"Put": self._versioned_put(self._incident_item(saved), incident.version)}
        ]
        if not saved.is_active:
            items.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": self._pointer(incident),
                        "UpdateExpression": "SET active = :false",
                        "ConditionExpression": "incident_id = :id",
                        "ExpressionAttributeValues": {":false": {"BOOL": False}, ":id": _s(incident.id)},
                    }
                }
            )
        # the entries the thread may reply to, filed by this version (in the transaction: a sync that
        # reads from its mark finds them), then the timeline's rows
        filed = {e.key: e for e in entries if e.kind != "signal"}  # VER# rows: one per key
        puts = [self._version_put(e, saved.version) for e in filed.values()]
        puts += [self._timeline_put(e) for e in entries]
        room = _TRANSACT - len(items)
        try:
            self.client.transact_write_items(TransactItems=items + puts[:room])
        except self.client.exceptions.TransactionCanceledException as exc:
            codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            if codes[:2] == ["None", "ConditionalCheckFailed"]:
                # Only the pointer refused: the service has moved on to a newer incident (this one went
                # quiet and was replaced). Its pointer is not this incident's to clear; save without it.
                items = items[:1]
                room = _TRANSACT - 1
                try:
                    self.client.transact_write_items(TransactItems=items + puts[:room])
                except self.client.exceptions.TransactionCanceledException:
                    raise ConflictError(incident.id) from None
            elif "ConditionalCheckFailed" in codes:
                raise ConflictError(incident.id) from None
            else:
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
                Key=self._pointer(incident),
                UpdateExpression="SET active = :true",
                ConditionExpression="incident_id = :id",
                ExpressionAttributeValues={":true": {"BOOL": True}, ":id": _s(incident.id)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        rows = self._live(self._query(f"INC#{incident_id}", "TL#"))
        return sorted((_ENTRY.validate_json(r["doc"]["S"]) for r in rows), key=timeline_order)

    def entries_since(self, incident_id: str, after: int, upto: int) -> list[TimelineEntry]:
        """One Query of the ``VER#`` range of versions ``after + 1`` to ``upto``: the rows written since
        the reader's mark, never the incident's history."""
        rows = self._items(
            "query",
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
                "ExpressionAttributeValues": {
                    ":pk": _s(f"INC#{incident_id}"),
                    ":lo": _s(f"VER#{after + 1:010d}#"),
                    ":hi": _s(f"VER#{upto:010d}#\uffff"),
                },
                "ConsistentRead": True,
            },
        )
        return sorted((_ENTRY.validate_json(r["doc"]["S"]) for r in self._live(rows)), key=timeline_order)

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

    def _incident_item(self, incident: Incident) -> dict[str, Any]:
        item = {
            "pk": _s(f"INC#{incident.id}"),
            "sk": _s("META"),
            "version": _n(incident.version),
            "service": _s(incident.service),
            "status": _s(incident.status),
            "doc": _s(incident.model_dump_json()),
            "hist_month": _s(incident.opened_at.strftime("%Y-%m")),
            "hist_opened": _s(f"{format_time(incident.opened_at)}#{incident.id}"),
        }
        if incident.resolved_at is not None:
            item["resolved_at"] = _s(format_time(incident.resolved_at))
            item["expires_at"] = _n(_epoch(incident.resolved_at + INCIDENT_RETENTION))
        if incident.resolved_at is None or self.clock.now() - incident.resolved_at < UNSETTLED_FOR:
            item["unsettled"] = _s("1")
            item["opened"] = _s(f"{format_time(incident.opened_at)}#{incident.id}")
        return item
