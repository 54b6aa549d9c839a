"""The local remediator: runbooks run by the local executor on the emulator, advanced on the clock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiops.adapters.remediation import automation_enabled, parameter_value
from aiops.incident.model import ParameterChange
from aiops.incident.ports import Clock
from aiops.local.executor import LocalExecutor
from aiops.remediation.ports import ExecutionUpdate, RunOutcome
from aiops.remediation.runbooks import Runbook


class LocalRemediator:
    """Runs runbooks with the local executor; :meth:`poll` advances them on the clock's time.

    ``clients`` are the runbooks' (SSM Automation's, in AWS); ``ssm`` is the bot's own client, for the
    kill switch (default: the runbooks' one). ``starts`` counts StartAutomationExecution calls: what the
    deployed bot would send SSM instead of running the runbook itself.
    """

    def __init__(
        self, runbooks: Mapping[str, Runbook], clients: Mapping[str, Any], clock: Clock, *, ssm: Any = None
    ) -> None:
        self.clients = clients
        self.ssm = ssm if ssm is not None else clients["ssm"]
        self.executor = LocalExecutor(runbooks, clients.__getitem__, clock)
        self._reported: set[str] = set()
        self.starts = 0

    def start(self, runbook: str, parameters: Mapping[str, Any], client_token: str) -> str:
        self.starts += 1
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
                detail = ex.failure or ("cancelled" if ex.status == "Cancelled" else "")
                out.append(ExecutionUpdate(ex.id, "succeeded" if ok else "failed", detail))
        return out

    def status(self, execution_id: str) -> ExecutionUpdate | None:
        ex = self.executor.executions.get(execution_id)
        if ex is None:
            return None
        if not ex.done:
            return ExecutionUpdate(ex.id, "running")
        return ExecutionUpdate(ex.id, "succeeded" if ex.status == "Success" else "failed", ex.failure)

    def automation_enabled(self) -> bool:
        return automation_enabled(self.ssm)

    def parameter_value(self, name: str) -> str | None:
        return parameter_value(self.ssm, name)

    def outcome(self, execution_id: str) -> RunOutcome:
        ex = self.executor.executions[execution_id]
        steps = RunOutcome.from_steps({step: result for step, result in ex.trail})
        changes = tuple(  # what the executor saw each PutParameter replace (SSM: read from the record)
            ParameterChange(parameter=str(c["parameter"]), before=_text(c["before"]), after=_text(c["after"]))
            for c in ex.changes
        )
        return RunOutcome(changed=steps.changed, undone=steps.undone, changes=changes)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
