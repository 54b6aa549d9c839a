"""PagerDuty Webhooks v3 end to end: handlers.pagerduty_webhook called as its Function URL calls it, with
the signing secret in Secrets Manager, the store, the timers (EventBridge Scheduler) and the pager topic on
moto, the real PagerDuty client against the local fake Events API, and the fake Slack API.

A person acknowledging (or resolving) a page in PagerDuty reaches the incident as an acknowledgement in
Slack does, and nothing is sent back to PagerDuty."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from aiops.adapters.batch import process_sqs_batch
from aiops.adapters.config import Config
from aiops.adapters.pagerduty_webhook import sign
from aiops.adapters.wiring import App, build_app
from aiops.incident.model import Incident
from aiops.signals.model import format_time
from tests.functional.test_timers import GROUP, ROLE_ARN, TIMERS_ARN, _fire, _schedules
from tests.support.events import alarm_event, load_event, sqs_batch
from tests.support.fake_pagerduty import FakePagerDuty, start_fake_pagerduty

SECRET = "ChGUJvmCbIq+ReOhsl6cS0wE3URkRrxNMQ4J8ve8XEQSaRbz2ZM7zDq/lj6tVkkt"
KEY = "R0UTINGKEY0123456789abcdefABCDEF"
DOC = "doc-search-api-5xx"  # a high-tier service, impact unknown: SEV3, paged after 15 minutes
API = "chat-assistant-api-5xx"  # a critical service, impact unknown: SEV2, paged at once


class SecretReads:
    """Powertools' get_secret, counted (against moto's Secrets Manager)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, name: str, **_: Any) -> str:
        self.names.append(name)
        client = boto3.client("secretsmanager", region_name="us-east-1")
        return str(client.get_secret_value(SecretId=name)["SecretString"])


@pytest.fixture
def pd() -> Iterator[FakePagerDuty]:
    fake = start_fake_pagerduty()
    yield fake
    assert fake.server is not None
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def world(
    aws: Any, fake_slack: Any, clock: Any, catalog: Any, pd: FakePagerDuty, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """The webhook function right after a cold start (its secret in Secrets Manager, nothing read yet),
    and the app every function builds: pages to the fake PagerDuty, timers on moto's scheduler."""
    import aws_lambda_powertools.utilities.parameters as parameters

    from aiops.adapters.pagerduty_webhook import WebhookVerifier
    from handlers import pagerduty_webhook

    boto3.client("scheduler", region_name="us-east-1").create_schedule_group(Name=GROUP)
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    secret = sm.create_secret(Name="aiops-pagerduty-webhook", SecretString=SECRET)["ARN"]
    reads = SecretReads()
    monkeypatch.setattr(parameters, "get_secret", reads)
    monkeypatch.delenv("PAGERDUTY_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("PAGERDUTY_WEBHOOK_SECRET_ARN", secret)
    monkeypatch.setattr(pagerduty_webhook, "verifier", WebhookVerifier(pagerduty_webhook._webhook_secret))
    config = Config.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": fake_slack.url,
            "SLACK_CHANNEL": "#f",
            "PAGERDUTY_ROUTING_KEY": KEY,
            "PAGERDUTY_EVENTS_URL": pd.url,
            "AIOPS_SCHEDULE_GROUP": GROUP,
            "AIOPS_TIMERS_FUNCTION_ARN": TIMERS_ARN,
            "AIOPS_SCHEDULER_ROLE_ARN": ROLE_ARN,
        },
        table_name="aiops-test",
    )
    app = build_app(config, clock=clock, dynamodb=aws, catalog=catalog)
    pagerduty_webhook.use(app)
    yield app, reads, secret
    pagerduty_webhook.use(None)


def _send(app: App, clock: Any, *events: dict[str, Any], start: int = 0) -> None:
    for n, event in enumerate(events):
        clock.set(datetime.fromisoformat(event["time"].replace("Z", "+00:00")))
        process_sqs_batch(sqs_batch(event, start=start + n), app.pipeline)


