"""Issue 28: an invocation killed at the Lambda timeout, at the step the chaos storm found it costly.

Lambda kills an invocation that runs past its timeout: no ``except`` runs, nothing is reported, and SQS
redelivers the whole batch only after its visibility timeout (3 min). What the killed invocation left
undone is redone by whoever comes next - the flush within a minute, or the next event - not left for the
redelivery, by when the symptom may have cleared.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.chaos.bot import Bot, body_has, execution_of
from tests.chaos.storm import alarm, change_event
from tests.support.aws_faults import fail

GUARD = "chat-assistant-guardrail-interventions"
RAG, API = "doc-search-rag-latency", "doc-search-api-latency"


class Killed(BaseException):
    """Lambda killed the invocation at its timeout (a BaseException: no ``except Exception`` stops it)."""


def hang(client: Any, operation: str) -> list[str]:
    """The next call of ``operation`` never answers: the invocation making it is killed there."""
    service = client.meta.service_model.service_id.hyphenize()
    hung: list[str] = []

    def before(**_: Any) -> None:
        if not hung:
            hung.append(operation)
            raise Killed(operation)

    client.meta.events.register_first(f"before-call.{service}.{operation}", before)
    return hung


def test_a_kill_during_the_first_assessment_is_assessed_and_remediated_by_the_flush(bot: Bot) -> None:
    # GIVEN the CloudWatch read of the incident's first assessment never answers: the invocation that
    # opened the incident is killed between its fold and its assessment
    assert bot.app.metrics is not None
    hung = hang(bot.app.metrics.client, "GetMetricData")
    # WHEN a prompt change and the guardrail symptom it causes arrive
    batch = (change_event(10), alarm(GUARD, "ALARM", 60))
    with pytest.raises(Killed):
        bot.ingest(*batch)
    assert hung == ["GetMetricData"]
    # THEN the incident says what opened it, and that its assessment is owed
    opened = bot.incident("chat-assistant")
    assert [m.resource for m in opened.firing] == [GUARD]
    assert opened.assessment_owed and opened.root_cause is None and opened.actions == ()
    # WHEN the flush runs, half a minute after the killed worker's timeout
    bot.flush(after=timedelta(seconds=60))
    # THEN it assesses it (the change is the root cause) and starts PromptRollback - it does not page
    # "no runbook fits", nor wait three minutes for the redelivery
    incident = bot.incident("chat-assistant")
    assert not incident.assessment_owed
    assert incident.root_cause is not None and incident.root_cause.component == "prompt"
    assert incident.root_cause.change == "18000000-0000-4000-8000-000000000001"
    assert [(a.runbook, a.status) for a in incident.actions] == [("PromptRollback", "running")]
    assert execution_of(bot, "chat-assistant") and bot.pagerduty.events == []
    # AND the redelivery of the killed batch, minutes later, changes nothing: one execution
    bot.clock.set(bot.clock.now() + timedelta(minutes=3))
    assert bot.ingest(*batch) == {"batchItemFailures": []}
    assert len(bot.automation.executions) == 1
    assert [(a.runbook, a.status) for a in bot.incident("chat-assistant").actions] == [
        ("PromptRollback", "running")
    ]


def test_the_flush_leaves_an_unassessed_incident_to_a_worker_that_may_still_be_assessing_it(
    bot: Bot,
) -> None:
    # GIVEN an incident whose opening invocation was killed before its assessment
    assert bot.app.metrics is not None
    hang(bot.app.metrics.client, "GetMetricData")
    with pytest.raises(Killed):
        bot.ingest(change_event(10), alarm(GUARD, "ALARM", 60))
    # WHEN the flush runs within the function's timeout of its last event (its worker may be alive)
    bot.flush(after=timedelta(seconds=10))
    # THEN it neither assesses nor acts on it: no decision on a record without its cause, no page
    incident = bot.incident("chat-assistant")
    assert incident.assessment_owed and incident.actions == () and bot.pagerduty.events == []


def test_a_decision_deferred_by_failures_is_still_made_when_the_flush_to_make_it_was_killed(
    bot: Bot,
) -> None:
    # GIVEN a prompt change and its guardrail symptom, whose decision cannot be made in that invocation
    # (reading the kill switch fails on every attempt): it is deferred, nobody is paged meanwhile
    armed = [True]
    failed = fail(bot.ssm, "GetParameter", when=lambda _: armed[0], times=99)
    bot.ingest(change_event(10), alarm(GUARD, "ALARM", 60))
    armed[0] = False
    assert failed and bot.incident("chat-assistant").actions == () and bot.pagerduty.events == []
    # WHEN the flush that was to make it is killed at the Lambda timeout (its first store read hangs)
    hang(bot.dynamodb, "Query")
    with pytest.raises(Killed):
        bot.flush()
    # AND the symptom clears before anything else runs
    bot.ingest(alarm(GUARD, "OK", 180))
    # THEN the decision it owed is made all the same, as of when the incident was open: PromptRollback,
    # verifying the alarm that fired - a symptom clearing first does not cancel a fix for a bad change
    incident = bot.incident("chat-assistant")
    [action] = incident.actions
    assert (action.runbook, action.status) == ("PromptRollback", "running")
    assert action.parameters["VerifyAlarmNames"] == [GUARD]
    assert bot.pagerduty.events == []
    # AND SSM's success ends it resolved, fixed once, nobody paged
    assert bot.ssm_reports(execution_of(bot, "chat-assistant")) == {"batchItemFailures": []}
    bot.flush()
    bot.flush()
    assert len(bot.automation.executions) == 1 and bot.pagerduty.events == []
    assert bot.incident("chat-assistant").actions[0].status == "succeeded"


def test_alarms_a_killed_batch_delivers_after_their_oks_join_their_incident_not_a_second_one(
    bot: Bot,
) -> None:
    # GIVEN doc-search's retriever slows down and its incident opens; the api's ALARM, in a batch killed
    # at the Lambda timeout before anything of it was recorded, waits for SQS's redelivery (3 min)
    bot.ingest(alarm("doc-search-rag-latency", "ALARM", 45))
    # WHEN both alarms' OKs arrive first, and the incident resolves after its quiet period
    bot.ingest(alarm("doc-search-rag-latency", "OK", 110), alarm("doc-search-api-latency", "OK", 115))
    bot.flush()
    bot.flush()
    # AND the api's ALARM arrives at last, with its redelivered batch
    bot.ingest(alarm("doc-search-api-latency", "ALARM", 55))
    # THEN it joins the incident whose OK it preceded: one incident, with every signal, the retriever
    # (most upstream) its root cause - not a second incident opened for an alarm cleared minutes ago
    [incident] = [i for i in bot.app.store.all_incidents() if i.service == "doc-search"]
    assert incident.status == "resolved" and len(incident.members) == 2
    assert incident.root_cause is not None and incident.root_cause.component == "retriever"
    assert all(m.status == "resolved" and m.fired_at is not None for m in incident.members.values())


def test_an_ok_in_the_batch_whose_incident_creation_failed_waits_for_the_retry_and_joins_it(
    bot: Bot,
) -> None:
    # GIVEN the write creating doc-search's incident fails once (the cycle is retried within the batch)
    failed = fail(bot.dynamodb, "TransactWriteItems", when=body_has("active = :false"))
    # WHEN one batch holds the retriever's ALARM and the OK of the api's alarm, whose ALARM is late
    rag_alarm, rag_ok = alarm(RAG, "ALARM", 45), alarm(RAG, "OK", 110)
    assert bot.ingest(rag_alarm, alarm(API, "OK", 115)) == {"batchItemFailures": []}
    assert failed == ["ThrottlingException"]
    # THEN the OK waited for the incident's creation and joined it (not left outside as an orphan)
    assert {m.resource for m in bot.incident("doc-search").members.values()} == {RAG, API}
    # WHEN the incident resolves, and the api's ALARM arrives at last
    bot.ingest(rag_ok)
    bot.flush()
    bot.flush()
    bot.ingest(alarm(API, "ALARM", 55))
    # THEN it joins the same incident: one doc-search incident
    [incident] = [i for i in bot.app.store.all_incidents() if i.service == "doc-search"]
    assert incident.status == "resolved" and {m.resource for m in incident.members.values()} == {RAG, API}


def test_the_signal_that_opened_an_incident_killed_before_its_record_joins_it_when_redelivered(
    bot: Bot,
) -> None:
    # GIVEN the invocation that opens the incident is killed after creating it, before it records the
    # opening signal's state (the fold's read of the service's changes never answers; chaos finding 7)
    hung = hang(bot.dynamodb, "Query")
    opening = alarm(GUARD, "ALARM", 60)
    with pytest.raises(Killed):
        bot.ingest(opening)
    assert hung == ["Query"]
    opened = bot.incident("chat-assistant")
    # AND the incident goes on without it: the on-call resolves it from Slack
    bot.clock.set(bot.clock.now() + timedelta(minutes=2))
    bot.app.pipeline.resolve_by(opened.id, "U0ONCALL")
    assert bot.incident("chat-assistant").status == "resolved"
    # WHEN SQS redelivers the killed batch, minutes later
    bot.clock.set(bot.clock.now() + timedelta(minutes=3))
    # THEN the signal joins the incident it opened, as its history: not retried into the dead-letter
    # queue (opening the incident again conflicts with itself: the id is the opening signal's)
    assert bot.ingest(opening) == {"batchItemFailures": []}
    incident = bot.incident("chat-assistant")  # still one incident: the one it opened
    assert incident.id == opened.id and incident.status == "resolved" and incident.reopens == 0
    assert bot.ingest(opening) == {"batchItemFailures": []}  # and is a duplicate from then on
