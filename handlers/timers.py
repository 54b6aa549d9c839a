"""Timers: EventBridge Scheduler invokes this when an escalation timer is due (a delayed page, a held
page resolve, a retry); the core decides again from the incident as it is now."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.holder import AppHolder
from aiops.adapters.tracing import traced

logger = Logger(service="aiops")  # the logger of every aiops.* module
_holder = AppHolder()
app = _holder.get


use = _holder.use


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    from aiops.adapters.scheduler import TimerEvent

    timer = TimerEvent.model_validate(event)
    logger.append_keys(incident_id=timer.incident_id, timer=timer.timer)
    incident = app().pipeline.on_timer(timer.incident_id, timer.timer)
    logger.info("timer.fired", status=incident.status if incident else "unknown")
    return {"incident_id": timer.incident_id, "status": incident.status if incident else "unknown"}
