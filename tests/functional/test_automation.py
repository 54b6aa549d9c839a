"""Runbook starts happen once; SSM status events (handlers.automation) mitigate or escalate."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest

from aiops.adapters.batch import process_sqs_batch
from aiops.local.remediator import LocalRemediator
from aiops.remediation.runbooks import load_runbooks
from tests.support.events import load_event, sqs_batch

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "scenarios" / "1-prompt-regression"


@pytest.fixture
def world(aws: Any, make_app: Any, clock: Any) -> Any:
    ssm = boto3.client("ssm", region_name="us-east-1")
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    for v in ("v1", "v2", "v3"):
        ssm.put_parameter(Name="/llm/chat-assistant/prompt", Value=v, Type="String", Overwrite=True)
    remediator = LocalRemediator(load_runbooks(ROOT / "runbooks"), {"ssm": ssm, "cloudwatch": cw}, clock)
    return ssm, cw, remediator


def _lines() -> list[str]:
    return [ln for ln in (SCENARIO / "events.jsonl").read_text().splitlines() if ln.strip()]


def test_concurrent_workers_start_the_runbook_once(world: Any, make_app: Any, clock: Any) -> None:
    ssm, cw, remediator = world
    from aiops.local.app import AlarmMirror

    AlarmMirror(cw, _lines())  # the stream's alarms exist, as in the account
    apps = [make_app(own_client=True, remediator=remediator) for _ in range(4)]
    lines = _lines()
    clock.set(max(json.loads(ln)["time"] for ln in lines) and clock.now())
    threads = [
        threading.Thread(target=lambda a=a: process_sqs_batch(sqs_batch(*lines), a.pipeline)) for a in apps
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    [incident] = apps[0].store.all_incidents()
    assert [a.runbook for a in incident.actions] == ["PromptRollback"]
    assert len(remediator.executor.executions) == 1
    assert ssm.get_parameter(Name="/llm/chat-assistant/prompt")["Parameter"]["Value"] == "v2"


@pytest.mark.parametrize(
    ("status", "incident_status", "pages"), [("Success", "mitigated", 0), ("Failed", "open", 1)]
)
def test_automation_status_event_updates_the_incident(
    world: Any,
    make_app: Any,
    lambda_context: Any,
    fake_slack: Any,
    status: str,
    incident_status: str,
    pages: int,
) -> None:
    from aiops.local.app import AlarmMirror
    from handlers import automation

    _, cw, remediator = world

    AlarmMirror(cw, _lines())
    app = make_app(remediator=remediator)
    process_sqs_batch(sqs_batch(*_lines()), app.pipeline)
    [incident] = app.store.all_incidents()
    [action] = incident.actions
    assert action.status == "running" and action.execution_id
    # WHEN SSM reports the execution's end on EventBridge
    event = copy.deepcopy(load_event("automation/execution_success.json"))
    event["detail"]["ExecutionId"] = action.execution_id
    event["detail"]["Status"] = status
    automation.use(app)
    assert automation.handler(sqs_batch(event), lambda_context) == {"batchItemFailures": []}
    # THEN the action, the lifecycle and the pages follow
    [incident] = app.store.all_incidents()
    assert incident.actions[0].status == ("succeeded" if status == "Success" else "failed")
    assert incident.status == incident_status
    assert [e.action for e in incident.escalations] == ["trigger"] * pages
    # and a redelivered status event changes nothing
    before = app.store.get(incident.id)
    automation.handler(sqs_batch(event, start=1), lambda_context)
    assert app.store.get(incident.id) == before
    assert any("PromptRollback" in str(m.get("blocks")) for m in fake_slack.messages.values())


@pytest.mark.parametrize(
    ("how", "status", "change", "said"),
    [
        ("stopped", "Cancelled", "undone", "the change was undone"),
        ("undo denied", "Failed", "still_applied", "the change is STILL APPLIED"),
    ],
)
def test_a_failed_run_records_what_it_left_behind(
    world: Any,
    make_app: Any,
    lambda_context: Any,
    clock: Any,
    how: str,
    status: str,
    change: str,
    said: str,
) -> None:
    from datetime import timedelta

    from aiops.local.app import AlarmMirror
    from handlers import automation
    from tests.support.aws_stubs import deny

    ssm, cw, remediator = world
    AlarmMirror(cw, _lines())
    for alarm in cw.describe_alarms()["MetricAlarms"]:  # the symptoms persist while the fix is verified
        cw.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue="ALARM", StateReason="still failing")
    app = make_app(remediator=remediator)
    process_sqs_batch(sqs_batch(*_lines()), app.pipeline)
    [incident] = app.store.all_incidents()
    execution = incident.actions[0].execution_id
    assert ssm.get_parameter(Name="/llm/chat-assistant/prompt")["Parameter"]["Value"] == "v2"  # rolled back
    # GIVEN the run ends without success: stopped by someone, or its undo refused by IAM
    if how == "stopped":
        remediator.executor.cancel(execution)
    else:
        deny(ssm, "PutParameter")
        clock.set(clock.now() + timedelta(hours=2))
        remediator.executor.advance(execution)
    assert remediator.executor.executions[execution].status == status
    # WHEN SSM's status event arrives
    event = copy.deepcopy(load_event("automation/execution_failed.json"))
    event["detail"]["ExecutionId"] = execution
    event["detail"]["Status"] = status
    automation.use(app)
    try:
        assert automation.handler(sqs_batch(event), lambda_context) == {"batchItemFailures": []}
    finally:
        automation.use(None)
    # THEN the action says what the run left behind, and so does the page
    [incident] = app.store.all_incidents()
    [action] = incident.actions
    assert (action.status, action.change) == ("failed", change)
    assert said in action.reason
    [page] = incident.escalations
    assert said in page.reason


def test_ssm_step_record_is_read_page_by_page(aws: Any) -> None:
    from aiops.adapters.remediation import SsmRemediator
    from tests.support.aws_stubs import canned

    ssm = boto3.client("ssm", region_name="us-east-1")
    pages: dict[Any, dict[str, Any]] = {
        None: {
            "StepExecutions": [
                {"StepName": "recordCurrent", "StepStatus": "Success"},
                {"StepName": "change", "StepStatus": "Success"},
            ],
            "NextToken": "page-2",
        },
        "page-2": {
            "StepExecutions": [
                {"StepName": "verifyMetricAlarms", "StepStatus": "TimedOut"},
                {"StepName": "undo", "StepStatus": "Success"},
            ]
        },
    }
    seen: list[Any] = []

    def answer(request: dict[str, Any]) -> dict[str, Any]:  # the serialized request: a JSON body
        token = json.loads(request["body"]).get("NextToken")
        seen.append(token)
        return pages[token]

    canned(ssm, "DescribeAutomationStepExecutions", answer)
    outcome = SsmRemediator(ssm).outcome("4105a4fc-f944-11e6-9d32-0123456789ab")
    assert (outcome.changed, outcome.undone, outcome.change) == (True, True, "undone")
    assert seen == [None, "page-2"]
