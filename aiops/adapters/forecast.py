"""The forecast pass's edges: Service Quotas (the TPM quota) and EventBridge (where projections go)."""

from __future__ import annotations

from typing import Any

from aiops.forecast.events import put_entries

SERVICE_CODE = "bedrock"
ENV_FORECAST_BUS = "AIOPS_FORECAST_EVENT_BUS"
"""The bus the projections go to (the default bus when unset), where the forecast rule takes them."""
MAX_ENTRIES = 10
"""PutEvents takes at most 10 entries per request."""


class ServiceQuotas:
    def __init__(self, client: Any = None) -> None:  # a boto3 service-quotas client (no stubs pinned)
        if client is None:
            import boto3

            client = boto3.client("service-quotas")
        self.client = client

    def tpm_quota(self, quota_code: str) -> float | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            resp = self.client.get_service_quota(ServiceCode=SERVICE_CODE, QuotaCode=quota_code)
        except (ClientError, BotoCoreError):
            return None  # denied, unknown code, throttled: the catalog's value stands in
        value = resp.get("Quota", {}).get("Value")
        return float(value) if isinstance(value, int | float) and value > 0 else None


class EventBus:
    def __init__(self, bus: str = "default", client: Any = None) -> None:  # a boto3 events client
        if client is None:
            import boto3

            client = boto3.client("events")
        self.client = client
        self.bus = bus

    def put(self, events: list[dict[str, Any]]) -> int:
        entries = put_entries(events, self.bus)
        accepted = 0
        for first in range(0, len(entries), MAX_ENTRIES):
            resp = self.client.put_events(Entries=entries[first : first + MAX_ENTRIES])
            accepted += len(entries[first : first + MAX_ENTRIES]) - int(resp.get("FailedEntryCount", 0))
        return accepted
