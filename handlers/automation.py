"""Automation: SSM Automation status-change events (via SQS) -> the incident's action, lifecycle, Slack."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.holder import AppHolder
from aiops.adapters.observability import bot_metrics
from aiops.adapters.tracing import traced

logger = Logger(service="aiops")  # the logger of every aiops.* module
metrics = bot_metrics()
_holder = AppHolder()
app = _holder.get
use = _holder.use
RESULT_METRIC = {"succeeded": "RemediationsSucceeded", "failed": "RemediationsFailed"}


def record_handler(record: Any) -> None:
    from aiops.signals import sqs_body

    signals = sqs_body(record.body, record.message_id)
    runs = {s.automation.execution_id for s in signals if s.automation is not None}
    for incident in app().pipeline.on_automation(signals):
        logger.info("automation.applied", incident_id=incident.id, status=incident.status)
        for action in incident.actions:
            if action.execution_id in runs and action.status in RESULT_METRIC:
                metrics.add_metric(name=RESULT_METRIC[action.status], unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@traced
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    response = process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
    return dict(response)
