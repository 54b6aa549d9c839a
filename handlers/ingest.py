"""Ingest: an SQS batch of EventBridge events / SNS notifications -> signals -> incidents -> Slack."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.batch import process_sqs_batch
from aiops.adapters.runtime import tune_gc
from aiops.adapters.wiring import AppHolder

logger = Logger(service="aiops")
tracer = Tracer(service="aiops")
metrics = Metrics(namespace="aiops", service="aiops")
_holder = AppHolder()
app = _holder.get


use = _holder.use
tune_gc()  # once per cold start: see aiops/adapters/runtime.py


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response, result = process_sqs_batch(event, app().pipeline)
    metrics.add_metric(name="Signals", unit=MetricUnit.Count, value=result.signals)
    metrics.add_metric(name="Duplicates", unit=MetricUnit.Count, value=result.duplicates)
    metrics.add_metric(name="FailedRecords", unit=MetricUnit.Count, value=len(response["batchItemFailures"]))
    return response
