"""Flush (scheduled every minute): settle quiet periods, repair what a failure left undone (decisions,
recorded runbook starts, runs SSM finished, pages not delivered), decide escalation again (a lost timer
costs at most a minute) and send Slack updates that were coalesced or held back by an outage, so nothing
waits for the next event."""

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


@logger.inject_lambda_context(clear_state=True)
@traced
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    from aiops.pipeline import BatchResult

    result = BatchResult()
    flushed = app().pipeline.tick(app().store.unsettled_incidents(), result)
    for seconds in result.resolved:
        metrics.add_metric(name="TimeToResolve", unit=MetricUnit.Seconds, value=seconds)
    metrics.add_metric(name="IncidentsResolved", unit=MetricUnit.Count, value=len(result.resolved))
    logger.info("flush.done", incidents=len(flushed))
    return {"incidents": len(flushed)}
