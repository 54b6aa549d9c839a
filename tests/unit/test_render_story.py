"""The Slack thread tells the whole story: what each runbook changed (parameter, before -> after), the
peak beside the current severity and impact, a header that follows the status, long values shown where
they differ, and AWS Health named once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aiops.incident.assessment import Impact
from aiops.incident.model import Action, Incident, Member, ParameterChange, Peak
from aiops.present.slack_blocks import headline, impact_line, incident_message
from aiops.present.terminal_text import to_text
from aiops.remediation.ports import RunOutcome
from aiops.text import change_text, differing

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PROMPT = "You are the chat-assistant assistant. (prompt v{}) Answer briefly, cite the sources, be kind."
SONNET, HAIKU = "anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"


def _member(status: str) -> Member:
    state = "ALARM" if status == "firing" else "OK"
    return Member(
        fingerprint="fp-5xx",
        kind="alarm",
        resource="chat-assistant-api-5xx",
        component="api",
        title=f"Alarm chat-assistant-api-5xx is {state}: 5XXError on chat-assistant-api",
        status=status,
        first_seen=T0,
        last_change=T0,
        fired_at=T0,
    )


def _incident(status: str = "open", **extra: object) -> Incident:
    return Incident(
        id="inc-1",
        service="chat-assistant",
        status=status,
        title="Alarm chat-assistant-api-5xx is ALARM: 5XXError on chat-assistant-api",
        opened_at=T0,
        last_activity_at=T0,
        members={"fp-5xx": _member("firing" if status == "open" else "resolved")},
        **extra,
    )


def test_long_values_show_where_they_differ() -> None:
    before, after = PROMPT.format(2), PROMPT.format(3)
    b, a = differing(before, after)
    assert b != a  # not both cut at the same first characters
    assert "v2" in b and "v3" in a and b.startswith("…") and a.startswith("…")
    assert len(b) <= 50 and len(a) <= 50
    # short values are shown whole, and a value that is unset says so
    assert change_text("/llm/m", SONNET, HAIKU) == f"/llm/m: '{SONNET}' -> '{HAIKU}'"
    assert change_text("/llm/m", None, HAIKU) == f"/llm/m: (none) -> '{HAIKU}'"


@pytest.mark.parametrize(
    ("status", "header"),
    [
        ("open", "SEV3 Alarm chat-assistant-api-5xx is ALARM: 5XXError on chat-assistant-api"),
        ("mitigated", "Mitigated: SEV3 Alarm chat-assistant-api-5xx is OK: 5XXError on chat-assistant-api"),
        ("resolved", "Resolved: SEV3 Alarm chat-assistant-api-5xx is OK: 5XXError on chat-assistant-api"),
    ],
)
def test_the_header_follows_the_status(status: str, header: str) -> None:
    incident = _incident(status)
    assert headline(incident) == header
    message = incident_message(incident)
    assert message.blocks[0]["text"]["text"] == header
    if status != "open":  # the notification text says the same as the header
        assert "is ALARM" not in message.text


def test_the_peak_is_shown_beside_the_current_severity_and_impact() -> None:
    # GIVEN an incident that was SEV1 at $162/h, now calm: SEV3 at $0.90/h
    now = Impact(
        status="known",
        slo="availability",
        burn_rate=19.061,
        revenue_at_risk_usd_per_hour=0.9,
        failing_requests_per_minute=1.0,
    )
    peak = Peak(
        severity="SEV1",
        at=T0,
        burn_rate=18.067,
        revenue_at_risk_usd_per_hour=162.0,
        failing_requests_per_minute=180.0,
    )
    incident = _incident("resolved", severity="SEV3", impact=now, peak=peak)
    text = to_text(incident_message(incident).blocks)
    # THEN the header, the severity field and the impact each say both, "now" and "at its peak"
    assert text.splitlines()[0].startswith("Resolved: SEV3 (peak SEV1) ")
    assert "Severity: SEV3 (peak SEV1)" in text
    assert impact_line(incident).splitlines() == [
        "Now: availability: burning 19.061x (1h); $0.90/h at risk (1 failing req/min)",
        "At its peak (SEV1, 10:00 UTC): burning 18.067x (1h), $162.00/h at risk (180 failing req/min)",
    ]


def test_no_peak_line_while_now_is_the_worst() -> None:
    now = Impact(status="known", slo="availability", burn_rate=20.0, revenue_at_risk_usd_per_hour=162.0)
    peak = Peak(severity="SEV1", at=T0, burn_rate=20.0, revenue_at_risk_usd_per_hour=162.0)
    incident = _incident("open", severity="SEV1", impact=now, peak=peak)
    assert "peak" not in impact_line(incident).lower()
    assert "peak" not in headline(incident)


def test_a_worse_measurement_becomes_the_peak() -> None:
    sev2 = Peak(severity="SEV2", at=T0, revenue_at_risk_usd_per_hour=500.0)
    sev1 = Peak(severity="SEV1", at=T0 + timedelta(minutes=5), revenue_at_risk_usd_per_hour=100.0)
    assert sev1.worse_than(sev2) and not sev2.worse_than(sev1)
    assert sev2.worse_than(None)
    more = sev1.model_copy(update={"revenue_at_risk_usd_per_hour": 150.0})
    assert more.worse_than(sev1) and not sev1.worse_than(more)


def test_what_a_runbook_changed_is_in_the_root_message() -> None:
    changes = (
        ParameterChange(
            parameter="/llm/chat-assistant/prompt", before=PROMPT.format(3), after=PROMPT.format(2)
        ),
    )
    action = Action(
        playbook="prompt-rollback",
        runbook="PromptRollback",
        status="succeeded",
        reason="verified: the alarms cleared",
        execution_id="e-1",
        decided_at=T0,
        changes=changes,
    )
    text = to_text(incident_message(_incident("mitigated", actions=(action,))).blocks)
    [line] = [ln for ln in text.splitlines() if "changed" in ln]
    assert "/llm/chat-assistant/prompt: '…" in line and "v3" in line and "v2" in line
    assert line.index("v3") < line.index("->") < line.index("v2")  # before -> after


def test_the_ssm_record_says_what_was_changed_and_undone() -> None:
    # SSM's DescribeAutomationStepExecutions: inputs as JSON text, outputs as lists
    steps: list[dict[str, Any]] = [
        {"StepName": "recordCurrent", "StepStatus": "Success", "Outputs": {"CurrentValue": [SONNET]}},
        {
            "StepName": "change",
            "StepStatus": "Success",
            "Inputs": {"Api": '"PutParameter"', "Name": '"/llm/m"', "Value": f'"{HAIKU}"'},
        },
        {"StepName": "verifyMetricAlarms", "StepStatus": "TimedOut"},
        {
            "StepName": "undo",
            "StepStatus": "Success",
            "Inputs": {"Api": '"PutParameter"', "Name": '"/llm/m"', "Value": f'"{SONNET}"'},
        },
    ]
    outcome = RunOutcome.from_steps({s["StepName"]: s["StepStatus"] for s in steps}, steps)
    assert outcome.change == "undone"
    assert outcome.changes == (
        ParameterChange(parameter="/llm/m", before=SONNET, after=HAIKU),
        ParameterChange(parameter="/llm/m", before=HAIKU, after=SONNET),
    )
    # a run that stopped before its change changed nothing
    assert RunOutcome.from_steps({"recordCurrent": "Success"}, steps[:1]).changes == ()


def test_aws_health_is_named_once() -> None:
    from aiops.diagnosis.rootcause import rank

    health = Member(
        fingerprint="fp-h",
        kind="health",
        resource="arn:aws:health:us-east-1::event/BEDROCK/x",
        component=None,
        title="AWS Health: Amazon Bedrock operational issue (open)",
        status="firing",
        first_seen=T0,
        last_change=T0,
        role="evidence",
    )
    throttles = Member(
        fingerprint="fp-t",
        kind="alarm",
        resource="chat-assistant-bedrock-throttles",
        component="model",
        title="Alarm chat-assistant-bedrock-throttles is ALARM: InvocationThrottles",
        status="firing",
        first_seen=T0,
        last_change=T0,
        fired_at=T0,
        metric="AWS/Bedrock/InvocationThrottles",
    )
    members = {"fp-h": health, "fp-t": throttles}
    incident = _incident().model_copy(update={"members": members, "region": "us-east-1"})
    said = [e for h in rank(incident, None) for e in h.evidence if "Health" in e]
    assert said and all(e.count("AWS Health") == 1 for e in said), said
