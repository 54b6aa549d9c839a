"""The interactive app (slack-bolt) with signed requests, against moto and the fake Slack Web API."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from aiops.adapters.batch import process_sqs_batch
from aiops.adapters.slack import web_client
from aiops.adapters.slack_app import build_bolt_app
from aiops.local.app import provision
from aiops.local.remediator import LocalRemediator
from aiops.local.replay import load_lines
from aiops.remediation.runbooks import load_runbooks
from tests.support.events import sqs_batch

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "scenarios" / "4-cost-runaway"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APPROVER, STRANGER = "U0APPROVER", "U0STRANGER"


@pytest.fixture
def world(aws: Any, make_app: Any, fake_slack: Any, clock: Any) -> Any:
    doc = yaml.safe_load((SCENARIO / "catalog.yaml").read_text())
    doc["services"][0]["approvers"] = [APPROVER, "S0ONCALL"]
    return scenario_world(doc, make_app, fake_slack, clock)


def scenario_world(doc: dict[str, Any], make_app: Any, fake_slack: Any, clock: Any) -> Any:
    """The cost-runaway scenario (TokenCap waits for approval) on the catalog ``doc``, replayed through
    the ingest path on moto; the Slack app over it. (app, bolt, incident, remediator, ssm)"""
    from aiops.catalog.model import load_catalog

    ssm = boto3.client("ssm", region_name="us-east-1")
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    lines = load_lines(SCENARIO / "events.jsonl")
    mirror = provision(ssm, cw, load_catalog(doc), lines)
    remediator = LocalRemediator(load_runbooks(ROOT / "runbooks"), {"ssm": ssm, "cloudwatch": cw}, clock)
    app = make_app(catalog_doc=doc, remediator=remediator)
    for n, line in enumerate(lines):
        mirror.apply(line)
        process_sqs_batch(sqs_batch(line, start=n), app.pipeline)
    [incident] = app.store.all_incidents()
    return app, bolt_for(app, fake_slack), incident, remediator, ssm


def bolt_for(app: Any, fake_slack: Any, **kw: Any) -> Any:
    """The Slack app as the tests drive it: the test token and signing secret, the fake Slack, and the
    lazy work run inline (dispatch returns once it is done: no waiting). ``kw``: build_bolt_app's others."""
    kw.setdefault("listener_executor", InlineExecutor())
    client = web_client("xoxb-test-token", base_url=fake_slack.url)
    return build_bolt_app(app, token="xoxb-test-token", signing_secret=SECRET, client=client, **kw)


class InlineExecutor(Executor):
    """Runs bolt's lazy listeners in the dispatching thread, so a test decides the order of work."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def _signed(body: str, *, age: int = 0, secret: str = SECRET) -> dict[str, Any]:
    ts = str(int(time.time()) - age)
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "x-slack-request-timestamp": [ts],
        "x-slack-signature": [sig],
        "content-type": ["application/x-www-form-urlencoded"],
    }


def _click(action_id: str, value: str, user: str) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "api_app_id": "A1",
        "token": "x",
        "channel": {"id": "C0INC"},
        "container": {"type": "message"},
        "trigger_id": "1.2",
        "team": {"id": "T1"},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "aiops_actions",
                "value": value,
                "type": "button",
                "action_ts": "1",
            }
        ],
    }
    return "payload=" + urllib.parse.quote(json.dumps(payload))


def test_the_message_offers_approval_for_the_pending_token_cap(world: Any, fake_slack: Any) -> None:
    _, _, incident, _, _ = world
    [action] = incident.actions
    assert (action.runbook, action.status) == ("TokenCap", "pending_approval")
    [root] = fake_slack.roots()
    ids = [e["action_id"] for b in root["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ids[:2] == ["aiops_approve", "aiops_deny"]


def test_double_click_on_approve_starts_one_execution(world: Any, fake_slack: Any) -> None:
    app, bolt, incident, remediator, ssm = world
    body = _click("aiops_approve", f"{incident.id}|token-cap", APPROVER)
    responses = []
    store_get = app.store.get
    reads = 0

    def get_with_a_second_click_in_between(incident_id: str) -> Any:
        # GIVEN the worst interleaving, forced: the first click's approval has read the incident (the
        # action still pending) and not written it yet when the second click runs from start to end
        nonlocal reads
        found = store_get(incident_id)
        reads += 1
        if reads == 2:  # 1: the click's own lookup; 2: the approval's read-modify-write
            responses.append(bolt.dispatch(BoltRequest(body=body, headers=_signed(body))))
        return found

    app.store.get = get_with_a_second_click_in_between
    responses.append(bolt.dispatch(BoltRequest(body=body, headers=_signed(body))))
    # THEN both are acked, the second click won the approval, and the first one's stale write lost
    assert reads > 2 and [r.status for r in responses] == [200, 200]
    assert len(remediator.executor.executions) == 1
    assert ssm.get_parameter(Name="/llm/chat-assistant/max-tokens")["Parameter"]["Value"] == "1024"
    action = app.store.get(incident.id).actions[0]
    assert (action.status, action.approved_by) == ("running", APPROVER)
    texts = [c.body["text"] for c in fake_slack.calls if c.method == "chat.postEphemeral"]
    assert texts == ["TokenCap started", "nothing waits for approval there (already approved or decided)"]


def test_a_stranger_is_refused_and_nothing_happens(world: Any, fake_slack: Any) -> None:
    app, bolt, incident, remediator, _ = world
    fake_slack.users = {"S0ONCALL": ["U0SOMEONE"]}
    body = _click("aiops_approve", f"{incident.id}|token-cap", STRANGER)
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    [refusal] = [c.body for c in fake_slack.calls if c.method == "chat.postEphemeral"]
    assert refusal["user"] == STRANGER and "Only the approvers of chat-assistant" in refusal["text"]
    assert app.store.get(incident.id).actions[0].status == "pending_approval"
    assert remediator.executor.executions == {}


GUARDED = (
    "aiops_approve",
    "aiops_deny",
    "aiops_ack",
    "aiops_escalate",
    "aiops_resolve",
    "aiops_silence",
    "aiops_postmortem",
)
"""Every button the incident message can show: each one changes something, so each is the approvers'."""


