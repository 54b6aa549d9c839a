"""A page that fell due while its incident was open and was never sent (every attempt failed until the
signals calmed: chaos finding 3): sent late, saying so, then resolved - the on-call learns that the
outage happened and that it is over. A page that was not yet due when it calmed stays unsent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiops.catalog.escalation_policy import DEFAULT
from aiops.escalation.page_plan import plan
from aiops.incident.model import Ack, Escalation, Incident

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
WHY = "no runbook fits this incident"
MIN = timedelta(minutes=1)


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


def test_a_page_due_at_once_and_never_sent_is_sent_when_the_incident_has_calmed() -> None:
    # GIVEN a SEV2 (the default policy pages it at once) that calmed after 70 s, never paged
    decided = plan(_calmed("SEV2", 70 * timedelta(seconds=1)), DEFAULT, T0 + 2 * MIN, why_page=WHY)
    # THEN its page is sent now, saying why and that it calmed before it could be sent
    [(action, why)] = decided.sends
    assert action == "trigger" and why.startswith(WHY) and "calmed at 10:01:10Z" in why


def test_a_delayed_page_is_owed_only_if_the_incident_was_open_past_its_delay() -> None:
    # GIVEN SEV3s (paged when not acknowledged within 15 min): one calmed after 5 min, one after 20
    early = plan(_calmed("SEV3", 5 * MIN), DEFAULT, T0 + 30 * MIN, why_page=WHY)
    late = plan(_calmed("SEV3", 20 * MIN), DEFAULT, T0 + 30 * MIN, why_page=WHY)
    # THEN the first was never due: nobody is paged; the second was (its timer was lost): paged
    assert early.sends == ()
    [(action, why)] = late.sends
    assert action == "trigger" and "not acknowledged within 15 min" in why and "calmed" in why


def test_a_resolved_incident_whose_page_was_owed_is_triggered_then_resolved() -> None:
    # GIVEN a SEV2 never paged that calmed, then resolved, its resolution held (the default 10 min)
    resolved = _calmed("SEV2", MIN, status="resolved", resolved_at=T0 + 2 * MIN)
    decided = plan(resolved, DEFAULT, T0 + 12 * MIN, why_page=WHY)
    # THEN the page is sent and resolved at once: the on-call learns of it and that it is over
    assert [a for a, _ in decided.sends] == ["trigger", "resolve"] and decided.settle
    # AND before the resolution held, the trigger goes now and the resolve waits for it
    holding = plan(resolved, DEFAULT, T0 + 3 * MIN, why_page=WHY)
    assert [a for a, _ in holding.sends] == ["trigger"] and not holding.settle and holding.timers


def test_nothing_is_owed_when_it_was_paged_acknowledged_or_a_fix_holds_the_page() -> None:
    paged = _calmed("SEV2", MIN, escalations=(Escalation(target="pagerduty", action="trigger", at=T0),))
    acked = _calmed("SEV2", MIN, acknowledged=Ack(by="U1", at=T0))
    for incident in (paged, acked):
        assert plan(incident, DEFAULT, T0 + 2 * MIN, why_page=WHY).sends == ()
    # a fix ran (the escalator gives no reason to page): the calm is its doing, nobody is owed a page
    assert plan(_calmed("SEV2", MIN), DEFAULT, T0 + 2 * MIN, why_page="").sends == ()
    # a SEV4 is never paged
    assert plan(_calmed("SEV4", MIN), DEFAULT, T0 + 2 * MIN, why_page=WHY).sends == ()
