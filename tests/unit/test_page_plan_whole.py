"""The paging decision asserted whole: besides what it sends, the episode and settlement it records and
the timers it keeps, which the next decision reads (written against mutmut's survivors, docs/testing.md).
Every expected Plan is written out by hand from page_plan's docstring and the default policy (SEV3 pages
after 15 min; a resolution holds after 10 min, 30 when flapping)."""

from __future__ import annotations

from datetime import timedelta

from aiops.catalog.escalation_policy import DEFAULT
from aiops.escalation.page_plan import PageState, Plan, advance, page_state, plan
from aiops.incident.model import Ack, Escalation, Timer
from tests.unit.test_paging import T0, WHY, _incident, _trigger

MIN = timedelta(minutes=1)


def test_the_page_state_machine() -> None:
    closed = PageState()
    opened = PageState(open=True, target="pagerduty")
    acked = PageState(open=True, acknowledged=True, target="pagerduty")
    assert advance(closed, "trigger", "pagerduty") == opened
    assert advance(opened, "trigger", "sns") is None  # paged already
    assert advance(opened, "acknowledge", "pagerduty") == acked
    assert advance(acked, "acknowledge", "pagerduty") is None
    assert advance(closed, "acknowledge", "pagerduty") is None and advance(closed, "resolve", "sns") is None
    assert advance(acked, "resolve", "pagerduty") == PageState(target="pagerduty")  # closed, target kept
    sns = _incident(escalations=(Escalation(target="sns", action="trigger", at=T0),))
    assert page_state(sns) == PageState(open=True, target="sns")


def test_an_open_sev3_waits_with_a_timer_at_the_end_of_its_delay() -> None:
    inc = _incident(opened_at=T0 + timedelta(seconds=0.5))
    timer = Timer(
        name=f"inc-1-page-{int(inc.opened_at.timestamp())}",
        step="page",
        at=T0 + 15 * MIN + timedelta(seconds=1),
    )
    assert plan(inc, DEFAULT, T0 + MIN, why_page=WHY) == Plan(timers=(timer,), episode_at=inc.opened_at)


def test_a_late_page_says_why_and_records_its_episode() -> None:
    why = f"{WHY}; not acknowledged within 15 min"
    assert plan(_incident(), DEFAULT, T0 + 15 * MIN, why_page=WHY) == Plan(
        sends=(("trigger", why),), episode_at=T0
    )
    assert plan(_incident(), DEFAULT, T0 + 2 * MIN, why_page="") == Plan(episode_at=T0)  # a fix is deciding


def test_an_acknowledgement_in_slack_acknowledges_the_open_page() -> None:
    inc = _incident(escalations=(_trigger(),), acknowledged=Ack(by="U1", at=T0 + MIN))
    expected = Plan(sends=(("acknowledge", "acknowledged by U1"),), episode_at=T0)
    assert plan(inc, DEFAULT, T0 + 2 * MIN, why_page=WHY) == expected


def test_a_resolution_waits_its_hold_then_settles_and_resolves_the_page() -> None:
    resolved_at = T0 + 5 * MIN + timedelta(seconds=0.25)
    inc = _incident(status="resolved", resolved_at=resolved_at, escalations=(_trigger(),))
    timer = Timer(
        name=f"inc-1-settle-{int(resolved_at.timestamp())}",
        step="settle",
        at=T0 + 15 * MIN + timedelta(seconds=1),
    )
    assert plan(inc, DEFAULT, T0 + 6 * MIN, why_page=WHY) == Plan(
        timers=(timer,), episode_at=None, settled_at=None
    )
    later = T0 + 16 * MIN
    expected = Plan(
        sends=(("resolve", "resolved and calm for 10 min"),), episode_at=None, settled_at=later, settle=True
    )
    assert plan(inc, DEFAULT, later, why_page=WHY) == expected
    # a person resolved it: it holds at once
    now = T0 + 6 * MIN
    expected = Plan(sends=(("resolve", "resolved"),), settled_at=now, settle=True)
    assert plan(inc, DEFAULT, now, why_page=WHY, settle_now=True) == expected
    # settled already: nothing more, and the settlement is kept
    done = inc.model_copy(update={"settled_at": later})
    assert plan(done, DEFAULT, T0 + 20 * MIN, why_page=WHY) == Plan(settled_at=later)


def test_a_flapping_incident_holds_its_resolution_thirty_minutes() -> None:
    inc = _incident(status="resolved", resolved_at=T0, flapping=True, escalations=(_trigger(),))
    assert plan(inc, DEFAULT, T0 + 29 * MIN, why_page=WHY).sends == ()
    assert plan(inc, DEFAULT, T0 + 30 * MIN, why_page=WHY).sends == (
        ("resolve", "resolved and calm for 30 min"),
    )


def test_an_unpaged_incident_settles_without_a_send() -> None:
    inc = _incident(status="resolved", resolved_at=T0)
    assert plan(inc, DEFAULT, T0 + 10 * MIN, why_page=WHY) == Plan(settled_at=T0 + 10 * MIN, settle=True)


def test_coming_back_after_the_resolution_held_is_a_new_episode() -> None:
    back = T0 + 40 * MIN
    settled = _incident(settled_at=T0 + 20 * MIN, reopened_at=back, acknowledged=Ack(by="U1", at=T0 + MIN))
    timer = Timer(name=f"inc-1-page-{int(back.timestamp())}", step="page", at=back + 15 * MIN)
    # the old acknowledgement does not hold the new episode's page
    assert plan(settled, DEFAULT, back, why_page=WHY) == Plan(
        timers=(timer,), episode_at=back, new_episode=True
    )
    # with no reopening time recorded, the episode starts now
    now = T0 + 41 * MIN
    unknown = settled.model_copy(update={"reopened_at": None})
    decided = plan(unknown, DEFAULT, now, why_page=WHY)
    assert (decided.episode_at, decided.new_episode, decided.settled_at) == (now, True, None)


