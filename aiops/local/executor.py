"""A local SSM Automation executor for tests, ``aiops demo`` and ``aiops replay`` (production uses SSM).

It runs the actions the shipped runbooks use against boto3 (moto here): executeAwsApi, executeScript
(Python), branch, assert- and waitForAwsResourceProperty, sleep, approve; ``{{ }}`` interpolation;
outputs by JSONPath Selector; ``onFailure`` and ``onCancel`` (:meth:`LocalExecutor.cancel` runs the
cancellation path and ends ``Cancelled``, as SSM's StopAutomationExecution does). It refuses any other
action. An execution is resumable: a wait, sleep or approval that is not satisfied yet leaves it
``Waiting``; :meth:`LocalExecutor.advance` picks it up again at the clock's new time (replay time, in a
replay). Where moto answers otherwise than AWS it answers as AWS does: ``DescribeAlarms`` without
``AlarmTypes`` returns metric alarms only.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiops.incident.ports import Clock
from aiops.remediation.runbooks import REFERENCE, SUPPORTED_ACTIONS, Runbook, RunbookError, Step

FINAL = frozenset({"Success", "Failed", "Cancelled", "TimedOut"})
DEFAULT_TIMEOUT = 3600
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


class StepFailedError(Exception):
    """A step did not succeed; the execution follows the step's onFailure."""


class _Waiting(Exception):
    """The step is not satisfied yet; the execution resumes on a later advance."""


@dataclass
class Execution:
    id: str
    document: str
    parameters: dict[str, Any]
    status: str = "InProgress"
    step: str = ""
    step_started: datetime | None = None
    attempts: int = 0
    outputs: dict[str, Any] = field(default_factory=dict)
    trail: list[tuple[str, str]] = field(default_factory=list)
    """(step, result) in the order run: what happened, for tests and the timeline."""
    failure: str = ""
    approved: bool | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    """What the execution changed, in order: each parameter it wrote, its value before and after."""
    cancelling: bool = False
    """Cancelled: running the steps its ``onCancel`` leads to; it ends ``Cancelled`` whatever they do."""

    @property
    def done(self) -> bool:
        return self.status in FINAL


def parse_duration(text: str) -> timedelta:
    m = _DURATION.match(text)
    if m is None:
        raise StepFailedError(f"not an ISO-8601 duration: {text!r}")
    d, h, mi, s = (int(x) if x else 0 for x in m.groups())
    return timedelta(days=d, hours=h, minutes=mi, seconds=s)


def _select(document: Any, selector: str) -> list[Any]:
    from jsonpath_ng.ext.parser import parse

    return [m.value for m in parse(selector).find(document)]


def _typed(values: list[Any], kind: str, selector: str) -> Any:
    if kind in ("StringList", "MapList"):
        return values
    if not values:
        raise StepFailedError(f"selector {selector} found nothing")
    value = values[0]
    if kind == "Integer":
        return int(value)
    if kind == "Boolean":
        return bool(value)
    if kind == "String":
        return value if isinstance(value, str) else str(value)
    return value


