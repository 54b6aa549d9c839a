"""Remediators: SSM Automation (production) and the local executor (demo, replay, tests)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiops.adapters.executor import LocalExecutor
from aiops.ports import Clock, ExecutionUpdate
from aiops.runbooks import Runbook

if TYPE_CHECKING:
    from mypy_boto3_ssm.client import SSMClient

KILL_SWITCH = "/aiops/automation/enabled"
DEFAULT_RUNBOOKS = Path(__file__).resolve().parents[2] / "runbooks"


def _enabled(ssm: Any) -> bool:
    """The kill switch: anything but "true" (case-insensitive) stops automation; so does a read error."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        value = ssm.get_parameter(Name=KILL_SWITCH)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return True  # never configured: the template creates it "true"; absent means not switched off
    except (ClientError, BotoCoreError):
        return False  # cannot tell: fail safe
    return str(value).strip().lower() == "true"


class SsmRemediator:
    """StartAutomationExecution with a ClientToken, so a retry can never start a second execution."""

    def __init__(
        self, ssm: SSMClient | None = None, *, document_prefix: str = "aiops-", assume_role_arn: str = ""
    ) -> None:
        if ssm is None:
            import boto3

            ssm = boto3.client("ssm")
        self.ssm = ssm
        self.prefix = document_prefix
        self.assume_role_arn = assume_role_arn

    def start(self, runbook: str, parameters: Mapping[str, Any], client_token: str) -> str:
        params = {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in parameters.items()}
        if self.assume_role_arn:  # the least-privilege remediation role, not the caller's
            params["AutomationAssumeRole"] = [self.assume_role_arn]
        resp = self.ssm.start_automation_execution(
            DocumentName=f"{self.prefix}{runbook}", Parameters=params, ClientToken=client_token
        )
        return resp["AutomationExecutionId"]

    def poll(self) -> list[ExecutionUpdate]:
        return []  # SSM reports status changes on EventBridge (handlers/automation.py)

    def automation_enabled(self) -> bool:
        return _enabled(self.ssm)


class LocalRemediator:
    """Runs runbooks with the local executor; :meth:`poll` advances them on the clock's time."""

    def __init__(self, runbooks: Mapping[str, Runbook], clients: Mapping[str, Any], clock: Clock) -> None:
        self.clients = clients
        self.executor = LocalExecutor(runbooks, clients.__getitem__, clock)
        self._reported: set[str] = set()

    def start(self, runbook: str, parameters: Mapping[str, Any], client_token: str) -> str:
        return self.executor.start(runbook, parameters, client_token).id

    def poll(self) -> list[ExecutionUpdate]:
        out = []
        for ex in list(self.executor.executions.values()):
            if ex.id in self._reported:
                continue
            if not ex.done:
                self.executor.advance(ex.id)
            if ex.done:
                self._reported.add(ex.id)
                ok = ex.status == "Success"
                out.append(ExecutionUpdate(ex.id, "succeeded" if ok else "failed", ex.failure))
        return out

    def automation_enabled(self) -> bool:
        return _enabled(self.clients["ssm"])
