"""The Slack interactive app on a Lambda Function URL: slack-bolt verifies, acks, and runs lazily."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.clock import SystemClock
from aiops.adapters.config import Config
from aiops.adapters.slack import web_client
from aiops.adapters.slack_app import build_bolt_app
from aiops.adapters.wiring import build_app

logger = Logger(service="aiops")
_handler: Any = None


def _build() -> Any:
    from slack_bolt.adapter.aws_lambda import SlackRequestHandler

    config = Config.from_env(os.environ)
    app = build_app(config, clock=SystemClock())
    found = config.slack_secret().get()
    token = found.get_secret_value() if found else ""
    signing = config.signing_secret().get()
    signing_secret = signing.get_secret_value() if signing else ""
    bolt = build_bolt_app(
        app,
        token=token,
        signing_secret=signing_secret,
        client=web_client(token, base_url=config.slack_api_url),
    )
    return SlackRequestHandler(app=bolt)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _handler
    if _handler is None:
        _handler = _build()
    result: dict[str, Any] = _handler.handle(event, context)
    return result
