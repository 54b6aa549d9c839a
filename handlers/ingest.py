"""Ingest: an SQS batch of EventBridge events / SNS notifications -> signals -> incidents -> Slack."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.batch import process_sqs_batch
from aiops.adapters.clock import SystemClock
from aiops.adapters.config import Config
from aiops.adapters.wiring import App, build_app

logger = Logger(service="aiops")
tracer = Tracer(service="aiops")
metrics = Metrics(namespace="aiops", service="aiops")
_app: App | None = None


def app() -> App:
    """Built on the first invocation of a container, then reused."""
    global _app
    if _app is None:
        _app = build_app(Config.from_env(os.environ), clock=SystemClock())
    return _app


def use(prebuilt: App) -> None:
    """Hand the handler an app built elsewhere (``aiops demo`` / ``replay``: the emulator, event time)."""
    global _app
    _app = prebuilt


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response, result = process_sqs_batch(event, app().pipeline)
    metrics.add_metric(name="Signals", unit=MetricUnit.Count, value=result.signals)
    metrics.add_metric(name="Duplicates", unit=MetricUnit.Count, value=result.duplicates)
    metrics.add_metric(name="FailedRecords", unit=MetricUnit.Count, value=len(response["batchItemFailures"]))
    return response