def _unchanged(app: Any, incident_id: str, before: Any, timeline: Any, clock: Any) -> None:
    after = app.store.get(incident_id)
    assert after.version == before.version and after.actions == before.actions
    assert (after.status, after.acknowledged, after.escalations) == (
        before.status,
        before.acknowledged,
        before.escalations,
    )
    assert app.store.timeline(incident_id) == timeline
    assert app.store.silences("chat-assistant", clock.now()) == []


@pytest.mark.parametrize("action_id", GUARDED)
def test_a_stranger_is_refused_on_every_button(
    world: Any, fake_slack: Any, clock: Any, action_id: str
) -> None:
    # GIVEN a service whose approvers are a user and an on-call group the clicker is not in
    app, bolt, incident, remediator, ssm = world
    fake_slack.users = {"S0ONCALL": ["U0ONCALL"]}
    before, timeline = app.store.get(incident.id), app.store.timeline(incident.id)
    cap = ssm.get_parameter(Name="/llm/chat-assistant/max-tokens")["Parameter"]["Value"]
    fake_slack.calls.clear()
    # WHEN the stranger clicks the button (the value as the message carries it)
    body = _click(action_id, f"{incident.id}|token-cap", STRANGER)
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    # THEN told no, and nothing else: no runbook, no page, no silence, no edit, no file, no timeline entry
    [refusal] = [c.body for c in fake_slack.calls if c.method == "chat.postEphemeral"]
    assert (refusal["user"], refusal["channel"]) == (STRANGER, "C0INC")
    assert refusal["text"] == "Only the approvers of chat-assistant can do that."
    assert fake_slack.methods() == ["usergroups.users.list", "chat.postEphemeral"]
    _unchanged(app, incident.id, before, timeline, clock)
    assert remediator.executor.executions == {} and fake_slack.files == []
    assert ssm.get_parameter(Name="/llm/chat-assistant/max-tokens")["Parameter"]["Value"] == cap


@pytest.mark.parametrize("action_id", ["aiops_reboot", "aiops_silence_all", "aiops_approve_v2", "x"])
def test_an_unknown_button_is_answered_and_logged_and_does_nothing(
    world: Any, fake_slack: Any, clock: Any, caplog: pytest.LogCaptureFixture, action_id: str
) -> None:
    # GIVEN an approver, and a button id this bot never rendered (an older or a forged message)
    app, bolt, incident, remediator, _ = world
    before, timeline = app.store.get(incident.id), app.store.timeline(incident.id)
    fake_slack.calls.clear()
    caplog.set_level("WARNING", logger="aiops.adapters.slack_app")
    body = _click(action_id, f"{incident.id}|token-cap", APPROVER)
    # WHEN it is clicked, THEN it is acked (no error shown on the button), said, logged, and not acted on
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    assert [(c.method, c.body["text"]) for c in fake_slack.calls] == [
        ("chat.postEphemeral", "That button is not known: nothing was done.")
    ]
    [record] = [r for r in caplog.records if r.getMessage() == "slack_app.unknown_action"]
    assert (record.levelname, getattr(record, "action_id", None)) == ("WARNING", action_id)
    _unchanged(app, incident.id, before, timeline, clock)
    assert remediator.executor.executions == {}


