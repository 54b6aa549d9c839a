"""A click whose lazy half runs after the signature's 5 minutes (issue 23, item 4): the function's own
edge recorded the verified click, so the late lazy invocation applies it, once; a lazy half nobody
verified fresh, or a replay of one already run, is refused."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

import pytest
import yaml

from aiops.adapters.batch import process_sqs_batch
from tests.functional.test_slack_app import APPROVER
from tests.functional.test_slack_edge import CONTEXT, _event, edge  # noqa: F401 - the fixture
from tests.support.catalogs import DEMO_CATALOG
from tests.support.events import alarm_event, sqs_batch


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
            {"action_id": action_id, "block_id": "b", "value": value, "type": "button", "action_ts": "1"}
        ],
    }
    return "payload=" + urllib.parse.quote(json.dumps(payload))


@pytest.fixture
def late(edge: Any, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:  # noqa: F811
    """The Slack function, an open incident whose service names the approver, and a Lambda that keeps
    bolt's self-invocations (the lazy halves) instead of running them: the test runs them, late."""
    from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner

    slack_app = edge[0]
    doc = yaml.safe_load(DEMO_CATALOG.read_text())
    for service in doc["services"]:
        service["approvers"] = [APPROVER]
    app = make_app(catalog_doc=doc)
    slack_app.use(app)
    process_sqs_batch(
        sqs_batch(alarm_event("chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z")), app.pipeline
    )
    [incident] = app.store.all_incidents()
    queued: list[dict[str, Any]] = []

    class QueuedLambda:
        def invoke(self, FunctionName: str, InvocationType: str, Payload: str) -> dict[str, Any]:
            assert InvocationType == "Event"
            queued.append(json.loads(Payload))
            return {"StatusCode": 202}

    def runner(self: Any, logger: Any) -> None:
        self.logger, self.lambda_client = logger, QueuedLambda()

    monkeypatch.setattr(LambdaLazyListenerRunner, "__init__", runner)
    return slack_app, app, incident, queued


def _minutes_later(monkeypatch: pytest.MonkeyPatch, minutes: int) -> None:
    """The wall clock moved on, as every signature check reads it (slack_sdk's verifier, which bolt
    uses, imported ``time`` by name)."""
    import slack_sdk.signature

    later = time.time() + minutes * 60
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(slack_sdk.signature, "time", lambda: later)


def test_a_click_whose_lazy_half_runs_ten_minutes_late_is_applied_once(
    late: Any, fake_slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack_app, app, incident, queued = late
    # GIVEN an approver clicks Acknowledge: acked at once, the work queued as a self-invocation
    out = slack_app.handler(_event(_click("aiops_ack", incident.id, APPROVER)), CONTEXT)
    assert out["statusCode"] == 200 and len(queued) == 1
    assert app.store.get(incident.id).acknowledged is None
    # WHEN Lambda runs the lazy half ten minutes later (the signature is then stale)
    _minutes_later(monkeypatch, 10)
    assert slack_app.handler(json.loads(json.dumps(queued[0])), CONTEXT)["statusCode"] == 200
    # THEN the click is applied, and the approver told
    done = app.store.get(incident.id)
    assert done.acknowledged is not None and done.acknowledged.by == APPROVER
    said = [c.body["text"] for c in fake_slack.calls if c.method == "chat.postEphemeral"]
    assert said == ["acknowledged"]
    # and a replay of that lazy request is refused: the record is claimed
    assert slack_app.handler(json.loads(json.dumps(queued[0])), CONTEXT)["statusCode"] == 401


def test_a_late_lazy_half_nobody_verified_fresh_is_refused(
    late: Any, fake_slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack_app, app, incident, _ = late
    # GIVEN a signed click captured and marked lazy-only, which the function never received fresh
    event = _event(_click("aiops_resolve", incident.id, APPROVER), ts=str(int(time.time()) - 900))
    event["headers"]["x-slack-bolt-lazy-only"] = "1"
    event["headers"]["x-slack-bolt-lazy-function-name"] = "resolve"  # the Resolve button's
    # WHEN it arrives, THEN it is refused and changes nothing
    assert slack_app.handler(event, CONTEXT)["statusCode"] == 401
    assert app.store.get(incident.id).status == "open"
    assert [c for c in fake_slack.calls if c.method == "chat.postEphemeral"] == []


def test_a_strangers_click_is_refused_before_the_ack_and_queues_no_lazy_half(
    late: Any, fake_slack: Any
) -> None:
    slack_app, app, incident, queued = late
    # WHEN someone who is not an approver clicks Resolve on the Lambda
    out = slack_app.handler(_event(_click("aiops_resolve", incident.id, "U0STRANGER")), CONTEXT)
    # THEN acked and told no by the authorization middleware itself: no self-invocation, nothing changed
    assert out["statusCode"] == 200 and queued == []
    said = [c.body["text"] for c in fake_slack.calls if c.method == "chat.postEphemeral"]
    assert said == ["Only the approvers of chat-assistant can do that."]
    assert app.store.get(incident.id).status == "open"
