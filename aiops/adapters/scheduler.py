"""The escalation's timers as EventBridge Scheduler one-time schedules.

Each timer is an ``at(yyyy-mm-ddThh:mm:ss)`` schedule (UTC) in the stack's schedule group, named after
the incident and the step (so a second worker scheduling the same step moves the same schedule), that
invokes the timers function with ``{"incident_id", "timer"}`` and deletes itself once it has run
(``ActionAfterCompletion: DELETE``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from aiops.incident.model import Timer

if TYPE_CHECKING:
    from mypy_boto3_scheduler.client import EventBridgeSchedulerClient


def at_expression(timer: Timer) -> str:
    return f"at({timer.at.strftime('%Y-%m-%dT%H:%M:%S')})"


def timer_payload(timer: Timer, incident_id: str) -> dict[str, str]:
    """What the timers function receives (``handlers/timers.py``)."""
    return {"incident_id": incident_id, "timer": timer.name, "step": timer.step}


class TimerEvent(BaseModel):
    """What a schedule hands the timers function (its ``Input``); other keys are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    incident_id: str
    timer: str
    step: str = ""


class EventBridgeScheduler:
    def __init__(
        self,
        *,
        group: str,
        target_arn: str,
        role_arn: str,
        client: EventBridgeSchedulerClient | None = None,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("scheduler")
        self.client = client
        self.group = group
        self.target_arn = target_arn
        self.role_arn = role_arn

    def _request(self, timer: Timer, incident_id: str) -> dict[str, Any]:
        return {
            "Name": timer.name[:64],
            "GroupName": self.group,
            "ScheduleExpression": at_expression(timer),
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": self.target_arn,
                "RoleArn": self.role_arn,
                "Input": json.dumps(timer_payload(timer, incident_id)),
                "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600},
            },
            "ActionAfterCompletion": "DELETE",
            "Description": f"aiops {timer.step} timer of {incident_id}"[:512],
        }

    def schedule(self, timer: Timer, incident_id: str) -> None:
        request = self._request(timer, incident_id)
        try:
            self.client.create_schedule(**request)
        except self.client.exceptions.ConflictException:  # made already (a retry, another worker): move it
            self.client.update_schedule(**request)

    def cancel(self, name: str) -> None:
        try:
            self.client.delete_schedule(Name=name[:64], GroupName=self.group)
        except self.client.exceptions.ResourceNotFoundException:
            return  # fired and deleted itself, or never made