@pytest.mark.parametrize(("age", "secret"), [(0, "not-the-secret"), (600, SECRET)])
def test_bad_signature_or_stale_request_is_rejected(
    world: Any, fake_slack: Any, age: int, secret: str
) -> None:
    app, bolt, incident, _, _ = world
    body = _click("aiops_resolve", incident.id, APPROVER)
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body, age=age, secret=secret))).status == 401
    assert app.store.get(incident.id).status == "open"


def test_acknowledge_and_resolve_land_on_the_timeline_with_the_user(world: Any, fake_slack: Any) -> None:
    app, bolt, incident, _, _ = world
    for n, action_id in enumerate(("aiops_ack", "aiops_resolve"), 1):
        body = _click(action_id, incident.id, APPROVER)
        assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
        assert sum(c.method == "chat.postEphemeral" for c in fake_slack.calls) == n
    done = app.store.get(incident.id)
    assert done.acknowledged is not None and done.acknowledged.by == APPROVER and done.status == "resolved"
    actors = {(e.kind, e.actor) for e in app.store.timeline(incident.id)}
    assert {("acknowledged", APPROVER), ("resolved", APPROVER)} <= actors


def test_slash_command(world: Any, fake_slack: Any) -> None:
    _, bolt, _, _, _ = world
    url = fake_slack.url.replace("/api/", "/response")
    body = urllib.parse.urlencode(
        {
            "command": "/aiops",
            "text": "incidents",
            "user_id": APPROVER,
            "response_url": url,
            "team_id": "T1",
            "channel_id": "C1",
            "trigger_id": "1",
        }
    )
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    [reply] = [c.body for c in fake_slack.calls if c.method == "response"]
    assert "chat-assistant" in reply["text"] and "cost" in reply["text"]


def test_group_members_may_act_and_the_group_is_asked_once_a_minute(
    world: Any, fake_slack: Any, clock: Any
) -> None:
    from datetime import timedelta

    from aiops.adapters.slack_app import GROUP_TTL, Authorizer

    app, _, incident, _, _ = world
    fake_slack.users = {"S0ONCALL": ["U0ONCALL"]}
    auth = Authorizer(app, web_client("xoxb-test-token", base_url=fake_slack.url))

    def lookups() -> int:
        return int(fake_slack.methods().count("usergroups.users.list"))

    # a burst of clicks by the on-call group asks Slack once
    assert all(auth.may_act("U0ONCALL", incident.service) for _ in range(5))
    assert not auth.may_act(STRANGER, incident.service)
    assert lookups() == 1
    # the group changes: seen once the cached answer is older than GROUP_TTL
    fake_slack.users = {"S0ONCALL": []}
    assert auth.may_act("U0ONCALL", incident.service)
    clock.set(clock.now() + GROUP_TTL + timedelta(seconds=1))
    assert not auth.may_act("U0ONCALL", incident.service)
    assert lookups() == 2
    # a named approver never needs the lookup
    assert auth.may_act(APPROVER, incident.service) and lookups() == 2


def test_a_failed_group_lookup_admits_nobody_and_is_asked_again(
    world: Any, fake_slack: Any, clock: Any
) -> None:
    from aiops.adapters.slack_app import Authorizer

    app, _, incident, _, _ = world
    fake_slack.users = {"S0ONCALL": ["U0ONCALL"]}
    auth = Authorizer(app, web_client("xoxb-test-token", base_url=fake_slack.url))
    fake_slack.fail_next(200, error="missing_scope")
    assert not auth.may_act("U0ONCALL", incident.service)  # refused, not crashed
    assert auth.may_act("U0ONCALL", incident.service)  # the failure was not remembered


