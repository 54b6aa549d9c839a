"""The paging decision (escalation/page_plan.py), the escalation policy (catalog/escalation_policy.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aiops.catalog.escalation_policy import DEFAULT, UNOWNED_DEFAULT, parse_rule
from aiops.catalog.model import load_catalog
from aiops.errors import CatalogError
from aiops.escalation.page_plan import page_state, plan
from aiops.incident.model import Ack, Action, Escalation, Incident

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
WHY = "no runbook fits this incident"


def _incident(**kw: object) -> Incident:
    base: dict[str, object] = {
        "id": "inc-1",
        "service": "svc",
        "title": "t",
        "severity": "SEV3",
        "opened_at": T0,
        "last_activity_at": T0,
    }
    base.update(kw)
    return Incident.model_validate(base)


def _trigger(at: datetime = T0) -> Escalation:
    return Escalation(target="pagerduty", action="trigger", at=at)


def test_rules_parse_and_reject() -> None:
    assert parse_rule("now") == timedelta(0) and parse_rule("never") is None
    assert parse_rule("15m") == timedelta(minutes=15) and parse_rule("2h") == timedelta(hours=2)
    with pytest.raises(ValueError):
        parse_rule("soon")


@pytest.mark.parametrize(("severity", "sends", "timer_at"), [
    ("SEV1", [("trigger", WHY)], None),
    ("SEV2", [("trigger", WHY)], None),
    ("SEV3", [], T0 + timedelta(minutes=15)),
    ("SEV4", [], None),
])  # fmt: skip
def test_the_default_policy_by_severity(severity: str, sends: list[object], timer_at: object) -> None:
    decided = plan(_incident(severity=severity), DEFAULT, T0, why_page=WHY)
    assert list(decided.sends) == sends
    assert [t.at for t in decided.timers] == ([timer_at] if timer_at else [])


def test_a_sev3_not_acknowledged_in_time_pages_and_an_acknowledged_one_does_not() -> None:
    late = T0 + timedelta(minutes=15)
    [(action, why)] = plan(_incident(), DEFAULT, late, why_page=WHY).sends
    assert action == "trigger" and "not acknowledged within 15 min" in why
    acked = _incident(acknowledged=Ack(by="U1", at=T0 + timedelta(minutes=5)))
    decided = plan(acked, DEFAULT, late, why_page=WHY)
    assert decided.sends == () and decided.timers == ()


def test_a_severity_upgrade_pages_now_and_nothing_pages_twice() -> None:
    upgraded = _incident(severity="SEV1")
    assert [a for a, _ in plan(upgraded, DEFAULT, T0 + timedelta(minutes=3), why_page=WHY).sends] == [
        "trigger"
    ]
    paged = upgraded.model_copy(update={"escalations": (_trigger(),)})
    assert plan(paged, DEFAULT, T0 + timedelta(minutes=4), why_page=WHY).sends == ()


def test_a_running_fix_holds_the_page_and_a_failed_one_pages_at_once() -> None:
    fix = Action(playbook="p", runbook="ModelFallback", status="running", decided_at=T0)
    running = _incident(severity="SEV1", actions=(fix,))
    assert plan(running, DEFAULT, T0, why_page="").sends == ()
    failed = running.model_copy(
        update={"actions": (fix.model_copy(update={"status": "failed", "reason": "undone"}),)}
    )
    [(action, why)] = plan(failed, DEFAULT, T0, why_page="").sends
    assert action == "trigger" and "ModelFallback failed: undone" in why
    # even a SEV3 (whose rule is a delay) pages at once after a failed fix; SEV4 stays in Slack
    assert plan(failed.model_copy(update={"severity": "SEV3"}), DEFAULT, T0, why_page="").sends
    assert not plan(failed.model_copy(update={"severity": "SEV4"}), DEFAULT, T0, why_page="").sends


def test_the_page_resolves_once_the_resolution_held() -> None:
    resolved = _incident(
        severity="SEV2",
        status="resolved",
        resolved_at=T0 + timedelta(minutes=5),
        escalations=(_trigger(),),
    )
    held = plan(resolved, DEFAULT, T0 + timedelta(minutes=6), why_page=WHY)
    assert held.sends == () and [t.step for t in held.timers] == ["settle"]
    assert held.timers[0].at == T0 + timedelta(minutes=15)
    done = plan(resolved, DEFAULT, T0 + timedelta(minutes=15), why_page=WHY)
    assert [a for a, _ in done.sends] == ["resolve"] and done.settle and done.timers == ()
    # flapping: it waits longer
    flapping = resolved.model_copy(update={"flapping": True})
    assert plan(flapping, DEFAULT, T0 + timedelta(minutes=15), why_page=WHY).timers[0].at == T0 + timedelta(
        minutes=35
    )


def test_a_reopen_before_the_resolution_held_keeps_the_page_and_one_after_pages_again() -> None:
    reopened = _incident(severity="SEV2", reopened_at=T0 + timedelta(minutes=8), escalations=(_trigger(),))
    assert plan(reopened, DEFAULT, T0 + timedelta(minutes=8), why_page=WHY).sends == ()
    settled = reopened.model_copy(
        update={
            "escalations": (_trigger(), Escalation(target="pagerduty", action="resolve", at=T0)),
            "settled_at": T0 + timedelta(minutes=20),
            "reopened_at": T0 + timedelta(minutes=25),
            "acknowledged": Ack(by="U1", at=T0),
        }
    )
    decided = plan(settled, DEFAULT, T0 + timedelta(minutes=25), why_page=WHY)
    assert decided.new_episode and decided.episode_at == T0 + timedelta(minutes=25)
    assert [a for a, _ in decided.sends] == ["trigger"]  # the old acknowledgement does not hold it back
    assert not page_state(settled).open


def test_an_acknowledgement_acknowledges_an_open_page_once() -> None:
    acked = _incident(severity="SEV1", escalations=(_trigger(),), acknowledged=Ack(by="U1", at=T0))
    assert [a for a, _ in plan(acked, DEFAULT, T0, why_page=WHY).sends] == ["acknowledge"]
    done = acked.model_copy(
        update={"escalations": (_trigger(), Escalation(target="pagerduty", action="acknowledge", at=T0))}
    )
    assert plan(done, DEFAULT, T0, why_page=WHY).sends == ()


def test_the_catalog_overrides_per_service_and_unowned_has_its_own() -> None:
    catalog = load_catalog(
        {
            "escalation": {"SEV3": "30m", "resolve_after": "5m"},
            "unowned_escalation": {"SEV1": "never"},
            "services": [{"name": "a", "escalation": {"SEV3": "now"}}, {"name": "b"}],
        }
    )
    assert catalog.escalation_policy("a").page_after("SEV3") == timedelta(0)
    assert catalog.escalation_policy("b").page_after("SEV3") == timedelta(minutes=30)
    assert catalog.escalation_policy("b").resolve_hold(flapping=False) == timedelta(minutes=5)
    assert catalog.escalation_policy("b").page_after("SEV1") == timedelta(0)
    unowned = catalog.escalation_policy("unowned")
    assert unowned.page_after("SEV1") is None and unowned.page_after("SEV3") is None
    assert UNOWNED_DEFAULT.page_after("SEV2") == timedelta(minutes=15)


def test_a_bad_rule_names_its_place() -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog({"services": [{"name": "a", "escalation": {"SEV3": "soon"}}]})
    assert "services.0.escalation.SEV3" in str(info.value)
    with pytest.raises(CatalogError):
        load_catalog({"escalation": {"resolve_after": "never"}})


def test_what_a_person_did_in_pagerduty_is_recorded_never_sent_back() -> None:
    from aiops.escalation.page_plan import received

    # GIVEN a SEV1 paged in PagerDuty, then acknowledged there by a person
    paged = _incident(severity="SEV1", escalations=(_trigger(),))
    escalations = received(paged, "acknowledge", "Jane (PagerDuty)", T0)
    [_, ack] = escalations
    assert (ack.target, ack.action, ack.by) == ("pagerduty", "acknowledge", "Jane (PagerDuty)")
    # THEN once the incident is acknowledged too, the plan sends nothing (no acknowledge echoed back)
    acked = paged.model_copy(
        update={"escalations": escalations, "acknowledged": Ack(by="Jane (PagerDuty)", at=T0)}
    )
    assert plan(acked, DEFAULT, T0, why_page=WHY).sends == ()
    # and what the page already says is not recorded twice (a redelivery, or the bot's own action)
    assert received(acked, "acknowledge", "Jane (PagerDuty)", T0) == escalations
    # nothing paged in PagerDuty (not yet, or on SNS): nothing to record
    assert received(_incident(), "acknowledge", "Jane", T0) == ()
    on_sns = _incident(escalations=(Escalation(target="sns", action="trigger", at=T0),))
    assert received(on_sns, "resolve", "Jane", T0) == on_sns.escalations
    # a resolve in PagerDuty closes the page: the bot never resolves it again
    closed = paged.model_copy(update={"escalations": received(paged, "resolve", "Jane", T0)})
    assert not page_state(closed).open
    assert received(closed, "resolve", "Jane", T0) == closed.escalations
