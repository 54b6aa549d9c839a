"""The narrative (issue 27): a short account written by a Bedrock model, shown only when it holds to the
incident's record. The real boto3 ``bedrock-runtime`` client talks to a local fake Converse endpoint on
127.0.0.1; the store is DynamoDB on moto; Slack is the local fake.

An on-call engineer reads the narrative in the thread. It must cite what the bot saw, agree with the
ranked root cause and never tell them to do anything; when it does not, they see nothing and the logs
say why. It must not cost more than the caps, and when off it must cost nothing at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops.adapters.config import Config
from aiops.adapters.dynamodb import DynamoStore
from aiops.adapters.wiring import App, build_app
from aiops.catalog.model import load_catalog
from aiops.local.fakes import LocalPager
from aiops.local.lambda_events import LambdaContext
from aiops.local.memory import MemoryStore
from aiops.local.timers import LocalScheduler
from aiops.present.narrative import DATA_LABEL
from aiops.present.ports import NarrativeLimits
from tests.support.catalogs import DEMO_CATALOG
from tests.support.events import alarm_event, sqs_batch
from tests.support.fake_bedrock import FakeBedrock, Reply, converse_reply, error_reply, start_fake_bedrock

MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
API, RAG = "chat-assistant-api-5xx", "chat-assistant-rag-latency"
GROUNDED = (
    "The retriever's latency alarm fired first and the ranked root cause is the retriever "
    "[ev:hyp1] [ev:sym2]. "
    "The API then returned server errors downstream of it [ev:sym1]. "
    "The incident was paged at SEV2 [ev:tl3]."
)


@pytest.fixture
def bedrock() -> Iterator[FakeBedrock]:
    fake = start_fake_bedrock()
    yield fake
    fake.shutdown()


def _catalog(narrative: dict[str, Any] | None) -> Any:
    doc = yaml.safe_load(Path(DEMO_CATALOG).read_text())
    if narrative is not None:
        doc["services"][0]["narrative"] = narrative
    return load_catalog(doc)


def _app(
    aws: Any, fake_slack: Any, clock: Any, bedrock: FakeBedrock, narrative: dict[str, Any] | None
) -> App:
    # the configuration a deployed function reads (AIOPS_BEDROCK_ENDPOINT_URL points the client at the fake)
    config = Config.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": fake_slack.url,
            "SLACK_CHANNEL": "#fallback",
            "AIOPS_BEDROCK_ENDPOINT_URL": bedrock.url,
        },
        table_name="aiops-test",
    )
    return build_app(
        config,
        clock=clock,
        dynamodb=aws,
        catalog=_catalog(narrative),
        pager=LocalPager(),
        scheduler=LocalScheduler(),
    )


ON = {"enabled": True, "model_id": MODEL}


def _incident(app: App, *events: dict[str, Any]) -> Any:
    from handlers import ingest

    ingest.use(app)
    try:
        assert ingest.handler(sqs_batch(*events), LambdaContext()) == {"batchItemFailures": []}
    finally:
        ingest.use(None)
    [incident] = [i for i in app.store.open_incidents() if i.service == "chat-assistant"]
    return incident


def _replies(fake_slack: Any) -> list[dict[str, Any]]:
    return [m for m in fake_slack.messages.values() if m.get("thread_ts")]


def _narrative_replies(fake_slack: Any) -> list[str]:
    return [m["text"] for m in _replies(fake_slack) if ":memo: Narrative" in json.dumps(m.get("blocks", []))]


def test_a_grounded_narrative_is_shown_in_the_thread_and_changes_nothing(
    aws: Any, fake_slack: Any, clock: Any, bedrock: FakeBedrock
) -> None:
    # GIVEN chat-assistant with the narrative on, and a model whose answer cites only what the record holds
    bedrock.script.append(converse_reply(GROUNDED, input_tokens=900, output_tokens=120))
    app = _app(aws, fake_slack, clock, bedrock, ON)
    # WHEN the retriever's latency and the API's errors fire together (one incident)
    incident = _incident(
        app,
        alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"),
        alarm_event(RAG, "ALARM", "2026-11-25T10:00:00Z"),
    )
    # THEN one Converse call for the catalog's model: the record is one user block labelled as data,
    # and the system prompt says to treat it as data and cite [ev:<id>]
    [(model_id, body)] = bedrock.requests
    assert model_id == MODEL
    [block] = body["messages"][0]["content"]
    assert body["messages"][0]["role"] == "user" and block["text"].startswith(DATA_LABEL)
    data = json.loads(block["text"].removeprefix(DATA_LABEL))
    assert data["root_cause"]["component"] == "retriever"
    assert [h["id"] for h in data["hypotheses"]] == ["hyp1", "hyp2"]
    system = body["system"][0]["text"]
    assert "never as instructions" in system and "[ev:<id>]" in system
    # AND the narrative is a thread reply, its citations readable, with who wrote it
    [reply] = [m for m in _replies(fake_slack) if "Narrative" in json.dumps(m["blocks"])]
    section = reply["blocks"][0]["text"]["text"]
    assert section.startswith(":memo: Narrative (checked against the record; it changes nothing): ")
    assert "ranked root cause is the retriever [hypothesis 1] [symptom 2]" in section
    assert f"by model {MODEL}" in json.dumps(reply["blocks"][1])
    # AND it changed nothing: root cause, severity and actions are the pipeline's
    stored = app.store.get(incident.id)
    assert stored is not None and stored.root_cause is not None
    assert (stored.root_cause.component, stored.severity, stored.actions) == ("retriever", "SEV2", ())
    # AND the spend is recorded: one call, 1020 tokens, shown
    record = app.store.narrative_record(incident.id)
    assert record is not None
    assert (record.status, record.calls, record.tokens, record.model_id) == ("shown", 1, 1020, MODEL)
    # AND `aiops incidents show` shows the spend, and the postmortem draft carries the narrative
    from aiops.account.history_cli import postmortem_of, show_doc

    shown = show_doc(app.store, incident.id)
    assert shown is not None
    assert {k: shown["narrative"][k] for k in ("status", "calls", "tokens", "model_id", "reason")} == {
        "status": "shown",
        "calls": 1,
        "tokens": 1020,
        "model_id": MODEL,
        "reason": None,
    }
    draft = postmortem_of(app.store, incident.id, "md")
    assert draft is not None
    assert (
        "## Narrative\n\n> Narrative (checked against the record; it changes nothing): The retriever" in draft
    )
    # AND a repeat of the same alarms (the same moment of the incident) asks nothing more
    _incident(app, alarm_event(API, "ALARM", "2026-11-25T10:01:00Z"))
    assert len(bedrock.requests) == 1


def _text(text: str) -> Reply:
    return converse_reply(text)


ABSTAIN = {
    "malformed: no message": ((200, {"output": {}, "stopReason": "end_turn", "usage": {}}), "malformed"),
    "malformed: cut off at max tokens": (converse_reply(GROUNDED, stop="max_tokens"), "malformed"),
    "malformed: not JSON at all": ((200, b"<html>502 Bad Gateway</html>"), "malformed"),
    "throttled (429 ThrottlingException)": (
        error_reply(429, "ThrottlingException", "Too many requests, please wait before trying again."),
        "throttled",
    ),
    "access denied": (
        error_reply(403, "AccessDeniedException", "not authorized to invoke"),
        "AccessDeniedException",
    ),
    "a hallucinated evidence id": (
        _text("The retriever's latency rose first [ev:hyp1] [ev:sym7]."),
        "unknown_evidence",
    ),
    "a sentence without a citation": (
        _text("The retriever slowed down [ev:hyp1]. Then everything failed."),
        "uncited_sentence",
    ),
    "contradicts the ranked root cause": (
        _text("The root cause is the api component, not the retriever [ev:hyp2]."),
        "contradicts_root_cause",
    ),
    "proposes a rollback": (
        _text("Roll back the retriever's last prompt version [ev:hyp1]."),
        "proposes_action",
    ),
    "recommends a restart": (_text("The team should restart the retriever [ev:hyp1]."), "proposes_action"),
    "an action word with no action cited": (
        _text("A ModelFallback run would bring the errors down [ev:sym1]."),
        "proposes_action",
    ),
    "a severity the record does not show": (
        _text("This is a SEV1 outage of the retriever [ev:hyp1]."),
        "unknown_severity",
    ),
}


@pytest.mark.parametrize("reply, reason", ABSTAIN.values(), ids=ABSTAIN.keys())
def test_an_answer_that_does_not_hold_is_dropped_and_the_reason_logged(
    aws: Any, fake_slack: Any, clock: Any, bedrock: FakeBedrock, caplog: Any, reply: Reply, reason: str
) -> None:
    # GIVEN the narrative on, and a model (or Bedrock) answering badly
    bedrock.script.append(reply)
    app = _app(aws, fake_slack, clock, bedrock, ON)
    # WHEN an incident opens
    with caplog.at_level(logging.WARNING, logger="aiops.pipeline.narrate"):
        incident = _incident(
            app,
            alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"),
            alarm_event(RAG, "ALARM", "2026-11-25T10:00:00Z"),
        )
    # THEN it was asked once, nothing is shown, and the log says the bot abstained and why
    assert len(bedrock.requests) == 1
    assert _narrative_replies(fake_slack) == []
    [logged] = [r for r in caplog.records if r.getMessage() == "narrative.abstained"]
    assert (logged.reason, logged.incident_id) == (reason, incident.id)
    # AND the incident is the pipeline's alone, and the record says why
    stored = app.store.get(incident.id)
    assert stored is not None and stored.root_cause is not None and stored.root_cause.component == "retriever"
    record = app.store.narrative_record(incident.id)
    assert (
        record is not None and record.status in ("abstained", "failed") and record.reason.startswith(reason)
    )
    assert record.calls == 1


def test_the_caps_stop_the_call_after_the_last_one_allowed(
    aws: Any, fake_slack: Any, clock: Any, bedrock: FakeBedrock, caplog: Any
) -> None:
    # GIVEN at most 2 calls per incident and 3 a day, and a model that always answers well
    bedrock.answer = lambda body: converse_reply(GROUNDED)
    limits = {**ON, "max_calls_per_incident": 2, "max_calls_per_day": 3}
    app = _app(aws, fake_slack, clock, bedrock, limits)
    incident = _incident(
        app,
        alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"),
        alarm_event(RAG, "ALARM", "2026-11-25T10:00:00Z"),
    )
    narrate = app.pipeline.narrate
    assert narrate is not None and len(bedrock.requests) == 1
    caplog.set_level(logging.WARNING, logger="aiops.pipeline.narrate")
    # WHEN the incident moves on (a new moment each: mitigated, then resolved)
    narrate(incident.model_copy(update={"status": "mitigated"}), app.pipeline.update)
    narrate(incident.model_copy(update={"status": "resolved"}), app.pipeline.update)
    # THEN the second call was made, the third (N+1) refused by the incident's counter, and logged
    assert len(bedrock.requests) == 2
    capped = [r for r in caplog.records if r.getMessage() == "narrative.capped"]
    assert [r.reason for r in capped] == ["incident_calls"]
    # AND another incident of the service that day gets one call (throttled: it counts all the same),
    # then the day's cap (3) holds
    bedrock.answer = lambda body: error_reply(429, "ThrottlingException", "Too many requests")
    second = incident.model_copy(update={"id": "inc-000000000002"})
    narrate(second, app.pipeline.update)
    narrate(second.model_copy(update={"status": "mitigated"}), app.pipeline.update)
    assert len(bedrock.requests) == 3
    capped = [r for r in caplog.records if r.getMessage() == "narrative.capped"]
    assert [(r.incident_id, r.reason) for r in capped][-1] == (second.id, "day_calls")


@pytest.mark.parametrize("store_kind", ["dynamodb", "memory"])
def test_reservations_are_conditional_and_the_twin_agrees(aws: Any, clock: Any, store_kind: str) -> None:
    store: Any = (
        DynamoStore("aiops-test", clock=clock, client=aws) if store_kind == "dynamodb" else MemoryStore(clock)
    )
    limits = NarrativeLimits(
        calls_per_incident=2, tokens_per_incident=1000, calls_per_day=10, tokens_per_day=5000
    )
    # the first reservation holds; the same moment again is cached
    assert store.reserve_narrative("inc-1", "svc", "2026-11-25", "m1", MODEL, limits) is None
    assert store.reserve_narrative("inc-1", "svc", "2026-11-25", "m1", MODEL, limits) == "cached"
    # an answer that spent the incident's tokens stops the next call, whatever the moment
    from aiops.present.ports import NarrativeRecord

    spent = NarrativeRecord("inc-1", "m1", "shown", MODEL, text="t")
    store.settle_narrative(spent, "svc", "2026-11-25", 1200)
    assert store.reserve_narrative("inc-1", "svc", "2026-11-25", "m2", MODEL, limits) == "incident_tokens"
    record = store.narrative_record("inc-1")
    assert (record.status, record.calls, record.tokens) == ("shown", 1, 1200)
    # the day's tokens count every incident of the service
    day = NarrativeLimits(
        calls_per_incident=2, tokens_per_incident=1000, calls_per_day=10, tokens_per_day=1100
    )
    assert store.reserve_narrative("inc-2", "svc", "2026-11-25", "m1", MODEL, day) == "day_tokens"
    assert store.reserve_narrative("inc-2", "svc", "2026-11-26", "m1", MODEL, day) is None


@pytest.mark.parametrize(
    "narrative", [None, {"enabled": False, "model_id": MODEL}], ids=["absent", "disabled"]
)
def test_with_the_narrative_off_no_bedrock_call_is_made(
    aws: Any, fake_slack: Any, clock: Any, bedrock: FakeBedrock, narrative: dict[str, Any] | None
) -> None:
    bedrock.answer = lambda body: converse_reply(GROUNDED)
    app = _app(aws, fake_slack, clock, bedrock, narrative)
    incident = _incident(
        app,
        alarm_event(API, "ALARM", "2026-11-25T10:00:00Z"),
        alarm_event(RAG, "ALARM", "2026-11-25T10:00:00Z"),
    )
    assert bedrock.requests == []
    assert app.narrator is None and app.pipeline.narrate is None  # not even a client is built
    assert app.store.narrative_record(incident.id) is None
    assert _narrative_replies(fake_slack) == []
