"""Following runbook executions to their end: SSM's status events (EventBridge), the local executor's
poll, and, for the scheduled flush, SSM's own record of an execution whose event or status write was lost.

A finished execution updates its action: success mitigates the incident; failure escalates, and the
action says what the run left behind, from its own step record: nothing changed, the change undone, or
the change still applied (its undo did not complete). Each end is a change event on PagerDuty's timeline.
"""

from __future__ import annotations

import logging
from typing import Literal

from aiops.escalation.escalator import Escalator, Update
from aiops.incident.model import Action, Incident, TimelineEntry
from aiops.incident.ports import Clock
from aiops.remediation.ports import Remediator, RunLedger, RunOutcome
from aiops.text import change_text

log = logging.getLogger(__name__)
ChangeLeft = Literal["unchanged", "undone", "still_applied", "unknown"]


class Executions:
    def __init__(
        self, *, runs: RunLedger, remediator: Remediator | None, escalator: Escalator, clock: Clock
    ) -> None:
        self.runs = runs
        self.remediator = remediator
        self.escalator = escalator
        self.clock = clock

    def poll(self, update: Update) -> list[Incident]:
        """Apply finished executions (the local executor; SSM's arrive through :meth:`finished`)."""
        if self.remediator is None:
            return []
        out = []
        for u in self.remediator.poll():
            incident = self.finished(u.execution_id, u.status, u.detail, update)
            if incident is not None:
                out.append(incident)
        return out

    def settle(self, incident: Incident, update: Update) -> Incident:
        """Ask the remediator (SSM: GetAutomationExecution) about the executions still running here:
        an execution whose status event, or whose status write, was lost is settled from its record."""
        if self.remediator is None:
            return incident
        for action in incident.actions:
            if action.status != "running" or action.execution_id is None:
                continue
            found = self.remediator.status(action.execution_id)
            if found is not None and found.status in ("succeeded", "failed"):
                settled = self.finished(found.execution_id, found.status, found.detail, update)
                incident = settled or incident
        return incident

    def finished(self, execution_id: str, status: str, detail: str, update: Update) -> Incident | None:
        """An execution ended: its run and its action say so (once: a repeat changes nothing), then
        escalation decides again. None when no incident owns the execution."""
        if status not in ("succeeded", "failed"):
            return None
        owner = self.runs.finish_run(execution_id, status)
        if owner is None:
            log.warning("remediation.unknown_execution", extra={"execution_id": execution_id})
            return None
        incident_id, _playbook = owner
        now = self.clock.now()
        ended: list[Action] = []
        outcome = self._outcome(execution_id)
        change: ChangeLeft | None = None
        if status != "succeeded":
            change = outcome.change if outcome is not None else "unknown"
        changes = outcome.changes if outcome is not None else ()
        reason = "verified: the alarms cleared" if status == "succeeded" else _failed(change, detail)
        said = "".join(f"; changed {change_text(c.parameter, c.before, c.after)}" for c in changes)

        def apply(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            ended.clear()
            actions = list(inc.actions)
            for i, a in enumerate(actions):
                if a.execution_id == execution_id and a.status == "running":
                    actions[i] = a.model_copy(
                        update={
                            "status": status,
                            "ended_at": now,
                            "reason": reason,
                            "change": change,
                            "changes": changes,
                        }
                    )
                    ended.append(actions[i])
                    text = f"{a.runbook} {status}: {reason}{said}"
                    new = inc.model_copy(update={"actions": tuple(actions)})
                    entries = [
                        TimelineEntry(
                            incident_id=inc.id, at=now, key=f"result:{execution_id}", kind="action", text=text
                        )
                    ]
                    if status == "succeeded" and new.status == "open":
                        new = new.model_copy(update={"status": "mitigated", "mitigated_at": now})
                        entries.append(
                            TimelineEntry(
                                incident_id=inc.id,
                                at=now,
                                key=f"mitigated-by:{execution_id}",
                                kind="mitigated",
                                text=f"mitigated by {a.runbook}",
                            )
                        )
                    return new, entries
            return inc, []

        incident = update(incident_id, apply)
        for action in ended:
            self.escalator.changed(incident, action)
        return self.escalator.escalate(incident, update)

    def _outcome(self, execution_id: str) -> RunOutcome | None:
        """From the execution's own step record: what it changed, and whether a failed run undid it.
        None when it cannot be read (a failed run then says so, never guesses "undone")."""
        if self.remediator is None:
            return None
        try:
            return self.remediator.outcome(execution_id)
        except Exception:
            log.exception("remediation.outcome_unreadable", extra={"execution_id": execution_id})
            return None


def _failed(change: ChangeLeft | None, detail: str) -> str:
    said = {
        "unchanged": "nothing was changed",
        "undone": "the change was undone",
        "still_applied": "the change is STILL APPLIED (its undo did not complete)",
        "unknown": "whether the change was undone is unknown (its record cannot be read)",
    }[change or "unknown"]
    return f"{said}: {detail}"[:500]
