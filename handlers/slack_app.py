"""The Slack interactive app on a Lambda Function URL.

Per request, in this order: read the request and check Slack's signature (the signing secret is the one
secret read before that, once per container); refuse a malformed one with a 400; only then build bolt
(the bot token is read here, no ``auth.test``) and dispatch. Bolt acks and runs the work lazily; a lazy
half that runs late is trusted through the record of its verified first half (``slack_clicks``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.function_url import response
from aiops.adapters.holder import AppHolder
from aiops.adapters.slack_http import Verifier, normalized, read_request, shape_problem

logger = Logger(service="aiops")
_holder = AppHolder()
app = _holder.get
use = _holder.use
_bolt: tuple[str, Any] | None = None


def _signing_secret() -> str | None:
    import os

    from aiops.adapters.config import Config

    value = Config.from_env(os.environ).signing_secret().get()
    return value.get_secret_value() if value else None


verifier = Verifier(_signing_secret)


def _bolt_handler() -> Any:
    """Bolt, built for the current bot token and signing secret (rebuilt when either changes); None
    while there is no token."""
    global _bolt
    import os

    from aiops.adapters.config import Config

    config = Config.from_env(os.environ)
    token = config.slack_secret().get()
    if token is None:
        return None
    value = token.get_secret_value()
    key = f"{value}\n{verifier.secret}"
    if _bolt is None or _bolt[0] != key:
        from slack_bolt.adapter.aws_lambda import SlackRequestHandler

        from aiops.adapters.dynamodb import DynamoStore
        from aiops.adapters.observability import observe_seconds
        from aiops.adapters.slack import web_client
        from aiops.adapters.slack_app import build_bolt_app
        from aiops.adapters.slack_clicks import ClickRecords

        store = app().store
        bolt = build_bolt_app(
            app,
            token=value,
            signing_secret=verifier.secret,
            client=web_client(value, base_url=config.slack_api_url),
            read_channels=config.slack_read_channels,
            observe=observe_seconds,
            clicks=ClickRecords(store.client, store.table) if isinstance(store, DynamoStore) else None,
        )
        _bolt = (key, SlackRequestHandler(app=bolt))
    return _bolt[1]


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    req = read_request(event)
    if isinstance(req, dict):
        return req
    # bolt's lazy half (its self-invocation) may run after the signature's 5 minutes: bolt then trusts
    # the record its first half made (aiops/adapters/slack_clicks.py)
    lazy = bool((event.get("headers") or {}).get("x-slack-bolt-lazy-only"))
    if not verifier.verify(req, any_age=lazy):
        return response(401, "invalid request")
    problem = shape_problem(req)
    if problem is not None:
        return response(400, problem)
    bolt = _bolt_handler()
    if bolt is None:
        logger.warning("slack_app.no_bot_token")
        return response(503, "the Slack bot token is not configured yet")
    result: dict[str, Any] = bolt.handle(normalized(event, req), context)
    return result
