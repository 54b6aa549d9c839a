"""An SQS batch through the pipeline with Powertools' BatchProcessor (partial batch failures).

Phase one validates every record on its own: a malformed record, or one whose time is far from the
clock (:meth:`~aiops.pipeline.Pipeline.admit`), becomes a batch item failure (SQS retries it, then
moves it to the dead-letter queue) and never takes the rest of the batch down. An alarm event's signal
is built later, and only when it is no duplicate delivery.
Phase two runs the pipeline once over the good records, so an incident is written once per batch.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from aiops.errors import EventError
from aiops.pipeline import BatchResult, Pipeline
from aiops.signals import Deferred, Signal, prepare_sqs_body

logger = Logger(service="aiops", child=True)


def process_sqs_batch(event: dict[str, Any], pipeline: Pipeline) -> tuple[dict[str, Any], BatchResult]:
    parsed: dict[str, list[Signal | Deferred]] = {}

    def parse_record(record: SQSRecord) -> None:
        try:
            parsed[record.message_id] = pipeline.admit(
                prepare_sqs_body(
                    record.body, record.message_id, sent_timestamp=record.attributes.sent_timestamp
                )
            )
        except EventError as exc:
            logger.warning(
                "signal.rejected",
                message_id=record.message_id,
                source=exc.source,
                field=exc.field,
                error=str(exc),
            )
            raise

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    with processor(records=event.get("Records", []), handler=parse_record):
        processor.process()
    result = pipeline.process(list(parsed.items()))
    failures = list(processor.response()["batchItemFailures"])
    failures += [{"itemIdentifier": item} for item in sorted(result.failed)]
    for item in sorted(result.failed):
        logger.error("signal.failed", message_id=item)
    return {"batchItemFailures": failures}, result
