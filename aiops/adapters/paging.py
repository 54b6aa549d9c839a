"""The Pager: PagerDuty for services with a routing key, SNS for the others and as the fallback.

Routing keys come from one Secrets Manager secret holding a JSON map of service -> key, with
``default`` for every service not named (a bare 32-character key is the default alone). While
PagerDuty keeps failing (a send used its whole time budget), it is skipped for ``down_for`` seconds
and pages go straight to SNS, so a PagerDuty outage costs one budget per container, not one per page.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from aiops.adapters.pagerduty import SEVERITY, PagerDuty, PagerDutyRejected, PagerDutyUnavailable
from aiops.adapters.secrets import DEFAULT_ROUTE, Secret, parse_routing_keys
from aiops.errors import PageRejectedError, PagerError
from aiops.escalation.ports import ChangeNote, Delivery, Page
from aiops.signals.model import format_time
from aiops.text import cap

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient

log = logging.getLogger(__name__)


class SnsPager:
    """Pages as a structured JSON summary on an SNS topic, with message attributes (service, severity,
    action) that subscription filter policies can select on."""

    def __init__(self, topic_arn: str, *, client: SNSClient | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("sns")
        self.client = client
        self.topic_arn = topic_arn
        self.calls = 0

    def publish(self, page: Page, *, note: str = "") -> None:
        body = {
            "source": "aiops",
            "incident_id": page.dedup_key,
            "service": page.service,
            "action": page.action,
            "severity": page.severity,
            "pagerduty_severity": SEVERITY[page.severity],
            "summary": page.summary,
            "component": page.component,
            "at": format_time(page.at),
            "details": dict(page.details),
            "links": [{"href": href, "text": text} for href, text in page.links],
        }
        if note:
            body["note"] = cap(note, 500)
        self.calls += 1
        self.client.publish(
            TopicArn=self.topic_arn,
            Subject=_subject(f"[{page.severity}] {page.action} {page.service}"),
            Message=json.dumps(body, ensure_ascii=False),
            MessageAttributes={
                "service": {"DataType": "String", "StringValue": cap(page.service, 256) or "-"},
                "severity": {"DataType": "String", "StringValue": page.severity},
                "action": {"DataType": "String", "StringValue": page.action},
            },
        )


def _subject(text: str) -> str:
    """SNS subjects: ASCII, no line breaks, at most 100 characters."""
    ascii_text = text.encode("ascii", "replace").decode().replace("\n", " ").replace("\r", " ")
    return ascii_text[:100]


class PagerRouter:
    """The Pager port: which target takes a page, and the fallback when PagerDuty keeps failing."""

    def __init__(
        self,
        *,
        routes: Mapping[str, SecretStr] | Callable[[], Mapping[str, SecretStr]],
        pagerduty: PagerDuty | None,
        sns: SnsPager | None,
        down_for: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.routes = routes if callable(routes) else dict(routes)
        """The routing keys, or how to read them (a secret re-read after its TTL: a key filled in after
        the first deploy is used without a cold start)."""
        self.pagerduty = pagerduty
        self.sns = sns
        self.down_for = down_for
        self.monotonic = monotonic
        self._down_until = 0.0

    @property
    def calls(self) -> int:
        return (self.pagerduty.calls if self.pagerduty else 0) + (self.sns.calls if self.sns else 0)

    def key_for(self, service: str) -> SecretStr | None:
        routes = self.routes() if callable(self.routes) else self.routes
        return routes.get(service) or routes.get(DEFAULT_ROUTE)

    def send(self, page: Page) -> Delivery:
        """PagerDuty first (unless the incident's page went to SNS), SNS when PagerDuty does not take
        it. A page PagerDuty may hold (an answer lost) keeps PagerDuty as its target, SNS its fallback;
        the acknowledge and resolve of such a page go to both, and to PagerDuty even while it is skipped
        for failing: it holds an alert that would go on escalating."""
        key = self.key_for(page.service)
        problems: list[str] = []
        rejected: PagerDutyRejected | None = None
        pagerduty_has = False
        holds = page.action != "trigger" and page.prefer == "pagerduty"
        if key is not None and self.pagerduty is not None and page.prefer != "sns":
            if self.monotonic() < self._down_until and not holds:
                problems.append("PagerDuty skipped: it kept failing moments ago")
            else:
                try:
                    self.pagerduty.enqueue(key.get_secret_value(), page)
                    if page.fallback != "sns" or self.sns is None:
                        return Delivery("pagerduty")
                    pagerduty_has = True  # taken: the fallback target is told too, below
                except PagerDutyRejected as exc:
                    rejected = exc
                    problems.append(str(exc))
                except PagerDutyUnavailable as exc:
                    self._down_until = self.monotonic() + self.down_for
                    problems.append(str(exc))
                    pagerduty_has = exc.maybe_taken
        if self.sns is not None:
            try:
                self.sns.publish(page, note="; ".join(problems))
                if pagerduty_has:  # PagerDuty has (or may have) it: its target; SNS the second
                    return Delivery("pagerduty", error="; ".join(problems), fallback="sns")
                return Delivery("sns", error="; ".join(problems))
            except Exception as exc:  # boto3's errors: the page is not lost, the caller tries again
                log.warning("page.sns_failed", extra={"error": type(exc).__name__})
                problems.append(f"SNS failed: {type(exc).__name__}")
        if rejected is not None:
            raise PageRejectedError(str(rejected), status=rejected.status)
        if key is None and self.sns is None:
            raise PageRejectedError(f"no PagerDuty routing key and no SNS topic for {page.service}")
        raise PagerError("; ".join(problems) or "no pager took the page")

    def change(self, note: ChangeNote) -> None:
        key = self.key_for(note.service)
        if key is None or self.pagerduty is None or self.monotonic() < self._down_until:
            return
        try:
            self.pagerduty.change(key.get_secret_value(), note)
        except PagerDutyUnavailable:
            self._down_until = self.monotonic() + self.down_for
            raise


def pager_from(
    routes: Mapping[str, SecretStr],
    *,
    events_url: str,
    topic_arn: str,
    sns_client: Any = None,
    secret: Secret | None = None,
    now: Callable[[], float] = time.monotonic,
) -> PagerRouter | None:
    """The pager a configuration describes (None when it names neither a routing key, nor a secret to
    read them from, nor a topic). Keys in ``secret`` are read when a page is sent: until the secret
    holds one, pages go to the topic, or wait (not recorded as sent) when there is none. ``now``
    (seconds) times how long PagerDuty is skipped after it kept failing: the app's clock."""
    if not routes and not topic_arn and secret is None:
        return None

    def from_secret() -> Mapping[str, SecretStr]:
        value = secret.get() if secret is not None else None
        if value is None and secret is not None and secret.unreadable:  # not "no key": try again later
            raise PagerError(f"the routing keys could not be read ({secret.name})")
        return parse_routing_keys(value.get_secret_value()) if value is not None else {}

    return PagerRouter(
        routes=routes if routes or secret is None else from_secret,
        pagerduty=PagerDuty(url=events_url) if routes or secret is not None else None,
        sns=SnsPager(topic_arn, client=sns_client) if topic_arn else None,
        monotonic=now,
    )
