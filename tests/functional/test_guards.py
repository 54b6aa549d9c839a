"""The safety guards end to end, each through the real path a user's request or an event takes.

Each test here was written against a bug planted by hand (issue 28's table) and seen to fail with it:

- a service with no approvers lets anyone act (``Authorizer.may_act`` in aiops/adapters/slack_app.py);
- the edge's own 5-minute timestamp window removed (``signature_ok`` in aiops/adapters/slack_http.py):
  bolt still refuses a replayed request, but only after the bot token was read and bolt was built;
- the burn-rate short window ignored (``assess_slo`` in aiops/diagnosis/impact.py);
- a duplicate delivery not flagged by the ledger (``Pipeline._deduplicate`` in aiops/pipeline/core.py):
  the conditional put still refuses it, but it is routed and folded again, at a cost in writes.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt.request import BoltRequest

from aiops.catalog.model import load_catalog
from aiops.local.provision import load_datapoints
from aiops.local.replay import replay
from tests.functional.test_slack_app import GUARDED, _click, _signed, scenario_world
from tests.functional.test_slack_edge import CONTEXT, _command, _event
from tests.functional.test_slack_edge import edge as edge  # the Slack function after a cold start
from tests.support.events import alarm_event, sqs_batch

ROOT = Path(__file__).resolve().parents[2]
COST_RUNAWAY = ROOT / "examples" / "scenarios" / "4-cost-runaway"


# --- a service with no approvers: nobody acts on it from Slack ---------------------------------------


@pytest.fixture
def unowned_world(aws: Any, make_app: Any, fake_slack: Any, clock: Any) -> Any:
    """The cost-runaway scenario (TokenCap waits for approval) on a catalog that names no approvers."""
    doc = yaml.safe_load((COST_RUNAWAY / "catalog.yaml").read_text())
    assert "approvers" not in doc["services"][0]  # GIVEN: nobody is named
    return scenario_world(doc, make_app, fake_slack, clock)


@pytest.mark.parametrize(
    "action_id",
    GUARDED,
)
def test_a_service_with_no_approvers_lets_nobody_act(
    unowned_world: Any, fake_slack: Any, clock: Any, action_id: str
) -> None:
    app, bolt, incident, remediator, ssm = unowned_world
    before, timeline = app.store.get(incident.id), app.store.timeline(incident.id)
    assert [(a.runbook, a.status) for a in before.actions] == [("TokenCap", "pending_approval")]
    cap = ssm.get_parameter(Name="/llm/chat-assistant/max-tokens")["Parameter"]["Value"]
    fake_slack.calls.clear()
    # WHEN someone in the channel clicks a button of the incident message
    body = _click(action_id, f"{incident.id}|token-cap", "U0ANYONE")
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    # THEN they are told no, and nothing else happened: no runbook, no page, no silence, no edit, no file
    [refusal] = [c.body for c in fake_slack.calls if c.method == "chat.postEphemeral"]
    assert refusal["user"] == "U0ANYONE"
    assert refusal["text"] == "Only the approvers of chat-assistant can do that."
    assert [c.method for c in fake_slack.calls] == ["chat.postEphemeral"]
    after = app.store.get(incident.id)
    assert after.version == before.version and after.actions == before.actions
    assert (after.status, after.acknowledged, after.escalations) == ("open", None, before.escalations)
    assert remediator.executor.executions == {}
    assert ssm.get_parameter(Name="/llm/chat-assistant/max-tokens")["Parameter"]["Value"] == cap
    assert app.store.timeline(incident.id) == timeline
    assert app.store.silences("chat-assistant", clock.now()) == [] and fake_slack.files == []


def test_a_service_with_no_approvers_cannot_be_silenced_by_command(
    unowned_world: Any, fake_slack: Any, clock: Any
) -> None:
    app, bolt, _, _, _ = unowned_world
    url = fake_slack.url.replace("/api/", "/response")
    body = urllib.parse.urlencode(
        {"command": "/aiops", "text": "silence chat-assistant 2h", "user_id": "U0ANYONE", "response_url": url}
    )
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    [reply] = [c.body["text"] for c in fake_slack.calls if c.method == "response"]
    assert reply == "Only the approvers of chat-assistant can silence it."
    assert app.store.silences("chat-assistant", clock.now()) == []


# --- a validly signed but stale request: refused at the edge, before any other secret or bolt ---------


@pytest.mark.parametrize(
    "skew", [-310, 310, 3600, -86400], ids=["5m10s-old", "5m10s-ahead", "1h-ahead", "1d-old"]
)
def test_a_signed_but_stale_request_is_refused_before_the_token_is_read(
    edge: Any, fake_slack: Any, skew: int
) -> None:
    slack_app, reads, signing, _ = edge
    # GIVEN a request signed with the real signing secret, its timestamp more than 5 minutes from now
    # (a captured request replayed later, or a clock far off)
    stale = str(int(time.time()) + skew)
    out = slack_app.handler(_event(_command("status"), ts=stale), CONTEXT)
    # THEN the edge refuses it as not Slack's, having read the signing secret and nothing else
    assert out["statusCode"] == 401 and json.loads(out["body"])["error"] == "invalid request"
    assert reads.names == [signing]  # the bot token was never read
    assert slack_app._bolt is None  # bolt was never built
    assert fake_slack.calls == []


def test_a_signed_request_within_the_window_passes_the_edge(
    edge: Any, fake_slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner
    from slack_bolt.lazy_listener.runner import LazyListenerRunner

    # the other side of the boundary: 4 minutes old (a slow delivery, a clock a little off) reaches bolt
    slack_app, reads, signing, token = edge
    monkeypatch.setattr(LambdaLazyListenerRunner, "start", LazyListenerRunner.run)  # the lazy work, inline
    monkeypatch.setenv("AIOPS_SLACK_READ_CHANNELS", "C0OPS")
    url = str(fake_slack.url).replace("/api/", "/response")
    fresh = str(int(time.time()) - 240)
    out = slack_app.handler(_event(_command("status", response_url=url), ts=fresh), CONTEXT)
    assert out["statusCode"] == 200
    assert reads.names == [signing, token]
    assert [c.body["text"] for c in fake_slack.calls if c.method == "response"] == ["0 open incident(s)"]


# --- the long burn-rate window burning while the short one has recovered: no page ---------------------

T = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MODEL = {"ModelId": "anthropic.claude-3-5-sonnet-20240620-v1:0"}


def _catalog(tier: str) -> Any:
    sli = {
        "bad": {"namespace": "AWS/Bedrock", "metric": "InvocationServerErrors", "dimensions": MODEL},
        "total": {"namespace": "AWS/Bedrock", "metric": "Invocations", "dimensions": MODEL},
    }
    return load_catalog(
        {
            "services": [
                {
                    "name": "chat",
                    "tier": tier,
                    "components": [
                        {
                            "name": "model",
                            "match": [{"dimension": {"ModelId": "anthropic.claude-3-5-sonnet*"}}],
                        }
                    ],
                    "slos": [{"name": "availability", "objective": 99.5, "window_days": 30, "sli": sli}],
                }
            ]
        }
    )


def _point(metric: str, at: datetime, value: float) -> str:
    return json.dumps(
        {
            "namespace": "AWS/Bedrock",
            "metric": metric,
            "dimensions": MODEL,
            "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "value": value,
            "unit": "Count",
        }
    )


def _recovered_metrics() -> list[str]:
    """Six hours (and the minute now) of 1,000 requests a minute; 10% of them failed from 60 to 6 minutes
    ago, none since."""
    lines = []
    for m in range(360, -1, -1):
        at = T - timedelta(minutes=m)
        bad = 100 if 6 <= m < 60 else 0
        lines += [_point("Invocations", at, 1000), _point("InvocationServerErrors", at, bad)]
    return lines


def _alarm() -> str:
    return json.dumps(
        alarm_event(
            "chat-bedrock-errors",
            "ALARM",
            "2026-11-25T12:00:00Z",
            namespace="AWS/Bedrock",
            metric="InvocationServerErrors",
            dimensions=MODEL,
        )
    )


@pytest.mark.parametrize(
    ("tier", "severity", "pages"),
    [
        ("medium", "SEV4", []),  # SEV4: never paged (it stays in Slack)
        ("critical", "SEV3", ["12:15"]),  # SEV3: paged only if nobody acknowledged it within 15 min
    ],
)
def test_a_long_window_burning_after_the_short_one_recovered_does_not_page(
    tier: str, severity: str, pages: list[str]
) -> None:
    # GIVEN errors that stopped 5 minutes ago: by hand, 1h = 54 min x 100 bad / 60,000 = 9% -> 18x
    # (over 14.4), 5m = 0 -> 0x; 30m = 2,400 / 30,000 = 8% -> 16x, 6h = 5,400 / 360,000 = 1.5% -> 3x
    # (under 6). Neither page pair has both windows over its threshold: the SRE Workbook's short window
    # is there exactly so that a recovered service stops paging. Only a ticket pair fires: 3d (the 361
    # minutes there are: 5,400 / 361,000 -> 2.992x) and 6h (3x), both over 1x.
    result = replay([_alarm()], _catalog(tier), metrics=load_datapoints(_recovered_metrics(), "test"))
    [incident] = result.report["incidents"]
    impact = incident["impact"]
    assert impact["burn_rates"]["1h"] == pytest.approx(18.0)
    assert impact["burn_rates"]["5m"] == 0.0
    assert impact["burn_rates"]["30m"] == pytest.approx(16.0)
    assert impact["burn_rates"]["6h"] == pytest.approx(3.0)
    assert impact["burn_rates"]["3d"] == pytest.approx(2.992)
    assert impact["firing"] == "3d+6h"
    # THEN the severity is the tier's ticket cell (severity.py), and nobody is paged
    assert incident["severity"] == severity
    assert [e["at"][11:16] for e in incident["escalations"]] == pages  # not at 12:00, as a page pair would


# --- a duplicate delivery: flagged by the ledger, costs one read, writes nothing ----------------------


def test_a_redelivery_in_a_later_batch_is_one_read_and_no_write(
    ingest: Any, lambda_context: Any, fake_slack: Any, aws: Any
) -> None:
    handler, app = ingest
    event = alarm_event("chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z")
    assert handler(sqs_batch(event), lambda_context) == {"batchItemFailures": []}
    slack_before, incidents_before = len(fake_slack.calls), app.store.all_incidents()
    calls: list[str] = []

    def count(event_name: str, **_: Any) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    aws.meta.events.register("before-call.dynamodb.*", count)
    try:
        # WHEN SQS delivers the same event again, in a batch of its own
        assert handler(sqs_batch(event, start=7), lambda_context) == {"batchItemFailures": []}
    finally:
        aws.meta.events.unregister("before-call.dynamodb.*", count)
    # THEN the ledger's lookup says "seen" and that is the end of it: no route, no fold, no refused put
    assert calls == ["BatchGetItem"]
    assert len(fake_slack.calls) == slack_before and app.store.all_incidents() == incidents_before
