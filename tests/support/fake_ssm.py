"""SSM Automation as the real boto3 client sees it, for what moto does not implement (moto 5.2 has no
automation executions): ``StartAutomationExecution``, ``GetAutomationExecution`` and
``DescribeAutomationStepExecutions`` (what the bot reads of a finished run's steps) answered through
botocore ``before-call`` handlers (the product's own boto3 calls, only the answers are canned), shaped
as the API reference shows them, with SSM's idempotency: the same ``ClientToken`` with the same
parameters is the same execution (its id again); with other parameters, ``IdempotentParameterMismatch``.

Executions end (``Success``) a fixed time (1 min) after they started, on the test's clock; their status
changes are EventBridge events ("EC2 Automation Execution Status-change Notification") the harness
delivers.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tests.support.aws_stubs import _Http
from tests.support.events import ACCOUNT, REGION


@dataclass
class Execution:
    id: str
    document: str
    parameters: dict[str, list[str]]
    token: str
    started_at: datetime
    status: str = "InProgress"
    ended_at: datetime | None = None
    announced: bool = False


@dataclass
class FakeAutomation:
    clock: Callable[[], datetime]
    duration: timedelta = timedelta(minutes=1)
    executions: dict[str, Execution] = field(default_factory=dict)
    by_token: dict[str, str] = field(default_factory=dict)
    starts: int = 0
    """StartAutomationExecution requests answered (a repeat with the same token included)."""
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    """SSM answers each request atomically: concurrent workers start one execution per token."""

    def attach(self, ssm: Any) -> None:
        ssm.meta.events.register("before-call.ssm.StartAutomationExecution", self._start)
        ssm.meta.events.register("before-call.ssm.GetAutomationExecution", self._get)
        ssm.meta.events.register("before-call.ssm.DescribeAutomationStepExecutions", self._steps)

    def answer(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]] | None:
        """The answer to one SSM call of those it fakes (for a client registered once for many)."""
        with self.lock:
            if model.name == "StartAutomationExecution":
                return self._start(params)
            if model.name == "GetAutomationExecution":
                return self._get(params)
            if model.name == "DescribeAutomationStepExecutions":
                return self._steps(params)
            return None

    def _start(self, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        body = json.loads(params["body"])
        token, parameters = body.get("ClientToken", ""), body.get("Parameters", {})
        self.starts += 1
        known = self.by_token.get(token)
        if known is not None:
            if self.executions[known].parameters != parameters:
                return _error(
                    "IdempotentParameterMismatch",
                    "Error occurred during operation 'StartAutomationExecution': the parameters differ "
                    "from those of the execution started with this client token",
                )
            return _ok({"AutomationExecutionId": known})
        execution = Execution(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"ssm:{token}")),
            document=body["DocumentName"],
            parameters=parameters,
            token=token,
            started_at=self.clock(),
        )
        self.executions[execution.id] = execution
        if token:
            self.by_token[token] = execution.id
        return _ok({"AutomationExecutionId": execution.id})

    def _get(self, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        self._end_due()
        found = self.executions.get(json.loads(params["body"])["AutomationExecutionId"])
        if found is None:
            return _error("AutomationExecutionNotFoundException", "There is no automation execution")
        return _ok(
            {
                "AutomationExecution": {
                    "AutomationExecutionId": found.id,
                    "DocumentName": found.document,
                    "AutomationExecutionStatus": found.status,
                    "Parameters": found.parameters,
                    "ExecutionStartTime": found.started_at.timestamp(),
                }
            }
        )

    def _steps(self, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        """A run's step records as SSM keeps them (one page): a successful run recorded the value before,
        made its ``change`` (inputs as JSON text, as SSM gives them: the parameter, and the new value when
        the execution's parameters say it, as TokenCap's ``MaxTokens``) and never ran ``undo``; a run in
        progress has recorded the value only. The fake knows no parameter's value: no ``CurrentValue``."""
        self._end_due()
        found = self.executions.get(json.loads(params["body"])["AutomationExecutionId"])
        if found is None:
            return _error("AutomationExecutionNotFoundException", "There is no automation execution")
        steps: list[dict[str, Any]] = [{"StepName": "recordCurrent", "StepStatus": "Success"}]
        if found.status == "Success":
            inputs = {"Name": json.dumps(found.parameters.get("ParameterName", [""])[0])}
            for value in found.parameters.get("MaxTokens", [])[:1]:
                inputs["Value"] = json.dumps(value)
            steps.append({"StepName": "change", "StepStatus": "Success", "Inputs": inputs})
        return _ok({"StepExecutions": steps})

    def _end_due(self) -> None:
        now = self.clock()
        for ex in self.executions.values():
            if ex.status == "InProgress" and now - ex.started_at >= self.duration:
                ex.status, ex.ended_at = "Success", ex.started_at + self.duration

    def advance(self) -> list[Execution]:
        """Executions that ended by now, each once: their status events (SSM sends one whether or not
        somebody asked for the execution's status meanwhile)."""
        with self.lock:
            self._end_due()
            out = [ex for ex in self.executions.values() if ex.ended_at is not None and not ex.announced]
            for ex in out:
                ex.announced = True
            return out

    def status_event(self, ex: Execution) -> dict[str, Any]:
        assert ex.ended_at is not None
        when = ex.ended_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "version": "0",
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ssm-event:{ex.id}:{ex.status}")),
            "detail-type": "EC2 Automation Execution Status-change Notification",
            "source": "aws.ssm",
            "account": ACCOUNT,
            "time": when,
            "region": REGION,
            "resources": [f"arn:aws:ssm:{REGION}:{ACCOUNT}:automation-execution/{ex.id}"],
            "detail": {"ExecutionId": ex.id, "Definition": ex.document, "Status": ex.status},
        }


def _ok(body: dict[str, Any]) -> tuple[_Http, dict[str, Any]]:
    return _Http(200), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}


def _error(code: str, message: str) -> tuple[_Http, dict[str, Any]]:
    return _Http(400), {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
