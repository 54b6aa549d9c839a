"""MetricsReader on CloudWatch GetMetricData: every query of a resolution in one request (paginated)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiops.diagnosis.impact import Query
from aiops.errors import MetricsError

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.client import CloudWatchClient

MAX_QUERIES = 500
"""GetMetricData takes at most 500 queries per request."""


class CloudWatchMetrics:
    def __init__(self, client: CloudWatchClient | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("cloudwatch")
        self.client = client

    def read(
        self, queries: Sequence[Query], start: datetime, end: datetime
    ) -> dict[str, list[tuple[datetime, float]]]:
        from botocore.exceptions import BotoCoreError, ClientError

        out: dict[str, list[tuple[datetime, float]]] = {q.id: [] for q in queries}
        for first in range(0, len(queries), MAX_QUERIES):
            batch = [_query(q) for q in queries[first : first + MAX_QUERIES]]
            kwargs: dict[str, Any] = {
                "MetricDataQueries": batch,
                "StartTime": start,
                "EndTime": end,
                "ScanBy": "TimestampAscending",
            }
            try:
                while True:
                    resp = self.client.get_metric_data(**kwargs)
                    for result in resp.get("MetricDataResults", []):
                        out[result["Id"]].extend(
                            zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
                        )
                    token = resp.get("NextToken")
                    if not token:
                        break
                    kwargs["NextToken"] = token
            except (ClientError, BotoCoreError) as exc:
                response = getattr(exc, "response", None) or {}  # None on a ReadTimeoutError
                code = response.get("Error", {}).get("Code", type(exc).__name__)
                raise MetricsError(f"GetMetricData failed: {code}") from None
        return {k: sorted(v) for k, v in out.items()}


def _query(q: Query) -> dict[str, Any]:
    return {
        "Id": q.id,
        "MetricStat": {
            "Metric": {
                "Namespace": q.metric.namespace,
                "MetricName": q.metric.metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(q.metric.dimensions.items())],
            },
            "Period": q.period,
            "Stat": q.metric.stat,
        },
        "ReturnData": True,
    }