def test_a_new_episode_with_a_failed_fix_pages_at_once_as_new() -> None:
    from aiops.incident.model import Action

    failed = Action(
        runbook="PromptRollback",
        playbook="prompt-rollback",
        status="failed",
        reason="verify failed",
        decided_at=T0 + 41 * MIN,
    )
    inc = _incident(settled_at=T0 + 20 * MIN, reopened_at=T0 + 40 * MIN, actions=(failed,))
    decided = plan(inc, DEFAULT, T0 + 41 * MIN, why_page=WHY)
    assert decided == Plan(
        sends=(("trigger", "the automatic fix PromptRollback failed: verify failed"),),
        episode_at=T0 + 40 * MIN,
        new_episode=True,
    )


def test_the_minutes_of_a_hold_read_as_a_person_says_them() -> None:
    from aiops.catalog.escalation_policy import Policy

    for after, said in (("90m", "90 min"), ("119m", "119 min"), ("2h", "2 h"), ("3h", "3 h")):
        policy = Policy(resolve_after=after)
        inc = _incident(status="resolved", resolved_at=T0, escalations=(_trigger(),))
        hold = policy.resolve_hold(flapping=False)
        [(action, why)] = plan(inc, policy, T0 + hold, why_page=WHY).sends
        assert (action, why) == ("resolve", f"resolved and calm for {said}")


def test_received_records_what_a_person_did_in_pagerduty_once() -> None:
    from aiops.escalation.page_plan import received

    paged = _incident(escalations=(_trigger(),))
    at = T0 + 3 * MIN
    got = received(paged, "acknowledge", "Ada", at)
    assert got == (
        *paged.escalations,
        Escalation(target="pagerduty", action="acknowledge", at=at, reason="acknowledged by Ada", by="Ada"),
    )
    assert received(paged.model_copy(update={"escalations": got}), "acknowledge", "Ada", at) == got
    sns = _incident(escalations=(Escalation(target="sns", action="trigger", at=T0),))
    assert received(sns, "resolve", "Ada", at) == sns.escalations  # not PagerDuty's page: nothing to record


# -- the episode and settlement carried through every branch (an incident in its second episode) ---------

EPISODE = T0 + 40 * MIN
"""The incident came back at T0+40 min after an earlier resolution held: its episode starts there."""


def test_a_resolution_a_human_settled_at_once_is_not_settled_again() -> None:
    # resolved by a person at T0+50 (settle_now: settled at that instant); the next decision leaves it
    at = T0 + 50 * MIN
    inc = _incident(status="resolved", resolved_at=at, settled_at=at, episode_at=EPISODE)
    assert plan(inc, DEFAULT, at + 20 * MIN, why_page=WHY) == Plan(episode_at=EPISODE, settled_at=at)


def test_a_second_episodes_resolution_keeps_its_episode_through_the_hold_and_the_settlement() -> None:
    resolved_at = T0 + 50 * MIN
    earlier = T0 + 20 * MIN  # the first episode's settlement
    inc = _incident(
        status="resolved",
        resolved_at=resolved_at,
        settled_at=earlier,
        episode_at=EPISODE,
        escalations=(_trigger(EPISODE),),
    )
    timer = Timer(
        name=f"inc-1-settle-{int(resolved_at.timestamp())}", step="settle", at=resolved_at + 10 * MIN
    )
    assert plan(inc, DEFAULT, resolved_at + MIN, why_page=WHY) == Plan(
        timers=(timer,), episode_at=EPISODE, settled_at=earlier
    )
    held = resolved_at + 10 * MIN
    assert plan(inc, DEFAULT, held, why_page=WHY) == Plan(
        sends=(("resolve", "resolved and calm for 10 min"),), episode_at=EPISODE, settled_at=held, settle=True
    )


def test_a_new_episode_that_needs_no_page_yet_is_still_recorded_as_new() -> None:
    # back after its resolution held, and a fix is about to be decided (no reason to page yet)
    inc = _incident(settled_at=T0 + 20 * MIN, reopened_at=EPISODE)
    assert plan(inc, DEFAULT, EPISODE, why_page="") == Plan(episode_at=EPISODE, new_episode=True)


def test_a_running_fix_holds_the_page_whatever_the_reason_to_page() -> None:
    from aiops.incident.model import Action

    running = Action(
        runbook="PromptRollback",
        playbook="prompt-rollback",
        status="running",
        decided_at=T0,
        execution_id="e-1",
    )
    inc = _incident(severity="SEV1", actions=(running,))
    assert plan(inc, DEFAULT, T0 + MIN, why_page=WHY) == Plan(episode_at=T0)


def test_a_page_after_a_day_waits_the_whole_day() -> None:
    policy = DEFAULT.model_copy(update={"SEV3": "24h"})
    timer = Timer(name=f"inc-1-page-{int(T0.timestamp())}", step="page", at=T0 + timedelta(days=1))
    assert plan(_incident(), policy, T0 + MIN, why_page=WHY) == Plan(timers=(timer,), episode_at=T0)
    assert plan(_incident(), policy, T0 + timedelta(days=1), why_page=WHY) == Plan(
        sends=(("trigger", f"{WHY}; not acknowledged within 24 h"),), episode_at=T0
    )
