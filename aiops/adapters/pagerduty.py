"""PagerDuty Events API v2 with urllib3: the incident id is the dedup key; 429/5xx retried, 400 not."""

from __future__ import annotations

import json
from typing import Literal

from aiops.incident import Incident
from aiops.text import cap

SEVERITY = {"SEV1": "critical", "SEV2": "error", "SEV3": "warning", "SEV4": "info"}


class PagerError(Exception):
    """PagerDuty refused the event (a 400) or stayed unavailable after the retries."""


class PagerDuty:
    def __init__(
        self,
        routing_key: str,
        *,
        url: str = "https://events.pagerduty.com/v2/enqueue",
        retries: int = 4,
        backoff: float = 2.0,
        timeout: float = 10.0,
    ) -> None:
        import urllib3

        self.routing_key = routing_key
        self.url = url
        self.calls = 0
        retry = urllib3.Retry(
            total=retries,
            backoff_factor=backoff,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"POST"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self.http = urllib3.PoolManager(retries=retry, timeout=urllib3.Timeout(total=timeout))

    def send(
        self, incident: Incident, action: Literal["trigger", "acknowledge", "resolve"], summary: str
    ) -> None:
        event: dict[str, object] = {
            "routing_key": self.routing_key,
            "event_action": action,
            "dedup_key": incident.id[:255],
        }
        if action == "trigger":
            rc = incident.root_cause
            event["payload"] = {
                "summary": cap(
                    f"[{incident.severity}] {incident.service}: {incident.title} ({summary})", 1024
                ),
                "source": "aiops",
                "severity": SEVERITY[incident.severity],
                "component": (rc.component if rc else None) or "unknown",
                "group": incident.service,
                "class": "llm-app-incident",
                "custom_details": {
                    "root_cause": rc.summary if rc else "",
                    "impact": incident.impact.model_dump(mode="json", exclude_none=True)
                    if incident.impact
                    else {},
                    "why_paged": summary,
                },
            }
        self.calls += 1
        resp = self.http.request(
            "POST", self.url, body=json.dumps(event).encode(), headers={"Content-Type": "application/json"}
        )
        if resp.status != 202:
            raise PagerError(f"PagerDuty answered {resp.status}: {resp.data[:200]!r}")
