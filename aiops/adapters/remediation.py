"""The SSM Automation remediator: starts runbooks in the account (the local executor is aiops.local)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiops.adapters.config import DEFAULT_KILL_SWITCH
from aiops.errors import TransientError
from aiops.pipeline.settings import AUTOMATION_STATUS
from aiops.remediation.ports import ExecutionUpdate, RunOutcome

if TYPE_CHECKING:
    from mypy_boto3_ssm.client import SSMClient

KILL_SWITCH = DEFAULT_KILL_SWITCH
"""The kill switch of a local run (demo, replay); a stack names its own (``AIOPS_KILL_SWITCH_PARAMETER``)."""


TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "TooManyUpdates",
        "InternalServerError",
        "InternalFailure",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
"""Error codes AWS answers when a later attempt may succeed (after botocore's own retries gave up)."""


def is_transient(exc: BaseException) -> bool:
    """Throttled, timed out, unreachable or a 5xx: the same call may succeed later."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if isinstance(
        exc, ReadTimeoutError | ConnectTimeoutError | EndpointConnectionError | ConnectionClosedError
    ):
        return True
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return code in TRANSIENT_CODES or status >= 500
    return False


def _transient(exc: BaseException, what: str) -> TransientError:
    response = getattr(exc, "response", None) or {}  # a ReadTimeoutError has one, and it is None
    code = response.get("Error", {}).get("Code") or type(exc).__name__
    return TransientError(f"{what}: {code}")


def automation_enabled(ssm: Any, name: str = KILL_SWITCH) -> bool:
    """The kill switch: anything but "true" (case-insensitive) stops automation; so does a read that is
    refused (fail safe). A read that fails transiently decides nothing: TransientError (retried later)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return True  # never configured: the template creates it "true"; absent means not switched off
    except (ClientError, BotoCoreError) as exc:
        if is_transient(exc):
            raise _transient(exc, f"GetParameter {name}") from None
        return False  # cannot tell: fail safe
    return str(value).strip().lower() == "true"


def parameter_value(ssm: Any, name: str) -> str | None:
    """A parameter's live value, or None when it is missing or refused; TransientError when the read
    may succeed later (a decision is not made on a throttled read)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    except (ClientError, BotoCoreError) as exc:
        if is_transient(exc):
            raise _transient(exc, "GetParameter") from None
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
        """StartAutomationExecution; the same token with the same parameters is the same execution
        (SSM answers its id again), so a start whose answer was lost is simply started again.
        TransientError when SSM may take it later; other errors (refused) as botocore raises them."""
        from botocore.exceptions import BotoCoreError, ClientError

        params = ssm_parameters(parameters)
        if self.assume_role_arn:  # the least-privilege remediation role, not the caller's
            params["AutomationAssumeRole"] = [self.assume_role_arn]
        try:
            resp = self.ssm.start_automation_execution(
                DocumentName=f"{self.prefix}{runbook}", Parameters=params, ClientToken=client_token
            )
        except (ClientError, BotoCoreError) as exc:
            if is_transient(exc):
                raise _transient(exc, "StartAutomationExecution") from None
            raise
        return resp["AutomationExecutionId"]

    def poll(self) -> list[ExecutionUpdate]:
        return []  # SSM reports status changes on EventBridge (handlers/automation.py)

    def status(self, execution_id: str) -> ExecutionUpdate | None:
        """GetAutomationExecution: SSM's own record (the flush settles lost status events by it)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            found = self.ssm.get_automation_execution(AutomationExecutionId=execution_id)
        except self.ssm.exceptions.AutomationExecutionNotFoundException:
            return None
        except (ClientError, BotoCoreError) as exc:
            if is_transient(exc):
                raise _transient(exc, "GetAutomationExecution") from None
            raise
        execution = found["AutomationExecution"]
        raw = str(execution.get("AutomationExecutionStatus", ""))
        status = AUTOMATION_STATUS.get(raw, "running")
        detail = f"SSM status {raw}" + (
            f": {execution['FailureMessage']}" if execution.get("FailureMessage") else ""
        )
        return ExecutionUpdate(execution_id, status, detail[:500])  # type: ignore[arg-type]

    def automation_enabled(self) -> bool:
        return automation_enabled(self.ssm, self.kill_switch)

    def parameter_value(self, name: str) -> str | None:
        return parameter_value(self.ssm, name)

    def outcome(self, execution_id: str) -> RunOutcome:
        """Each step's last status, and what it changed, from SSM's record of the execution (every page)."""
        statuses: dict[str, str] = {}
        steps: list[dict[str, Any]] = []
        pages = self.ssm.get_paginator("describe_automation_step_executions").paginate(
            AutomationExecutionId=execution_id
        )
        for page in pages:
            for step in page.get("StepExecutions", []):
                statuses[str(step.get("StepName", ""))] = str(step.get("StepStatus", ""))
                steps.append(dict(step))
        return RunOutcome.from_steps(statuses, steps)
