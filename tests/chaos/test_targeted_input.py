"""Issue 18, targeted faults 7, 8 and 10: hostile input.

7. An event time outside a sane window around the clock (30 days back, 1 day ahead) is refused alone,
   with a clear error, before it reaches the pipeline; replays, on the events' own times, are unaffected.
8. Error text and log fields built from event text are capped.
10. The Slack app answers a malformed request with a clean 400 (issue 14 built it).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aiops.errors import InvalidEventError
from aiops.local.replay import load_lines, replay
from aiops.pipeline import Pipeline
from tests.chaos.bot import Bot
from tests.chaos.storm import alarm
from tests.support.events import alarm_event

API = "doc-search-api-latency"
ROOT = Path(__file__).resolve().parents[2]
CLOUDWATCH_LOG_EVENT_LIMIT = 256 * 1024


def test_7_a_time_far_from_the_clock_is_refused_alone_and_the_service_goes_on(bot: Bot) -> None:
    # GIVEN a batch with a record from year 9999, one from 2099, and a good one
    forever = alarm_event(API, "ALARM", "9999-12-31T23:59:59Z", event_id="far-1")
    future = alarm_event(API, "ALARM", "2099-01-01T00:00:00Z", event_id="far-2")
    response = bot.ingest(forever, future, alarm(API, "ALARM", 60))
    # THEN the two far records fail alone (SQS retries them, then the dead-letter queue has them)
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == ["msg-0000", "msg-0001"]
    # AND every later record of the service is taken: 15 of 15, and none joins a 2099 incident
    for n in range(15):
        state = "OK" if n % 2 else "ALARM"
        assert bot.ingest(alarm(API, state, 120 + 60 * n)) == {"batchItemFailures": []}
    incidents = [i for i in bot.app.store.all_incidents() if i.service == "doc-search"]
    assert all(i.last_activity_at.year == 2026 for i in incidents)
    signals = [s for i in incidents for s in bot.app.store.signals_of(i.id)]
    assert len(signals) == 16 and "far-1" not in signals and "far-2" not in signals


@pytest.mark.parametrize(
    ("when", "why"),
    [
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z is outside the accepted window"),
        ("2026-11-26T10:00:01Z", "2026-11-26T10:00:01Z is outside the accepted window"),  # a day ahead
        ("2026-10-26T09:59:59Z", "2026-10-26T09:59:59Z is outside the accepted window"),  # 30 days back
    ],
)
def test_7_the_refusal_names_the_source_and_the_field(bot: Bot, when: str, why: str) -> None:
    from aiops.signals import prepare_sqs_body

    pipeline: Pipeline = bot.app.pipeline
    with pytest.raises(InvalidEventError) as info:
        pipeline.admit(prepare_sqs_body(json.dumps(alarm_event(API, "ALARM", when)), "m"))
    assert str(info.value).startswith(f"aws.cloudwatch: time: {why} 2026-10-26T10:00:00Z .. 2026-11-26")
    assert pipeline.admit(
        prepare_sqs_body(json.dumps(alarm_event(API, "ALARM", "2026-11-26T10:00:00Z")), "m")
    )


def test_7_a_replay_runs_on_the_events_own_times() -> None:
    # GIVEN a stream whose events span more than the window (the same incident story, 40 days apart)
    lines = load_lines(ROOT / "examples" / "scenarios" / "10-resolution" / "events.jsonl")
    later = [ln.replace("2026-11-25", "2027-01-04") for ln in lines]
    later = [json.dumps({**json.loads(ln), "id": json.loads(ln)["id"] + "-later"}) for ln in later]
    from aiops.adapters.wiring import read_catalog

    catalog = read_catalog(ROOT / "examples" / "scenarios" / "10-resolution" / "catalog.yaml")
    first = replay(lines + later, catalog).report
    # THEN nothing is refused, each story is its own incident, and the replay is deterministic
    assert first["stats"]["rejected"] == 0
    assert len(first["incidents"]) == 2 * len(replay(lines, catalog).report["incidents"])
    assert replay(lines + later, catalog).report == first


@pytest.fixture
def warnings_logged() -> Iterator[Any]:
    """The ingest handler's Powertools log lines, one JSON object a line as CloudWatch Logs takes them
    (at WARNING: the tests run it at ERROR)."""
    import io
    import logging

    from aiops.adapters import batch
    from handlers import ingest

    loggers = (ingest.logger, batch.logger)
    levels = [lg.log_level for lg in loggers]
    [handler] = [
        h for h in logging.getLogger(ingest.logger.name).handlers if isinstance(h, logging.StreamHandler)
    ]
    out = io.StringIO()
    stream = handler.setStream(out)
    for lg in loggers:
        lg.setLevel("WARNING")
    try:
        yield lambda: [ln for ln in out.getvalue().splitlines() if ln.startswith("{")]
    finally:
        handler.setStream(stream)
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _huge(event: dict[str, Any], where: str) -> dict[str, Any]:
    key = "k" * 200_000
    metric = event["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"]
    if where == "dimension":
        metric["dimensions"] = {key: [1, 2]}  # a wrong-typed value under a 200 kB key
    elif where == "tag":
        event["detail"]["alarmTags"] = {key: {"nested": True}}
    elif where == "time":
        event["time"] = "t" * 200_000
    elif where == "source":
        event["source"] = "s" * 200_000
    return event


@pytest.mark.parametrize("where", ["dimension", "tag", "time", "source"])
def test_8_a_200_kb_key_or_value_never_makes_a_200_kb_error_or_log_line(
    bot: Bot, warnings_logged: Any, where: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from aiops.cli import main

    event = _huge(alarm_event(API, "ALARM", "2026-11-25T10:01:00Z"), where)
    # WHEN the event goes through the ingest handler
    response = bot.ingest(event)
    lines = warnings_logged()
    # THEN a wrong-typed optional field costs that field only; a bad required one fails the record
    assert len(response["batchItemFailures"]) == (where in ("time", "source"))
    assert all(len(ln.encode()) < CLOUDWATCH_LOG_EVENT_LIMIT // 100 for ln in lines), max(map(len, lines))
    rejected = [json.loads(ln) for ln in lines if json.loads(ln).get("message") == "signal.rejected"]
    assert len(rejected) == (where in ("time", "source"))
    assert all(len(r["error"]) <= 1000 and len(r["source"]) <= 100 for r in rejected)
    # AND `aiops normalize` says it in one short line, or prints a signal without the 200 kB key
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    code = main(["normalize", str(path)])
    out, err = capfd.readouterr()
    assert (code, len(err) <= 1000, len(out) < 10_000) == (
        2 if where in ("time", "source") else 0,
        True,
        True,
    )


# -- 10: the Slack app's clean 400s (issue 14 made them; tests/functional/test_slack_edge.py has more) --

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def _lambda_event(body: str, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    event = {
        "version": "2.0",
        "rawPath": "/",
        "headers": headers,
        "body": body,
        "isBase64Encoded": False,
        "requestContext": {"http": {"method": "POST", "path": "/"}},
    }
    event.update(extra)
    return event


def _signed_headers(body: str, timestamp: str) -> dict[str, str]:
    from slack_sdk.signature import SignatureVerifier

    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    return {
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": str(signature),
        "content-type": "application/x-www-form-urlencoded",
    }


def _malformed(kind: str) -> dict[str, Any]:
    import time

    now = str(int(time.time()))
    if kind == "empty timestamp":
        body = "payload=" + urllib.parse.quote(json.dumps({"type": "block_actions"}))
        return _lambda_event(body, {**_signed_headers(body, now), "x-slack-request-timestamp": ""})
    if kind == "signed non-JSON payload":
        body = "payload=not-json"
        return _lambda_event(body, _signed_headers(body, now))
    body = "payload=" + urllib.parse.quote(json.dumps({"type": "block_actions"}))
    event = _lambda_event(body, _signed_headers(body, now))
    del event["isBase64Encoded"]
    return event


@pytest.mark.parametrize("kind", ["empty timestamp", "signed non-JSON payload", "no isBase64Encoded"])
def test_10_a_malformed_slack_request_is_a_clean_400(bot: Bot, kind: str, monkeypatch: Any) -> None:
    from aiops.adapters.slack_http import Verifier
    from aiops.local.lambda_events import LambdaContext
    from handlers import slack_app

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", bot.slack.url)
    monkeypatch.setattr(slack_app, "verifier", Verifier(lambda: SECRET))
    monkeypatch.setattr(slack_app, "_bolt", None)
    slack_app.use(bot.app)
    try:
        context: Any = LambdaContext(function_name="aiops-slack")
        response = slack_app.handler(_malformed(kind), context)
    finally:
        slack_app.use(None)
    # THEN a clean 400 naming what is wrong (not a 500 from bolt, not a KeyError), and nothing reached Slack
    assert response["statusCode"] == 400 and json.loads(response["body"])["error"]
    assert bot.slack.calls == []
