"""A human approves or denies a remediation that waits for approval in Slack.

The first click wins, a second changes nothing. An approved start is recorded on the incident (a
``running`` action without an execution id, its parameters rendered again at approval time) before it is
carried out: if starting fails now, the next change of the incident or the scheduled flush carries it
out, with the same client token (:mod:`aiops.remediation.remediate`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Literal, Protocol

from aiops.catalog.model import Catalog
from aiops.errors import AiopsError, TransientError
from aiops.escalation.escalator import Escalator, Update
from aiops.incident.model import Action, Incident, TimelineEntry
from aiops.incident.ports import Clock
from aiops.remediation.decide import parameters_for
from aiops.remediation.playbooks import Playbook
from aiops.remediation.ports import Remediator
from aiops.remediation.runbooks import Runbook

log = logging.getLogger(__name__)
Start = Callable[[Incident, Action, Update], Incident]


class Settle(Protocol):
    def __call__(
        self,
        incident_id: str,
        playbook_name: str,
        status: Literal["failed", "skipped"],
        reason: str,
        update: Update,
        *,
        only_pending: bool = False,
        actor: str = "aiops",
    ) -> tuple[Incident, bool]: ...


class Approvals:
    def __init__(
        self,
        *,
        catalog: Catalog,
        playbooks: Sequence[Playbook],
        runbooks: Mapping[str, Runbook],
        remediator: Remediator | None,
        escalator: Escalator,
        clock: Clock,
        start: Start,
        settle: Settle,
    ) -> None:
        self.catalog = catalog
        self.playbooks = playbooks
        self.runbooks = runbooks
        self.remediator = remediator
        self.escalator = escalator
        self.clock = clock
        self.start = start
        self.settle = settle

    def approve(self, incident_id: str, playbook_name: str, user: str, update: Update) -> str:
        """Approve a pending remediation. Returns what happened, for the person who clicked; a failure
        to record the approval says to try again (nothing was started)."""
        try:
            return self._approve(incident_id, playbook_name, user, update)
        except Exception:
            log.exception("remediation.approve_failed", extra={"incident_id": incident_id})
            return "the approval could not be recorded now: try again in a minute"

    def _approve(self, incident_id: str, playbook_name: str, user: str, update: Update) -> str:
        current = update(incident_id, lambda inc: (inc, []))  # a read: an empty change is not saved
        pending = next(
            (a for a in current.actions if a.playbook == playbook_name and a.status == "pending_approval"),
            None,
        )
        if pending is None:
            return "nothing waits for approval there (already approved or decided)"
        playbook = next((p for p in self.playbooks if p.name == playbook_name), None)
        service = self.catalog.service(current.service)
        runbook = self.runbooks.get(playbook.action.runbook) if playbook else None
        if playbook is None or service is None or runbook is None or self.remediator is None:
            return self._end(incident_id, playbook_name, "failed", "the playbook is gone", update)
        try:  # rendered again now: the alarms to verify by are those firing at approval time
            params, _ = parameters_for(current, service, playbook, runbook, self.remediator.parameter_value)
            if "VerifyAlarmNames" in params and not params["VerifyAlarmNames"]:
                raise AiopsError("no alarm to verify a fix by")
        except TransientError:
            raise
        except Exception as exc:
            return self._end(incident_id, playbook_name, "failed", f"could not start: {exc}", update)
        now = self._now(current)
        won: Action | None = None

        def take(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            nonlocal won
            won = None
            actions = list(inc.actions)
            for i, a in enumerate(actions):
                if a.playbook == playbook_name and a.status == "pending_approval":
                    won = actions[i] = a.model_copy(
                        update={
                            "status": "running",
                            "approved_by": user,
                            "reason": f"approved by {user}",
                            "parameters": params,
                            "requested_at": now,
                        }
                    )
                    entry = TimelineEntry(
                        incident_id=inc.id,
                        at=self._now(inc),
                        key=f"approved:{playbook_name}",
                        kind="action",
                        text=f"{a.runbook} approved by {user}",
                        actor=user,
                    )
                    return inc.model_copy(update={"actions": tuple(actions)}), [entry]
            return inc, []

        incident = update(incident_id, take)
        if won is None:
            return "nothing waits for approval there (already approved or decided)"
        try:
            incident = self.start(incident, won, update)
        except Exception:
            log.exception("remediation.start_deferred", extra={"incident_id": incident_id})
        action = next(a for a in incident.actions if a.playbook == playbook_name)
        if action.status in ("failed", "skipped"):  # skipped: the kill switch is off
            self.escalator.escalate(incident, update)
            said = "failed" if action.status == "failed" else f"{runbook.name} not started"
            return f"{said}: {action.reason}"
        if action.execution_id is None:
            return f"{runbook.name} approved: starting it failed for now, it is retried shortly"
        return f"{runbook.name} started"

    def deny(self, incident_id: str, playbook_name: str, user: str, update: Update) -> str:
        return self._end(
            incident_id, playbook_name, "skipped", f"denied by {user}", update, only_pending=True, actor=user
        )

    def _end(
        self,
        incident_id: str,
        playbook_name: str,
        status: Literal["failed", "skipped"],
        reason: str,
        update: Update,
        *,
        only_pending: bool = False,
        actor: str = "aiops",
    ) -> str:
        incident, changed = self.settle(
            incident_id, playbook_name, status, reason, update, only_pending=only_pending, actor=actor
        )
        if changed:
            self.escalator.escalate(incident, update)
            return f"{status}: {reason}"
        return "nothing waits for approval there"

    def _now(self, incident: Incident) -> datetime:
        return max(self.clock.now(), incident.last_activity_at)
