"""The one table, its key layout and the request helpers every row family shares."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import TypeAdapter

from aiops.incident.model import SignalState, TimelineEntry
from aiops.incident.ports import Clock
from aiops.signals.model import format_time

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
HISTORY_INDEX: GlobalSecondaryIndexTypeDef = {
    "IndexName": "history",
    "KeySchema": [
        {"AttributeName": "hist_month", "KeyType": "HASH"},
        {"AttributeName": "hist_opened", "KeyType": "RANGE"},
    ],
    "Projection": {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["service", "status", "doc", "expires_at"],
    },
}
"""Every incident by the month it opened (``YYYY-MM``), then by ``<opened_at>#<id>``: ``aiops incidents
list`` reads the months its window covers, a Query each, never a Scan (template.yaml declares the same)."""
INCIDENT_RETENTION = timedelta(days=400)
"""How long an incident's record (its ``META`` row, its similarity rows) outlives its resolution: a year of
history for ``aiops incidents`` and "seen N times", and its postmortem. TTL ``expires_at``."""
TIMELINE_RETENTION = timedelta(days=90)
"""How long the detail of an incident outlives it, by DynamoDB TTL on ``expires_at``: each timeline,
signal and ``VER#`` row 90 days after its own time, the Slack rows 90 days after they were last written
(the record itself keeps :data:`INCIDENT_RETENTION`). Reads skip rows past it (TTL deletes lazily)."""
_STATE: TypeAdapter[SignalState] = TypeAdapter(SignalState)
_ENTRY: TypeAdapter[TimelineEntry] = TypeAdapter(TimelineEntry)
"""State rows and timeline entries, as JSON: validated on the way in, like every model read back."""


def _s(value: str) -> dict[str, Any]:
    return {"S": value}


def _n(value: int | float) -> dict[str, Any]:
    return {"N": str(value)}


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Table:
    """A DynamoDB client bound to the table, and the request shapes the row families share."""

    def __init__(self, table_name: str, *, clock: Clock, client: DynamoDBClient | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.client = client
        self.table = table_name
        self.clock = clock

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
                    "expires_at": _n(_epoch(entry.at + TIMELINE_RETENTION)),
                },
            }
        }

    def _version_put(self, entry: TimelineEntry, version: int) -> TransactWriteItemTypeDef:
        """``INC#<id>`` | ``VER#<version>#<key>``: an entry other than a signal, filed by the version of
        the save that wrote it (``entries_since`` reads a range of them)."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": {
                    "pk": _s(f"INC#{entry.incident_id}"),
                    "sk": _s(f"VER#{version:010d}#{entry.key}"),
                    "doc": _s(_ENTRY.dump_json(entry).decode()),
                    "expires_at": _n(_epoch(entry.at + TIMELINE_RETENTION)),
                },
            }
        }

    def _live(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows whose TTL has not passed (DynamoDB deletes expired rows lazily, up to days late)."""
        now = _epoch(self.clock.now())
        return [r for r in rows if "expires_at" not in r or int(r["expires_at"]["N"]) >= now]

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
            {"AttributeName": "hist_month", "AttributeType": "S"},
            {"AttributeName": "hist_opened", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[UNSETTLED_INDEX, HISTORY_INDEX],
        BillingMode="PAY_PER_REQUEST",
    )
