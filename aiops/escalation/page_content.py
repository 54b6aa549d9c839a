"""What a page says (pure): the summary from the root cause, the details a woken-up human reads first
(impact, root cause, evidence, what was tried), and links to the Slack thread and the consoles; and what
the pager says back (:class:`PagerNotice`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from aiops.escalation.ports import ChangeNote, Page
from aiops.incident.links import automation_url
from aiops.incident.model import Action, Incident, PageAction, PageTarget
from aiops.incident.similar import similar_text
from aiops.text import cap

SUMMARY_LIMIT = 1024
"""PagerDuty's limit on ``payload.summary``."""
MAX_LINKS = 5
ThreadUrl = Callable[[str], str | None]
"""The Slack thread of an incident, as a URL (None before its root message is posted)."""


@dataclass(frozen=True, slots=True)
class PagerNotice:
    """What a person did to a page in the pager itself (a PagerDuty Webhooks v3 event, its signature
    checked and its fields parsed at the edge: ``aiops/adapters/pagerduty_events.py``)."""

    event_id: str
    kind: Literal["acknowledged", "resolved"]
    incident_id: str
    """The page's dedup key, which is the incident id (PagerDuty shows it as ``incident_key``)."""
    by: str
    """Who, as the bot shows it ("Jane Doe (PagerDuty)"): capped, but not escaped (sinks escape)."""
    at: datetime
    """When it happened in PagerDuty (``occurred_at``)."""


def summary_of(incident: Incident, why: str) -> str:
    rc = incident.root_cause
    cause = rc.summary if rc and rc.summary else incident.title
    return cap(f"[{incident.severity}] {incident.service}: {cause} ({why})", SUMMARY_LIMIT)


def tried(actions: tuple[Action, ...]) -> list[str]:
    """What the bot tried, one line each: a page after a failed fix says so."""
    return [cap(f"{a.runbook} {a.status}: {a.reason}", 300) for a in actions]


def details_of(incident: Incident, why: str) -> dict[str, Any]:
    rc = incident.root_cause
    top = incident.hypotheses[0] if incident.hypotheses else None
    impact = incident.impact.model_dump(mode="json", exclude_none=True) if incident.impact else {}
    return {
        "incident_id": incident.id,
        "service": incident.service,
        "status": incident.status,
        "severity": incident.severity,
        "why_paged": cap(why, 500),
        "impact": impact,
        "root_cause": {
            "component": rc.component if rc else None,
            "summary": cap(rc.summary, 1000) if rc else "",
            "confidence": rc.confidence if rc else 0.0,
            "change": rc.change if rc else None,
        },
        "evidence": [cap(e, 300) for e in (top.evidence[:5] if top else ())],
        "firing": [cap(m.resource, 256) for m in incident.firing[:10]],
        "tried": tried(incident.actions),
        "flapping": incident.flapping,
        "reopens": incident.reopens,
        **_similar_details(incident),
    }


def _similar_details(incident: Incident) -> dict[str, Any]:
    """``similar``: "seen 3 times in 30 days; last on Nov 28: PromptRollback, verified" (when seen)."""
    similar = incident.similar
    if similar is None or not similar.found:
        return {}
    last = similar.last
    return {
        "similar": cap(similar_text(similar), 500),
        "similar_last": {"id": last.id, "service": last.service, "outcome": last.outcome} if last else None,
    }


def links_of(incident: Incident, thread_url: ThreadUrl | None) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    thread = thread_url(incident.id) if thread_url is not None else None
    if thread:
        out.append((thread, "Slack thread"))
    last = incident.similar.last if incident.similar is not None else None
    if last is not None and last.thread_url:
        out.append((last.thread_url, cap(f"Last time: {last.id} ({last.outcome})", 100)))
    for a in incident.actions:
        url = automation_url(a.execution_id, incident.region) if a.execution_id else ""
        if url:
            out.append((url, cap(f"{a.runbook} execution", 100)))
    for m in sorted(incident.members.values(), key=lambda m: (m.status != "firing", m.first_seen)):
        if m.url:
            out.append((m.url, cap(m.resource, 100)))
    return tuple(out[:MAX_LINKS])


def page_for(
    incident: Incident,
    action: PageAction,
    why: str,
    at: datetime,
    *,
    thread_url: ThreadUrl | None = None,
    prefer: PageTarget | None = None,
    fallback: PageTarget | None = None,
) -> Page:
    rc = incident.root_cause
    return Page(
        dedup_key=incident.id[:255],
        service=incident.service,
        action=action,
        severity=incident.severity,
        summary=summary_of(incident, why),
        component=(rc.component if rc else None) or "unknown",
        details=details_of(incident, why),
        links=links_of(incident, thread_url),
        at=at,
        prefer=prefer,
        fallback=fallback,
    )


def change_for(
    incident: Incident, action: Action, at: datetime, *, thread_url: ThreadUrl | None = None
) -> ChangeNote:
    """A runbook run (started, or finished) as a change on the service's PagerDuty timeline."""
    url = automation_url(action.execution_id, incident.region) if action.execution_id else ""
    links: tuple[tuple[str, str], ...] = ((url, f"{action.runbook} execution"),) if url else ()
    thread = thread_url(incident.id) if thread_url is not None else None
    if thread:
        links += ((thread, "Slack thread"),)
    return ChangeNote(
        service=incident.service,
        summary=cap(f"aiops {action.runbook} {action.status} on {incident.service}: {action.reason}", 1024),
        at=at,
        details={
            "incident_id": incident.id,
            "runbook": action.runbook,
            "playbook": action.playbook,
            "status": action.status,
            "execution_id": action.execution_id,
            "parameters": {k: cap(str(v), 300) for k, v in action.parameters.items()},
        },
        links=links,
    )
