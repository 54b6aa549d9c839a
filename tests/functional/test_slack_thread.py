"""The Slack thread with the real slack_sdk client against a local fake Web API: calm under storms,
honest about rate limits, nothing lost when Slack is down."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from unittest import mock

from tests.support.events import alarm_event, sqs_batch

API = "chat-assistant-api-5xx"


def test_storm_is_coalesced_and_the_flush_sends_the_latest(
    ingest: Any, lambda_context: Any, fake_slack: Any, clock: Any
) -> None:
    from handlers import flush

    handler, app = ingest
    # GIVEN 30 alarms of one service firing within 6 seconds, in 30 batches
    for n in range(30):
        handler(
            sqs_batch(
                alarm_event(f"chat-assistant-api-{n:02d}", "ALARM", f"2026-11-25T10:00:{n // 5:02d}Z"),
                start=n,
            ),
            lambda_context,
        )
    # THEN one root message, and at most one edit per 10 s interval (none yet: all within the first 6 s)
    roots = fake_slack.roots()
    assert len(roots) == 1
    assert fake_slack.methods().count("chat.update") == 0
    # WHEN the scheduled flush runs after the interval
    clock.set(clock.now() + timedelta(seconds=11))
    flush.use(app)
    assert flush.handler({}, lambda_context) == {"incidents": 1}
    # THEN one edit brings the message to the newest state: all 30 alarms
    assert fake_slack.methods().count("chat.update") == 1
    [root] = fake_slack.roots()
    assert "30 source(s), 30 firing" in str(root["blocks"])
    flush.handler({}, lambda_context)
    assert fake_slack.methods().count("chat.update") == 1  # nothing new: nothing sent


def test_a_rate_limited_post_waits_then_posts_once(
    ingest: Any, lambda_context: Any, fake_slack: Any, clock: Any
) -> None:
    from handlers import flush

    handler, app = ingest
    # GIVEN Slack rate-limits the root post (Retry-After 1 s)
    fake_slack.fail_next(429, retry_after=1, error="ratelimited")
    with mock.patch.object(time, "sleep", wraps=time.sleep) as slept:
        handler(sqs_batch(alarm_event(API, "ALARM", "2026-11-25T10:00:00Z")), lambda_context)
    # THEN the invocation does not sleep on it (a post is never resent blindly) and nothing is posted
    assert slept.call_count == 0
    assert fake_slack.roots() == []
    # WHEN the flush runs once the wait is over, THEN the root is posted, once, after looking for it
    clock.set(clock.now() + timedelta(seconds=2))
    flush.use(app)
    flush.handler({}, lambda_context)
    assert len(fake_slack.roots()) == 1
    assert fake_slack.methods().count("chat.postMessage") == 3  # the refused root, the root, the page reply
    assert "conversations.list" in fake_slack.methods()  # the channel by name, to look in it


def test_an_edit_honours_a_short_retry_after(
    ingest: Any, lambda_context: Any, fake_slack: Any, clock: Any, virtual_time: Any
) -> None:
    handler, _ = ingest
    handler(sqs_batch(alarm_event(API, "ALARM", "2026-11-25T10:00:00Z")), lambda_context)
    fake_slack.fail_next(429, retry_after=1, error="ratelimited")
    other = alarm_event("chat-assistant-orch-errors", "ALARM", "2026-11-25T10:01:00Z")
    handler(sqs_batch(other, start=1), lambda_context)
    assert virtual_time.sleeps == [1]  # waited as Slack asked, no more (an edit is safe to send again)
    assert fake_slack.methods().count("chat.update") == 2
    assert "chat-assistant-orch-errors" in str(fake_slack.roots()[0]["blocks"])


def test_slack_down_for_a_while_then_recovery_loses_nothing(
    ingest: Any, lambda_context: Any, fake_slack: Any, clock: Any
) -> None:
    from handlers import flush

    handler, app = ingest
    handler(sqs_batch(alarm_event(API, "ALARM", "2026-11-25T10:00:00Z")), lambda_context)
    # Slack goes down (5xx beyond the client's retries) while the incident moves on
    fake_slack.fail_next(503, times=40, error="service_unavailable")
    handler(sqs_batch(alarm_event(API, "OK", "2026-11-25T10:05:00Z"), start=1), lambda_context)
    [incident] = app.store.all_incidents()
    assert incident.status == "resolved"
    fake_slack.failures.clear()  # Slack is back
    clock.set(clock.now() + timedelta(minutes=1))
    flush.use(app)
    flush.handler({}, lambda_context)
    [root] = fake_slack.roots()
    assert "resolved" in root["text"]

    def replies() -> list[str]:
        return [
            c.body["text"]
            for c in fake_slack.calls
            if c.body.get("thread_ts") == root["ts"] and c.method == "chat.postMessage"
        ]

    assert not any("resolved since" in r for r in replies())  # the resolution has not held yet
    # WHEN the flush runs once it held (10 minutes): the thread says so, with the page's resolve
    clock.set(clock.now() + timedelta(minutes=10))
    flush.handler({}, lambda_context)
    assert any("resolved since 2026-11-25T10:05:00Z; page resolved" in r for r in replies())
    assert len(replies()) == len(set(replies()))  # and nothing twice


def test_the_flush_reads_the_unsettled_index_never_the_table(
    ingest: Any, lambda_context: Any, fake_slack: Any, clock: Any
) -> None:
    from handlers import flush

    handler, app = ingest
    operations: list[str] = []
    app.store.client.meta.events.register(
        "before-call.dynamodb", lambda model, **_: operations.append(model.name)
    )
    # GIVEN an incident that resolves, and another service's that stays open
    handler(sqs_batch(alarm_event(API, "ALARM", "2026-11-25T10:00:00Z")), lambda_context)
    handler(sqs_batch(alarm_event(API, "OK", "2026-11-25T10:05:00Z"), start=1), lambda_context)
    other = alarm_event("billing-db-cpu", "ALARM", "2026-11-25T10:06:00Z")
    handler(sqs_batch(other, start=2), lambda_context)
    resolved, still_open = sorted(app.store.all_incidents(), key=lambda i: i.status, reverse=True)
    assert (resolved.status, still_open.status) == ("resolved", "open")
    flush.use(app)
    # WHEN the flush runs within the day: both are on its list, read from the index
    operations.clear()
    assert flush.handler({}, lambda_context) == {"incidents": 2}
    assert "Scan" not in operations and "Query" in operations
    assert [i.id for i in app.store.open_incidents()] == [still_open.id]
    # WHEN it runs more than a day after the resolution: the resolved one is retired from the index
    clock.set(clock.now() + timedelta(days=1, minutes=1))
    assert flush.handler({}, lambda_context) == {"incidents": 1}
    assert app.store.unsettled_incidents() == [still_open.id]
    assert "Scan" not in operations
    # THEN a flap of the retired incident's alarm is a new incident, back on the list
    later = (clock.now() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    handler(sqs_batch(alarm_event(API, "ALARM", later), start=3), lambda_context)
    assert len(app.store.unsettled_incidents()) == 2
