"""A Slack thread on a terminal reads as text for a person: no mrkdwn, no emoji codes, no escapes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aiops.incident.assessment import Impact
from aiops.incident.model import Action, Escalation, Incident, Member, RootCause, TimelineEntry
from aiops.present.slack_blocks import entry_message, incident_message
from aiops.present.terminal_text import impact_text, plain, report_text, to_text

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _incident() -> Incident:
    member = Member(
        fingerprint="fp",
        kind="alarm",
        resource="chat-api-5xx",
        component="api",
        title="5XX on <chat> & co",
        status="firing",
        first_seen=T0,
        last_change=T0,
        fired_at=T0,
        url="https://console.aws.amazon.com/cloudwatch/home#alarm:name=chat-api-5xx",
    )
    return Incident(
        id="inc-1",
        service="chat",
        title="Alarm chat-api-5xx is ALARM",
        severity="SEV1",
        opened_at=T0,
        last_activity_at=T0,
        members={"fp": member},
        root_cause=RootCause(component="api", summary="api fails first", confidence=0.8),
        impact=Impact(
            status="known",
            slo="availability",
            burn_rate=20.0,
            budget_remaining_pct=54.1,
            revenue_at_risk_usd_per_hour=162.0,
            failing_requests_per_minute=180.0,
        ),
        actions=(
            Action(
                playbook="p", runbook="ModelFallback", status="succeeded", reason="verified", decided_at=T0
            ),
        ),
        escalations=(Escalation(target="pagerduty", action="trigger", at=T0),),
    )


def test_the_root_message_reads_as_text() -> None:
    text = to_text(incident_message(_incident()).blocks)
    assert not re.search(r":[a-z_]+:", text.replace("10:00:00", "")), text  # no :emoji: codes
    assert "*" not in text and "&lt;" not in text and "&amp;" not in text and "<https" not in text
    assert "  Status: open" in text and "  Severity: SEV1" in text
    assert "Impact: availability: burning 20x (1h); 54.1% of error budget left; $162.00/h at risk" in text
    assert "chat-api-5xx firing — 5XX on <chat> & co" in text  # the link's text, unescaped
    assert "Opened: 2026-11-25T10:00:00Z" in text
    assert "buttons: [Acknowledge] [Escalate] [Resolve] [Silence 1h]" in text


def test_a_reply_reads_as_text() -> None:
    entry = TimelineEntry(incident_id="inc-1", at=T0, key="k", kind="resolved", text="every signal resolved")
    assert to_text(entry_message(_incident(), entry).blocks) == (
        "every signal resolved\n  2026-11-25T10:00:00Z · resolved"
    )


def test_plain_undoes_mrkdwn() -> None:
    assert plain(
        "*Status*\n:white_check_mark: _done_ ~no~ `inc-1` <@U1> <#C1|ops> <https://x.io|site> &lt;b&gt;"
    ) == ("Status\ndone no inc-1 @U1 ops site <b>")


def test_impact_and_report_text() -> None:
    assert impact_text({"status": "unknown", "reason": "no datapoints of X"}) == "unknown: no datapoints of X"
    report = {
        "stats": {"events": 3, "signals": 3, "duplicates": 0, "rejected": 0, "incidents": 1},
        "incidents": [
            {
                "id": "inc-1",
                "service": "chat",
                "status": "mitigated",
                "severity": "SEV2",
                "flapping": False,
                "title": "t",
                "opened_at": "2026-11-25T10:00:00Z",
                "mitigated_at": "2026-11-25T10:05:00Z",
                "resolved_at": None,
                "impact": {"status": "unknown", "reason": "r"},
                "root_cause": {"component": "prompt", "summary": "s", "change": "e1"},
                "actions": [
                    {
                        "runbook": "PromptRollback",
                        "status": "succeeded",
                        "reason": "verified",
                        "changes": [
                            {
                                "parameter": "/p",
                                "before": "v3",
                                "after": "v2",
                                "before_version": 3,
                                "after_version": 4,
                            }
                        ],
                    }
                ],
                "escalations": [],
                "signals": ["a", "b"],
            }
        ],
    }
    assert report_text(report).splitlines() == [
        "3 events, 3 signals, 0 duplicates, 0 rejected -> 1 incident(s)",
        "",
        "inc-1  chat  mitigated  SEV2",
        "  t",
        "  opened 2026-11-25T10:00:00Z, mitigated 2026-11-25T10:05:00Z",
        "  impact: unknown: r",
        "  root cause: prompt - s (change e1)",
        "  action: PromptRollback succeeded (verified)",
        "    changed /p: 'v3' -> 'v2' (version 3 -> 4)",
        "  signals: 2",
    ]
