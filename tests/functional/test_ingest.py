"""The ingest handler as Lambda calls it: SQS batches of alarm events, moto, a fake Slack API."""

from __future__ import annotations

from typing import Any

from aiops.local.timers import fire_due
from tests.support.events import alarm_event, load_event, sqs_batch

API = "chat-assistant-api-5xx"


def test_repeated_alarm_gives_one_incident_and_one_slack_message(
    ingest: Any, lambda_context: Any, fake_slack: Any, clock: Any
) -> None:
    handler, app = ingest
    # GIVEN the same alarm going to ALARM three times (distinct events) across two batches
    first = alarm_event(API, "ALARM", "2026-11-25T10:00:00Z")
    again = alarm_event(API, "ALARM", "2026-11-25T10:05:00Z", previous="ALARM")
    third = alarm_event(API, "ALARM", "2026-11-25T10:06:00Z", previous="ALARM")
    # WHEN they arrive
    assert handler(sqs_batch(first), lambda_context) == {"batchItemFailures": []}
    assert handler(sqs_batch(again, third, start=1), lambda_context) == {"batchItemFailures": []}
    # THEN one incident holds all three signals, and Slack got one root message, then edits
    incidents = app.store.all_incidents()
    assert len(incidents) == 1
    assert incidents[0].service == "chat-assistant"
    assert incidents[0].status == "open"
    assert app.store.signals_of(incidents[0].id) == [first["id"], again["id"], third["id"]]
    roots = fake_slack.roots()
    assert len(roots) == 1 and roots[0]["channel"] == "#inc-chat-assistant"
    assert "chat-assistant-api-5xx" in str(roots[0]["blocks"])


def test_duplicate_delivery_changes_nothing(ingest: Any, lambda_context: Any, fake_slack: Any) -> None:
    handler, app = ingest
    event = alarm_event(API, "ALARM", "2026-11-25T10:00:00Z")
    handler(sqs_batch(event), lambda_context)
    before = (app.store.all_incidents(), len(fake_slack.calls))
    # the same event twice in one batch, then once more in another
    assert handler(sqs_batch(event, event, start=5), lambda_context) == {"batchItemFailures": []}
    assert handler(sqs_batch(event, start=9), lambda_context) == {"batchItemFailures": []}
    assert (app.store.all_incidents(), len(fake_slack.calls)) == before
    assert app.store.signals_of(before[0][0].id) == [event["id"]]


def test_ok_resolves_the_incident_and_the_message_says_so(
    ingest: Any, lambda_context: Any, fake_slack: Any, clock: Any
) -> None:
    handler, app = ingest
    handler(sqs_batch(alarm_event(API, "ALARM", "2026-11-25T10:00:00Z")), lambda_context)
    handler(sqs_batch(alarm_event(API, "OK", "2026-11-25T10:12:00Z"), start=1), lambda_context)
    [incident] = app.store.all_incidents()
    assert incident.status == "resolved"
    timeline = [(e.kind, e.text) for e in app.store.timeline(incident.id)]
    # no runbook fits an api 5xx (SEV2): it paged at once; the page waits for the resolution to hold
    assert [k for k, _ in timeline] == ["signal", "escalated", "signal", "mitigated", "resolved"]
    assert timeline[1][1] == "page trigger (pagerduty): no runbook fits this incident"
    assert [e.action for e in incident.escalations] == ["trigger"]
    [root] = fake_slack.roots()
    assert "resolved" in root["text"]  # the root message, edited in place at once
    # WHEN the resolution holds for the policy's 10 minutes (the settle timer fires)
    assert fire_due(app, clock, None) == 1
    [incident] = app.store.all_incidents()
    assert [(e.action, f"{e.at:%H:%M}") for e in incident.escalations] == [
        ("trigger", "10:00"),
        ("resolve", "10:22"),
    ]
    replies = [c.body["text"] for c in fake_slack.calls if c.body.get("thread_ts") == root["ts"]]
    # THEN the thread says it once: the page and the held resolution (with the page's resolve)
    assert [r.split(" ", 1)[1] for r in replies] == [
        "page trigger (pagerduty): no runbook fits this incident",
        "resolved since 2026-11-25T10:12:00Z; page resolved (pagerduty)",
    ]
    # a new ALARM after resolution is a new incident, in a new message
    handler(sqs_batch(alarm_event(API, "ALARM", "2026-11-25T11:00:00Z"), start=2), lambda_context)
    assert [i.status for i in app.store.all_incidents()] == ["resolved", "open"]
    assert len(fake_slack.roots()) == 2


