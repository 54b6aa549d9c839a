"""Incident rows: the versioned incident, the service's current one, the timeline, the unsettled index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiops.adapters.dynamodb import conditions, keys
from aiops.adapters.dynamodb.codec import ENTRY_DOC, av, epoch, read_time
from aiops.adapters.dynamodb.table import (
    INCIDENT_RETENTION,
    TRANSACT_MAX_ITEMS,
    UNSETTLED_FOR,
    UNSETTLED_INDEX,
    Table,
    refused,
)
from aiops.errors import ConflictError
from aiops.incident.model import Incident, TimelineEntry, one_row_each, timeline_order
from aiops.incident.ports import first_saved, next_saved
from aiops.signals.model import format_time

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class IncidentRows(Table):
    def get(self, incident_id: str) -> Incident | None:
        resp = self.client.get_item(
            TableName=self.table, Key=keys.incident(incident_id).attrs(), ConsistentRead=True
        )
        item = resp.get("Item")
        return Incident.model_validate_json(item["doc"]["S"]) if item and self._live([item]) else None

    def open_for(self, service: str) -> Incident | None:
        resp = self.client.get_item(
            TableName=self.table, Key=keys.service_pointer(service).attrs(), ConsistentRead=True
        )
        item = resp.get("Item")
        if not item or not item.get("active", {}).get("BOOL", False):
            return None
        incident = self.get(item["incident_id"]["S"])
        return incident if incident is not None and incident.is_active else None

    def prefetch(
        self, incident_ids: Sequence[str], services: Sequence[str]
    ) -> tuple[dict[str, Incident], dict[str, Incident]]:
        pointers = self._batch_get([keys.service_pointer(s) for s in dict.fromkeys(services)])
        active = {
            keys.parse_service_pointer(k): v["incident_id"]["S"]
            for k, v in pointers.items()
            if v.get("active", {}).get("BOOL")
        }
        wanted = list(dict.fromkeys([*incident_ids, *active.values()]))
        rows = self._batch_get([keys.incident(i) for i in wanted]) if wanted else {}
        by_id = {
            keys.parse_incident(k): Incident.model_validate_json(v["doc"]["S"])
            for k, v in rows.items()
            if self._live([v])
        }
        current = {s: by_id[i] for s, i in active.items() if i in by_id and by_id[i].is_active}
        return by_id, current

    def create(self, incident: Incident, *, replaces: str | None = None) -> Incident:
        created = first_saved(incident)
        guard = conditions.POINTER_FREE
        values: dict[str, Any] = {":false": av(False)}
        if replaces is not None:
            guard += conditions.OR_REPLACES
            values[":replaces"] = av(replaces)
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                **keys.service_pointer(incident.pointer).attrs(),
                                "incident_id": av(incident.id),
                                "active": av(True),
                            },
                            "ConditionExpression": guard,
                            "ExpressionAttributeValues": values,
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": self._incident_item(created),
                            "ConditionExpression": conditions.NEW_ITEM,
                        }
                    },
                ]
            )
        except self.client.exceptions.TransactionCanceledException:
            raise ConflictError(f"service:{incident.pointer}") from None
        return created

    def open_in(self, service: str) -> list[Incident]:
        """The service's active incidents in every account and region (a Query of its pointers)."""
        resp = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :current)",
            ExpressionAttributeValues={":pk": av(keys.pointers_of(service)), ":current": av(keys.POINTERS)},
            ConsistentRead=True,
        )
        found = [
            self.get(i["incident_id"]["S"]) for i in resp.get("Items", []) if i.get("active", {}).get("BOOL")
        ]
        return sorted((i for i in found if i is not None and i.is_active), key=lambda i: (i.opened_at, i.id))

    def save(self, incident: Incident, entries: Sequence[TimelineEntry]) -> Incident:
        entries = one_row_each(entries)
        # the entries the thread may reply to, filed by this version (in the transaction: a sync that
        # reads from its mark finds them, and the incident says which version filed last)
        filed = {e.key: e for e in entries if e.kind != "signal"}  # VER# rows: one per key
        saved = next_saved(incident, files_notable=bool(filed))
        items: list[TransactWriteItemTypeDef] = [
            {"Put": self._versioned_put(self._incident_item(saved), incident.version)}
        ]
        names = ["incident"]  # names[i]: what items[i] is, to read a cancellation by
        if not saved.is_active:
            names.append("pointer")
            items.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": keys.service_pointer(incident.pointer).attrs(),
                        "UpdateExpression": "SET active = :false",
                        "ConditionExpression": conditions.POINTER_OURS,
                        "ExpressionAttributeValues": {":false": av(False), ":id": av(incident.id)},
                    }
                }
            )
        puts = [self._version_put(e, saved.version) for e in filed.values()]
        puts += [self._timeline_put(e) for e in entries]
        room = TRANSACT_MAX_ITEMS - len(items)
        names += ["entry"] * len(puts[:room])
        try:
            self.client.transact_write_items(TransactItems=items + puts[:room])
        except self.client.exceptions.TransactionCanceledException as exc:
            failed = refused(exc.response, names)
            if failed == frozenset({"pointer"}):
                # Only the pointer refused: the service has moved on to a newer incident (this one went
                # quiet and was replaced). Its pointer is not this incident's to clear; save without it.
                items = items[:1]
                room = TRANSACT_MAX_ITEMS - 1
                try:
                    self.client.transact_write_items(TransactItems=items + puts[:room])
                except self.client.exceptions.TransactionCanceledException:
                    raise ConflictError(incident.id) from None
            elif failed:  # the incident moved on since it was read: its version refused
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
                Key=keys.service_pointer(incident.pointer).attrs(),
                UpdateExpression="SET active = :true",
                ConditionExpression=conditions.POINTER_OURS,
                ExpressionAttributeValues={":true": av(True), ":id": av(incident.id)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        rows = self._live(self._query(keys.incident_rows(incident_id), keys.TIMELINE_ROWS))
        return sorted((ENTRY_DOC.validate_json(r["doc"]["S"]) for r in rows), key=timeline_order)

    def entries_since(self, incident_id: str, after: int, upto: int) -> list[TimelineEntry]:
        """One Query of the ``VER#`` range of versions ``after + 1`` to ``upto``: the rows written since
        the reader's mark, never the incident's history."""
        rows = self._between(keys.versions_between(incident_id, after, upto))
        return sorted((ENTRY_DOC.validate_json(r["doc"]["S"]) for r in self._live(rows)), key=timeline_order)

    def unsettled_incidents(self) -> list[str]:
        """Incidents a flush may still have work for: not resolved, or resolved within the day. Read
        from the sparse index (see ``UNSETTLED_INDEX``); rows that aged out are retired on the way."""
        now = self.clock.now()
        out = []
        for row in self._unsettled_rows():
            incident_id = keys.parse_incident(keys.key_of(row))
            resolved_at = row.get("resolved_at", {}).get("S")
            if (
                row.get("status", {}).get("S") == "resolved"
                and resolved_at
                and now - read_time(resolved_at) >= UNSETTLED_FOR
            ):
                self._retire(incident_id, resolved_at)
                continue
            out.append(incident_id)
        return out

    def open_incidents(self) -> list[Incident]:
        """The incidents not resolved, oldest first (the index, then one consistent batch read)."""
        ids = [
            keys.parse_incident(keys.key_of(r))
            for r in self._unsettled_rows()
            if r.get("status", {}).get("S") != "resolved"
        ]
        by_id, _ = self.prefetch(ids, []) if ids else ({}, {})
        return sorted((i for i in by_id.values() if i.is_active), key=lambda i: (i.opened_at, i.id))

    def _unsettled_rows(self) -> list[dict[str, Any]]:
        return self._items(
            "query",
            {
                "TableName": self.table,
                "IndexName": UNSETTLED_INDEX["IndexName"],
                "KeyConditionExpression": "unsettled = :one",
                "ExpressionAttributeValues": {":one": av("1")},
            },
        )

    def _retire(self, incident_id: str, resolved_at: str) -> None:
        """Take a long-resolved incident off the index (unless it was reopened or resolved again)."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=keys.incident(incident_id).attrs(),
                UpdateExpression="REMOVE unsettled, opened",
                ConditionExpression=conditions.STILL_RESOLVED,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":resolved": av("resolved"), ":at": av(resolved_at)},
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
                "ExpressionAttributeValues": {":meta": av(keys.INCIDENT)},
                "ConsistentRead": True,
            },
        )
        out = [Incident.model_validate_json(i["doc"]["S"]) for i in rows]
        return sorted(out, key=lambda i: (i.opened_at, i.id))

    def _incident_item(self, incident: Incident) -> dict[str, Any]:
        opened = keys.opened_order(incident.opened_at, incident.id)
        item = {
            **keys.incident(incident.id).attrs(),
            "version": av(incident.version),
            "service": av(incident.service),
            "status": av(incident.status),
            "doc": av(incident.model_dump_json()),
            "hist_month": av(keys.history_month(incident.opened_at)),
            "hist_opened": av(opened),
        }
        if incident.resolved_at is not None:
            item["resolved_at"] = av(format_time(incident.resolved_at))
            item["expires_at"] = av(epoch(incident.resolved_at + INCIDENT_RETENTION))
        if incident.resolved_at is None or self.clock.now() - incident.resolved_at < UNSETTLED_FOR:
            item["unsettled"] = av("1")
            item["opened"] = av(opened)
        return item
