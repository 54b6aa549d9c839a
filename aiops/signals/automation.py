"""SSM Automation status changes (the bot's own runbooks, and any other execution)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from aiops.signals.base import Input, parse
from aiops.signals.model import AutomationInfo, Signal
from aiops.signals.tolerant import Text
from aiops.text import MAX_NAME, MAX_TITLE, cap

SOURCE = "aws.ssm"
EXECUTION = "EC2 Automation Execution Status-change Notification"
STEP = "EC2 Automation Step Status-change Notification"


class _Detail(Input):
    execution_id: str = Field(alias="ExecutionId", min_length=1)
    definition: Text = Field(default="", alias="Definition")
    status: Text = Field(default="", alias="Status")
    step_name: Text = Field(default="", alias="StepName")
    action: Text = Field(default="", alias="Action")


def from_detail(
    detail: Any, *, detail_type: str, event_id: str, time: datetime, account: str, region: str
) -> Signal:
    d = parse(_Detail, detail, source=SOURCE, prefix="detail")
    info = AutomationInfo(
        execution_id=cap(d.execution_id, 64),
        document=cap(d.definition, MAX_NAME),
        status=cap(d.status, 32),
        step_name=cap(d.step_name, MAX_NAME) if detail_type == STEP else "",
        action=cap(d.action, 64),
    )
    step = f" step {info.step_name}" if info.step_name else ""
    return Signal(
        id=event_id,
        source=SOURCE,
        time=time,
        kind="automation",
        status="info",
        resource=info.execution_id,
        title=cap(f"Automation {info.document}{step}: {info.status}", MAX_TITLE),
        account=account,
        region=region,
        detail_type=detail_type,
        automation=info,
    )
