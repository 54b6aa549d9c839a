"""PagerDuty Webhooks v3 on a Lambda Function URL: a person acknowledging (or resolving) a page in
PagerDuty reaches the incident as a Slack acknowledgement does - its timers cancelled, its thread told -
and nothing is sent back to PagerDuty.

Per request, in this order: read the request and check PagerDuty's signature (the webhook's signing
secret is the one secret read before that, once per container); only then parse the body, and build the
app only for an event about one of our incidents.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.function_url import response
from aiops.adapters.holder import AppHolder
from aiops.adapters.pagerduty_webhook import WebhookVerifier, read_request
from aiops.adapters.tracing import traced

logger = Logger(service="aiops")  # the logger of every aiops.* module
_holder = AppHolder()
app = _holder.get
use = _holder.use


def _webhook_secret() -> str | None:
    import os

    from aiops.adapters.config import Config

    value = Config.from_env(os.environ).pagerduty_webhook_secret().get()
    return value.get_secret_value() if value else None


verifier = WebhookVerifier(_webhook_secret)


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    req = read_request(event)
    if isinstance(req, dict):
        return req
    logger.append_keys(webhook_id=req.webhook_id)
    if not verifier.verify(req):
        logger.warning("pagerduty.unverified", signed=bool(req.signature))
        return response(401, "missing or invalid X-PagerDuty-Signature")
    from aiops.adapters.pagerduty_events import receive

    try:
        answer = receive(req.body, app)
    except Exception:  # the store or Slack failed us, not the request: PagerDuty retries a 5xx
        logger.exception("pagerduty.failed")
        return response(500, "not processed; PagerDuty retries")
    return response(answer.status, answer.message)