def test_ok_before_alarm_out_of_order_does_not_resolve(ingest: Any, lambda_context: Any) -> None:
    handler, app = ingest
    alarm = alarm_event(API, "ALARM", "2026-11-25T10:05:00Z")
    stale_ok = alarm_event(API, "OK", "2026-11-25T10:01:00Z")
    handler(sqs_batch(alarm), lambda_context)
    handler(sqs_batch(stale_ok, start=1), lambda_context)  # delivered late, older than the ALARM
    [incident] = app.store.all_incidents()
    assert incident.status == "open"


def test_malformed_record_fails_alone(ingest: Any, lambda_context: Any, fake_slack: Any) -> None:
    handler, app = ingest
    good = alarm_event(API, "ALARM", "2026-11-25T10:00:00Z")
    broken = alarm_event("chat-assistant-orch-errors", "ALARM", "2026-11-25T10:00:30Z")
    del broken["detail"]["state"]
    batch = sqs_batch(
        good,
        "{not json",
        broken,
        {
            "source": "com.example",
            "detail-type": "x",
            "id": "1",
            "time": "2026-11-25T10:00:00Z",
            "detail": {},
        },
    )
    response = handler(batch, lambda_context)
    failed = [f["itemIdentifier"] for f in response["batchItemFailures"]]
    assert failed == ["msg-0001", "msg-0002", "msg-0003"]
    [incident] = app.store.all_incidents()
    assert app.store.signals_of(incident.id) == [good["id"]]
    assert len(fake_slack.roots()) == 1


def test_every_record_malformed_is_reported_not_raised(ingest: Any, lambda_context: Any) -> None:
    handler, _ = ingest
    response = handler(sqs_batch("[]", "null"), lambda_context)
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == ["msg-0000", "msg-0001"]


def test_insufficient_data_alone_opens_nothing(ingest: Any, lambda_context: Any, fake_slack: Any) -> None:
    handler, app = ingest
    handler(sqs_batch(alarm_event(API, "INSUFFICIENT_DATA", "2026-11-25T10:00:00Z")), lambda_context)
    assert app.store.all_incidents() == []
    assert fake_slack.calls == []


def test_slack_outage_loses_nothing(ingest: Any, lambda_context: Any, fake_slack: Any, clock: Any) -> None:
    handler, app = ingest
    # GIVEN Slack answers 500 for longer than the client's retries
    fake_slack.fail_next(500, times=4, error="internal_error")
    handler(sqs_batch(alarm_event(API, "ALARM", "2026-11-25T10:00:00Z")), lambda_context)
    assert len(app.store.all_incidents()) == 1  # the incident is recorded even though Slack is down
    assert fake_slack.roots() == []
    fake_slack.failures.clear()  # Slack is back
    # WHEN the next event arrives, THEN the root message is posted, once, showing both signals (the
    # failed post is looked for first: a 500 may come after Slack stored it)
    handler(
        sqs_batch(alarm_event("chat-assistant-orch-errors", "ALARM", "2026-11-25T10:03:00Z"), start=1),
        lambda_context,
    )
    assert len(fake_slack.roots()) == 1
    assert "chat-assistant-orch-errors" in str(fake_slack.roots()[0]["blocks"])
    assert "conversations.list" in fake_slack.methods()  # the channel by name, to look in it


def test_sample_alarm_payload_through_the_handler(ingest: Any, lambda_context: Any) -> None:
    handler, app = ingest
    handler(sqs_batch(load_event("cloudwatch/alarm_bedrock_throttles.json")), lambda_context)
    [incident] = app.store.all_incidents()
    assert incident.service == "chat-assistant"
    assert incident.root_cause is not None and incident.root_cause.component == "model"


def test_the_ingest_handler_tunes_the_collector_at_cold_start() -> None:
    import subprocess
    import sys

    from aiops.adapters.runtime import GEN0_THRESHOLD

    # a fresh interpreter, as a cold start: importing the handler applies the policy, after its imports
    probe = "import gc, handlers.ingest; print(gc.get_threshold()[0])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(GEN0_THRESHOLD)]