class LocalExecutor:
    """Runs runbooks locally. ``client`` builds a boto3 client for a service name (``ssm``, ...)."""

    def __init__(self, runbooks: Mapping[str, Runbook], client: Callable[[str], Any], clock: Clock) -> None:
        self.runbooks = runbooks
        self.client = client
        self.clock = clock
        self.executions: dict[str, Execution] = {}
        self._by_token: dict[str, str] = {}

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self, document: str, parameters: Mapping[str, Any], client_token: str) -> Execution:
        """Start (or, for a token seen before, return) an execution, and run it as far as it goes."""
        if client_token in self._by_token:
            return self.executions[self._by_token[client_token]]
        runbook = self.runbooks.get(document)
        if runbook is None:
            raise RunbookError(f"no runbook named {document}")
        params = runbook.validate_parameters(parameters)
        execution = Execution(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, client_token)),
            document=document,
            parameters=params,
            step=runbook.main_steps[0].name,
            started_at=self.clock.now(),
        )
        self.executions[execution.id] = execution
        self._by_token[client_token] = execution.id
        return self.advance(execution.id)

    def approve(self, execution_id: str, approved: bool) -> Execution:
        self.executions[execution_id].approved = approved
        return self.advance(execution_id)

    def cancel(self, execution_id: str) -> Execution:
        """Cancel a running execution: the current step's ``onCancel`` (``step:NAME``) runs from that step
        on, then the execution ends ``Cancelled``; with ``Abort`` (the default) it ends at once."""
        ex = self.executions[execution_id]
        if ex.done or ex.cancelling:
            return ex
        step = self.runbooks[ex.document].step(ex.step)
        ex.trail.append((step.name, "Cancelled"))
        ex.cancelling, ex.step_started, ex.attempts = True, None, 0
        if step.on_cancel.startswith("step:"):
            ex.step, ex.status = step.on_cancel[5:], "InProgress"
            return self.advance(execution_id)
        ex.status, ex.ended_at = "Cancelled", self.clock.now()
        return ex

    def advance(self, execution_id: str) -> Execution:
        """Run from the current step until the execution ends or waits."""
        ex = self.executions[execution_id]
        runbook = self.runbooks[ex.document]
        while not ex.done:
            step = runbook.step(ex.step)
            if ex.step_started is None:
                ex.step_started = self.clock.now()
            try:
                next_step = self._run(runbook, step, ex)
            except _Waiting:
                ex.status = "Waiting"
                return ex
            except StepFailedError as exc:
                ex.attempts += 1
                if ex.attempts < step.max_attempts:
                    continue
                ex.trail.append((step.name, "Failed"))
                next_step = self._on_failure(runbook, step, ex, str(exc))
            else:
                ex.trail.append((step.name, "Success"))
            ex.step_started, ex.attempts = None, 0
            if ex.status in ("Failed", "Cancelled"):
                break
            if next_step is None:
                ex.status = "Cancelled" if ex.cancelling else "Success"
                ex.ended_at = self.clock.now()
            else:
                ex.status = "InProgress"
                ex.step = next_step
        return ex

    def due(self, execution_id: str) -> datetime | None:
        """When a waiting execution's wait ends by itself (its timeout, its sleep): SSM re-checks the
        resource until then, so a replay must advance it at that time, not at the next event's."""
        ex = self.executions[execution_id]
        if ex.status != "Waiting" or ex.step_started is None:
            return None
        step = self.runbooks[ex.document].step(ex.step)
        if step.action == "aws:waitForAwsResourceProperty":
            timeout = int(self._interpolate(step.timeout_seconds, ex) or DEFAULT_TIMEOUT)
            return ex.step_started + timedelta(seconds=timeout)
        if step.action == "aws:sleep":
            inputs = self._interpolate(step.inputs, ex)
            return ex.step_started + parse_duration(str(inputs.get("Duration", "PT0S")))
        return None

    def _on_failure(self, runbook: Runbook, step: Step, ex: Execution, error: str) -> str | None:
        ex.failure = ex.failure if ex.cancelling else f"{step.name}: {error}"
        if step.on_failure == "Continue":
            return self._next(runbook, step)
        if step.on_failure.startswith("step:") and not ex.cancelling:
            return step.on_failure[5:]
        ex.status = "Cancelled" if ex.cancelling else "Failed"
        ex.ended_at = self.clock.now()
        return None

    @staticmethod
    def _next(runbook: Runbook, step: Step) -> str | None:
        if step.is_end:
            return None
        if step.next_step:
            return step.next_step
        names = [s.name for s in runbook.main_steps]
        i = names.index(step.name)
        return names[i + 1] if i + 1 < len(names) else None

    # -- actions -----------------------------------------------------------------------------------

    def _run(self, runbook: Runbook, step: Step, ex: Execution) -> str | None:
        if step.action not in SUPPORTED_ACTIONS:  # the document model refuses these already
            raise StepFailedError(f"action {step.action} is not supported by the local executor")
        inputs = self._interpolate(step.inputs, ex)
        if step.action == "aws:executeAwsApi":
            before = self._current(inputs)
            response = self._call(inputs)
            if before is not None:
                ex.changes.append(
                    {
                        "step": step.name,
                        **before,
                        "after": inputs.get("Value"),
                        "after_version": response.get("Version"),
                    }
                )
            self._outputs(step, ex, response)
        elif step.action == "aws:executeScript":
            self._outputs(step, ex, {"Payload": self._script(inputs)})
        elif step.action == "aws:branch":
            return self._branch(inputs)
        elif step.action in ("aws:assertAwsResourceProperty", "aws:waitForAwsResourceProperty"):
            response = self._call(
                {k: v for k, v in inputs.items() if k not in ("PropertySelector", "DesiredValues")}
            )
            found = _select(response, inputs["PropertySelector"])
            desired = [str(v) for v in inputs["DesiredValues"]]
            satisfied = bool(found) and all(str(v) in desired for v in found)
            if not satisfied:
                if step.action == "aws:assertAwsResourceProperty":
                    raise StepFailedError(f"{inputs['PropertySelector']} is {found}, not one of {desired}")
                timeout = int(self._interpolate(step.timeout_seconds, ex) or DEFAULT_TIMEOUT)
                if ex.step_started is not None and self.clock.now() - ex.step_started >= timedelta(
                    seconds=timeout
                ):
                    raise StepFailedError(
                        f"timed out after {timeout}s: {inputs['PropertySelector']} is {found}"
                    )
                raise _Waiting
        elif step.action == "aws:sleep":
            wait = parse_duration(str(inputs.get("Duration", "PT0S")))
            if ex.step_started is not None and self.clock.now() - ex.step_started < wait:
                raise _Waiting
        elif step.action == "aws:approve":
            if ex.approved is None:
                raise _Waiting
            if not ex.approved:
                raise StepFailedError("approval denied")
        return self._next(runbook, step)

    def _call(self, inputs: Mapping[str, Any]) -> Any:
        from botocore import xform_name
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client(str(inputs["Service"]))
        kwargs = {k: v for k, v in inputs.items() if k not in ("Service", "Api")}
        try:
            response = getattr(client, xform_name(str(inputs["Api"])))(**kwargs)
        except (ClientError, BotoCoreError, TypeError) as exc:
            raise StepFailedError(f"{inputs['Service']}.{inputs['Api']}: {exc}") from None
        if (inputs["Service"], inputs["Api"]) == ("cloudwatch", "DescribeAlarms"):
            wanted = set(kwargs.get("AlarmTypes") or ["MetricAlarm"])  # AWS's default; moto returns both
            response = {
                k: v
                for k, v in response.items()
                if k not in ("MetricAlarms", "CompositeAlarms") or k[:-1] in wanted
            }
        return response

    def _current(self, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """Before an SSM PutParameter: the parameter's value and version it replaces (for the report)."""
        if (str(inputs.get("Service")), str(inputs.get("Api"))) != ("ssm", "PutParameter"):
            return None
        from botocore.exceptions import BotoCoreError, ClientError

        name = str(inputs.get("Name"))
        try:
            p = self.client("ssm").get_parameter(Name=name)["Parameter"]
        except (ClientError, BotoCoreError):
            return {"parameter": name, "before": None, "before_version": None}
        return {"parameter": name, "before": p["Value"], "before_version": p["Version"]}

    def _script(self, inputs: Mapping[str, Any]) -> Any:
        """Run the runbook's own script (it comes from the runbook file, never from an event). Its
        ``import boto3`` gets this executor's clients, as in SSM it gets the automation role's: the
        emulated account (moto or the in-memory twins), never the real one."""
        import builtins
        import types

        shim = types.ModuleType("boto3")
        shim.client = lambda service_name, *_, **__: self.client(str(service_name))  # type: ignore[attr-defined]
        real_import = builtins.__import__

        def imports(name: str, *args: Any, **kwargs: Any) -> Any:
            return shim if name == "boto3" else real_import(name, *args, **kwargs)

        namespace: dict[str, Any] = {"__builtins__": {**vars(builtins), "__import__": imports}}
        try:
            exec(compile(str(inputs["Script"]), "<runbook script>", "exec"), namespace)  # noqa: S102
            return namespace[str(inputs["Handler"])](dict(inputs.get("InputPayload") or {}), {})
        except Exception as exc:  # the script's failure is the step's failure
            raise StepFailedError(f"script: {type(exc).__name__}: {exc}") from None

    @staticmethod
    def _branch(inputs: Mapping[str, Any]) -> str:
        for choice in inputs.get("Choices", []):
            value = choice.get("Variable")
            if (
                ("StringEquals" in choice and str(value) == str(choice["StringEquals"]))
                or ("NumericEquals" in choice and float(value) == float(choice["NumericEquals"]))
                or ("NumericGreater" in choice and float(value) > float(choice["NumericGreater"]))
                or ("NumericLesser" in choice and float(value) < float(choice["NumericLesser"]))
                or ("BooleanEquals" in choice and bool(value) == bool(choice["BooleanEquals"]))
            ):
                return str(choice["NextStep"])
        if "Default" not in inputs:
            raise StepFailedError("no branch choice matched and there is no Default")
        return str(inputs["Default"])

    @staticmethod
    def _outputs(step: Step, ex: Execution, response: Any) -> None:
        for out in step.outputs:
            ex.outputs[f"{step.name}.{out.name}"] = _typed(
                _select(response, out.selector), out.type, out.selector
            )

    def _interpolate(self, node: Any, ex: Execution) -> Any:
        if isinstance(node, str):
            whole = REFERENCE.fullmatch(node.strip())
            if whole:
                return self._value(whole.group(1), ex)
            return REFERENCE.sub(lambda m: str(self._value(m.group(1), ex)), node)
        if isinstance(node, dict):
            return {k: self._interpolate(v, ex) for k, v in node.items()}
        if isinstance(node, list):
            return [self._interpolate(v, ex) for v in node]
        return node

    def _value(self, ref: str, ex: Execution) -> Any:
        if ref == "automation:EXECUTION_ID":
            return ex.id
        if ref in ex.parameters:
            return ex.parameters[ref]
        if ref in ex.outputs:
            return ex.outputs[ref]
        raise StepFailedError(f"{{{{ {ref} }}}} has no value yet")
