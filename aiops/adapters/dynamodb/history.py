"""Incident history: the incidents opened in a time window, read from the ``history`` index by month.

A window of N days costs one Query per calendar month it touches (more only when a month holds over a
megabyte of incidents: boto3's paginator follows ``LastEvaluatedKey``), however large the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiops.adapters.dynamodb.table import HISTORY_INDEX, Table, _epoch, _s
from aiops.incident.model import Incident
from aiops.signals.model import format_time


def months(since: datetime, until: datetime) -> list[str]:
    """The ``YYYY-MM`` partitions of the history index that ``[since, until]`` touches, newest first."""
    out = []
    year, month = until.year, until.month
    while (year, month) >= (since.year, since.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


class HistoryRows(Table):
    def history(
        self,
        since: datetime,
        until: datetime,
        *,
        service: str | None = None,
        statuses: Sequence[str] = (),
    ) -> list[Incident]:
        """Incidents opened in ``[since, until]``, newest first; of ``service`` only, in ``statuses``
        only (filtered by DynamoDB, in the same requests). Rows past their retention that TTL has not
        deleted yet are skipped, as TTL deletes lazily."""
        now = _epoch(self.clock.now())
        names: dict[str, str] = {"#e": "expires_at"}
        values: dict[str, Any] = {
            ":from": _s(format_time(since)),
            ":to": _s(format_time(until) + "#~"),
            ":now": {"N": str(now)},
        }
        filters = ["(attribute_not_exists(#e) OR #e > :now)"]
        if service is not None:
            names["#svc"] = "service"
            values[":svc"] = _s(service)
            filters.append("#svc = :svc")
        if statuses:
            names["#st"] = "status"
            keys = [f":st{n}" for n in range(len(statuses))]
            values.update({k: _s(v) for k, v in zip(keys, statuses, strict=True)})
            filters.append(f"#st IN ({', '.join(keys)})")
        out: list[Incident] = []
        for month in months(since, until):
            rows = self._items(
                "query",
                {
                    "TableName": self.table,
                    "IndexName": HISTORY_INDEX["IndexName"],
                    "KeyConditionExpression": "hist_month = :m AND hist_opened BETWEEN :from AND :to",
                    "FilterExpression": " AND ".join(filters),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": {**values, ":m": _s(month)},
                    "ScanIndexForward": False,
                },
            )
            out += [Incident.model_validate_json(r["doc"]["S"]) for r in rows]
        return out
