"""A page that fell due while its incident was open and was never sent (every attempt failed until the
signals calmed: chaos finding 3): sent late, saying so, then resolved - the on-call learns that the
outage happened and that it is over. A page that was not yet due when it calmed stays unsent. Each Plan
is written out whole from page_plan's docstring and the default policy (SEV2 pages at once, SEV3 when
not acknowledged within 15 min, SEV4 never; a resolution holds after 10 min)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiops.catalog.escalation_policy import DEFAULT
from aiops.escalation.page_plan import Plan, plan
from aiops.incident.model import Ack, Escalation, Incident, PageAction, Timer

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
WHY = "no runbook fits this incident"
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


def _calmed(severity: str, after: timedelta, **kw: object) -> Incident:
    """An incident of ``severity`` opened at T0 whose signals all cleared ``after`` (mitigated)."""
    base: dict[str, object] = {
        "id": "inc-1",
        "service": "svc",
        "title": "t",
        "severity": severity,
        "opened_at": T0,
        "last_activity_at": T0 + after,
        "status": "mitigated",
        "mitigated_at": T0 + after,
    }
    base.update(kw)
    return Incident.model_validate(base)


def _late(why: str, calmed: str) -> tuple[PageAction, str]:
    return ("trigger", f"{why} (it calmed at {calmed}, before the page could be sent)")


def test_a_page_due_at_once_and_never_sent_is_sent_when_the_incident_has_calmed() -> None:
    # GIVEN a SEV2 (the default policy pages it at once) that calmed after 70 s, never paged
    decided = plan(_calmed("SEV2", 70 * SEC), DEFAULT, T0 + 2 * MIN, why_page=WHY)
    # THEN its page is sent now, saying why and when it calmed, in this episode
    assert decided == Plan(sends=(_late(WHY, "10:01:10Z"),), episode_at=T0)


def test_a_delayed_page_is_owed_only_if_the_incident_was_open_past_its_delay() -> None:
    # GIVEN SEV3s (paged when not acknowledged within 15 min), calmed a second before and at 15 min
    early = plan(_calmed("SEV3", 15 * MIN - SEC), DEFAULT, T0 + 30 * MIN, why_page=WHY)
    due = plan(_calmed("SEV3", 15 * MIN), DEFAULT, T0 + 30 * MIN, why_page=WHY)
    # THEN the first was never due: nobody is paged; the second was (its timer was lost): paged
    assert early == Plan(episode_at=T0)
    why = f"{WHY}; not acknowledged within 15 min"
    assert due == Plan(sends=(_late(why, "10:15:00Z"),), episode_at=T0)


def test_the_delay_counts_from_the_episode_and_a_page_of_an_earlier_episode_does_not_count() -> None:
    # GIVEN a SEV3 paged and resolved in its first episode, back an hour later (a new episode, never
    # paged in it)
    first = (
        Escalation(target="pagerduty", action="trigger", at=T0),
        Escalation(target="pagerduty", action="resolve", at=T0 + 30 * MIN),
    )
    again = T0 + 60 * MIN
    # WHEN it calmed 10 min into the new episode (70 min after it first opened): not due
    short = _calmed("SEV3", 70 * MIN, episode_at=again, escalations=first)
    assert plan(short, DEFAULT, T0 + 71 * MIN, why_page=WHY) == Plan(episode_at=again)
    # WHEN it calmed 20 min into it: due in this episode, whatever was paged in the first
    long = _calmed("SEV3", 80 * MIN, episode_at=again, escalations=first)
    why = f"{WHY}; not acknowledged within 15 min"
    assert plan(long, DEFAULT, T0 + 81 * MIN, why_page=WHY) == Plan(
        sends=(_late(why, "11:20:00Z"),), episode_at=again
    )
    # AND a page sent as the new episode began counts for it (the page's own time is the episode's)
    paged = _calmed(
        "SEV3",
        80 * MIN,
        episode_at=again,
        escalations=(*first, Escalation(target="sns", action="trigger", at=again)),
    )
    assert plan(paged, DEFAULT, T0 + 81 * MIN, why_page=WHY) == Plan(episode_at=again)


def test_a_resolved_incident_whose_page_was_owed_is_triggered_then_resolved() -> None:
    # GIVEN a SEV2 never paged that calmed after a minute, then resolved at 2 min
    resolved = _calmed("SEV2", MIN, status="resolved", resolved_at=T0 + 2 * MIN)
    # WHEN its resolution held (the default 10 min): the page is sent and resolved at once
    now = T0 + 12 * MIN
    assert plan(resolved, DEFAULT, now, why_page=WHY) == Plan(
        sends=(_late(WHY, "10:01:00Z"), ("resolve", "resolved and calm for 10 min")),
        settled_at=now,
        settle=True,
    )
    # AND before it held, the trigger goes now and the resolve waits for the settle timer
    timer = Timer(name=f"inc-1-settle-{int((T0 + 2 * MIN).timestamp())}", step="settle", at=T0 + 12 * MIN)
    assert plan(resolved, DEFAULT, T0 + 3 * MIN, why_page=WHY) == Plan(
        sends=(_late(WHY, "10:01:00Z"),), timers=(timer,)
    )


def test_the_calm_is_when_it_was_mitigated_and_else_when_it_resolved() -> None:
    # GIVEN a SEV3 mitigated after 5 min that resolved at 20: it calmed before its page was due
    mitigated_first = _calmed("SEV3", 5 * MIN, status="resolved", resolved_at=T0 + 20 * MIN)
    assert plan(mitigated_first, DEFAULT, T0 + 21 * MIN, why_page=WHY) == Plan(
        timers=(
            Timer(name=f"inc-1-settle-{int((T0 + 20 * MIN).timestamp())}", step="settle", at=T0 + 30 * MIN),
        )
    )
    # GIVEN one that resolved at 20 min without being mitigated first: it calmed at 20, past its delay
    resolved_only = _calmed("SEV3", 20 * MIN, status="resolved", mitigated_at=None, resolved_at=T0 + 20 * MIN)
    why = f"{WHY}; not acknowledged within 15 min"
    now = T0 + 30 * MIN
    assert plan(resolved_only, DEFAULT, now, why_page=WHY) == Plan(
        sends=(_late(why, "10:20:00Z"), ("resolve", "resolved and calm for 10 min")),
        settled_at=now,
        settle=True,
    )


def test_nothing_is_owed_when_it_was_paged_acknowledged_or_a_fix_holds_the_page() -> None:
    trigger = Escalation(target="pagerduty", action="trigger", at=T0)
    paged = _calmed("SEV2", MIN, escalations=(trigger,))
    acked = _calmed("SEV2", MIN, acknowledged=Ack(by="U1", at=T0))
    for incident in (paged, acked):
        assert plan(incident, DEFAULT, T0 + 2 * MIN, why_page=WHY) == Plan(episode_at=T0)
    # a fix ran (the escalator gives no reason to page): the calm is its doing, nobody is owed a page
    assert plan(_calmed("SEV2", MIN), DEFAULT, T0 + 2 * MIN, why_page="") == Plan(episode_at=T0)
    # a SEV4 is never paged
    assert plan(_calmed("SEV4", MIN), DEFAULT, T0 + 2 * MIN, why_page=WHY) == Plan(episode_at=T0)
    # and resolved, its resolution held: only the open page is resolved, nothing triggered late
    now = T0 + 13 * MIN
    cases: tuple[tuple[Incident, tuple[tuple[PageAction, str], ...]], ...] = (
        (paged, (("resolve", "resolved and calm for 10 min"),)),
        (acked, ()),
        (_calmed("SEV4", MIN), ()),
    )
    for incident, sends in cases:
        done = incident.model_copy(update={"status": "resolved", "resolved_at": T0 + 2 * MIN})
        assert plan(done, DEFAULT, now, why_page=WHY) == Plan(sends=sends, settled_at=now, settle=True)
    unfixed = _calmed("SEV2", MIN, status="resolved", resolved_at=T0 + 2 * MIN)
    assert plan(unfixed, DEFAULT, now, why_page="") == Plan(settled_at=now, settle=True)


def test_a_second_episode_that_calmed_before_its_page_is_paged_late_as_a_new_episode() -> None:
    # GIVEN a SEV2 paged and resolved in its first episode, settled at 20 min, back at 60 min; every
    # attempt to page failed until it calmed again at 61 min (the plan never ran while it was open)
    first = (
        Escalation(target="pagerduty", action="trigger", at=T0),
        Escalation(target="pagerduty", action="resolve", at=T0 + 20 * MIN),
    )
    back = T0 + 60 * MIN
    incident = _calmed("SEV2", 61 * MIN, escalations=first, settled_at=T0 + 20 * MIN, reopened_at=back)
    # THEN it is paged late, as the new episode it is (its start recorded, the old settlement cleared)
    assert plan(incident, DEFAULT, T0 + 62 * MIN, why_page=WHY) == Plan(
        sends=(_late(WHY, "11:01:00Z"),), episode_at=back, new_episode=True
    )
