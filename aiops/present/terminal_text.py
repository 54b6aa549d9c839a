"""Terminal text for a person: a Slack message's Block Kit, and a replay's result (pure).

No Slack markup reaches the terminal: ``*Status*`` becomes ``Status:``, ``:white_check_mark:`` and the
other emoji codes go (the words beside them say the same), links show their text, escapes are undone.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from aiops.present.ports import SlackMessage
from aiops.text import change_text

BUILDER_URL = "https://app.slack.com/block-kit-builder/#"

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
_BARE_LINK = re.compile(r"<(https?://[^>|]+)>")
_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_EMOJI = re.compile(r"(?<![0-9A-Za-z]):[a-z][a-z0-9_+-]*: ?")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])")
_CODE = re.compile(r"`([^`\n]+)`")


def plain(text: str) -> str:
    """Slack mrkdwn as plain text."""
    text = _LINK.sub(r"\2", text)
    text = _BARE_LINK.sub(r"\1", text)
    text = _MENTION.sub(lambda m: m.group(3) or ("@" if m.group(1) != "#" else "#") + m.group(2), text)
    text = _EMOJI.sub("", text)
    for pattern in (_BOLD, _ITALIC, _STRIKE, _CODE):
        text = pattern.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Mapping[str, Any] | None) -> str:
    if not obj:
        return ""
    text = str(obj.get("text", ""))
    return plain(text) if obj.get("type") == "mrkdwn" else text


def _heading(text: str) -> str:
    """``Heading\\nbody`` (a field or a section headed in bold) as ``Heading: body``."""
    head, _, body = text.partition("\n")
    if not body:
        return head
    if "\n" not in body:
        return f"{head}: {body}"
    return head + ":\n" + "\n".join(f"  {line}" for line in body.splitlines())


def to_text(blocks: Sequence[Mapping[str, Any]], width: int = 78) -> str:
    lines: list[str] = []
    for b in blocks:
        kind = b.get("type")
        if kind == "header":
            title = _text(b.get("text"))
            lines += [title, "=" * min(width, len(title))]
        elif kind == "section":
            if b.get("text"):
                lines.append(_heading(_text(b["text"])))
            fields = [_heading(_text(f)) for f in b.get("fields", [])]
            lines += [f"  {f}" for f in fields]
        elif kind == "context":
            lines.append("  " + "  ".join(_text(e) for e in b.get("elements", [])))
        elif kind == "actions":
            buttons = " ".join(f"[{_text(e.get('text'))}]" for e in b.get("elements", []))
            lines.append(f"  buttons: {buttons}")
        elif kind == "divider":
            lines.append("-" * width)
    return "\n".join(lines)


def builder_link(message: SlackMessage) -> str:
    """A Block Kit Builder link that opens the message for a visual check."""
    doc = json.dumps({"blocks": list(message.blocks)}, separators=(",", ":"))
    return BUILDER_URL + urllib.parse.quote(doc, safe="")


# -- a replay's result -----------------------------------------------------------------------------


def impact_text(impact: Mapping[str, Any]) -> str:
    """Burn rate, error budget and dollars; or why impact is unknown."""
    parts = []
    if impact.get("status") == "known" and impact.get("slo"):
        firing = f", {impact['firing']} burn-rate alert firing" if impact.get("firing") else ""
        parts.append(f"{impact['slo']} burning {impact.get('burn_rate') or 0:g}x over 1h{firing}")
        if impact.get("budget_remaining_pct") is not None:
            parts.append(f"{impact['budget_remaining_pct']:g}% of error budget left")
        if impact.get("revenue_at_risk_usd_per_hour") is not None:
            parts.append(f"${impact['revenue_at_risk_usd_per_hour']:,.2f}/h at risk")
    cost = impact.get("cost") or {}
    if cost.get("forecast_usd") is not None:
        parts.append(
            f"spend forecast ${cost['forecast_usd']:,.2f} of ${cost.get('limit_usd') or 0:,.2f} budget"
        )
    if not parts:
        return f"unknown: {impact.get('reason') or 'not assessed'}"
    return "; ".join(parts)


def _change(change: Mapping[str, Any]) -> str:
    """``parameter: 'before' -> 'after'``, long values shown where they differ, and the versions."""
    before, after = change.get("before"), change.get("after")
    versions = ""
    if change.get("before_version") is not None and change.get("after_version") is not None:
        versions = f" (version {change['before_version']} -> {change['after_version']})"
    return (
        change_text(
            str(change.get("parameter")),
            None if before is None else str(before),
            None if after is None else str(after),
        )
        + versions
    )


def peak_text(severity: str, peak: Mapping[str, Any] | None) -> str:
    """`` (peak SEV1 at 10:00: $162.00/h at risk)`` when the incident was worse than its severity now."""
    if not peak or peak.get("severity") == severity:
        return ""
    at = str(peak.get("at") or "")[11:16]
    revenue = peak.get("revenue_at_risk_usd_per_hour")
    return f" (peak {peak['severity']} at {at}" + (f": ${revenue:,.2f}/h at risk)" if revenue else ")")


def report_text(report: Mapping[str, Any]) -> str:
    """``aiops replay``'s result without ``--json``: the counts, then each incident."""
    stats = report["stats"]
    out = [
        f"{stats['events']} events, {stats['signals']} signals, {stats['duplicates']} duplicates, "
        f"{stats['rejected']} rejected -> {stats['incidents']} incident(s)"
    ]
    for inc in report["incidents"]:
        rc = inc["root_cause"]
        out += [
            "",
            f"{inc['id']}  {inc['service']}  {inc['status']}  {inc['severity']}"
            + peak_text(inc["severity"], inc.get("peak"))
            + ("  flapping" if inc["flapping"] else ""),
            f"  {inc['title']}",
            f"  opened {inc['opened_at']}"
            + (f", mitigated {inc['mitigated_at']}" if inc.get("mitigated_at") else "")
            + (f", resolved {inc['resolved_at']}" if inc.get("resolved_at") else ""),
            f"  impact: {impact_text(inc['impact'])}",
            f"  root cause: {rc['component']} - {rc['summary']}"
            + (f" (change {rc['change']})" if rc["change"] else ""),
        ]
        for a in inc["actions"]:
            out.append(
                f"  action: {a['runbook']} {a['status']}" + (f" ({a['reason']})" if a["reason"] else "")
            )
            out += [f"    changed {_change(c)}" for c in a.get("changes", ())]
        if inc["escalations"]:
            out.append("  paged: " + ", ".join(f"{e['target']} {e['action']}" for e in inc["escalations"]))
        out.append(f"  signals: {len(inc['signals'])}")
    return "\n".join(out) + "\n"
