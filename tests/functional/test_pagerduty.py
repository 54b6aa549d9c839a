"""Paging end to end: the real urllib3 client against a local fake PagerDuty Events API on 127.0.0.1
(``PAGERDUTY_EVENTS_URL``), SNS and Secrets Manager on moto, the app built from configuration as a
Lambda cold start builds it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from aiops.adapters.batch import process_sqs_batch
from aiops.adapters.config import Config
from aiops.adapters.pagerduty import PagerDuty, PagerDutyRejected, PagerDutyUnavailable
from aiops.adapters.wiring import App, build_app
from aiops.escalation.page_content import page_for
from aiops.incident.model import Incident, RootCause
from aiops.local.timers import LocalScheduler, fire_due
from tests.support.events import alarm_event, sqs_batch
from tests.support.fake_pagerduty import FakePagerDuty, start_fake_pagerduty

KEY = "R0UTINGKEY0123456789abcdefABCDEF"
DOC_KEY = "D0CSEARCHKEY0123456789abcdefABCD"
API = "chat-assistant-api-5xx"
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
INCIDENT = Incident(
    id="inc-abc",
    service="chat-assistant",
    title="<!channel> " + "x" * 3000,
    severity="SEV1",
    opened_at=T0,
    last_activity_at=T0,
    root_cause=RootCause(component="retriever", summary="retriever is the most upstream " + "y" * 2000),
)


@pytest.fixture
def fake() -> Iterator[FakePagerDuty]:
    f = start_fake_pagerduty()
    yield f
    assert f.server is not None
    f.server.shutdown()
    f.server.server_close()


def _build(aws: Any, fake_slack: Any, clock: Any, catalog: Any, **env: str) -> App:
    config = Config.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": fake_slack.url, "SLACK_CHANNEL": "#f", **env},
        table_name="aiops-test",
    )
    return build_app(config, clock=clock, dynamodb=aws, catalog=catalog, scheduler=LocalScheduler())


def _send(app: App, clock: Any, *events: dict[str, Any], start: int = 0) -> None:
    for n, event in enumerate(events):
        clock.set(datetime.fromisoformat(event["time"].replace("Z", "+00:00")))
        fire_due(app, clock, clock.now())
        process_sqs_batch(sqs_batch(event, start=start + n), app.pipeline)


def _sns_inbox() -> tuple[str, Any]:
    """A pager topic with a queue subscribed to it, as an on-call tool's subscription would be."""
    sns, sqs = boto3.client("sns", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="aiops-pager")["TopicArn"]
    queue = sqs.create_queue(QueueName="pager-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)

    def read() -> list[dict[str, Any]]:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in got]

    return topic, read


# -- the adapter alone --------------------------------------------------------------------------------


def test_the_event_is_what_pagerduty_validates(fake: FakePagerDuty) -> None:
    pd = PagerDuty(url=fake.url, backoff=0.01)
    pd.enqueue(KEY, page_for(INCIDENT, "trigger", "no runbook fits this incident", T0))
    [event] = fake.events
    payload = event["payload"]
    assert event["dedup_key"] == "inc-abc" and payload["severity"] == "critical"
    assert len(payload["summary"]) <= 1024 and payload["summary"].startswith(
        "[SEV1] chat-assistant: retriever"
    )
    assert set(payload["custom_details"]) >= {"impact", "root_cause", "evidence", "tried", "why_paged"}


def test_429_honours_retry_after_then_succeeds(fake: FakePagerDuty, virtual_time: Any) -> None:
    fake.script = [(429, {"Retry-After": "1"})]
    pd = PagerDuty(url=fake.url, backoff=0.01)
    pd.enqueue(KEY, page_for(INCIDENT, "trigger", "why", T0))
    # THEN it waited what PagerDuty asked (not its own 0.01 s backoff), then it was taken, once
    assert virtual_time.sleeps == [1.0] and fake.attempts == 2 and len(fake.events) == 1


def test_a_burst_of_5xx_gives_up_within_its_time_budget(fake: FakePagerDuty, virtual_time: Any) -> None:
    # GIVEN PagerDuty answering 500, and a Retry-After far beyond the budget
    fake.script = [(500, {})] * 50 + [(503, {"Retry-After": "120"})]
    pd = PagerDuty(url=fake.url, budget=1.0, backoff=0.05)
    with pytest.raises(PagerDutyUnavailable):
        pd.enqueue(KEY, page_for(INCIDENT, "trigger", "why", T0))
    # THEN it backed off, doubling, and gave up when the next wait would pass the 1 s budget (not 28 s
    # of urllib3 retries): 0.05 + 0.1 + 0.2 + 0.4 = 0.75 s waited; 0.8 more would pass 1 s
    assert virtual_time.sleeps == pytest.approx([0.05, 0.1, 0.2, 0.4])
    assert fake.attempts == 5


