"""The one table, its key layout and the request helpers every row family shares."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from aiops.adapters.dynamodb import conditions, keys
from aiops.adapters.dynamodb.codec import ENTRY_DOC, av, epoch
from aiops.incident.model import TimelineEntry
from aiops.incident.ports import Clock

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import GlobalSecondaryIndexTypeDef, TransactWriteItemTypeDef

_BATCH_GET = 100
TRANSACT_MAX_ITEMS = 100
"""DynamoDB's limit of items in one TransactWriteItems."""
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
CONDITION_FAILED = "ConditionalCheckFailed"


def refused(response: Any, names: Sequence[str]) -> frozenset[str] | None:
    """Which items of a cancelled TransactWriteItems refused their condition, by the names the caller
    gave the items it sent (``names[i]`` for ``TransactItems[i]``: DynamoDB reports one reason per
    item, in order). None when the response gives no reasons: which item refused cannot be told."""
    reasons = response.get("CancellationReasons")
    if not reasons:
        return None
    return frozenset(
        name for name, reason in zip(names, reasons, strict=True) if reason.get("Code") == CONDITION_FAILED
    )


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
            put["ConditionExpression"] = conditions.NEW_ITEM
        else:
            put["ConditionExpression"] = conditions.SAME_VERSION
            put["ExpressionAttributeValues"] = {":expected": av(expected_version)}
        return put

    def _timeline_put(self, entry: TimelineEntry) -> TransactWriteItemTypeDef:
        return {
            "Put": {
                "TableName": self.table,
                "Item": self._entry_item(keys.timeline_row(entry.incident_id, entry.at, entry.key), entry),
            }
        }

    def _version_put(self, entry: TimelineEntry, version: int) -> TransactWriteItemTypeDef:
        """``INC#<id>`` | ``VER#<version>#<key>``: an entry other than a signal, filed by the version of
        the save that wrote it (``entries_since`` reads a range of them)."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": self._entry_item(keys.version_row(entry.incident_id, version, entry.key), entry),
            }
        }

    @staticmethod
    def _entry_item(key: keys.Key, entry: TimelineEntry) -> dict[str, Any]:
        return {
            **key.attrs(),
            "doc": av(ENTRY_DOC.dump_json(entry).decode()),
            "expires_at": av(epoch(entry.at + TIMELINE_RETENTION)),
        }

    def _live(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows whose TTL has not passed (DynamoDB deletes expired rows lazily, up to days late)."""
        now = epoch(self.clock.now())
        return [r for r in rows if "expires_at" not in r or int(r["expires_at"]["N"]) >= now]

    def _query(self, pk: str, prefix: str) -> list[dict[str, Any]]:
        values = {":pk": av(pk), ":prefix": av(prefix)} if prefix else {":pk": av(pk)}
        return self._items(
            "query",
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)" if prefix else "pk = :pk",
                "ExpressionAttributeValues": values,
                "ConsistentRead": True,
            },
        )

    def _between(self, span: keys.Between) -> list[dict[str, Any]]:
        """Every row of ``span`` (one partition, a range of sort keys), consistently read."""
        return self._items(
            "query",
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
                "ExpressionAttributeValues": {":pk": av(span.pk), ":lo": av(span.lo), ":hi": av(span.hi)},
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

    def _batch_get(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, dict[str, Any]]:
        found: dict[keys.Key, dict[str, Any]] = {}
        if not wanted:
            return found
        for start in range(0, len(wanted), _BATCH_GET):
            pending: Any = {
                self.table: {
                    "Keys": [k.attrs() for k in wanted[start : start + _BATCH_GET]],
                    "ConsistentRead": True,
                }
            }
            for attempt in range(8):
                resp = self.client.batch_get_item(RequestItems=pending)
                for item in resp.get("Responses", {}).get(self.table, []):
                    found[keys.key_of(item)] = item
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
