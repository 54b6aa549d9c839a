"""The incident a decision is made on (remediation/decide.py ``as_open``): itself while open; as it was
while open when its signals calmed it before a decision its failures deferred (chaos finding 2); nothing
once a fix ran, a human resolved it, or its resolution held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiops.incident.model import Action, Incident, Member
from aiops.remediation.decide import as_open

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _calmed(**kw: object) -> Incident:
    guard = Member(
        fingerprint="fp-guard",
        kind="alarm",
        resource="chat-assistant-guardrail-interventions",
        component="guardrail",
        title="guardrail interventions",
        status="resolved",
        first_seen=T0,
        last_change=T0 + timedelta(minutes=2),
        fired_at=T0,
    )
    base: dict[str, object] = {
        "id": "inc-1",
        "service": "chat-assistant",
        "title": "t",
        "opened_at": T0,
        "last_activity_at": T0 + timedelta(minutes=2),
        "status": "mitigated",
        "mitigated_at": T0 + timedelta(minutes=2),
        "members": {"fp-guard": guard},
    }
    base.update(kw)
    return Incident.model_validate(base)


def test_an_incident_calmed_before_its_decision_is_decided_as_it_was_while_open() -> None:
    subject = as_open(_calmed())
    assert subject is not None and subject.status == "open"
    assert [m.resource for m in subject.firing] == ["chat-assistant-guardrail-interventions"]


def test_an_open_incident_is_decided_on_as_it_is() -> None:
    incident = _calmed(status="open", mitigated_at=None)
    assert as_open(incident) is incident


def test_nothing_is_decided_after_a_fix_ran_a_human_resolved_it_or_its_resolution_held() -> None:
    fixed = _calmed(
        actions=(Action(playbook="p", runbook="PromptRollback", status="succeeded", decided_at=T0),)
    )
    by_hand = _calmed(status="resolved", mitigated_at=None, resolved_at=T0 + timedelta(minutes=2))
    held = _calmed(
        status="resolved", resolved_at=T0 + timedelta(minutes=3), settled_at=T0 + timedelta(minutes=13)
    )
    never_fired = _calmed(members={})
    assert [as_open(i) for i in (fixed, by_hand, held, never_fired)] == [None] * 4
