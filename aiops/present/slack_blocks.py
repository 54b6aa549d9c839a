"""Slack Block Kit rendering from Jinja2 templates, with untrusted text escaped and capped.

Templates produce JSON; every string from an event passes through ``mrkdwn`` (escape ``&``, ``<``,
``>`` and cap) or ``plain`` (cap only, for ``plain_text`` objects) and then ``tojson``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from aiops.incident.links import automation_url
from aiops.incident.model import Incident, Member, TimelineEntry
from aiops.incident.similar import PastIncident, similar_text
from aiops.present.mrkdwn import link, mrkdwn, person, plain, when
from aiops.present.ports import SlackMessage
from aiops.text import cap, change_text

MAX_BLOCKS = 50
FALLBACK_LIMIT = 4000
SEVERITY_EMOJI = {
    "SEV1": ":red_circle:",
    "SEV2": ":large_orange_circle:",
    "SEV3": ":large_yellow_circle:",
    "SEV4": ":white_circle:",
}
STATUS_EMOJI = {
    "open": ":rotating_light:",
    "mitigated": ":adhesive_bandage:",
    "resolved": ":white_check_mark:",
}


_JSON = json.JSONEncoder(ensure_ascii=False)


def tojson(value: object) -> str:
    """Jinja's ``tojson`` with the same output (JSON, not ASCII-escaped, keys in order, ``<``, ``>``,
    ``&`` and ``'`` as ``\\u`` escapes), from one encoder built once instead of one per call and its
    Markup wrapping: a root message calls it three dozen times."""
    return (
        _JSON.encode(value)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("aiops", "templates"),
        autoescape=False,  # noqa: S701 - JSON output; every untrusted string goes through mrkdwn|tojson
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # package data: never changes under a running process (no stat per render)
    )
    env.filters.update(mrkdwn=mrkdwn, plain=plain, when=when, person=person, tojson=tojson)
    return env


def render(template: str, **context: Any) -> SlackMessage:
    doc = json.loads(_env().get_template(template).render(**context))
    blocks = doc["blocks"][:MAX_BLOCKS]
    return SlackMessage(text=cap(doc["text"], FALLBACK_LIMIT), blocks=blocks)


def _money(value: object) -> str:
    return f"${value:,.2f}" if isinstance(value, int | float) else "?"


def peak_line(incident: Incident) -> str:
    """How bad it was at its worst, when that was worse than now (plain text); else nothing."""
    peak, impact = incident.peak, incident.impact
    if peak is None:
        return ""
    now_revenue = (impact.revenue_at_risk_usd_per_hour if impact else None) or 0.0
    much_worse = (peak.revenue_at_risk_usd_per_hour or 0.0) >= 2 * now_revenue + 0.01
    if peak.severity == incident.severity and not much_worse:
        return ""  # now is about as bad as it got: the current figures say it
    parts = [f"At its peak ({peak.severity}, {peak.at:%H:%M} UTC)"]
    if peak.burn_rate is not None:
        parts.append(f"burning {peak.burn_rate:g}x (1h)")
    if peak.revenue_at_risk_usd_per_hour is not None:
        failing = peak.failing_requests_per_minute
        parts.append(
            f"{_money(peak.revenue_at_risk_usd_per_hour)}/h at risk"
            + (f" ({failing:g} failing req/min)" if failing is not None else "")
        )
    return parts[0] + (": " + ", ".join(parts[1:]) if len(parts) > 1 else "")


def severity_text(incident: Incident) -> str:
    """The severity, and the peak's beside it when the incident was worse than it is now."""
    peak = incident.peak
    if peak is None or peak.severity == incident.severity:
        return incident.severity
    return f"{incident.severity} (peak {peak.severity})"


def title_now(incident: Incident) -> str:
    """The incident's title as its founding signal reads now (the title it opened with is kept as is)."""
    founders = sorted(
        (m for m in incident.members.values() if m.role == "symptom"),
        key=lambda m: (m.first_seen, m.resource),
    )
    return founders[0].title if founders else incident.title


def headline(incident: Incident) -> str:
    """The header: severity, what the status is, and the founding signal as it reads now (an alarm that
    opened the incident says "is OK" once it cleared, not the "is ALARM" it opened with)."""
    status = {"open": "", "mitigated": "Mitigated: ", "resolved": "Resolved: "}[incident.status]
    return f"{status}{severity_text(incident)} {title_now(incident)}"


def impact_line(incident: Incident) -> str:
    """One line a woken-up SRE reads first: how bad, in burn, budget and dollars (plain text); then how
    bad it was at its peak, when that was worse."""
    now = _impact_now(incident)
    peak = peak_line(incident)
    if not peak:
        return now
    return f"Now: {now}\n{peak}"


