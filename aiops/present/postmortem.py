"""A postmortem draft from the incident's record (pure): what happened, its impact, the timeline with the
times to detect / acknowledge / mitigate / resolve, the root cause and the hypotheses set aside with why,
each action with what it changed and how it was verified, who did what, similar incidents, open
questions. :func:`postmortem` gives the data (``aiops postmortem --format json``);
:mod:`aiops.present.postmortem_md` renders it as Markdown for a wiki.

Everything is read from the record the bot keeps; nothing is invented: a figure the record lacks is
``None`` and the draft says "unknown".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aiops.incident.model import Incident, TimelineEntry
from aiops.incident.signature import outcome
from aiops.incident.similar import similar_text
from aiops.signals.model import format_time

BOT = "aiops"
_SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")


def _at(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    return int((end - start).total_seconds()) if start is not None and end is not None else None


def peak_severity(incident: Incident, timeline: Sequence[TimelineEntry]) -> str:
    """The highest severity it reached (its severity changes are timeline entries ``severity:SEVn:...``)."""
    seen: set[str] = {incident.severity}
    seen |= {e.key.split(":")[1] for e in timeline if e.kind == "severity" and e.key.count(":") >= 2}
    return min((s for s in seen if s in _SEVERITIES), default=incident.severity)


def _acknowledged(incident: Incident) -> tuple[datetime | None, str]:
    """The first acknowledgement: in Slack (the record's ``acknowledged``) or in the pager."""
    found = [(incident.acknowledged.at, incident.acknowledged.by)] if incident.acknowledged else []
    found += [(e.at, e.by) for e in incident.escalations if e.action == "acknowledge" and e.by]
    return min(found, default=(None, ""))


def timings(incident: Incident) -> dict[str, Any]:
    """When it started (the first symptom), was detected (opened), acknowledged, mitigated, resolved;
    and the times to each from the start (to acknowledge: from detection), in seconds."""
    started = incident.first_symptom or incident.opened_at
    acked, _ = _acknowledged(incident)
    return {
        "started_at": _at(started),
        "detected_at": _at(incident.opened_at),
        "acknowledged_at": _at(acked),
        "mitigated_at": _at(incident.mitigated_at),
        "resolved_at": _at(incident.resolved_at),
        "time_to_detect_s": max(0, _seconds(started, incident.opened_at) or 0),
        "time_to_acknowledge_s": _seconds(incident.opened_at, acked),
        "time_to_mitigate_s": _seconds(started, incident.mitigated_at),
        "time_to_resolve_s": _seconds(started, incident.resolved_at),
    }


def impact_section(incident: Incident, timeline: Sequence[TimelineEntry]) -> dict[str, Any]:
    """The impact at its peak (what woke people) and at the last assessment; the estimate of what was
    at risk until it was mitigated uses the peak's rate when one was measured (an upper estimate)."""
    impact, peak = incident.impact, incident.peak
    t = timings(incident)
    hours = (t["time_to_mitigate_s"] or t["time_to_resolve_s"] or 0) / 3600
    rate = impact.revenue_at_risk_usd_per_hour if impact is not None else None
    peak_rate = peak.revenue_at_risk_usd_per_hour if peak is not None else None
    worst = peak_rate if peak_rate is not None else rate
    severity = peak_severity(incident, timeline)
    return {
        "peak_severity": min(severity, peak.severity) if peak is not None else severity,
        "peak_at": _at(peak.at) if peak is not None else None,
        "peak_burn_rate": peak.burn_rate if peak is not None else None,
        "peak_revenue_at_risk_usd_per_hour": peak_rate,
        "peak_failing_requests_per_minute": peak.failing_requests_per_minute if peak is not None else None,
        "final_severity": incident.severity,
        "slo": impact.slo if impact else None,
        "burn_rate": impact.burn_rate if impact else None,
        "budget_remaining_pct": impact.budget_remaining_pct if impact else None,
        "revenue_at_risk_usd_per_hour": rate,
        "revenue_at_risk_usd_estimate": round(worst * hours, 2) if worst is not None and hours else None,
        "cost": dict(impact.cost) if impact is not None and impact.cost else None,
        "reason": impact.reason if impact is not None else "not assessed",
        "over_time": [
            {"at": format_time(e.at), "text": e.text} for e in timeline if e.kind in ("severity", "mitigated")
        ],
    }


def hypotheses_section(incident: Incident) -> dict[str, Any]:
    """The leader and the hypotheses set aside, each with its evidence and what counts against it.
    Read from each hypothesis's dump, so fields a newer model adds (``against``) are shown when present
    and nothing breaks when they are not."""
    out = []
    for rank, h in enumerate(incident.hypotheses):
        doc = h.model_dump(mode="json")
        against = [str(a) for a in doc.get("against") or ()]
        leader = rank == 0
        why = "; ".join(against) if against else ("" if leader else "ranked lower: less evidence fits it")
        out.append(
            {
                "rank": rank + 1,
                "component": doc.get("component"),
                "summary": doc.get("summary", ""),
                "change": doc.get("change"),
                "confidence": doc.get("confidence"),
                "evidence": [str(e) for e in doc.get("evidence") or ()],
                "against": against,
                "ruled_out": not leader,
                "why": why,
            }
        )
    rc = incident.root_cause
    return {
        "root_cause": {
            "component": rc.component if rc else None,
            "summary": rc.summary if rc else "",
            "change": rc.change if rc else None,
            "confidence": rc.confidence if rc else None,
        },
        "hypotheses": out,
    }


def actions_section(
    incident: Incident, changes: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """Each action: its runbook, parameters, what it changed (from the execution's record, when the
    caller has it), what it left behind, how it ended (the verification), who approved it."""
    return [
        {
            "runbook": a.runbook,
            "playbook": a.playbook,
            "status": a.status,
            "decided_at": _at(a.decided_at),
            "ended_at": _at(a.ended_at),
            "parameters": dict(a.parameters),
            "changed": [dict(c) for c in changes.get(a.execution_id or "", ())],
            "left_behind": a.change,
            "verification": a.reason,
            "approved_by": a.approved_by,
            "execution_id": a.execution_id,
        }
        for a in incident.actions
    ]


def people_section(incident: Incident, timeline: Sequence[TimelineEntry]) -> list[dict[str, Any]]:
    """Who did what, in order: people from the timeline, approvals, pager acknowledgements; the bot's
    own actions summed up as one line."""
    done: list[dict[str, Any]] = [
        {"at": format_time(e.at), "who": e.actor, "what": e.text}
        for e in timeline
        if e.actor and e.actor != BOT
    ]
    done += [
        {"at": format_time(e.at), "who": e.by, "what": f"{e.action} in {e.target}"}
        for e in incident.escalations
        if e.by
    ]
    bot = sum(1 for e in timeline if e.actor == BOT)
    if bot:
        done.append({"at": None, "who": BOT, "what": f"{bot} timeline entries (signals, actions, pages)"})
    return sorted(done, key=lambda d: (d["at"] is None, d["at"] or ""))


def open_questions(incident: Incident) -> list[str]:
    """What the record cannot answer and a reviewer should: derived from gaps in the record."""
    out = []
    rc = incident.root_cause
    if rc is None:
        out.append("The bot found no root cause: what was it?")
    elif rc.confidence < 0.6:
        out.append(f"The root cause was ranked with {rc.confidence:.0%} confidence: is it confirmed?")
    if rc is not None and rc.change:
        out.append(f"How did the change {rc.change} reach production, and what would have caught it earlier?")
    for a in incident.actions:
        if a.status == "failed":
            out.append(f"{a.runbook} failed ({a.reason}): what should the runbook or its guard do instead?")
        if a.change == "still_applied":
            out.append(f"{a.runbook} left its change applied: was it undone by hand?")
    if not incident.actions:
        out.append("No runbook fitted: is there a safe automatic mitigation to add?")
    if incident.escalations and _acknowledged(incident)[0] is None:
        out.append("The page was never acknowledged through the bot: who responded, and when?")
    if incident.flapping:
        out.append("An alarm flapped: does its threshold or period need tuning?")
    similar = incident.similar
    if similar is not None and similar.count:
        out.append(f"This was {similar_text(similar)}: what would stop it recurring?")
    if incident.status != "resolved":
        out.append(f"The incident is still {incident.status}: this draft is not final.")
    return out


def postmortem(
    incident: Incident,
    timeline: Sequence[TimelineEntry],
    *,
    signals: Sequence[str] = (),
    thread_url: str | None = None,
    changes: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> dict[str, Any]:
    """``aiops postmortem --format json``. ``changes``: execution id -> what its runbook changed."""
    rc = incident.root_cause
    similar = incident.similar
    return {
        "id": incident.id,
        "service": incident.service,
        "title": incident.title,
        "status": incident.status,
        "summary": {
            "what": incident.title,
            "root_cause": rc.summary if rc else "unknown",
            "outcome": outcome(incident),
            "signals": len(list(dict.fromkeys(signals))),
            "thread_url": thread_url,
        },
        "timings": timings(incident),
        "impact": impact_section(incident, timeline),
        **hypotheses_section(incident),
        "actions": actions_section(incident, changes or {}),
        "people": people_section(incident, timeline),
        "timeline": [
            {"at": format_time(e.at), "kind": e.kind, "text": e.text, "actor": e.actor} for e in timeline
        ],
        "similar": {
            "text": similar_text(similar),
            "incidents": [
                {
                    "id": p.id,
                    "service": p.service,
                    "opened_at": format_time(p.opened_at),
                    "outcome": p.outcome,
                    "thread_url": p.thread_url or None,
                }
                for p in ([similar.last] if similar.last else [])
                + [o for o in similar.others if o != similar.last]
            ],
        }
        if similar is not None and similar.found
        else None,
        "narrative": _narrative(timeline),
        "open_questions": open_questions(incident),
    }


def _narrative(timeline: Sequence[TimelineEntry]) -> dict[str, str] | None:
    """The last narrative the bot showed (a model's, grounded; docs/history-and-postmortems.md), if any."""
    shown = [e for e in timeline if e.kind == "narrative"]
    if not shown:
        return None
    last = shown[-1]
    return {"text": last.text, "by": last.actor, "at": format_time(last.at)}