@pytest.mark.parametrize(
    ("user", "allowed"), [(APPROVER, True), ("U0ONCALL", True), (STRANGER, False)], ids=str
)
def test_only_approvers_may_list_incidents_outside_a_read_channel(
    world: Any, fake_slack: Any, user: str, allowed: bool
) -> None:
    _, bolt, _, _, _ = world
    fake_slack.users = {"S0ONCALL": ["U0ONCALL"]}  # an approver through the on-call user group
    url = fake_slack.url.replace("/api/", "/response")
    for text in ("status", "incidents"):
        body = urllib.parse.urlencode(
            {"command": "/aiops", "text": text, "user_id": user, "response_url": url, "channel_id": "C1"}
        )
        assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    replies = [c.body["text"] for c in fake_slack.calls if c.method == "response"]
    assert len(replies) == 2
    refused = [r.startswith("Only approvers") for r in replies]
    assert refused == [not allowed, not allowed]
    if allowed:
        assert "chat-assistant" in replies[1]


def test_acknowledge_and_resolve_report_their_durations(world: Any, fake_slack: Any, clock: Any) -> None:
    from datetime import timedelta

    app, _, incident, _, _ = world
    seen: list[tuple[str, float]] = []
    bolt = bolt_for(app, fake_slack, observe=lambda name, seconds: seen.append((name, seconds)))
    opened = app.store.get(incident.id).opened_at
    clock.set(opened + timedelta(minutes=7))
    for action_id in ("aiops_ack", "aiops_ack", "aiops_resolve", "aiops_resolve"):  # second clicks: nothing
        body = _click(action_id, incident.id, APPROVER)
        assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    done = app.store.get(incident.id)
    assert done.acknowledged is not None and done.resolved_at is not None
    ack, resolve = (
        (done.acknowledged.at - opened).total_seconds(),
        (done.resolved_at - opened).total_seconds(),
    )
    assert seen == [("TimeToAcknowledge", ack), ("TimeToResolve", resolve)]
    assert ack >= 420.0


def test_draft_postmortem_posts_the_draft_as_a_file_in_the_thread(world: Any, fake_slack: Any) -> None:
    # GIVEN the incident resolved from Slack: its message now offers "Draft postmortem"
    app, bolt, incident, _, _ = world
    body = _click("aiops_resolve", incident.id, APPROVER)
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    from aiops.present.slack_blocks import incident_message

    [root] = fake_slack.roots()
    message = incident_message(app.store.get(incident.id))  # what the next edit shows (edits coalesce)
    buttons = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["text"]["text"], b["value"]) for b in buttons] == [
        ("aiops_postmortem", "Draft postmortem", incident.id)
    ]
    # WHEN an approver clicks it (a stranger first: refused, nothing posted)
    body = _click("aiops_postmortem", incident.id, STRANGER)
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    assert fake_slack.files == []
    body = _click("aiops_postmortem", incident.id, APPROVER)
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    # THEN the draft is one Markdown file in the incident's thread, uploaded the v2 way
    assert [m for m in fake_slack.methods() if m.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    [shared] = fake_slack.files
    assert shared["filename"] == f"postmortem-{incident.id}.md"
    record = app.store.message_for(incident.id)
    assert shared["channel"] == fake_slack.channel_id(record.channel) and shared["thread_ts"] == root["ts"]
    comment = f"Postmortem draft, asked for by <@{APPROVER}>: edit it before publishing."
    assert shared["initial_comment"] == comment
    text = shared["content"].decode()
    assert text.startswith("# Postmortem: ")
    assert "| Resolved | " in text and f"resolved by {APPROVER}" in text
    assert "TokenCap" in text.split("## Actions")[1]


def test_approve_with_the_kill_switch_off_starts_nothing_and_says_so(world: Any, fake_slack: Any) -> None:
    # GIVEN a TokenCap waiting for approval, then the operator turns automation off for the stack
    app, bolt, incident, remediator, ssm = world
    from aiops.adapters.remediation import KILL_SWITCH

    ssm.put_parameter(Name=KILL_SWITCH, Value="false", Type="String", Overwrite=True)
    # WHEN an approver clicks Approve
    body = _click("aiops_approve", f"{incident.id}|token-cap", APPROVER)
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    # THEN no StartAutomationExecution, the cap is untouched, the action ends skipped, and the approver
    # is told why
    assert remediator.starts == 0 and remediator.executor.executions == {}
    assert ssm.get_parameter(Name="/llm/chat-assistant/max-tokens")["Parameter"]["Value"] != "1024"
    action = app.store.get(incident.id).actions[0]
    assert action.status == "skipped" and "automation is off for this stack" in action.reason
    [said] = [c.body["text"] for c in fake_slack.calls if c.method == "chat.postEphemeral"]
    assert "automation is off for this stack" in said
