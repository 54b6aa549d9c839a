"""Ingest: an SQS batch of EventBridge events / SNS notifications -> signals -> incidents -> Slack."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.holder import AppHolder
from aiops.adapters.observability import bot_metrics
from aiops.adapters.runtime import tune_gc
from aiops.adapters.tracing import traced

logger = Logger(service="aiops")  # the logger of every aiops.* module
metrics = bot_metrics()
_holder = AppHolder()
app = _holder.get
use = _holder.use
tune_gc()  # once per cold start: see aiops/adapters/runtime.py


@logger.inject_lambda_context(clear_state=True)
@traced
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from aiops.adapters.batch import process_sqs_batch  # with the pipeline, on the first invocation

    response, result = process_sqs_batch(event, app().pipeline)
    metrics.add_metric(name="Signals", unit=MetricUnit.Count, value=result.signals)
    metrics.add_metric(name="Duplicates", unit=MetricUnit.Count, value=result.duplicates)
    metrics.add_metric(name="FailedRecords", unit=MetricUnit.Count, value=len(response["batchItemFailures"]))
    metrics.add_metric(name="IncidentsOpened", unit=MetricUnit.Count, value=len(result.opened))
    metrics.add_metric(name="IncidentsResolved", unit=MetricUnit.Count, value=len(result.resolved))
    for seconds in result.resolved:
        metrics.add_metric(name="TimeToResolve", unit=MetricUnit.Seconds, value=seconds)
    return response
