"""handlers.slack_app.handler as the Function URL calls it: the signature before any other secret or any
network, clean 400s for malformed requests, and the lazy work through a (fake) self-invocation."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from typing import Any

import boto3
import pytest
from slack_sdk.signature import SignatureVerifier

from aiops.local.lambda_events import LambdaContext
from tests.functional.test_slack_app import APPROVER, SECRET

CONTEXT = LambdaContext(
    function_name="aiops-slack-app",
    invoked_function_arn="arn:aws:lambda:us-east-1:111122223333:function:aiops-slack-app",
)


def _event(
    body: str, *, ts: str | None = None, secret: str = SECRET, b64: bool | None = True
) -> dict[str, Any]:
    ts = str(int(time.time())) if ts is None else ts
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts or "0", body=body)
    event: dict[str, Any] = {
        "version": "2.0",
        "rawPath": "/",
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": ts,
            "x-slack-signature": sig,
        },
        "requestContext": {"http": {"method": "POST", "path": "/"}},
        "body": base64.b64encode(body.encode()).decode() if b64 else body,
    }
    if b64 is not None:
        event["isBase64Encoded"] = b64
    return event


def _command(
    text: str, user: str = APPROVER, channel: str = "C0OPS", response_url: str = "http://127.0.0.1:1/response"
) -> str:
    return urllib.parse.urlencode(
        {
            "command": "/aiops",
            "text": text,
            "user_id": user,
            "channel_id": channel,
            "channel_name": "ops",
            "response_url": response_url,
            "team_id": "T1",
            "trigger_id": "1",
        }
    )


class SecretReads:
    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, name: str, **_: Any) -> str:
        self.names.append(name)
        return str(
            boto3.client("secretsmanager", region_name="us-east-1").get_secret_value(SecretId=name)[
                "SecretString"
            ]
        )


@pytest.fixture
def edge(aws: Any, fake_slack: Any, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The Slack function right after a cold start: the signing secret in its secret, the bot token in
    another, nothing read yet."""
    import aws_lambda_powertools.utilities.parameters as parameters

    from aiops.adapters.slack_http import Verifier
    from handlers import slack_app

    sm = boto3.client("secretsmanager", region_name="us-east-1")
    signing = sm.create_secret(Name="signing", SecretString=SECRET)["ARN"]
    token = sm.create_secret(Name="token", SecretString="xoxb-test-token")["ARN"]
    reads = SecretReads()
    monkeypatch.setattr(parameters, "get_secret", reads)
    for key in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SLACK_SIGNING_SECRET_ARN", signing)
    monkeypatch.setenv("SLACK_BOT_TOKEN_SECRET_ARN", token)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    monkeypatch.setattr(slack_app, "verifier", Verifier(slack_app._signing_secret))
    monkeypatch.setattr(slack_app, "_bolt", None)
    slack_app.use(make_app())
    yield slack_app, reads, signing, token
    slack_app.use(None)


def test_a_forged_request_reads_only_the_signing_secret_and_calls_nobody(edge: Any, fake_slack: Any) -> None:
    slack_app, reads, signing, _ = edge
    out = slack_app.handler(_event(_command("status"), secret="not-the-secret"), CONTEXT)
    assert out["statusCode"] == 401
    assert reads.names == [signing]  # the bot token was never read
    assert fake_slack.calls == []  # no auth.test, nothing
    assert slack_app._bolt is None  # bolt was not even built
    # a flood of them reads nothing more (the secret is read again at most once a minute)
    for _ in range(5):
        assert slack_app.handler(_event(_command("status"), secret="nope"), CONTEXT)["statusCode"] == 401
    assert reads.names == [signing]


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (lambda: _event(_command("status"), ts=""), "x-slack-request-timestamp"),
        (lambda: _event(_command("status"), ts="soon"), "x-slack-request-timestamp"),
        (lambda: _event("payload=" + urllib.parse.quote("not json")), "payload is not JSON"),
        (lambda: _event("payload=" + urllib.parse.quote("[1, 2]")), "payload is not a JSON object"),
        (lambda: _event(_command("status"), b64=None), "isBase64Encoded"),
        (lambda: {**_event(_command("status")), "body": "%%%not base64"}, "base64"),
        (lambda: {**_event(_command("status")), "headers": None}, "headers"),
    ],
    ids=[
        "empty-ts",
        "text-ts",
        "payload-not-json",
        "payload-a-list",
        "no-isBase64Encoded",
        "bad-b64",
        "no-headers",
    ],
)
def test_malformed_requests_get_a_clean_400(edge: Any, fake_slack: Any, event: Any, error: str) -> None:
    slack_app, _, _, _ = edge
    out = slack_app.handler(event(), CONTEXT)
    assert out["statusCode"] == 400
    assert error in json.loads(out["body"])["error"]
    assert fake_slack.calls == []