def _webhook(
    incident_id: str,
    occurred: datetime,
    *,
    kind: str = "acknowledged",
    agent: str = "Jane Doe",
    event_id: str = "01DEN3BAMCBN6ZOLT7EX35QKDH",
) -> bytes:
    """PagerDuty's documented v3 payload, about the page of ``incident_id`` (its ``incident_key``)."""
    doc = copy.deepcopy(load_event(f"webhooks/pagerduty/incident_{kind}.json"))
    event = doc["event"]
    event["id"], event["occurred_at"] = event_id, format_time(occurred)
    event["agent"]["summary"] = agent
    event["data"]["incident_key"] = incident_id
    return json.dumps(doc).encode()


def _deliver(body: bytes, *, secret: str = SECRET, signature: str | None = None) -> dict[str, Any]:
    """As the Function URL hands PagerDuty's POST to the function (the JSON body base64-encoded)."""
    from aiops.local.lambda_events import LambdaContext
    from handlers import pagerduty_webhook

    event = {
        "version": "2.0",
        "rawPath": "/",
        "headers": {
            "content-type": "application/json",
            "user-agent": "PagerDuty-Webhook/V3.0",
            "x-webhook-id": "b6c6fbf0-1e23-4a63-9b1c-8b3d6b1b3f0e",
            "x-pagerduty-signature": sign(body, secret) if signature is None else signature,
        },
        "requestContext": {"http": {"method": "POST", "path": "/"}},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }
    context: Any = LambdaContext(function_name="aiops-pagerduty-webhook")
    out: dict[str, Any] = pagerduty_webhook.handler(event, context)
    return out


def _only(app: App) -> Incident:
    [incident] = app.store.all_incidents()
    return incident


def _replies(fake_slack: Any) -> list[str]:
    return [
        c.body["text"] for c in fake_slack.calls if c.method == "chat.postMessage" and c.body.get("thread_ts")
    ]


def test_an_acknowledgement_in_pagerduty_cancels_the_delayed_page(
    world: Any, clock: Any, pd: FakePagerDuty, fake_slack: Any, lambda_context: Any
) -> None:
    app, reads, secret = world
    # GIVEN an unacknowledged SEV3: its page waits 15 minutes on a one-time schedule
    _send(app, clock, alarm_event(DOC, "ALARM", "2026-11-25T10:00:00Z"))
    incident = _only(app)
    [schedule] = _schedules(boto3.client("scheduler", region_name="us-east-1"))
    assert incident.severity == "SEV3" and schedule["Name"].startswith(f"{incident.id}-page-")
    # WHEN a person acknowledges it in PagerDuty five minutes in (a signed v3 webhook)
    clock.set(clock.now() + timedelta(minutes=5))
    body = _webhook(incident.id, clock.now() - timedelta(seconds=3))
    out = _deliver(body)
    # THEN the delivery is taken, the schedule is gone, and the incident shows who acknowledged it
    assert (out["statusCode"], json.loads(out["body"])) == (202, {"status": "acknowledged"})
    assert _schedules(boto3.client("scheduler", region_name="us-east-1")) == []
    acked = _only(app)
    assert acked.acknowledged is not None and acked.acknowledged.by == "Jane Doe (PagerDuty)"
    assert acked.timers == ()
    assert any(e.text == "acknowledged by Jane Doe (PagerDuty)" for e in app.store.timeline(incident.id))
    assert any("acknowledged by Jane Doe (PagerDuty)" in text for text in _replies(fake_slack))
    assert reads.names == [secret]  # the webhook's secret; the bot token is given outright here
    # WHEN the schedule's delivery comes anyway (at least once) at its time: nobody is paged
    assert _fire(schedule, app, clock, lambda_context)["status"] == "open"
    assert pd.events == [] and pd.attempts == 0
    # WHEN PagerDuty delivers the same webhook again (it retries): nothing changes
    calls = len(fake_slack.calls)
    assert _deliver(body)["statusCode"] == 202
    assert _only(app) == acked
    assert len(fake_slack.calls) == calls and pd.attempts == 0


