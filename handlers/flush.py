"""Flush (scheduled every minute): settle quiet periods, decide escalation again (a lost timer costs at
most a minute) and send Slack updates that were coalesced or held back by an outage, so nothing waits
for the next event."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.wiring import AppHolder

logger = Logger(service="aiops")
tracer = Tracer(service="aiops")
_holder = AppHolder()
app = _holder.get


use = _holder.use


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    ids = app().store.unsettled_incidents()
    flushed = app().pipeline.tick(ids)
    logger.info("flush.done", incidents=len(flushed))
    return {"incidents": len(flushed)}