def test_400_is_not_retried(fake: FakePagerDuty) -> None:
    with pytest.raises(PagerDutyRejected) as info:
        PagerDuty(url=fake.url, backoff=0.01).enqueue("short", page_for(INCIDENT, "trigger", "why", T0))
    assert info.value.status == 400 and fake.attempts == 1


# -- through the app ----------------------------------------------------------------------------------


def test_trigger_acknowledge_resolve_in_order_under_one_dedup_key(
    aws: Any, fake: FakePagerDuty, fake_slack: Any, clock: Any, catalog: Any
) -> None:
    app = _build(aws, fake_slack, clock, catalog, PAGERDUTY_ROUTING_KEY=KEY, PAGERDUTY_EVENTS_URL=fake.url)
    # GIVEN a SEV2 (critical service, impact unknown) that no runbook fits: it pages at once
    _send(app, clock, alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"))
    [incident] = app.store.all_incidents()
    # WHEN someone acknowledges in Slack, then the alarm clears and stays clear
    app.pipeline.acknowledge(incident.id, "U0123ABCD")
    _send(app, clock, alarm_event(API, "OK", "2026-11-25T10:08:00Z"), start=1)
    fire_due(app, clock, None)
    # THEN PagerDuty saw trigger, acknowledge, resolve, all under the incident's id
    assert [e["event_action"] for e in fake.events] == ["trigger", "acknowledge", "resolve"]
    assert {e["dedup_key"] for e in fake.events} == {incident.id}
    assert {e["routing_key"] for e in fake.events} == {KEY}
    trigger = fake.events[0]
    assert trigger["payload"]["severity"] == "error"  # SEV2
    assert any(link["text"] == "Slack thread" for link in trigger["links"])
    assert any("console.aws.amazon.com" in link["href"] for link in trigger["links"])
    [incident] = app.store.all_incidents()
    assert [(e.target, e.action) for e in incident.escalations] == [
        ("pagerduty", "trigger"),
        ("pagerduty", "acknowledge"),
        ("pagerduty", "resolve"),
    ]


def test_a_reopened_incident_triggers_again_under_the_same_key(
    aws: Any, fake: FakePagerDuty, fake_slack: Any, clock: Any, catalog: Any
) -> None:
    app = _build(aws, fake_slack, clock, catalog, PAGERDUTY_ROUTING_KEY=KEY, PAGERDUTY_EVENTS_URL=fake.url)
    # GIVEN an incident paged, resolved and calm for 10 minutes (its page resolved)
    _send(
        app,
        clock,
        alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"),
        alarm_event(API, "OK", "2026-11-25T10:05:00Z"),
        # WHEN the same alarm fires again soon after: it reopens the incident
        alarm_event(API, "ALARM", "2026-11-25T10:20:00Z"),
    )
    # THEN it is paged again under the same key (PagerDuty opens a new alert for it)
    [incident] = app.store.all_incidents()
    assert incident.status == "open" and incident.reopens == 1
    assert [e["event_action"] for e in fake.events] == ["trigger", "resolve", "trigger"]
    assert {e["dedup_key"] for e in fake.events} == {incident.id}


def test_a_burst_of_500s_falls_back_to_sns_and_nothing_is_lost(
    aws: Any, fake: FakePagerDuty, fake_slack: Any, clock: Any, catalog: Any, virtual_time: Any
) -> None:
    topic, inbox = _sns_inbox()
    app = _build(
        aws,
        fake_slack,
        clock,
        catalog,
        PAGERDUTY_ROUTING_KEY=KEY,
        PAGERDUTY_EVENTS_URL=fake.url,
        AIOPS_PAGER_TOPIC_ARN=topic,
    )
    fake.script = [(500, {})] * 200  # PagerDuty down for a while
    _send(app, clock, alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"))
    # THEN the page went to SNS within PagerDuty's 3 s budget (its backoff waits under it), with what
    # went wrong
    assert 0 < virtual_time.slept < 3
    [incident] = app.store.all_incidents()
    [page] = incident.escalations
    assert (page.target, page.action) == ("sns", "trigger") and "500" in page.error
    [message] = inbox()
    body = json.loads(message["Message"])
    assert (body["incident_id"], body["action"], body["severity"]) == (incident.id, "trigger", "SEV2")
    assert set(body["details"]) >= {"impact", "root_cause", "evidence"}
    attributes = {k: v["Value"] for k, v in message["MessageAttributes"].items()}
    assert attributes == {"service": "chat-assistant", "severity": "SEV2", "action": "trigger"}
    # WHEN PagerDuty is back and the incident resolves: the resolve follows the trigger to SNS
    fake.script.clear()
    _send(app, clock, alarm_event(API, "OK", "2026-11-25T10:05:00Z"), start=1)
    fire_due(app, clock, None)
    assert [json.loads(m["Message"])["action"] for m in inbox()] == ["resolve"]
    assert fake.events == []


def test_a_400_is_recorded_on_the_incident_and_not_retried(
    aws: Any, fake: FakePagerDuty, fake_slack: Any, clock: Any, catalog: Any
) -> None:
    app = _build(aws, fake_slack, clock, catalog, PAGERDUTY_ROUTING_KEY=KEY, PAGERDUTY_EVENTS_URL=fake.url)
    fake.script = [(400, {})]
    _send(app, clock, alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"))
    [incident] = app.store.all_incidents()
    [page] = incident.escalations
    assert page.action == "trigger" and "400" in page.error
    # a later event of the same incident state pages nothing again: not retried
    _send(app, clock, alarm_event("chat-assistant-api-latency", "ALARM", "2026-11-25T10:01:00Z"), start=1)
    fire_due(app, clock, datetime(2026, 11, 25, 10, 30, tzinfo=UTC))
    assert fake.attempts == 1 and fake.events == []
    assert any("400" in e.text for e in app.store.timeline(incident.id))


def test_routing_keys_per_service_from_secrets_manager_and_sns_for_the_rest(
    aws: Any, fake: FakePagerDuty, fake_slack: Any, clock: Any, catalog: Any
) -> None:
    topic, inbox = _sns_inbox()
    secret = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="aiops-pagerduty-routes", SecretString=json.dumps({"doc-search": DOC_KEY})
    )["ARN"]
    app = _build(
        aws,
        fake_slack,
        clock,
        catalog,
        PAGERDUTY_ROUTING_KEY_SECRET_ARN=secret,
        PAGERDUTY_EVENTS_URL=fake.url,
        AIOPS_PAGER_TOPIC_ARN=topic,
    )
    # GIVEN two SEV2s: doc-search has a routing key, chat-assistant none (and there is no default)
    app.catalog = app.pipeline.catalog
    _send(
        app,
        clock,
        alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"),
        alarm_event("doc-search-api-5xx", "ALARM", "2026-11-25T10:00:30Z"),
    )
    fire_due(app, clock, datetime(2026, 11, 25, 10, 30, tzinfo=UTC))  # doc-search is SEV3: 15 min
    # THEN doc-search pages PagerDuty with its own key; chat-assistant pages SNS
    assert [(e["routing_key"], e["payload"]["group"]) for e in fake.events] == [(DOC_KEY, "doc-search")]
    assert [json.loads(m["Message"])["service"] for m in inbox()] == ["chat-assistant"]


def test_each_runbook_run_is_a_change_event(
    aws: Any, fake: FakePagerDuty, fake_slack: Any, clock: Any, catalog: Any, lambda_context: Any
) -> None:
    import copy
    from pathlib import Path

    from aiops.local.app import AlarmMirror
    from aiops.local.remediator import LocalRemediator
    from aiops.remediation.runbooks import load_runbooks
    from handlers import automation
    from tests.support.events import load_event

    root = Path(__file__).resolve().parents[2]
    lines = [
        ln
        for ln in (root / "examples/scenarios/1-prompt-regression/events.jsonl").read_text().splitlines()
        if ln.strip()
    ]
    ssm, cw = (
        boto3.client("ssm", region_name="us-east-1"),
        boto3.client("cloudwatch", region_name="us-east-1"),
    )
    for v in ("v1", "v2", "v3"):
        ssm.put_parameter(Name="/llm/chat-assistant/prompt", Value=v, Type="String", Overwrite=True)
    AlarmMirror(cw, lines)
    config = Config.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": fake_slack.url,
            "PAGERDUTY_ROUTING_KEY": KEY,
            "PAGERDUTY_EVENTS_URL": fake.url,
        },
        table_name="aiops-test",
    )
    remediator = LocalRemediator(load_runbooks(root / "runbooks"), {"ssm": ssm, "cloudwatch": cw}, clock)
    app = build_app(
        config, clock=clock, dynamodb=aws, catalog=catalog, remediator=remediator, scheduler=LocalScheduler()
    )
    # GIVEN a prompt regression: PromptRollback starts (and holds the page)
    process_sqs_batch(sqs_batch(*lines), app.pipeline)
    [incident] = app.store.all_incidents()
    [action] = incident.actions
    assert action.status == "running" and fake.events == []
    [started] = fake.changes
    assert started["routing_key"] == KEY and "PromptRollback running" in started["payload"]["summary"]
    assert started["payload"]["custom_details"]["execution_id"] == action.execution_id
    # WHEN SSM reports that it failed (and undid its change)
    event = copy.deepcopy(load_event("automation/execution_success.json"))
    event["detail"]["ExecutionId"] = action.execution_id
    event["detail"]["Status"] = "Failed"
    automation.use(app)
    try:
        automation.handler(sqs_batch(event), lambda_context)
    finally:
        automation.use(None)
    # THEN the end of the run is a change event too, and the page goes out at once with what was tried
    assert [c["payload"]["custom_details"]["status"] for c in fake.changes] == ["running", "failed"]
    [trigger] = fake.events
    assert trigger["event_action"] == "trigger"
    assert "PromptRollback failed" in trigger["payload"]["summary"]
    assert trigger["payload"]["custom_details"]["tried"][0].startswith("PromptRollback failed")


