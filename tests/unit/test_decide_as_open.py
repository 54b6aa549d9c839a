"""The incident a decision is made on (remediation/decide.py ``as_open``): itself while open; as it was
while open when its signals calmed it before a decision its failures deferred (chaos finding 2); nothing
once a fix ran, a human resolved it, or its resolution held. Each subject is asserted whole: which
members fire again and which stay as they were is what the playbooks match on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiops.incident.model import Action, Incident, Member
from aiops.remediation.decide import as_open

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def _member(fp: str, **kw: object) -> Member:
    base: dict[str, object] = {
        "fingerprint": fp,
        "kind": "alarm",
        "resource": f"chat-assistant-{fp}",
        "component": "guardrail",
        "title": fp,
        "status": "resolved",
        "first_seen": T0,
        "last_change": T0 + 2 * MIN,
        "fired_at": T0,
    }
    base.update(kw)
    return Member.model_validate(base)


GUARD = _member("guard")


def _calmed(**kw: object) -> Incident:
    base: dict[str, object] = {
        "id": "inc-1",
        "service": "chat-assistant",
        "title": "t",
        "opened_at": T0,
        "last_activity_at": T0 + 2 * MIN,
        "status": "mitigated",
        "mitigated_at": T0 + 2 * MIN,
        "members": {"guard": GUARD},
    }
    base.update(kw)
    return Incident.model_validate(base)


def test_an_incident_calmed_before_its_decision_is_decided_as_it_was_while_open() -> None:
    # GIVEN a mitigated incident, no action yet: a symptom that fired and cleared, one still firing, a
    # symptom that never fired (an info signal), and evidence that fired (a change, not a symptom)
    still = _member("still", status="firing")
    never = _member("never", status="info", fired_at=None)
    change = _member("change", kind="change", role="evidence", component="prompt")
    incident = _calmed(members={"guard": GUARD, "still": still, "never": never, "change": change})
    # THEN it is decided on as open, the symptom that fired firing again and the rest as they are
    subject = as_open(incident)
    fired = GUARD.model_copy(update={"status": "firing"})
    expected = incident.model_copy(
        update={
            "status": "open",
            "members": {"guard": fired, "still": still, "never": never, "change": change},
        }
    )
    assert subject == expected
    assert list(subject.members) == ["guard", "still", "never", "change"]  # the members' order kept
    assert incident.status == "mitigated" and incident.members["guard"] is GUARD  # the incident untouched


def test_an_open_incident_is_decided_on_as_it_is() -> None:
    incident = _calmed(status="open", mitigated_at=None)
    assert as_open(incident) is incident


def test_nothing_is_decided_after_a_fix_ran_a_human_resolved_it_or_its_resolution_held() -> None:
    fixed = _calmed(
        actions=(Action(playbook="p", runbook="PromptRollback", status="succeeded", decided_at=T0),)
    )
    by_hand = _calmed(status="resolved", mitigated_at=None, resolved_at=T0 + 2 * MIN)
    held = _calmed(status="resolved", resolved_at=T0 + 3 * MIN, settled_at=T0 + 13 * MIN)
    held_at_once = _calmed(status="resolved", resolved_at=T0 + 3 * MIN, settled_at=T0 + 3 * MIN)
    never_fired = _calmed(members={"never": _member("never", status="info", fired_at=None)})
    only_evidence = _calmed(members={"change": _member("change", kind="change", role="evidence")})
    cases = (fixed, by_hand, held, held_at_once, never_fired, only_evidence)
    assert [as_open(i) for i in cases] == [None] * len(cases)


def test_a_resolution_not_held_yet_or_held_in_an_earlier_episode_still_decides() -> None:
    # GIVEN calmed incidents resolved by their signals whose resolution has not held since: resolved and
    # not settled, and one whose settlement is from an earlier episode (before this resolution)
    resolving = _calmed(status="resolved", resolved_at=T0 + 3 * MIN)
    earlier = _calmed(
        status="resolved", resolved_at=T0 + 3 * MIN, settled_at=T0 + 3 * MIN - timedelta(seconds=1)
    )
    # AND one settled with no resolution recorded (the settlement is all there is to compare)
    settled_only = _calmed(settled_at=T0 + 3 * MIN)
    # THEN the first two are decided on as open; the last is held
    for incident in (resolving, earlier):
        subject = as_open(incident)
        assert subject is not None and subject.status == "open"
        assert subject.members == {"guard": GUARD.model_copy(update={"status": "firing"})}
    assert as_open(settled_only) is None
