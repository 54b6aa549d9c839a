"""PagerDuty Webhooks v3 payloads, once their signature is checked: parsed into what the core acts on.

A v3 webhook carries one event: ``{"event": {"id", "event_type", "resource_type", "occurred_at",
"agent": {"type", "id", "summary", ...}, "data": {...}}}``; for ``incident.*`` events ``data`` is the
incident (``{"type": "incident", "id", "incident_key", "status", ...}``). Only what is used is parsed,
the rest passes (PagerDuty adds fields over time).

Which of our incidents: the page's Events v2 ``dedup_key`` is the incident id, and an incident that an
Events v2 alert opened carries that alert's dedup key as its ``incident_key`` (PagerDuty's REST API
finds it by ``incident_key=<dedup_key>``). The Events API's answer holds no PagerDuty incident id, so
there is nothing else to map by. An ``incident_key`` that is not shaped as our ids (another integration
on the same service, or an incident that PagerDuty's alert grouping opened for another alert) is
acknowledged as received and ignored.

Acted on: ``incident.acknowledged`` and ``incident.resolved``. Every other event type is received and
ignored (a 2xx: PagerDuty would count a 4xx as a failed delivery). Text from the payload (the agent's
name) is untrusted: capped here, escaped where it is shown (Slack).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aiops.escalation.page_content import PagerNotice
from aiops.incident.model import is_incident_id
from aiops.text import cap

if TYPE_CHECKING:
    from aiops.adapters.wiring import App

log = logging.getLogger(__name__)

ACTED_ON: dict[str, Literal["acknowledged", "resolved"]] = {
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "resolved",
}
MAX_AGE = timedelta(hours=1)
"""PagerDuty retries a delivery for about 20 minutes: an event older than this is a replay."""
MAX_AHEAD = timedelta(minutes=5)
"""Clock skew tolerated for an event from the future."""
MAX_NAME = 80


class _Parsed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Agent(_Parsed):
    """Who or what did it: a user (``user_reference``), a service or an integration (the Events API)."""

    type: str | None = None
    id: str | None = None
    summary: str | None = None


class IncidentData(_Parsed):
    type: str
    id: str = Field(max_length=64)
    incident_key: str | None = Field(default=None, max_length=255)


class Event(_Parsed):
    """Only ``event_type`` is needed to decide; the rest is checked for the event types acted on (an
    event nobody acts on is never refused for a field nobody reads: a test delivery, say)."""

    event_type: str = Field(min_length=1, max_length=128)
    id: str = Field(default="", max_length=128)
    occurred_at: datetime | None = None
    agent: Agent | None = None
    data: dict[str, Any] | None = None


class Webhook(_Parsed):
    event: Event


@dataclass(frozen=True)
class Answer:
    """What the webhook answers PagerDuty (and logs)."""

    status: int
    message: str


def _problem(exc: ValidationError, within: str = "") -> str:
    """The first invalid field, by its path; never the value (it is untrusted and may be large)."""
    err = exc.errors()[0]
    where = ".".join([within, *(str(p) for p in err["loc"])] if within else [str(p) for p in err["loc"]])
    return cap(f"{where or 'body'}: {err['msg']}", 200)


def agent_name(agent: Agent | None) -> str:
    """The agent as the bot shows it: its name, capped, on one line, marked as PagerDuty's."""
    name = " ".join(cap(agent.summary if agent else "", MAX_NAME).split())
    return f"{name} (PagerDuty)" if name else "someone in PagerDuty"


def notice_from(body: bytes, now: Callable[[], datetime]) -> PagerNotice | Answer:
    """The notice a verified body carries, or the answer when there is nothing to act on. ``now`` is
    asked only for an event that would be acted on (it is the app's clock)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Answer(400, "body is not JSON")
    try:
        event = Webhook.model_validate(doc).event
    except ValidationError as exc:
        return Answer(400, _problem(exc))
    kind = ACTED_ON.get(event.event_type)
    if kind is None:
        return Answer(202, f"event.event_type: {cap(event.event_type, 64)} is not acted on")
    try:
        data = IncidentData.model_validate(event.data)
    except ValidationError as exc:
        return Answer(400, _problem(exc, "event.data"))
    if data.type != "incident":
        return Answer(400, "event.data.type: not an incident")
    key = data.incident_key or ""
    if not is_incident_id(key):
        return Answer(202, "event.data.incident_key: not an aiops incident")
    if event.occurred_at is None:
        return Answer(400, "event.occurred_at: missing")
    occurred = event.occurred_at if event.occurred_at.tzinfo else event.occurred_at.replace(tzinfo=UTC)
    current = now()
    if occurred < current - MAX_AGE or occurred > current + MAX_AHEAD:
        return Answer(400, "event.occurred_at: stale (more than an hour from now)")
    return PagerNotice(
        event_id=event.id,
        kind=kind,
        incident_id=key,
        by=agent_name(event.agent),
        at=occurred,
    )


def receive(body: bytes, app: Callable[[], App]) -> Answer:
    """A verified delivery: parsed, handed to the core, answered. Bad input is answered (a 4xx, or a
    2xx when it is merely not ours), never raised; the app is built only for an event about one of our
    incidents."""
    notice = notice_from(body, lambda: app().pipeline.clock.now())
    if isinstance(notice, Answer):
        log.info("pagerduty.ignored", extra={"status": notice.status, "reason": notice.message})
        return notice
    pipeline = app().pipeline
    before = pipeline.incidents.get(notice.incident_id)
    incident = pipeline.on_pager(notice)
    if incident is None:
        return Answer(202, "no current page of aiops is about this incident")
    log.info(
        "pagerduty.applied",
        extra={"incident_id": incident.id, "kind": notice.kind, "event": notice.event_id},
    )
    if before is not None and before.acknowledged is None and incident.acknowledged is not None:
        from aiops.adapters.observability import observe_seconds

        observe_seconds("TimeToAcknowledge", (incident.acknowledged.at - incident.opened_at).total_seconds())
    return Answer(202, notice.kind)
