"""PagerDuty Events API v2 with urllib3: alert events (``/v2/enqueue``) and change events
(``/v2/change/enqueue``).

429 and 5xx (and connection errors) are retried with exponential backoff, honouring ``Retry-After``,
within a **bounded total time** (``budget``, 3 s by default): one send never holds a 30-second Lambda
for long; what PagerDuty does not take in time goes to the SNS fallback (:mod:`.paging`). A 400 (or
another 4xx) is invalid: never retried.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from aiops.errors import AiopsError
from aiops.escalation.ports import ChangeNote, Page
from aiops.signals.model import format_time
from aiops.text import cap

DEFAULT_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
SEVERITY = {"SEV1": "critical", "SEV2": "error", "SEV3": "warning", "SEV4": "info"}
RETRYABLE = frozenset({429, 500, 502, 503, 504})


class PagerDutyError(AiopsError):
    """PagerDuty did not take the event."""


class PagerDutyRejected(PagerDutyError):
    """A 400 (or another 4xx): the event is invalid; sending it again would not help."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(f"PagerDuty answered {status}: {cap(message, 300)}")


class PagerDutyUnavailable(PagerDutyError):
    """429 / 5xx / no connection for the whole time budget. ``maybe_taken``: an attempt was sent and its
    answer never came (a read timeout, a dropped connection): PagerDuty may hold the event."""

    def __init__(self, message: str, *, maybe_taken: bool = False) -> None:
        self.maybe_taken = maybe_taken
        super().__init__(message)


def change_url(events_url: str) -> str:
    """The change events endpoint beside the events one (``.../v2/enqueue`` -> ``.../v2/change/enqueue``)."""
    base = events_url.rstrip("/")
    if base.endswith("/v2/enqueue"):
        return base[: -len("/v2/enqueue")] + "/v2/change/enqueue"
    return base.rsplit("/", 1)[0] + "/change/enqueue"


def event_body(routing_key: str, page: Page) -> dict[str, Any]:
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": page.action,
        "dedup_key": page.dedup_key[:255],
    }
    if page.action == "trigger":
        event["payload"] = {
            "summary": cap(page.summary, 1024),
            "source": "aiops",
            "severity": SEVERITY[page.severity],
            "timestamp": format_time(page.at),
            "component": cap(page.component, 255),
            "group": cap(page.service, 255),
            "class": "llm-app-incident",
            "custom_details": dict(page.details),
        }
        event["links"] = [{"href": href, "text": text} for href, text in page.links]
        event["client"] = "aiops"
    return event


def change_body(routing_key: str, note: ChangeNote) -> dict[str, Any]:
    return {
        "routing_key": routing_key,
        "payload": {
            "summary": cap(note.summary, 1024),
            "source": "aiops",
            "timestamp": format_time(note.at),
            "custom_details": dict(note.details),
        },
        "links": [{"href": href, "text": text} for href, text in note.links],
    }


class PagerDuty:
    """One PagerDuty Events v2 endpoint; the routing key travels with each event (one per service)."""

    def __init__(
        self,
        *,
        url: str = DEFAULT_EVENTS_URL,
        budget: float = 3.0,
        attempt_timeout: float = 2.0,
        backoff: float = 0.25,
        sleep: Callable[[float], None] | None = None,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        import urllib3

        self.url = url
        self.change_url = change_url(url)
        self.budget = budget
        self.attempt_timeout = attempt_timeout
        self.backoff = backoff
        self.sleep = sleep or _sleep
        self.monotonic = monotonic or _monotonic
        self.calls = 0
        self.http = urllib3.PoolManager(retries=False)

    def enqueue(self, routing_key: str, page: Page) -> None:
        self._post(self.url, event_body(routing_key, page))

    def change(self, routing_key: str, note: ChangeNote) -> None:
        self._post(self.change_url, change_body(routing_key, note))

    def _post(self, url: str, body: dict[str, Any]) -> None:
        import urllib3

        data = json.dumps(body).encode()
        deadline = self.monotonic() + self.budget
        attempt, last, maybe_taken = 0, "no attempt", False
        while True:
            remaining = deadline - self.monotonic()
            if remaining <= 0:
                raise PagerDutyUnavailable(
                    f"PagerDuty unavailable for {self.budget:g} s: {last}", maybe_taken=maybe_taken
                )
            self.calls += 1
            retry_after = 0.0
            try:
                resp = self.http.request(
                    "POST",
                    url,
                    body=data,
                    headers={"Content-Type": "application/json"},
                    timeout=urllib3.Timeout(
                        connect=min(1.0, remaining), read=min(self.attempt_timeout, remaining)
                    ),
                    retries=False,
                )
            except urllib3.exceptions.HTTPError as exc:
                last = type(exc).__name__
                # not connected: nothing was sent; anything else may have reached PagerDuty
                maybe_taken = maybe_taken or not isinstance(exc, urllib3.exceptions.ConnectTimeoutError)
            else:
                if 200 <= resp.status < 300:
                    return
                if resp.status not in RETRYABLE and 400 <= resp.status < 500:
                    raise PagerDutyRejected(resp.status, resp.data.decode("utf-8", "replace"))
                last = f"HTTP {resp.status}"
                retry_after = _seconds(resp.headers.get("Retry-After"))
            wait = max(self.backoff * 2**attempt, retry_after)
            if self.monotonic() + wait >= deadline:  # the wait alone would pass the budget: give up now
                raise PagerDutyUnavailable(
                    f"PagerDuty unavailable within {self.budget:g} s: {last}", maybe_taken=maybe_taken
                )
            self.sleep(wait)
            attempt += 1


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up when called: a test's virtual clock replaces time.sleep


def _monotonic() -> float:
    return time.monotonic()  # looked up when called, as time.sleep: the budget runs on the same clock


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0  # an HTTP date: the backoff decides