@pytest.mark.parametrize(
    ("channel", "answer"),
    [
        ("C0OPS", "No open incident."),  # a configured read channel: anyone may list
        ("C0RANDOM", "Only approvers, or anyone in the incident read channel, can list incidents."),
    ],
)
def test_a_signed_command_is_acked_and_answered_by_the_lazy_invocation(
    edge: Any, fake_slack: Any, monkeypatch: pytest.MonkeyPatch, channel: str, answer: str
) -> None:
    from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner

    slack_app, reads, signing, token = edge
    invoked: list[dict[str, Any]] = []

    class FakeLambda:
        """Lambda's async self-invocation, run at once: the same handler, the lazy-only event."""

        def invoke(self, FunctionName: str, InvocationType: str, Payload: str) -> dict[str, Any]:
            assert InvocationType == "Event" and FunctionName == CONTEXT.invoked_function_arn
            event = json.loads(Payload)
            invoked.append(event)
            assert slack_app.handler(event, CONTEXT)["statusCode"] == 200
            return {"StatusCode": 202}

    monkeypatch.setattr(LambdaLazyListenerRunner, "__init__", lambda self, logger: _runner(self, logger))

    def _runner(self: Any, logger: Any) -> None:
        self.logger, self.lambda_client = logger, FakeLambda()

    monkeypatch.setenv("AIOPS_SLACK_READ_CHANNELS", "C0OPS")
    url = str(fake_slack.url).replace("/api/", "/response")
    body = _command("incidents", user="U0NOBODY", channel=channel, response_url=url)
    out = slack_app.handler(_event(body), CONTEXT)
    assert out["statusCode"] == 200
    assert reads.names[0] == signing and set(reads.names[1:]) == {token}  # the token only once verified
    assert "auth.test" not in fake_slack.methods()
    assert len(invoked) == 1 and invoked[0]["headers"]["x-slack-bolt-lazy-only"] == "1"
    [reply] = [c.body for c in fake_slack.calls if c.method == "response"]
    assert reply["text"] == answer


def test_a_signing_secret_filled_in_after_deploy_is_picked_up(
    edge: Any, fake_slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner
    from slack_bolt.lazy_listener.runner import LazyListenerRunner

    from aiops.adapters.slack_http import Verifier

    slack_app, _, signing, _ = edge
    monkeypatch.setattr(LambdaLazyListenerRunner, "start", LazyListenerRunner.run)  # the lazy work, inline
    monkeypatch.setattr(slack_app, "verifier", Verifier(slack_app._signing_secret, refresh_after=0))
    monkeypatch.setenv("AIOPS_SLACK_READ_CHANNELS", "C0OPS")
    url = str(fake_slack.url).replace("/api/", "/response")
    body = _command("status", response_url=url)
    assert slack_app.handler(_event(body), CONTEXT)["statusCode"] == 200  # bolt built with the first secret
    # WHEN the operator puts the real signing secret in (the first one was the generated placeholder)
    boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(
        SecretId=signing, SecretString="the-real-signing-secret"
    )
    # THEN requests signed with it pass the edge and bolt alike, and the old secret no longer does
    assert slack_app.handler(_event(body, secret="the-real-signing-secret"), CONTEXT)["statusCode"] == 200
    assert slack_app.handler(_event(body), CONTEXT)["statusCode"] == 401
    assert [c.method for c in fake_slack.calls].count("response") == 2