def test_an_acknowledgement_in_pagerduty_is_not_echoed_back(
    world: Any, clock: Any, pd: FakePagerDuty, fake_slack: Any
) -> None:
    app, _, _ = world
    # GIVEN a SEV2 paged in PagerDuty at once
    _send(app, clock, alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"))
    incident = _only(app)
    assert [e["event_action"] for e in pd.events] == ["trigger"]
    # WHEN the on-call engineer acknowledges it in PagerDuty
    clock.set(clock.now() + timedelta(minutes=2))
    assert _deliver(_webhook(incident.id, clock.now()))["statusCode"] == 202
    # THEN the incident is acknowledged, the page recorded as acknowledged there, and nothing sent back
    acked = _only(app)
    assert acked.acknowledged is not None and acked.acknowledged.by == "Jane Doe (PagerDuty)"
    assert [(e.action, e.by) for e in acked.escalations] == [
        ("trigger", ""),
        ("acknowledge", "Jane Doe (PagerDuty)"),
    ]
    # and nothing later sends it either: more signals, the flush, Acknowledge pressed in Slack
    _send(app, clock, alarm_event("chat-assistant-api-latency", "ALARM", "2026-11-25T10:03:00Z"), start=1)
    app.pipeline.tick([incident.id])
    app.remediation.escalator.page_now(_only(app), "acknowledge", "acknowledged by U1", app.pipeline.update)
    assert [e["event_action"] for e in pd.events] == ["trigger"]
    # WHEN the alarms clear and stay clear: the bot resolves its page (that is its own to do)
    _send(
        app,
        clock,
        alarm_event(API, "OK", "2026-11-25T10:10:00Z"),
        alarm_event("chat-assistant-api-latency", "OK", "2026-11-25T10:10:30Z"),
        start=2,
    )
    clock.set(clock.now() + timedelta(minutes=30))
    app.pipeline.tick([incident.id])
    assert [e["event_action"] for e in pd.events] == ["trigger", "resolve"]
    # and PagerDuty's webhook telling of that resolve (the Events API integration as the agent) is a no-op
    before = _only(app)
    body = _webhook(incident.id, clock.now(), kind="resolved", agent="aiops Events API", event_id="R1")
    assert _deliver(body)["statusCode"] == 202
    assert _only(app).version == before.version and len(pd.events) == 2


def test_a_resolve_in_pagerduty_while_the_alarm_fires_keeps_the_incident_open_and_quiet(
    world: Any, clock: Any, pd: FakePagerDuty, fake_slack: Any
) -> None:
    app, _, _ = world
    _send(app, clock, alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"))
    incident = _only(app)
    # WHEN a person resolves the PagerDuty incident while the alarm still fires
    clock.set(clock.now() + timedelta(minutes=4))
    out = _deliver(_webhook(incident.id, clock.now(), kind="resolved"))
    assert (out["statusCode"], json.loads(out["body"])) == (202, {"status": "resolved"})
    # THEN the incident stays open (its alarm fires), a person has it, and the page is closed
    after = _only(app)
    assert after.status == "open"
    assert after.acknowledged is not None and after.acknowledged.by == "Jane Doe (PagerDuty)"
    assert [(e.action, e.by) for e in after.escalations] == [
        ("trigger", ""),
        ("resolve", "Jane Doe (PagerDuty)"),
    ]
    said = (
        "page resolved in PagerDuty by Jane Doe (PagerDuty); the incident stays open while 1 signal(s) fire"
    )
    assert any(said in text for text in _replies(fake_slack))
    # and it is not paged again in this episode: more signals, the flush
    _send(app, clock, alarm_event("chat-assistant-api-latency", "ALARM", "2026-11-25T10:06:00Z"), start=1)
    app.pipeline.tick([incident.id])
    assert [e["event_action"] for e in pd.events] == ["trigger"]
    # WHEN the alarms clear and stay clear: resolved, and no resolve sent for a page already closed
    _send(
        app,
        clock,
        alarm_event(API, "OK", "2026-11-25T10:10:00Z"),
        alarm_event("chat-assistant-api-latency", "OK", "2026-11-25T10:10:30Z"),
        start=2,
    )
    clock.set(datetime.fromisoformat("2026-11-25T10:25:00+00:00"))
    app.pipeline.tick([incident.id])
    assert _only(app).status == "resolved" and _only(app).settled_at is not None
    assert [e["event_action"] for e in pd.events] == ["trigger"]
    # WHEN it fires again after that: a new episode, paged again under the same key
    _send(app, clock, alarm_event(API, "ALARM", "2026-11-25T10:30:00Z"), start=4)
    assert _only(app).reopens == 1
    assert [e["event_action"] for e in pd.events] == ["trigger", "trigger"]
    assert {e["dedup_key"] for e in pd.events} == {incident.id}
    # and a late delivery about the first episode's page changes nothing of the new one
    late = _deliver(_webhook(incident.id, datetime.fromisoformat("2026-11-25T10:04:00+00:00"), event_id="L1"))
    assert late["statusCode"] == 202 and _only(app).acknowledged is None


@pytest.mark.parametrize(
    ("tamper", "status", "error"),
    [
        (lambda b: (b, {"secret": "not-the-secret"}), 401, "X-PagerDuty-Signature"),
        (lambda b: (b, {"signature": ""}), 401, "X-PagerDuty-Signature"),
        (lambda b: (b.replace(b"Jane Doe", b"Mallory"), {"signature": sign(b, SECRET)}), 401, "Signature"),
        (lambda b: (b"{not json", {}), 400, "body is not JSON"),
        (lambda b: (b.replace(b"2026-11-25T10:05:00Z", b"2026-11-25T08:05:00Z"), {}), 400, "stale"),
        (lambda b: (b.replace(b'"occurred_at"', b'"happened_at"'), {}), 400, "event.occurred_at"),
    ],
    ids=["forged", "unsigned", "tampered", "bad-json", "stale-replay", "missing-field"],
)
def test_a_forged_or_bad_delivery_changes_nothing(
    world: Any, clock: Any, pd: FakePagerDuty, fake_slack: Any, tamper: Any, status: int, error: str
) -> None:
    app, reads, secret = world
    _send(app, clock, alarm_event(DOC, "ALARM", "2026-11-25T10:00:00Z"))
    before, calls = _only(app), len(fake_slack.calls)
    clock.set(datetime.fromisoformat("2026-11-25T10:05:00+00:00"))
    body, how = tamper(_webhook(before.id, clock.now()))
    out = _deliver(body, **how)
    assert out["statusCode"] == status and error in json.loads(out["body"])["error"]
    assert _only(app) == before
    assert len(_schedules(boto3.client("scheduler", region_name="us-east-1"))) == 1
    assert len(fake_slack.calls) == calls and pd.attempts == 0
    assert set(reads.names) <= {secret}  # nothing but the webhook's own secret was read (if any)


def test_deliveries_not_about_our_pages_are_taken_and_ignored(world: Any, clock: Any) -> None:
    app, _, _ = world
    _send(app, clock, alarm_event(DOC, "ALARM", "2026-11-25T10:00:00Z"))
    before = _only(app)
    clock.set(clock.now() + timedelta(minutes=5))
    note = json.dumps(load_event("webhooks/pagerduty/incident_annotated.json")).encode()
    other = _webhook("d3640fbd41094207a1c11e58e46b1662", clock.now())  # another integration's incident
    unknown = _webhook("inc-000000000000", clock.now())  # shaped as ours, but no such incident
    for body in (note, other, unknown):
        assert _deliver(body)["statusCode"] == 202
    assert _only(app) == before


def test_a_store_failure_is_a_5xx_that_pagerduty_retries(
    world: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _, _ = world
    _send(app, clock, alarm_event(DOC, "ALARM", "2026-11-25T10:00:00Z"))
    incident = _only(app)

    def down(*_: Any) -> Any:
        raise RuntimeError("DynamoDB is throttling")

    monkeypatch.setattr(app.pipeline, "on_pager", down)
    out = _deliver(_webhook(incident.id, clock.now()))
    assert out["statusCode"] == 500 and "retries" in json.loads(out["body"])["error"]
    assert _only(app).acknowledged is None
