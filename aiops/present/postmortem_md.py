"""A postmortem draft as Markdown that pastes cleanly into a wiki (pure): headings, lists and pipe tables
(GitHub, GitLab, Confluence and Notion read them). Text from events is escaped so it cannot form links,
HTML or table cells, and capped."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from aiops.text import cap

_SPECIAL = re.compile(r"([\\`*_\[\]<|#])")


def md(value: object, limit: int = 500) -> str:
    """Untrusted text as inert Markdown: one line, capped, its markup characters escaped."""
    text = " ".join(str(value if value is not None else "").split())
    return _SPECIAL.sub(r"\\\1", cap(text, limit))


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "unknown"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    h, m = divmod(s // 60, 60)
    return f"{h}h {m:02d}m" if h else f"{m}m"


def _money(value: float | None) -> str:
    return f"${value:,.2f}" if value is not None else "unknown"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return out


def _summary(pm: Mapping[str, Any]) -> list[str]:
    s, t, i = pm["summary"], pm["timings"], pm["impact"]
    lines = [
        f"# Postmortem: {md(pm['title'], 150)}",
        "",
        f"*Draft written by aiops from incident `{md(pm['id'], 40)}`. Edit before publishing.*",
        "",
        "## Summary",
        "",
        f"- **Service:** {md(pm['service'], 100)}",
        f"- **Status:** {pm['status']}; peak severity {i['peak_severity']}, final {i['final_severity']}",
        f"- **Started:** {t['started_at']}; resolved: {t['resolved_at'] or 'not yet'} "
        f"(in {duration(t['time_to_resolve_s'])})",
        f"- **Root cause:** {md(s['root_cause'])}",
        f"- **Outcome:** {md(s['outcome'], 200)}",
    ]
    if s["thread_url"]:
        lines.append(f"- **Slack thread:** <{s['thread_url']}>")
    return lines


def _revenue(i: Mapping[str, Any]) -> str:
    now = f"{_money(i['revenue_at_risk_usd_per_hour'])}/h at the last assessment"
    estimate = f"about {_money(i['revenue_at_risk_usd_estimate'])} until mitigated"
    if i["peak_revenue_at_risk_usd_per_hour"] is None:
        return f"{now}; {estimate} (rate x duration, an estimate)"
    peak = f"{_money(i['peak_revenue_at_risk_usd_per_hour'])}/h at its peak"
    return f"{peak}, {now}; up to {estimate} (peak rate x duration, an estimate)"


def _peak(i: Mapping[str, Any]) -> str:
    said = [i["peak_severity"]]
    if i["peak_burn_rate"] is not None:
        said.append(f"burning {i['peak_burn_rate']}x")
    if i["peak_failing_requests_per_minute"] is not None:
        said.append(f"{i['peak_failing_requests_per_minute']:g} failing requests/min")
    return ", ".join(said)


def _impact(i: Mapping[str, Any]) -> list[str]:
    burn = f"{i['burn_rate']}x" if i["burn_rate"] is not None else "unknown"
    budget = f"{i['budget_remaining_pct']}%" if i["budget_remaining_pct"] is not None else "unknown"
    lines = [
        "",
        "## Impact",
        "",
        f"- **Peak severity:** {i['peak_severity']}",
        f"- **SLO:** {md(i['slo'] or 'none measured', 100)}; burn rate at last assessment {burn}; "
        f"error budget left {budget}",
        f"- **Revenue at risk:** {_revenue(i)}",
    ]
    if i["peak_burn_rate"] is not None or i["peak_failing_requests_per_minute"] is not None:
        lines.insert(4, f"- **At its peak** ({i['peak_at']}): {_peak(i)}")
    if i["cost"]:
        lines.append(
            "- **Cost:** " + md(", ".join(f"{k} {v}" for k, v in i["cost"].items() if v is not None))
        )
    if i["reason"]:
        lines.append(f"- **Note:** {md(i['reason'])}")
    if i["over_time"]:
        lines += ["", "Over time:", ""] + [f"- {o['at']}: {md(o['text'])}" for o in i["over_time"]]
    return lines


def _timeline(pm: Mapping[str, Any]) -> list[str]:
    t = pm["timings"]

    def took(seconds: int | None, what: str) -> str:
        return f"{duration(seconds)} to {what}" if seconds is not None else "-"

    rows = [
        ["Started (first symptom)", t["started_at"] or "unknown", "-"],
        ["Detected (incident opened)", t["detected_at"], took(t["time_to_detect_s"], "detect")],
        ["Acknowledged", t["acknowledged_at"] or "never", took(t["time_to_acknowledge_s"], "acknowledge")],
        ["Mitigated", t["mitigated_at"] or "never", took(t["time_to_mitigate_s"], "mitigate")],
        ["Resolved", t["resolved_at"] or "not yet", took(t["time_to_resolve_s"], "resolve")],
    ]
    lines = ["", "## Timeline", "", *_table(["Milestone", "At (UTC)", "Time"], rows), ""]
    entries = pm["timeline"]
    lines += _table(
        ["At (UTC)", "What", "Who"],
        [[e["at"], md(f"{e['kind']}: {e['text']}", 300), md(e["actor"], 64)] for e in entries[:200]],
    )
    if len(entries) > 200:
        lines.append(f"\n{len(entries) - 200} more entries: `aiops incidents show {md(pm['id'], 40)}`")
    return lines


def _cause(pm: Mapping[str, Any]) -> list[str]:
    rc = pm["root_cause"]
    conf = f"{rc['confidence']:.0%}" if rc["confidence"] is not None else "unknown"
    component = md(rc["component"] or "-", 60)
    lines = [
        "",
        "## Root cause",
        "",
        f"{md(rc['summary'] or 'unknown')} (component {component}, confidence {conf})",
    ]
    leader = next((h for h in pm["hypotheses"] if not h["ruled_out"]), None)
    if leader and leader["evidence"]:
        lines += ["", "Evidence: " + "; ".join(md(e, 200) for e in leader["evidence"][:8])]
    ruled = [h for h in pm["hypotheses"] if h["ruled_out"]]
    lines += ["", "### Hypotheses ruled out", ""]
    if not ruled:
        lines.append("None: no other hypothesis was ranked.")
    for h in ruled:
        lines.append(
            f"- **{md(h['component'] or 'unknown', 60)}** ({h['confidence']:.0%}): {md(h['summary'])}. "
            f"Why not: {md(h['why'])}"
        )
    return lines


def _actions(actions: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["", "## Actions", ""]
    if not actions:
        return [*lines, "No runbook ran."]
    for a in actions:
        who = f", approved by {md(a['approved_by'], 64)}" if a["approved_by"] else ""
        lines.append(f"- **{md(a['runbook'], 60)}** {a['status']} at {a['decided_at']}{who}")
        for c in a["changed"]:
            lines.append(
                f"  - changed `{md(c.get('parameter'), 200)}`: {md(c.get('before'), 200)} -> "
                f"{md(c.get('after'), 200)}"
            )
        if not a["changed"] and a["parameters"]:
            lines.append(
                "  - parameters: " + md(", ".join(f"{k}={v}" for k, v in a["parameters"].items()), 300)
            )
        if a["left_behind"]:
            lines.append(f"  - left behind: {md(a['left_behind'], 40)}")
        lines.append(f"  - verification: {md(a['verification'] or 'none recorded')}")
    return lines


def render_markdown(pm: Mapping[str, Any]) -> str:
    """The draft as Markdown (``aiops postmortem --format md``)."""
    lines = _summary(pm) + _impact(pm["impact"]) + _timeline(pm) + _cause(pm) + _actions(pm["actions"])
    lines += ["", "## Who did what", ""]
    lines += [f"- {p['at'] or '-'}: **{md(p['who'], 64)}** {md(p['what'])}" for p in pm["people"]] or [
        "Nobody."
    ]
    lines += ["", "## Similar incidents", ""]
    similar = pm["similar"]
    if similar is None:
        lines.append("None with the same signature in the last 30 days.")
    else:
        lines.append(md(similar["text"]) + ".")
        for p in similar["incidents"]:
            where = f" (<{p['thread_url']}>)" if p["thread_url"] else ""
            lines.append(
                f"- `{md(p['id'], 40)}` {md(p['service'], 100)}, {p['opened_at']}: "
                f"{md(p['outcome'], 100)}{where}"
            )
    narrative = pm.get("narrative")
    if narrative:  # only where a service turned the narrative on
        lines += [
            "",
            "## Narrative",
            "",
            f"> {md(narrative['text'], 2000)}",
            "",
            f"_{md(narrative['by'])}, {narrative['at']}_",
        ]
    lines += ["", "## Open questions", ""]
    lines += [f"- {md(q)}" for q in pm["open_questions"]] or ["None."]
    return "\n".join(lines) + "\n"
