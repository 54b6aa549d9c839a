"""The ``aiops replay --json`` contract: incidents and stats as plain data (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiops.incident import Action, Escalation, Incident
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
) -> dict[str, Any]:
    rc = incident.root_cause
    return {
        "id": incident.id,
        "service": incident.service,
        "status": incident.status,
        "severity": incident.severity,
        "flapping": incident.flapping,
        "signals": list(dict.fromkeys(signals)),
        "root_cause": {
            "component": rc.component if rc else None,
            "summary": rc.summary if rc else "",
            "change": rc.change if rc else None,
            "confidence": rc.confidence if rc else 0.0,
        },
        "hypotheses": [
            {
                "component": h.component,
                "summary": h.summary,
                "change": h.change,
                "confidence": h.confidence,
                "evidence": list(h.evidence),
            }
            for h in incident.hypotheses
        ],
        "impact": impact or dict(UNKNOWN_IMPACT, reason="not assessed"),
        "actions": list(actions),
        "escalations": list(escalations),
    }


def impact_report(incident: Incident) -> dict[str, Any]:
    """The contract's impact object; the model's extra figures ride along."""
    impact = incident.impact
    if impact is None:
        return dict(UNKNOWN_IMPACT, status="unknown", reason="not assessed")
    out: dict[str, Any] = dict(UNKNOWN_IMPACT)
    out.update(impact.model_dump(mode="json", exclude_none=True))
    return out


def action_report(action: Action) -> dict[str, Any]:
    return {
        "runbook": action.runbook,
        "status": action.status,
        "reason": action.reason,
        "parameters": dict(action.parameters),
        "playbook": action.playbook,
        "execution_id": action.execution_id,
    }


def escalation_report(escalation: Escalation) -> dict[str, Any]:
    """``{"target", "action", "at"}`` as DESIGN.md shows, with why (and what went wrong, if anything)."""
    out: dict[str, Any] = {
        "target": escalation.target,
        "action": escalation.action,
        "at": format_time(escalation.at),
        "reason": escalation.reason,
    }
    if escalation.error:
        out["error"] = escalation.error
    return out
