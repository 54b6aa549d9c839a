"""``aiops incidents list|show``: the incident history as JSON and as text for a terminal (pure).

The JSON shapes are documented in docs/history-and-postmortems.md; ``show`` is the ``aiops replay
--json`` incident object, with the thread link, the outcome, the similar incidents and the narrative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiops.incident.model import Incident, TimelineEntry
from aiops.incident.signature import outcome
from aiops.incident.similar import PastIncident, Similar, similar_text
from aiops.present.json_report import action_report, escalation_report, impact_report, incident_report
from aiops.present.ports import NarrativeRecord
from aiops.present.terminal_text import impact_text, plain
from aiops.signals.model import format_time


def duration(seconds: float | None) -> str:
    """``1h05m``, ``4m``, ``35s``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    h, m = divmod(s // 60, 60)
    d, h = divmod(h, 24)
    if d:
        return f"{d}d{h:02d}h"
    return f"{h}h{m:02d}m" if h else f"{m}m"


def _past(p: PastIncident) -> dict[str, Any]:
    return {
        "id": p.id,
        "service": p.service,
        "opened_at": format_time(p.opened_at),
        "outcome": p.outcome,
        "thread_url": p.thread_url or None,
    }


def similar_json(similar: Similar | None) -> dict[str, Any] | None:
    """The incident's past look-alikes (None before its signature was looked up)."""
    if similar is None:
        return None
    return {
        "signature": similar.label,
        "window_days": similar.window_days,
        "count": similar.count,
        "capped": similar.capped,
        "text": similar_text(similar),
        "last": _past(similar.last) if similar.last else None,
        "others": [_past(o) for o in similar.others],
    }


def summary_row(incident: Incident) -> dict[str, Any]:
    """One incident of ``incidents list --json``."""
    rc = incident.root_cause
    ended = incident.resolved_at
    return {
        "id": incident.id,
        "service": incident.service,
        "status": incident.status,
        "severity": incident.severity,
        "title": incident.title,
        "opened_at": format_time(incident.opened_at),
        "resolved_at": format_time(ended) if ended else None,
        "duration_s": int((ended - incident.opened_at).total_seconds()) if ended else None,
        "root_cause": {"component": rc.component, "summary": rc.summary, "change": rc.change} if rc else None,
        "actions": [{"runbook": a.runbook, "status": a.status} for a in incident.actions],
        "outcome": outcome(incident),
    }


def list_json(incidents: Sequence[Incident], *, source: str, since: str, until: str) -> dict[str, Any]:
    return {
        "source": source,
        "since": since,
        "until": until,
        "count": len(incidents),
        "incidents": [summary_row(i) for i in incidents],
    }


def list_text(doc: Mapping[str, Any]) -> str:
    rows = doc["incidents"]
    if not rows:
        return f"no incidents opened between {doc['since']} and {doc['until']} ({doc['source']})\n"
    lines = [
        f"{'OPENED':<20}  {'ID':<16}  {'SERVICE':<18}  {'SEV':<4}  {'STATUS':<9}  {'TOOK':>6}  ROOT CAUSE"
    ]
    for r in rows:
        rc = r["root_cause"]
        cause = plain(f"{rc['component'] or '-'}: {rc['summary']}") if rc else "-"
        lines.append(
            f"{r['opened_at']:<20}  {r['id']:<16}  {plain(r['service'])[:18]:<18}  {r['severity']:<4}  "
            f"{r['status']:<9}  {duration(r['duration_s']):>6}  {cause[:60]}  [{r['outcome']}]"
        )
    lines.append(
        f"{len(rows)} incident(s) opened between {doc['since']} and {doc['until']} ({doc['source']})"
    )
    return "\n".join(lines) + "\n"


def narrative_json(record: NarrativeRecord | None) -> dict[str, Any] | None:
    """The narrative's last outcome and its spend; None when it was never asked (off, or not yet)."""
    if record is None:
        return None
    return {
        "status": record.status,
        "model_id": record.model_id,
        "reason": record.reason or None,
        "text": record.text or None,
        "calls": record.calls,
        "tokens": record.tokens,
        "at": format_time(record.at) if record.at else None,
    }


def show_json(
    incident: Incident,
    *,
    signals: Sequence[str],
    timeline: Sequence[TimelineEntry],
    thread_url: str | None,
    narrative: NarrativeRecord | None = None,
) -> dict[str, Any]:
    """``incidents show --json``: the replay contract's incident, plus its thread, outcome, similar
    incidents and the narrative's spend."""
    doc = incident_report(
        incident,
        signals,
        impact=impact_report(incident),
        actions=[action_report(a) for a in incident.actions],
        escalations=[escalation_report(e) for e in incident.escalations],
        timeline=timeline,
    )
    doc["thread_url"] = thread_url
    doc["outcome"] = outcome(incident)
    doc["similar"] = similar_json(incident.similar)
    doc["narrative"] = narrative_json(narrative)
    return doc


def show_text(doc: Mapping[str, Any]) -> str:
    rc = doc["root_cause"]
    out = [
        f"{doc['id']}  {plain(doc['service'])}  {doc['status']}  {doc['severity']}",
        f"  {plain(doc['title'])}",
        f"  opened {doc['opened_at']}"
        + (f", mitigated {doc['mitigated_at']}" if doc["mitigated_at"] else "")
        + (f", resolved {doc['resolved_at']}" if doc["resolved_at"] else ""),
        f"  root cause: {rc['component'] or '-'} - {plain(rc['summary']) or '-'}",
        f"  impact: {impact_text(doc['impact'])}",
    ]
    if doc["acknowledged"]:
        out.append(f"  acknowledged by {plain(doc['acknowledged']['by'])} at {doc['acknowledged']['at']}")
    for a in doc["actions"]:
        out.append(f"  action: {a['runbook']} {a['status']} ({plain(a['reason'])})")
    for e in doc["escalations"]:
        out.append(f"  page: {e['target']} {e['action']} at {e['at']}")
    similar = doc.get("similar")
    if similar:
        out.append(f"  similar: {similar['text'] or 'none in ' + str(similar['window_days']) + ' days'}")
    narrative = doc.get("narrative")
    if narrative:
        why = f": {plain(narrative['reason'])}" if narrative["reason"] else ""
        out.append(
            f"  narrative: {narrative['status']}{why} ({narrative['calls']} call(s), "
            f"{narrative['tokens']} tokens, {plain(narrative['model_id'])})"
        )
    if doc["thread_url"]:
        out.append(f"  slack: {doc['thread_url']}")
    out.append(f"  signals: {len(doc['signals'])}")
    out.append("  timeline:")
    out += [f"    {e['at']}  {e['kind']:<10} {plain(e['text'])}" for e in doc["timeline"]]
    return "\n".join(out) + "\n"
