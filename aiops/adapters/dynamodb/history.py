"""Incident history: the incidents opened in a time window, read from the ``history`` index by month.

A window of N days costs one Query per calendar month it touches (more only when a month holds over a
megabyte of incidents: boto3's paginator follows ``LastEvaluatedKey``), however large the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiops.adapters.dynamodb import keys
from aiops.adapters.dynamodb.codec import av, epoch
from aiops.adapters.dynamodb.table import HISTORY_INDEX, Table
from aiops.incident.model import Incident


def months(since: datetime, until: datetime) -> list[str]:
    """The ``YYYY-MM`` partitions of the history index that ``[since, until]`` touches, newest first."""
    out = []
    year, month = until.year, until.month
    while (year, month) >= (since.year, since.month):
        out.append(keys.history_month(datetime(year, month, 1)))
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
        now = epoch(self.clock.now())
        lo, hi = keys.opened_between(since, until)
        names: dict[str, str] = {"#e": "expires_at"}
        values: dict[str, Any] = {":from": av(lo), ":to": av(hi), ":now": av(now)}
        filters = ["(attribute_not_exists(#e) OR #e > :now)"]
        if service is not None:
            names["#svc"] = "service"
            values[":svc"] = av(service)
            filters.append("#svc = :svc")
        if statuses:
            names["#st"] = "status"
            wanted = [f":st{n}" for n in range(len(statuses))]
            values.update({k: av(v) for k, v in zip(wanted, statuses, strict=True)})
            filters.append(f"#st IN ({', '.join(wanted)})")
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
                    "ExpressionAttributeValues": {**values, ":m": av(month)},
                    "ScanIndexForward": False,
                },
            )
            out += [Incident.model_validate_json(r["doc"]["S"]) for r in rows]
        return out