def test_a_page_is_recorded_before_it_is_sent_and_sent_again_until_delivered(
    aws: Any, fake: FakePagerDuty, fake_slack: Any, clock: Any, catalog: Any
) -> None:
    # GIVEN two containers, and PagerDuty down (no SNS topic to fall back to)
    env = {"PAGERDUTY_ROUTING_KEY": KEY, "PAGERDUTY_EVENTS_URL": fake.url}
    app, other = (
        _build(aws, fake_slack, clock, catalog, **env),
        _build(aws, fake_slack, clock, catalog, **env),
    )
    fake.script = [(503, {})] * 200
    _send(app, clock, alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"))
    [incident] = app.store.all_incidents()
    # THEN the page is recorded, not delivered: no thread reply says it was
    [page] = incident.escalations
    assert (page.action, page.pending) == ("trigger", True) and fake.events == []
    assert not any(e.key.startswith("page:") for e in app.store.timeline(incident.id))
    # WHEN PagerDuty is back and both containers decide on the same (stale) copy at once
    fake.script.clear()
    clock.set(clock.now() + timedelta(minutes=1))
    app.remediation.escalator.escalate(incident, app.pipeline.update)
    other.remediation.escalator.escalate(incident, other.pipeline.update)
    # THEN it is sent once, recorded delivered once, said once in the thread
    [incident] = app.store.all_incidents()
    [page] = incident.escalations
    assert (page.action, page.pending, page.target) == ("trigger", False, "pagerduty")
    assert [e["event_action"] for e in fake.events] == ["trigger"]
    assert [e.key for e in app.store.timeline(incident.id) if e.key.startswith("page:")] == ["page:trigger:1"]


def test_a_page_pagerduty_may_have_taken_keeps_it_and_the_sns_fallback_is_resolved_too(
    aws: Any, fake: FakePagerDuty, fake_slack: Any, clock: Any, catalog: Any
) -> None:
    # GIVEN PagerDuty takes every event and every answer is lost within the 3 s budget
    topic, inbox = _sns_inbox()
    app = _build(
        aws,
        fake_slack,
        clock,
        catalog,
        PAGERDUTY_ROUTING_KEY=KEY,
        PAGERDUTY_EVENTS_URL=fake.url,
        AIOPS_PAGER_TOPIC_ARN=topic,
    )
    fake.lose_answers = True
    # WHEN an incident pages
    _send(app, clock, alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"))
    # THEN PagerDuty holds the alert, SNS took the fallback, and the page records both targets
    [incident] = app.store.all_incidents()
    [page] = incident.escalations
    assert (page.target, page.action) == ("pagerduty", "trigger")  # main said "sns": resolve went there only
    assert page.fallback == "sns"
    assert [a.status for a in fake.alerts] == ["triggered"]
    assert [json.loads(m["Message"])["action"] for m in inbox()] == ["trigger"]
    # WHEN the incident resolves (PagerDuty still loses its answers)
    _send(app, clock, alarm_event(API, "OK", "2026-11-25T10:05:00Z"), start=1)
    fire_due(app, clock, None)
    # THEN both targets are resolved: PagerDuty's alert stops escalating, SNS hears the resolve
    assert [(a.dedup_key, a.status) for a in fake.alerts] == [(incident.id, "resolved")]
    assert [json.loads(m["Message"])["action"] for m in inbox()] == ["resolve"]
    done = app.store.get(incident.id)
    assert done is not None
    assert [(e.action, e.target, e.fallback) for e in done.escalations] == [
        ("trigger", "pagerduty", "sns"),
        ("resolve", "pagerduty", "sns"),
    ]
