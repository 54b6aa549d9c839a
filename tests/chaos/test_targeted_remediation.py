"""Issue 18, targeted faults 1, 3 and 6: a runbook start and its records, each failing at one step.

Every effect and its record is recoverable: the start is recorded on the incident before it happens, and
carried out again (same client token, same parameters: SSM answers the same execution) by the flush
until its run and its execution id are recorded; an action whose status event was lost is settled from
SSM's own record; an incident the flush resolves resolves its page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.chaos.bot import Bot, body_has, execution_of
from tests.chaos.storm import alarm, budget_note, change_event
from tests.support.aws_faults import fail

GUARD, API = "chat-assistant-guardrail-interventions", "chat-assistant-api-5xx"
TOKENS = "cost-bot-output-tokens"
DOCS = ("doc-search-rag-latency", "doc-search-api-latency")


def _prompt_regression(bot: Bot) -> dict[str, Any]:
    return bot.ingest(change_event(10), alarm(GUARD, "ALARM", 60), alarm(API, "ALARM", 70))


def _ends_mitigated_by_one_execution(bot: Bot) -> None:
    """The one execution is on the action; SSM's Success event mitigates; nobody was paged."""
    [execution] = bot.automation.executions
    assert execution_of(bot, "chat-assistant") == execution
    assert bot.ssm_reports(execution) == {"batchItemFailures": []}
    incident = bot.incident("chat-assistant")
    assert (incident.status, incident.actions[0].status) == ("mitigated", "succeeded")
    assert incident.escalations == () and bot.pagerduty.events == []


def test_1_the_run_record_failing_after_the_start_is_repaired_by_the_flush(bot: Bot) -> None:
    # GIVEN the run record (RUN# and EXE# rows) fails, after SSM started the runbook (and again when the
    # invocation tries once more at once)
    failed = fail(bot.dynamodb, "TransactWriteItems", when=body_has("EXE#"), times=2)
    # WHEN a prompt change and its symptoms arrive
    assert _prompt_regression(bot) == {"batchItemFailures": []}
    # THEN the start is recorded, its execution not yet: nothing was lost, nobody paged
    [action] = bot.incident("chat-assistant").actions
    assert failed == ["ThrottlingException"] * 2
    assert (action.runbook, action.status, action.execution_id) == ("PromptRollback", "running", None)
    assert len(bot.automation.executions) == 1 and bot.pagerduty.events == []
    # WHEN the flush runs, THEN it starts it again with the same token: the same execution, recorded
    bot.flush()
    assert bot.automation.starts == 3
    _ends_mitigated_by_one_execution(bot)


def test_1_the_action_save_failing_after_the_start_is_repaired_by_the_flush(bot: Bot) -> None:
    # GIVEN the save of the started action (with its execution id) fails, after the run record (and
    # again when the invocation tries once more at once)
    failed = fail(bot.dynamodb, "TransactWriteItems", when=body_has("started automatically"), times=2)
    assert _prompt_regression(bot) == {"batchItemFailures": []}
    assert failed == ["ThrottlingException"] * 2
    assert bot.incident("chat-assistant").actions[0].execution_id is None
    # WHEN the next delivery changes the incident, THEN it carries the start out (no flush needed)
    bot.ingest(alarm("chat-assistant-orch-latency", "ALARM", 80))
    _ends_mitigated_by_one_execution(bot)


def test_1_an_approved_start_whose_record_fails_is_carried_out_and_its_failure_pages(bot: Bot) -> None:
    # GIVEN a cost runaway waiting for an approval in Slack
    bot.ingest(budget_note(30), alarm(TOKENS, "ALARM", 100))
    incident = bot.incident("cost-bot")
    assert [(a.runbook, a.status) for a in incident.actions] == [("TokenCap", "pending_approval")]
    # WHEN the on-call approves and the run record fails after SSM started the runbook
    failed = fail(bot.dynamodb, "TransactWriteItems", when=body_has("EXE#"))
    said = bot.app.remediation.approve(incident.id, "token-cap", "U0ONCALL", bot.app.pipeline.update)
    # THEN the approver hears it (the lazy listener swallows what raises: no exception may reach it)
    assert failed == ["ThrottlingException"]
    assert said == "TokenCap approved: starting it failed for now, it is retried shortly"
    [action] = bot.incident("cost-bot").actions
    assert (action.status, action.approved_by, action.execution_id) == ("running", "U0ONCALL", None)
    # WHEN the flush runs, THEN the approved start is recorded with its one execution
    bot.flush()
    [execution] = bot.automation.executions
    assert execution_of(bot, "cost-bot") == execution
    # WHEN SSM reports it Failed, THEN the action fails and a human is paged, once
    bot.ssm_reports(execution, "Failed")
    incident = bot.incident("cost-bot")
    assert incident.actions[0].status == "failed"
    assert [e.action for e in incident.escalations] == ["trigger"] and bot.triggers(incident.id) == 1


def test_1_an_action_whose_status_event_was_lost_is_settled_from_ssm(bot: Bot) -> None:
    assert _prompt_regression(bot) == {"batchItemFailures": []}
    execution = execution_of(bot, "chat-assistant")
    # GIVEN SSM finished the execution, and its status event never arrived (or its write failed)
    bot.automation.executions[execution].status = "Success"
    # WHEN the flush runs, THEN it asks SSM (GetAutomationExecution) and settles the action
    bot.flush()
    incident = bot.incident("chat-assistant")
    assert (incident.status, incident.actions[0].status) == ("mitigated", "succeeded")


