"""The ``aiops replay --json`` contract: incidents and stats as plain data (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aiops.incident.model import Action, Escalation, Incident, TimelineEntry
from aiops.signals.model import format_time

UNKNOWN_IMPACT = {
    "slo": None,
    "burn_rate": None,
    "budget_remaining_pct": None,
    "revenue_at_risk_usd_per_hour": None,
}


def incident_report(
    incident: Incident,
    signals: Sequence[str],
    *,
    impact: dict[str, Any] | None = None,
    actions: Sequence[dict[str, Any]] = (),
    escalations: Sequence[dict[str, Any]] = (),
    timeline: Sequence[TimelineEntry] = (),
) -> dict[str, Any]:
    rc = incident.root_cause
    return {
        "id": incident.id,
        "service": incident.service,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "flapping": incident.flapping,
        "opened_at": _when(incident.opened_at),
        "mitigated_at": _when(incident.mitigated_at),
        "resolved_at": _when(incident.resolved_at),
        "acknowledged": {"by": incident.acknowledged.by, "at": _when(incident.acknowledged.at)}
        if incident.acknowledged
        else None,
        "signals": list(dict.fromkeys(signals)),
        "root_cause": {
            "component": rc.component if rc else None,
            "summary": rc.summary if rc else "",
            "change": rc.change if rc else None,
            "confidence": rc.confidence if rc else 0.0,
            "why": rc.why if rc else "",
            "abstain": rc.abstain if rc else False,
            "decider": rc.decider if rc else "",
        },
        "hypotheses": [
            {
                "component": h.component,
                "summary": h.summary,
                "change": h.change,
                "confidence": h.confidence,
                "evidence": list(h.evidence),
                "against": list(h.against),
                "cause": h.cause,
                "rule": h.rule,
                "ruled_out": h.ruled_out,
            }
            for h in incident.hypotheses
        ],
        "impact": impact or dict(UNKNOWN_IMPACT, reason="not assessed"),
        "peak": peak_report(incident),
        "actions": list(actions),
        "escalations": list(escalations),
        "timeline": [timeline_report(e) for e in timeline],
    }


def peak_report(incident: Incident) -> dict[str, Any] | None:
    """The worst it was: severity, when, and the impact measured then (None before any assessment)."""
    peak = incident.peak
    if peak is None:
        return None
    return {
        "severity": peak.severity,
        "at": format_time(peak.at),
        "burn_rate": peak.burn_rate,
        "revenue_at_risk_usd_per_hour": peak.revenue_at_risk_usd_per_hour,
        "failing_requests_per_minute": peak.failing_requests_per_minute,
    }


def _when(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


def timeline_report(entry: TimelineEntry) -> dict[str, Any]:
    return {"at": format_time(entry.at), "kind": entry.kind, "text": entry.text, "actor": entry.actor}


def impact_report(incident: Incident) -> dict[str, Any]:
    """The contract's impact object; the model's extra figures ride along."""
    impact = incident.impact
    if impact is None:
        return dict(UNKNOWN_IMPACT, status="unknown", reason="not assessed")
    out: dict[str, Any] = dict(UNKNOWN_IMPACT)
    out.update(impact.model_dump(mode="json", exclude_none=True))
    return out


def action_report(action: Action, changes: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """An action; ``changes``: what its runbook changed, each ``{parameter, before, after, ...}`` in the
    order written (a failed verification's undo comes last, back to the first ``before``)."""
    return {
        "runbook": action.runbook,
        "status": action.status,
        "reason": action.reason,
        "parameters": dict(action.parameters),
        "playbook": action.playbook,
        "execution_id": action.execution_id,
        "decided_at": _when(action.decided_at),
        "ended_at": _when(action.ended_at),
        "changes": [dict(c) for c in changes],
    }


def escalation_report(escalation: Escalation) -> dict[str, Any]:
    """``{"target", "action", "at"}`` as DESIGN.md shows, with why (and what went wrong, if anything;
    ``by`` when a person did it in PagerDuty rather than the bot)."""
    out: dict[str, Any] = {
        "target": escalation.target,
        "action": escalation.action,
        "at": format_time(escalation.at),
        "reason": escalation.reason,
    }
    if escalation.error:
        out["error"] = escalation.error
    if escalation.by:
        out["by"] = escalation.by
    if escalation.pending:
        out["pending"] = True  # recorded, not delivered yet
    return out
