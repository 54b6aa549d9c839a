"""Issue 28, findings 3 and 4 of the chaos storm's verdict: a page due while its incident was open, lost
to failures until the signals cleared; a page PagerDuty took whose "sent" record was lost.

What the on-call must see, whatever failed on the way: a SEV3 outage the policy pages at once reaches
them (late, saying so) and is resolved once it is over; one PagerDuty alert per incident episode, never a
second one opened by a stale trigger after its resolve; and the thread says "paged" when PagerDuty took
the page, even if the bot's record of having sent it was lost.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.chaos.bot import Bot, body_has
from tests.chaos.storm import alarm
from tests.support.aws_faults import fail

RAG, API = "doc-search-rag-latency", "doc-search-api-latency"


def _actions(bot: Bot, incident_id: str) -> list[str]:
    return [e["event_action"] for e in bot.pagerduty.events if e["dedup_key"] == incident_id]


def test_a_sev3_page_due_while_open_and_never_sent_is_sent_once_it_calmed_then_resolved(bot: Bot) -> None:
    # GIVEN doc-search's retriever slows down (SEV3: the policy pages at once) and the store read that
    # records the page fails on every attempt of that invocation: nothing is recorded, nobody is paged
    armed = [True]
    reads = body_has('"META"')
    failed = fail(bot.dynamodb, "GetItem", when=lambda body: armed[0] and reads(body), times=99)
    assert bot.ingest(alarm(RAG, "ALARM", 45), alarm(API, "ALARM", 55)) == {"batchItemFailures": []}
    armed[0] = False
    incident = bot.incident("doc-search")
    assert len(failed) >= 2  # both attempts at recording the page
    assert (incident.status, incident.escalations, bot.pagerduty.events) == ("open", (), [])
    # WHEN both alarms clear before anything tried again (the incident calms: mitigated)
    bot.ingest(alarm(RAG, "OK", 110), alarm(API, "OK", 115))
    # THEN the page that fell due while it was open is sent now, saying it calmed meanwhile: the on-call
    # learns that a SEV3 outage happened
    incident = bot.incident("doc-search")
    assert incident.status == "mitigated"
    assert _actions(bot, incident.id) == ["trigger"]
    [trigger] = [e for e in bot.pagerduty.events if e["event_action"] == "trigger"]
    assert trigger["payload"]["severity"] == "warning"
    assert "calmed" in str(trigger["payload"])
    assert [r for r in bot.replies(incident.id) if r.startswith("page:")] == ["page:trigger:1"]
    # WHEN the flush resolves it after its quiet period and the resolution holds for the policy's minute
    for _ in range(4):
        bot.flush()
    # THEN the page is resolved: one alert, triggered once, resolved - the on-call learns it is over
    assert bot.incident("doc-search").status == "resolved"
    assert _actions(bot, incident.id) == ["trigger", "resolve"]
    [alert] = [a for a in bot.pagerduty.alerts if a.dedup_key == incident.id]
    assert alert.status == "resolved"
    assert [r.partition(":")[0] for r in bot.replies(incident.id)] == ["page", "settled"]


def test_a_trigger_pagerduty_took_is_recorded_delivered_though_its_first_sent_record_failed(bot: Bot) -> None:
    # GIVEN doc-search pages, and the first write of "PagerDuty took it" fails (a store fault)
    failed = fail(bot.dynamodb, "TransactWriteItems", when=body_has("page trigger"))
    bot.ingest(alarm(RAG, "ALARM", 45), alarm(API, "ALARM", 55))
    # THEN the fact PagerDuty took it is recorded all the same, in that invocation: the page is not
    # left pending (to be taken over and sent again a minute later), and the thread says "paged"
    incident = bot.incident("doc-search")
    assert failed == ["ThrottlingException"]
    assert [(e.action, e.pending) for e in incident.escalations] == [("trigger", False)]
    assert _actions(bot, incident.id) == ["trigger"]
    assert [r for r in bot.replies(incident.id) if r.startswith("page:")] == ["page:trigger:1"]


def test_a_stale_trigger_is_never_sent_again_after_its_resolve_and_a_resolve_never_overtakes_it(
    bot: Bot,
) -> None:
    # GIVEN doc-search paged: PagerDuty took the trigger, and every write of that fact failed, so the
    # store still has it pending (as if another worker were still sending it)
    armed = [True]
    said = body_has("page trigger")
    fail(bot.dynamodb, "TransactWriteItems", when=lambda body: armed[0] and said(body), times=99)
    bot.ingest(alarm(RAG, "ALARM", 45), alarm(API, "ALARM", 55))
    armed[0] = False
    incident = bot.incident("doc-search")
    assert [(e.action, e.pending) for e in incident.escalations] == [("trigger", True)]
    # WHEN the on-call resolves it in Slack within the minute (the trigger's lease still runs)
    bot.clock.set(bot.clock.now() + timedelta(seconds=20))
    bot.app.pipeline.resolve_by(incident.id, "U0ONCALL")
    # THEN the resolve is recorded, and not sent ahead of a trigger that may still be on its way
    assert _actions(bot, incident.id) == ["trigger"]
    # WHEN the flush runs once the trigger's lease lapsed, and again later
    bot.flush()
    bot.flush()
    # THEN the trigger (which PagerDuty may or may not hold: the bot cannot know) goes again, BEFORE its
    # resolve, which was never sent: PagerDuty folds it into the open alert by its dedup key; then the
    # resolve. One alert for the incident, resolved - never a trigger after its resolve, which would open
    # a second alert paging the on-call for an incident resolved minutes before
    assert _actions(bot, incident.id) == ["trigger", "trigger", "resolve"]
    assert [a.status for a in bot.pagerduty.alerts if a.dedup_key == incident.id] == ["resolved"]
    assert not any(e.pending for e in bot.incident("doc-search").escalations)


def test_a_stale_trigger_is_not_sent_after_a_resolve_that_may_have_reached_pagerduty(bot: Bot) -> None:
    # GIVEN doc-search paged (PagerDuty took the trigger; every write of that fact failed: pending), and
    # the resolve was sent when the trigger's lease lapsed - PagerDuty took it, and its record failed too
    armed = [True]
    said = body_has("page trigger")
    fail(bot.dynamodb, "TransactWriteItems", when=lambda body: armed[0] and said(body), times=99)
    bot.ingest(alarm(RAG, "ALARM", 45), alarm(API, "ALARM", 55))
    armed[0] = False
    incident = bot.incident("doc-search")
    bot.clock.set(bot.clock.now() + timedelta(seconds=20))
    bot.app.pipeline.resolve_by(incident.id, "U0ONCALL")
    bot.flush()  # the lease lapsed: trigger then resolve sent (one alert, resolved)
    assert _actions(bot, incident.id) == ["trigger", "trigger", "resolve"]

    # WHEN, by a lost record, the store again says the trigger is pending and the resolve was tried
    def lost(inc: Any) -> tuple[Any, list[Any]]:
        stale = tuple(e.model_copy(update={"pending": True, "tried_at": e.at}) for e in inc.escalations)
        return inc.model_copy(update={"escalations": stale}), []

    bot.app.pipeline.update(incident.id, lost)
    bot.flush(after=timedelta(minutes=5))
    # THEN the stale trigger is not sent after the resolve that may have reached PagerDuty (it is marked
    # superseded): no second alert
    assert _actions(bot, incident.id)[-1] != "trigger"
    assert [a.status for a in bot.pagerduty.alerts if a.dedup_key == incident.id] == ["resolved"]


def test_a_trigger_pagerduty_never_took_is_sent_before_its_held_back_resolve(bot: Bot) -> None:
    # GIVEN doc-search pages (SEV3: at once) and PagerDuty refuses every attempt of that invocation
    # (5xx for its whole retry budget): the trigger is recorded and stays pending, nobody is paged
    bot.pagerduty.script = [(500, {})] * 50
    bot.ingest(alarm(RAG, "ALARM", 45), alarm(API, "ALARM", 55))
    incident = bot.incident("doc-search")
    assert [(e.action, e.pending) for e in incident.escalations] == [("trigger", True)]
    assert _actions(bot, incident.id) == []
    bot.pagerduty.script = []
    # WHEN the on-call, who saw the Slack thread, resolves it within the trigger's minute
    bot.clock.set(bot.clock.now() + timedelta(seconds=20))
    bot.app.pipeline.resolve_by(incident.id, "U0ONCALL")
    assert _actions(bot, incident.id) == []  # held back behind the trigger still pending
    # WHEN the flush takes both over once they lapsed
    bot.flush()
    bot.flush()
    # THEN the trigger PagerDuty never took is sent, then its resolve: PagerDuty's record has the
    # incident (paged and resolved), instead of a trigger superseded by a resolve that never went out
    assert _actions(bot, incident.id) == ["trigger", "resolve"]
    assert [a.status for a in bot.pagerduty.alerts if a.dedup_key == incident.id] == ["resolved"]
    assert not any(e.pending for e in bot.incident("doc-search").escalations)
