"""The documented first deploy: the stack is up, the Slack token secret still holds its generated
placeholder. Signals keep flowing (nothing fails, nothing is faked), and once the operator puts the token
in, warm containers pick it up and every incident gets its one root message."""

from __future__ import annotations

import logging
from typing import Any

import boto3
import pytest
import yaml

from aiops.adapters.config import Config
from aiops.adapters.holder import AppHolder
from aiops.adapters.slack import SecretChat
from aiops.adapters.wiring import App, WiringError, build_app
from aiops.catalog.model import load_catalog
from aiops.local.fakes import LocalChat, LocalPager
from tests.support.catalogs import DEMO_CATALOG
from tests.support.events import alarm_event, sqs_batch

PLACEHOLDER = "Qm3xT7vK2pL9sW4nR8cY1bH6jF5dG0aZ"  # what GenerateSecretString puts in: 32 alphanumerics


@pytest.fixture
def stack_env(aws: Any, fake_slack: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment template.yaml gives the functions, on moto, right after `sam deploy`."""
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    arn = sm.create_secret(Name="aiops-SlackBotToken", SecretString=PLACEHOLDER)["ARN"]
    env = {
        "AIOPS_TABLE": "aiops-test",
        "SLACK_BOT_TOKEN_SECRET_ARN": arn,
        "SLACK_API_URL": fake_slack.url,
        "SLACK_CHANNEL": "#fallback",
        "AIOPS_REFRESH_SECONDS": "0",  # the stack uses 60 s; here every read sees the secret's current value
    }
    for key in ("SLACK_BOT_TOKEN", "PAGERDUTY_ROUTING_KEY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def _container(env: dict[str, str], clock: Any) -> App:
    """A Lambda container's app: its own clients, built from the stack's environment."""
    catalog = load_catalog(yaml.safe_load(DEMO_CATALOG.read_text()))
    return build_app(
        Config.from_env(env),
        clock=clock,
        dynamodb=boto3.client("dynamodb", region_name="us-east-1"),
        catalog=catalog,
        pager=LocalPager(),
    )


def test_no_token_then_a_token_two_containers(
    stack_env: dict[str, str], fake_slack: Any, clock: Any, lambda_context: Any
) -> None:
    from datetime import timedelta

    from handlers import flush, ingest

    a, b = _container(stack_env, clock), _container(stack_env, clock)
    assert isinstance(a.chat, SecretChat) and isinstance(b.chat, SecretChat)
    try:
        # GIVEN two containers and no token: alarms of two services arrive, spread over both
        ingest.use(a)
        out = ingest.handler(
            sqs_batch(alarm_event("chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z")), lambda_context
        )
        assert out == {"batchItemFailures": []}
        ingest.use(b)
        out = ingest.handler(
            sqs_batch(
                alarm_event("chat-assistant-orch-errors", "ALARM", "2026-11-25T10:00:30Z"),
                alarm_event("billing-db-cpu", "ALARM", "2026-11-25T10:00:40Z"),
                start=1,
            ),
            lambda_context,
        )
        assert out == {"batchItemFailures": []}
        for container in (a, b):  # the flush runs every minute, in whichever container is warm
            flush.use(container)
            clock.set(clock.now() + timedelta(minutes=1))
            assert flush.handler({}, lambda_context)["incidents"] == 2
        # THEN nothing went to Slack, nothing failed, and each incident waits for its root message
        incidents = a.store.all_incidents()
        assert sorted(i.service for i in incidents) == ["chat-assistant", "unowned"]
        assert fake_slack.calls == []
        for incident in incidents:  # a claim given back at once (nothing was posted)
            record = a.store.message_for(incident.id)
            assert record is None or (record.ts is None and record.claimed_at is None)

        # WHEN the operator puts the token in (the README's step after the first deploy)
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        sm.put_secret_value(SecretId=stack_env["SLACK_BOT_TOKEN_SECRET_ARN"], SecretString="xoxb-test-token")
        # THEN the next flush, in the warm container b, posts one root message per incident
        clock.set(clock.now() + timedelta(minutes=1))
        assert flush.handler({}, lambda_context)["incidents"] == 2
        roots = fake_slack.roots()
        assert sorted(r["channel"] for r in roots) == ["#fallback", "#inc-chat-assistant"]
        # AND more signals through container a, and its flush, edit those messages: still one each
        ingest.use(a)
        out = ingest.handler(
            sqs_batch(alarm_event("chat-assistant-api-5xx", "OK", "2026-11-25T10:05:00Z"), start=3),
            lambda_context,
        )
        assert out == {"batchItemFailures": []}
        flush.use(a)
        clock.set(clock.now() + timedelta(minutes=1))
        flush.handler({}, lambda_context)
        assert len(fake_slack.roots()) == 2
        assert "chat.update" in fake_slack.methods()
        for incident in a.store.all_incidents():
            record = a.store.message_for(incident.id)
            assert record is not None and record.ts is not None
            assert record.rendered_version == incident.version  # Slack shows the newest state
    finally:
        ingest.use(None)
        flush.use(None)


def test_a_rotated_token_is_picked_up_without_a_new_container(stack_env: dict[str, str], clock: Any) -> None:
    app = _container(stack_env, clock)
    assert isinstance(app.chat, SecretChat)
    assert app.chat.token.get() is None  # the placeholder is not a token
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    sm.put_secret_value(SecretId=stack_env["SLACK_BOT_TOKEN_SECRET_ARN"], SecretString="xoxb-first")
    token = app.chat.token.get()
    assert token is not None and token.get_secret_value() == "xoxb-first"


def test_the_lambda_build_never_wires_a_stand_in(
    stack_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # WHEN a container builds its app from the stack's environment, with no catalog configured
    with caplog.at_level(logging.WARNING, logger="aiops.adapters.sources"):
        app = AppHolder().get()
    # THEN nothing of aiops.local is wired, the catalog is empty, and the log says so loudly
    assert app.stand_ins() == []
    assert isinstance(app.chat, SecretChat)
    assert app.catalog.services == ()
    assert any(r.getMessage() == "catalog.unconfigured" for r in caplog.records)


def test_a_handler_refuses_to_start_with_a_stand_in(
    stack_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lambda_context: Any
) -> None:
    from aiops.adapters import wiring
    from handlers import ingest

    real = wiring.build_app

    def build_with_a_fake(*args: Any, **kwargs: Any) -> App:  # GIVEN a wiring bug: the old LocalChat
        return real(*args, **{**kwargs, "chat": LocalChat()})

    monkeypatch.setattr(wiring, "build_app", build_with_a_fake)
    holder = AppHolder()
    with pytest.raises(WiringError, match=r"chat=aiops\.local\.fakes\.LocalChat"):
        holder.get()
    # and a test or demo app handed to a handler inside Lambda is refused as well
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "aiops-ingest")
    fake = real(Config.from_env(stack_env), clock=wiring_clock(), chat=LocalChat())
    with pytest.raises(WiringError, match="LocalChat"):
        ingest.use(fake)
    ingest.use(None)


def wiring_clock() -> Any:
    from aiops.adapters.clock import SystemClock

    return SystemClock()
