"""Automation: SSM Automation status-change events (via SQS) -> the incident's action, lifecycle, Slack."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.wiring import AppHolder
from aiops.signals import sqs_body

logger = Logger(service="aiops")
tracer = Tracer(service="aiops")
metrics = Metrics(namespace="aiops", service="aiops")
processor = BatchProcessor(event_type=EventType.SQS)
_holder = AppHolder()
app = _holder.get


use = _holder.use


def record_handler(record: SQSRecord) -> None:
    updated = app().pipeline.on_automation(sqs_body(record.body, record.message_id))
    for incident in updated:
        logger.info("automation.applied", incident_id=incident.id, status=incident.status)
        metrics.add_metric(name="RunbookResults", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