def test_3_an_incident_the_flush_resolves_resolves_its_page(bot: Bot) -> None:
    # GIVEN doc-search (quiet period 1 min): no runbook fits, it pages
    bot.ingest(*(alarm(name, "ALARM", 45 + i) for i, name in enumerate(DOCS)))
    incident = bot.incident("doc-search")
    assert [e.action for e in incident.escalations] == ["trigger"]
    # WHEN every alarm clears, the incident is mitigated, its quiet period running
    bot.ingest(*(alarm(name, "OK", 180 + i) for i, name in enumerate(DOCS)))
    assert bot.incident("doc-search").status == "mitigated"
    # THEN the flush resolves it after its quiet period, and once the resolution held (the policy's
    # resolve_after, a minute here) a flush resolves the page too
    bot.flush(after=timedelta(minutes=2))
    incident = bot.incident("doc-search")
    assert incident.status == "resolved" and [e.action for e in incident.escalations] == ["trigger"]
    bot.flush(after=timedelta(minutes=1))
    incident = bot.incident("doc-search")
    assert [(e.action, e.pending) for e in incident.escalations] == [("trigger", False), ("resolve", False)]
    assert [(a.dedup_key, a.status) for a in bot.pagerduty.alerts] == [(incident.id, "resolved")]


def test_6_a_start_whose_answer_was_lost_is_found_again_not_failed(bot: Bot) -> None:
    # GIVEN SSM starts the runbook and its answer is lost (a read timeout after the call took effect)
    failed = fail(bot.ssm, "StartAutomationExecution", after=True)
    assert _prompt_regression(bot) == {"batchItemFailures": []}
    # THEN the action is not "failed: could not start" and nobody is paged: the start is pending
    assert failed == ["ReadTimeoutError (after)"]
    [action] = bot.incident("chat-assistant").actions
    assert (action.status, action.execution_id) == ("running", None) and bot.pagerduty.events == []
    # WHEN the flush retries it with the same token, THEN it is the execution SSM already runs
    bot.flush()
    _ends_mitigated_by_one_execution(bot)


def test_6_a_throttled_start_is_retried_with_the_same_token(bot: Bot) -> None:
    failed = fail(bot.ssm, "StartAutomationExecution", times=2)
    assert _prompt_regression(bot) == {"batchItemFailures": []}
    assert bot.automation.executions == {}
    bot.flush()  # throttled again
    assert failed == ["ThrottlingException", "ThrottlingException"] and bot.automation.executions == {}
    bot.flush()
    _ends_mitigated_by_one_execution(bot)


def test_6_a_start_failing_past_its_deadline_fails_the_action_and_pages(bot: Bot) -> None:
    # GIVEN SSM throttles every start
    fail(bot.ssm, "StartAutomationExecution", times=1000)
    assert _prompt_regression(bot) == {"batchItemFailures": []}
    bot.flush(after=timedelta(minutes=5))
    assert bot.incident("chat-assistant").actions[0].status == "running"  # still retried
    # WHEN the start has failed for more than 10 minutes, THEN the action fails and a human is paged
    bot.flush(after=timedelta(minutes=6))
    incident = bot.incident("chat-assistant")
    assert incident.actions[0].status == "failed"
    assert incident.actions[0].reason == "could not start: StartAutomationExecution: ThrottlingException"
    assert bot.triggers(incident.id) == 1 and bot.automation.executions == {}


def test_a_start_left_for_the_flush_reads_the_kill_switch_again(bot: Bot) -> None:
    # GIVEN a decided start that SSM throttled: the flush is to carry it out
    fail(bot.ssm, "StartAutomationExecution", times=2)
    assert _prompt_regression(bot) == {"batchItemFailures": []}
    assert bot.incident("chat-assistant").actions[0].execution_id is None
    # WHEN the operator turns automation off for the stack, and the flush runs
    from aiops.adapters.remediation import KILL_SWITCH

    bot.ssm.put_parameter(Name=KILL_SWITCH, Value="false", Type="String", Overwrite=True)
    bot.flush()
    # THEN nothing starts: the action ends skipped, saying why
    assert bot.automation.executions == {}
    [action] = bot.incident("chat-assistant").actions
    assert action.status == "skipped" and action.reason.startswith("automation is off for this stack")


def test_the_flush_leaves_an_incident_whose_first_fold_is_not_saved_yet(bot: Bot) -> None:
    # GIVEN a worker created doc-search's incident (the conditional put) and has not folded its first
    # signal into it yet: no member, no root cause (issue 23, found by the concurrent chaos runs)
    from aiops.incident.model import Incident

    now = bot.clock.now()
    made = bot.app.store.create(
        Incident(id="inc-000000000023", service="doc-search", title="t", opened_at=now, last_activity_at=now)
    )
    # WHEN the flush runs meanwhile, THEN it decides nothing on it: no "no runbook fits" page
    bot.flush()
    after = bot.app.store.get(made.id)
    assert after is not None and after.escalations == () and bot.pagerduty.events == []
