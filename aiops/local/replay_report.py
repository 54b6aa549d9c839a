"""The result of a replay as the ``--json`` contract: each incident as the store holds it, the stats."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiops.adapters.wiring import App
from aiops.local.remediator import LocalRemediator
from aiops.present.json_report import action_report, escalation_report, impact_report, incident_report


def build_report(
    app: App,
    stats: dict[str, Any],
    rejected: Sequence[dict[str, Any]],
    aws_calls: dict[str, int],
    out_of_order: int,
    *,
    metrics_hint: str = "",
) -> dict[str, Any]:
    """``metrics_hint``: appended to the reason of an impact left unknown for want of datapoints."""
    incidents = app.store.all_incidents()
    remediator = app.remediation.remediator
    executions = remediator.executor.executions if isinstance(remediator, LocalRemediator) else {}
    out = []
    for i in incidents:
        impact = impact_report(i)
        if metrics_hint and impact.get("status") == "unknown" and "no datapoints" in impact.get("reason", ""):
            impact["reason"] = f"{impact['reason']}; {metrics_hint}"
        actions = [
            action_report(a, executions[a.execution_id].changes if a.execution_id in executions else ())
            for a in i.actions
        ]
        out.append(
            incident_report(
                i,
                app.store.signals_of(i.id),
                impact=impact,
                actions=actions,
                escalations=[escalation_report(e) for e in i.escalations],
                timeline=app.store.timeline(i.id),
            )
        )
    return {
        "incidents": out,
        "stats": {
            **stats,
            "incidents": len(incidents),
            "rejected_events": list(rejected),
            "out_of_order": out_of_order,
            "aws_calls": aws_calls,
            "slack_calls": int(getattr(app.chat, "calls", 0)),
            "pagerduty_calls": int(getattr(app.pager, "calls", 0)),
        },
    }
