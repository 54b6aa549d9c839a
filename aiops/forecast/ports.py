"""The forecast pass's ports: CloudWatch series (diagnosis' MetricsReader), quotas, and where events go."""

from __future__ import annotations

from typing import Any, Protocol

from aiops.diagnosis.ports import MetricsReader

__all__ = ["EventSink", "MetricsReader", "QuotaReader"]


class QuotaReader(Protocol):
    def tpm_quota(self, quota_code: str) -> float | None:
        """The applied value of a Service Quotas quota of service ``bedrock``; None when it cannot be read
        (denied, unknown code, throttled): the caller falls back to the catalog's value."""
        ...


class EventSink(Protocol):
    def put(self, events: list[dict[str, Any]]) -> int:
        """Put the events (EventBridge-shaped); the number accepted."""
        ...