def _impact_now(incident: Incident) -> str:
    impact = incident.impact
    if impact is None:
        return "Impact not assessed yet"
    parts: list[str] = []
    if impact.status == "known" and impact.slo:
        firing = f", {impact.firing} burn-rate alert firing" if impact.firing else ""
        parts.append(f"{impact.slo}: burning {impact.burn_rate or 0:g}x (1h){firing}")
        if impact.budget_remaining_pct is not None:
            parts.append(f"{impact.budget_remaining_pct:g}% of error budget left")
        if impact.revenue_at_risk_usd_per_hour is not None:
            failing = impact.failing_requests_per_minute
            parts.append(
                f"{_money(impact.revenue_at_risk_usd_per_hour)}/h at risk"
                + (f" ({failing:g} failing req/min)" if failing is not None else "")
            )
    elif not impact.cost:
        parts.append(f"Impact unknown: {impact.reason}")
    if impact.cost:
        c = impact.cost
        if c.get("forecast_usd") is not None:
            over = c.get("overrun_usd")
            delta = (
                f" ({'+' if isinstance(over, float) and over > 0 else ''}{_money(over)})"
                if over is not None
                else ""
            )
            parts.append(
                f"spend forecast {_money(c['forecast_usd'])} of {_money(c.get('limit_usd'))} budget{delta}"
            )
        if c.get("anomaly_impact_usd") is not None:
            parts.append(f"cost anomaly {_money(c['anomaly_impact_usd'])} over expected")
    return "; ".join(parts)


ACTION_EMOJI = {
    "running": ":gear:",
    "succeeded": ":white_check_mark:",
    "failed": ":x:",
    "pending_approval": ":raised_hand:",
    "skipped": ":fast_forward:",
}


def action_lines(incident: Incident) -> list[str]:
    """Actions as mrkdwn lines, escaped part by part, each runbook linked to its SSM execution."""
    lines = []
    for a in incident.actions:
        runbook = (
            link(automation_url(a.execution_id, incident.region), a.runbook)
            if a.execution_id
            else (mrkdwn(a.runbook, 100))
        )
        reason = f" ({mrkdwn(a.reason, 300)})" if a.reason else ""
        lines.append(f"{ACTION_EMOJI[a.status]} {runbook}: {a.status.replace('_', ' ')}{reason}")
        lines += [
            f"      ↳ changed {mrkdwn(change_text(c.parameter, c.before, c.after), 400)}" for c in a.changes
        ]
    pages = [
        f"{e.action} ({e.target} {e.at:%H:%M}{', not delivered yet' if e.pending else ''})"
        for e in incident.escalations
    ]
    if pages:
        lines.append(":pager: Pages: " + ", ".join(pages))
    due = [t for t in incident.timers if t.step == "page"]
    if due:
        lines.append(f":alarm_clock: pages at {due[0].at:%H:%M} UTC unless acknowledged")
    return lines


def status_note(incident: Incident) -> str:
    """How often it came back, and its last change: what a flapping thread shows instead of replies."""
    if not incident.reopens:
        return ""
    changes = [
        (t, s)
        for t, s in (
            (incident.resolved_at, "resolved"),
            (incident.reopened_at, "reopened"),
            (incident.mitigated_at, "mitigated"),
        )
        if t is not None
    ]
    when_, what = max(changes, key=lambda c: c[0])  # the first of equal times: resolved beats mitigated
    return f"\nreopened {incident.reopens}x; last change: {what} at {when(when_)}"


@lru_cache(maxsize=1024)
def member_line(m: Member) -> str:
    """One member; a flapping one whose changes the timeline folds says how often it changed in all.
    Cached by the (frozen) member: a storm re-renders the root with most members unchanged."""
    dot = {"firing": ":red_circle:", "resolved": ":large_green_circle:"}.get(m.status, ":white_circle:")
    flaps = f" ({m.transitions} changes)" if m.folded else ""
    title = f" — {mrkdwn(m.title, 400)}" if m.title else ""  # a summarised member has none
    return f"{dot} {link(m.url, m.resource, 256)} {m.status}{flaps}{title}"


def evidence_line(incident: Incident) -> str:
    top = incident.hypotheses[0] if incident.hypotheses else None
    return "; ".join(mrkdwn(e, 200) for e in top.evidence[:4]) if top else ""


def why_line(incident: Incident) -> str:
    """One line of the ranking: when the bot is not sure, that nothing starts on its own and what
    would decide; else why not the others (the ruled-out candidates, and what speaks against it)."""
    rc = incident.root_cause
    if rc is None:
        return ""
    if rc.abstain:
        decider = mrkdwn(rc.decider, 300)
        return f":warning: *Not sure, a human decides:* {mrkdwn(rc.why, 300)}. *Would decide:* {decider}"
    why_not = [h.against[-1] for h in incident.hypotheses if h.ruled_out and h.against][:2]
    top = incident.hypotheses[0] if incident.hypotheses else None
    if top is not None and not top.ruled_out:
        why_not += [f"against it: {a}" for a in top.against[:1]]
    return f"*Why not:* {mrkdwn('; '.join(why_not), 400)}" if why_not else ""


