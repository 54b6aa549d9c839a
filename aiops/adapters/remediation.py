"""The SSM Automation remediator: starts runbooks in the account (the local executor is aiops.local)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiops.adapters.config import DEFAULT_KILL_SWITCH
from aiops.ports import ExecutionUpdate, RunOutcome

if TYPE_CHECKING:
    from mypy_boto3_ssm.client import SSMClient

KILL_SWITCH = DEFAULT_KILL_SWITCH
"""The kill switch of a local run (demo, replay); a stack names its own (``AIOPS_KILL_SWITCH_PARAMETER``)."""


def automation_enabled(ssm: Any, name: str = KILL_SWITCH) -> bool:
    """The kill switch: anything but "true" (case-insensitive) stops automation; so does a read error."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return True  # never configured: the template creates it "true"; absent means not switched off
    except (ClientError, BotoCoreError):
        return False  # cannot tell: fail safe
    return str(value).strip().lower() == "true"


def parameter_value(ssm: Any, name: str) -> str | None:
    """A parameter's live value, or None when it is missing or cannot be read (never raises)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    except (ClientError, BotoCoreError):
        return None


def ssm_parameters(parameters: Mapping[str, Any]) -> dict[str, list[str]]:
    """StartAutomationExecution's ``Parameters``: lists of strings. An empty value is left out (SSM then
    applies the document's default, '' for the optional ones): the API refuses an empty string, and
    botocore checks that minimum length before anything is sent."""
    out = {}
    for k, v in parameters.items():
        values = [str(x) for x in v] if isinstance(v, list) else [str(v)]
        if any(values):
            out[k] = [x for x in values if x]
    return out


class SsmRemediator:
    """StartAutomationExecution with a ClientToken, so a retry can never start a second execution."""

    def __init__(
        self,
        ssm: SSMClient | None = None,
        *,
        document_prefix: str = "aiops-",
        assume_role_arn: str = "",
        kill_switch: str = KILL_SWITCH,
    ) -> None:
        if ssm is None:
            import boto3

            ssm = boto3.client("ssm")
        self.ssm = ssm
        self.prefix = document_prefix
        self.assume_role_arn = assume_role_arn
        self.kill_switch = kill_switch

    def start(self, runbook: str, parameters: Mapping[str, Any], client_token: str) -> str:
        params = ssm_parameters(parameters)
        if self.assume_role_arn:  # the least-privilege remediation role, not the caller's
            params["AutomationAssumeRole"] = [self.assume_role_arn]
        resp = self.ssm.start_automation_execution(
            DocumentName=f"{self.prefix}{runbook}", Parameters=params, ClientToken=client_token
        )
        return resp["AutomationExecutionId"]

    def poll(self) -> list[ExecutionUpdate]:
        return []  # SSM reports status changes on EventBridge (handlers/automation.py)

    def automation_enabled(self) -> bool:
        return automation_enabled(self.ssm, self.kill_switch)

    def parameter_value(self, name: str) -> str | None:
        return parameter_value(self.ssm, name)

    def outcome(self, execution_id: str) -> RunOutcome:
        """Each step's last status from SSM's record of the execution (every page of it)."""
        statuses: dict[str, str] = {}
        pages = self.ssm.get_paginator("describe_automation_step_executions").paginate(
            AutomationExecutionId=execution_id
        )
        for page in pages:
            for step in page.get("StepExecutions", []):
                statuses[str(step.get("StepName", ""))] = str(step.get("StepStatus", ""))
        return RunOutcome.from_steps(statuses)
