"""The ports of remediation: runbook executions and the runs ledger."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from aiops.incident.model import ParameterChange
from aiops.remediation.decide import Run
from aiops.remediation.runbooks import CHANGE_STEP, RECORD_STEP, UNDO_STEP


@dataclass(frozen=True, slots=True)
class ExecutionUpdate:
    execution_id: str
    status: Literal["running", "succeeded", "failed"]
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What a finished run did, read from its steps (the runbook convention: a ``change`` step makes the
    change, an ``undo`` step puts it back)."""

    changed: bool
    undone: bool
    changes: tuple[ParameterChange, ...] = ()
    """What it changed, in the order written: the ``change`` step's, then the ``undo`` step's."""

    @property
    def change(self) -> Literal["unchanged", "undone", "still_applied"]:
        if not self.changed:
            return "unchanged"
        return "undone" if self.undone else "still_applied"

    @classmethod
    def from_steps(cls, statuses: Mapping[str, str], steps: Sequence[Mapping[str, Any]] = ()) -> RunOutcome:
        """From each step's last status (``Success``, ``Failed``, ``Cancelled``, ...) by step name, and
        the steps' records (SSM's ``StepExecutions``: ``StepName``, ``StepStatus``, ``Inputs``,
        ``Outputs``) for what was changed: the parameter and value the ``change`` (then ``undo``) step
        put, the value before it as ``recordCurrent`` read it (its ``CurrentValue`` output)."""
        changed = statuses.get(CHANGE_STEP) == "Success"
        undone = statuses.get(UNDO_STEP) == "Success"
        done = {str(s.get("StepName")): s for s in steps if s.get("StepStatus") == "Success"}
        changes: list[ParameterChange] = []
        before = _output(done.get(RECORD_STEP), "CurrentValue")
        for name in (CHANGE_STEP, UNDO_STEP):
            step = done.get(name)
            parameter = _input(step, "Name")
            if step is None or parameter is None:
                continue
            after = _input(step, "Value")
            changes.append(ParameterChange(parameter=parameter, before=before, after=after))
            before = after
        return cls(changed=changed, undone=undone, changes=tuple(changes))


def _input(step: Mapping[str, Any] | None, key: str) -> str | None:
    """A step's resolved input (SSM gives each as JSON text: ``"\"/llm/x\""``)."""
    import json

    raw = (step or {}).get("Inputs", {}).get(key)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)
    return value if isinstance(value, str) else str(raw)


def _output(step: Mapping[str, Any] | None, key: str) -> str | None:
    values = (step or {}).get("Outputs", {}).get(key) or []
    return str(values[0]) if values else None


class Remediator(Protocol):
    """Runbook executions: SSM Automation in AWS, the local executor in demo, replay and tests."""

    def start(self, runbook: str, parameters: Mapping[str, Any], client_token: str) -> str:
        """Start ``runbook``; the same ``client_token`` never starts a second execution. Returns its id."""
        ...

    def poll(self) -> list[ExecutionUpdate]:
        """Executions that finished since the last poll (SSM reports through EventBridge instead)."""
        ...

    def status(self, execution_id: str) -> ExecutionUpdate | None:
        """What the service itself says of an execution (SSM: ``GetAutomationExecution``), None when it
        does not know it: the flush settles an action whose status event or status write was lost."""
        ...

    def automation_enabled(self) -> bool:
        """The global kill switch (an SSM parameter: ``/aiops/<stack>/automation/enabled`` in a stack)."""
        ...

    def parameter_value(self, name: str) -> str | None:
        """The live value of an SSM parameter a runbook acts on; None when it cannot be read."""
        ...

    def outcome(self, execution_id: str) -> RunOutcome:
        """What a finished execution changed and put back, from its step record."""
        ...


class RunLedger(Protocol):
    """The guards' memory: runbook runs per service, and which incident each execution belongs to.
    (Each remediation happens once because its action is recorded on the incident, under the incident's
    optimistic version, before the runbook starts: see :mod:`aiops.remediation.remediate`.)"""

    def record_run(
        self, service: str, run: Run, *, execution_id: str, incident_id: str, playbook: str
    ) -> None:
        """Record a started execution once: a second call for the same execution changes nothing."""
        ...

    def finish_run(self, execution_id: str, status: str) -> tuple[str, str] | None:
        """Mark a run finished; the (incident id, playbook) it belongs to, or None if unknown."""
        ...

    def runs(self, service: str, since: datetime) -> list[Run]: ...