def joined(lines: list[str], limit: int = 2900) -> str:
    """Whole lines only, so a cut never splits an escape or a link."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit:
            out.append(f"… and {len(lines) - len(out)} more")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


ENTRY_EMOJI = {
    "action": ":gear:",
    "escalated": ":pager:",
    "acknowledged": ":eyes:",
    "mitigated": ":adhesive_bandage:",
    "resolved": ":white_check_mark:",
    "reopened": ":rotating_light:",
    "severity": ":chart_with_upwards_trend:",
    "flapping": ":repeat:",
    "silenced": ":no_bell:",
    "narrative": ":memo:",
}


def entry_message(incident: Incident, entry: TimelineEntry) -> SlackMessage:
    """A thread reply for one timeline entry (the resolution message among them)."""
    return render(
        "entry.json.j2", incident=incident, entry=entry, emoji=ENTRY_EMOJI.get(entry.kind, ":memo:")
    )


def _past_ref(past: PastIncident) -> str:
    return link(past.thread_url, past.id, 40) if past.thread_url else f"`{mrkdwn(past.id, 40)}`"


def similar_block(incident: Incident) -> dict[str, Any] | None:
    """``:repeat: Seen 3 times in 30 days; last on Nov 28: PromptRollback, verified (inc-…)``, each past
    incident linked to its thread; None when nothing like it was seen (issue 27)."""
    similar = incident.similar
    if similar is None or not similar.found:
        return None
    text = similar_text(similar)
    shown = [similar.last] if similar.last is not None else []
    shown += [o for o in similar.others if o not in shown]
    line = (
        f":repeat: {mrkdwn(text[:1].upper() + text[1:], 600)} ({', '.join(_past_ref(p) for p in shown[:4])})"
    )
    return {"type": "context", "block_id": "aiops_similar", "elements": [{"type": "mrkdwn", "text": line}]}


def _with_similar(message: SlackMessage, incident: Incident) -> SlackMessage:
    """The "seen before" line after the root cause (else after the impact)."""
    block = similar_block(incident)
    if block is None:
        return message
    heads = [str(b.get("text", {}).get("text", "")) for b in message.blocks]
    at = next((n + 1 for n, h in enumerate(heads) if h.startswith("*Root cause*")), None)
    at = at or next((n + 1 for n, h in enumerate(heads) if h.startswith("*Impact*")), 1)
    blocks = [*message.blocks[:at], block, *message.blocks[at:]]
    return SlackMessage(text=message.text, blocks=blocks[:MAX_BLOCKS])


POSTMORTEM_ACTION = "aiops_postmortem"


def _with_postmortem_button(message: SlackMessage, incident: Incident) -> SlackMessage:
    """Once mitigated or resolved: a "Draft postmortem" button (the draft is posted as a file in the
    thread), among the other buttons, or alone when a resolved incident has no other (issue 27)."""
    if incident.status == "open":
        return message
    button = {
        "type": "button",
        "action_id": POSTMORTEM_ACTION,
        "text": {"type": "plain_text", "text": "Draft postmortem"},
        "value": incident.id,
    }
    blocks = list(message.blocks)
    at = next((n for n, b in enumerate(blocks) if b.get("block_id") == "aiops_actions"), None)
    if at is not None:
        blocks[at] = {**blocks[at], "elements": [*blocks[at]["elements"], button]}
    else:
        blocks.append({"type": "actions", "block_id": POSTMORTEM_ACTION, "elements": [button]})
    return SlackMessage(text=message.text, blocks=blocks[:MAX_BLOCKS])


def upstream_block(incident: Incident, url: str | None) -> dict[str, Any] | None:
    """When another service's incident is the cause: which one, a link to its thread, and that this
    incident runs nothing of its own for it."""
    rc = incident.root_cause
    if rc is None or rc.cause != "upstream" or not rc.upstream:
        return None
    text = (
        f":arrow_up: *Caused upstream:* {link(url or '', rc.upstream, 64)} "
        f"({mrkdwn(rc.summary, 300)}); nothing runs here for it."
    )
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def incident_message(incident: Incident, *, upstream_url: str | None = None) -> SlackMessage:
    members = sorted(
        incident.members.values(), key=lambda m: (m.status != "firing", m.first_seen, m.resource)
    )
    message = render(
        "incident.json.j2",
        incident=incident,
        members=members[:20],
        more=max(0, incident.member_count - 20),
        total=incident.member_count,
        firing=sum(m.status == "firing" for m in members),
        sev_emoji=SEVERITY_EMOJI[incident.severity],
        severity=severity_text(incident),
        headline=headline(incident),
        title=title_now(incident),
        status_emoji=STATUS_EMOJI[incident.status],
        status_note=status_note(incident),
        impact=impact_line(incident),
        actions=joined(action_lines(incident)),
        member_lines=[member_line(m) for m in members[:20]],
        evidence=evidence_line(incident),
        why=why_line(incident),
        pending=next((a for a in incident.actions if a.status == "pending_approval"), None),
    )
    up = upstream_block(incident, upstream_url)
    if up is not None:
        heads = [str(b.get("text", {}).get("text", "")) for b in message.blocks]
        at = next((n + 1 for n, h in enumerate(heads) if h.startswith("*Root cause*")), 1)
        message = SlackMessage(text=message.text, blocks=[*message.blocks[:at], up, *message.blocks[at:]])
    return _with_postmortem_button(_with_similar(message, incident), incident)
