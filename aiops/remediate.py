"""Self-healing: decide, start exactly once, follow the execution; escalation is :mod:`aiops.escalate`.

- After an incident changes, the first fitting playbook is decided (aiops.decide). Starting is claimed
  first (one claim per incident and playbook, a conditional write), then the runbook starts with a
  client token derived from the incident and the playbook, so no retry can start it twice.
- A finished execution updates its action: success mitigates the incident; failure escalates, and the
  action says what the run left behind, from its own step record: nothing changed, the change undone,
  or the change still applied (its undo did not complete).
- Paging follows the escalation policy (:mod:`aiops.paging`): a running fix holds the page until its
  verification ends; a failed one pages at once. Each run is a change event on PagerDuty's timeline.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal

from aiops.catalog import Catalog
from aiops.decide import Decision, Run, decide, parameters_for
from aiops.errors import AiopsError
from aiops.escalate import Escalator, Update
from aiops.incident import Action, Incident, TimelineEntry
from aiops.page import ThreadUrl
from aiops.playbooks import Playbook
from aiops.ports import Clock, Pager, Remediator, RunLedger, Scheduler
from aiops.runbooks import Runbook

log = logging.getLogger(__name__)


def client_token(incident_id: str, playbook: str) -> str:
    """A UUID (as SSM requires) derived from the incident and the playbook: the same pair, the same token."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aiops:{incident_id}:{playbook}"))


class Remediation:
    def __init__(
        self,
        *,
        catalog: Catalog,
        playbooks: Sequence[Playbook],
        runbooks: Mapping[str, Runbook],
        remediator: Remediator | None,
        runs: RunLedger,
        pager: Pager | None,
        clock: Clock,
        dry_run: bool = False,
        scheduler: Scheduler | None = None,
        thread_url: ThreadUrl | None = None,
    ) -> None:
        self.catalog = catalog
        self.playbooks = playbooks
        self.runbooks = runbooks
        self.remediator = remediator
        self.runs = runs
        self.clock = clock
        self.dry_run = dry_run
        self.escalator = Escalator(
            catalog=catalog,
            playbooks=playbooks,
            pager=pager,
            clock=clock,
            scheduler=scheduler,
            thread_url=thread_url,
        )

    # -- after a change ----------------------------------------------------------------------------

    def after_change(self, incident: Incident, update: Update, *, settle_now: bool = False) -> Incident:
        incident = self.remediate(incident, update)
        return self.escalator.escalate(incident, update, settle_now=settle_now)

    def remediate(self, incident: Incident, update: Update) -> Incident:
        """Decide and start the first fitting playbook (once per incident and playbook)."""
        service = self.catalog.service(incident.service)
        if service is None or self.remediator is None or incident.status != "open":
            return incident
        now = self._now(incident)
        history = self.runs.runs(service.name, now - timedelta(days=1))
        enabled = self.remediator.automation_enabled()
        decision = decide(
            incident,
            service,
            self.playbooks,
            self.runbooks,
            history,
            now,
            automation_enabled=enabled,
            dry_run=self.dry_run,
            live=self.remediator.parameter_value,
        )
        if decision is None or not self.runs.claim_action(incident.id, decision.playbook.name):
            return incident  # nothing to do, or another worker is doing it
        action = self._act(incident, decision, now)
        entry = TimelineEntry(
            incident_id=incident.id,
            at=now,
            key=f"action:{action.playbook}",
            kind="action",
            text=_describe(action),
        )
        incident = update(
            incident.id, lambda inc: (inc.model_copy(update={"actions": (*inc.actions, action)}), [entry])
        )
        if action.status == "running":
            self.escalator.changed(incident, action)
        return incident

    def _act(self, incident: Incident, decision: Decision, now: datetime) -> Action:
        playbook, runbook = decision.playbook, decision.playbook.action.runbook
        params = dict(decision.parameters)
        if decision.status != "start":
            status: Literal["pending_approval", "skipped"] = decision.status
            return Action(
                playbook=playbook.name,
                runbook=runbook,
                status=status,
                reason=decision.reason,
                parameters=params,
                decided_at=now,
            )
        assert self.remediator is not None
        try:
            execution = self.remediator.start(runbook, params, client_token(incident.id, playbook.name))
        except Exception as exc:  # the start itself failed: record it, and a human is paged
            log.exception("remediation.start_failed", extra={"incident_id": incident.id, "runbook": runbook})
            return Action(
                playbook=playbook.name,
                runbook=runbook,
                status="failed",
                decided_at=now,
                ended_at=now,
                reason=f"could not start: {type(exc).__name__}",
                parameters=params,
            )
        self.runs.record_run(
            incident.service,
            Run(runbook, now, "running"),
            execution_id=execution,
            incident_id=incident.id,
            playbook=playbook.name,
        )
        return Action(
            playbook=playbook.name,
            runbook=runbook,
            status="running",
            parameters=params,
            execution_id=execution,
            decided_at=now,
            reason="started automatically",
        )

    def _now(self, incident: Incident) -> datetime:
        """Never before the newest event seen (as in the pipeline): a lagging clock keeps order."""
        return max(self.clock.now(), incident.last_activity_at)

    # -- human decisions ---------------------------------------------------------------------------

    def approve(self, incident_id: str, playbook_name: str, user: str, update: Update) -> str:
        """Approve a pending remediation; the first click wins, a second changes nothing. Returns what
        happened, for the person who clicked."""
        won = False

        def take(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            nonlocal won
            won = False
            actions = list(inc.actions)
            for i, a in enumerate(actions):
                if a.playbook == playbook_name and a.status == "pending_approval":
                    won = True
                    actions[i] = a.model_copy(
                        update={"status": "running", "approved_by": user, "reason": f"approved by {user}"}
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
        if not won:
            return "nothing waits for approval there (already approved or decided)"
        playbook = next((p for p in self.playbooks if p.name == playbook_name), None)
        service = self.catalog.service(incident.service)
        runbook = self.runbooks.get(playbook.action.runbook) if playbook else None
        if playbook is None or service is None or runbook is None or self.remediator is None:
            return self._settle_action(incident.id, playbook_name, "failed", "the playbook is gone", update)
        try:  # rendered again now: the alarms to verify by are those firing at approval time
            params, _ = parameters_for(incident, service, playbook, runbook, self.remediator.parameter_value)
            if "VerifyAlarmNames" in params and not params["VerifyAlarmNames"]:
                raise AiopsError("no alarm to verify a fix by")
            execution = self.remediator.start(runbook.name, params, client_token(incident.id, playbook.name))
        except Exception as exc:
            return self._settle_action(
                incident.id, playbook_name, "failed", f"could not start: {exc}", update
            )
        now = self._now(incident)
        self.runs.record_run(
            incident.service,
            Run(runbook.name, now, "running"),
            execution_id=execution,
            incident_id=incident.id,
            playbook=playbook.name,
        )

        def started(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            actions = tuple(
                a.model_copy(update={"execution_id": execution, "parameters": params})
                if a.playbook == playbook_name and a.execution_id is None
                else a
                for a in inc.actions
            )
            entry = TimelineEntry(
                incident_id=inc.id,
                at=now,
                key=f"started:{execution}",
                kind="action",
                text=f"{runbook.name} started ({execution})",
            )
            return inc.model_copy(update={"actions": actions}), [entry]

        updated = update(incident.id, started)
        for a in updated.actions:
            if a.execution_id == execution:
                self.escalator.changed(updated, a)
        return f"{runbook.name} started"

    def deny(self, incident_id: str, playbook_name: str, user: str, update: Update) -> str:
        return self._settle_action(
            incident_id, playbook_name, "skipped", f"denied by {user}", update, only_pending=True, actor=user
        )

    def _settle_action(
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
        changed = False

        def settle(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            nonlocal changed
            changed = False
            wanted = ("pending_approval",) if only_pending else ("pending_approval", "running")
            actions = list(inc.actions)
            for i, a in enumerate(actions):
                if a.playbook == playbook_name and a.status in wanted:
                    changed = True
                    actions[i] = a.model_copy(
                        update={"status": status, "reason": reason, "ended_at": self._now(inc)}
                    )
                    entry = TimelineEntry(
                        incident_id=inc.id,
                        at=self._now(inc),
                        key=f"{status}:{playbook_name}",
                        kind="action",
                        text=f"{a.runbook} {status}: {reason}",
                        actor=actor,
                    )
                    return inc.model_copy(update={"actions": tuple(actions)}), [entry]
            return inc, []

        incident = update(incident_id, settle)
        if changed:
            self.escalator.escalate(incident, update)
            return f"{status}: {reason}"
        return "nothing waits for approval there"

    # -- executions --------------------------------------------------------------------------------

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

    def finished(self, execution_id: str, status: str, detail: str, update: Update) -> Incident | None:
        if status not in ("succeeded", "failed"):
            return None
        owner = self.runs.finish_run(execution_id, status)
        if owner is None:
            log.warning("remediation.unknown_execution", extra={"execution_id": execution_id})
            return None
        incident_id, _playbook = owner
        now = self.clock.now()
        ended: list[Action] = []
        change = None if status == "succeeded" else self._what_was_left(execution_id)
        reason = "verified: the alarms cleared" if status == "succeeded" else _failed(change, detail)

        def apply(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            ended.clear()
            actions = list(inc.actions)
            for i, a in enumerate(actions):
                if a.execution_id == execution_id and a.status == "running":
                    actions[i] = a.model_copy(
                        update={"status": status, "ended_at": now, "reason": reason, "change": change}
                    )
                    ended.append(actions[i])
                    text = f"{a.runbook} {status}: {reason}"
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

    def _what_was_left(self, execution_id: str) -> ChangeLeft:
        """From the execution's own step record: a failed run may have undone its change, or not."""
        if self.remediator is None:
            return "unknown"
        try:
            return self.remediator.outcome(execution_id).change
        except Exception:  # the record cannot be read: say so, never guess "undone"
            log.exception("remediation.outcome_unreadable", extra={"execution_id": execution_id})
            return "unknown"


ChangeLeft = Literal["unchanged", "undone", "still_applied", "unknown"]


def _failed(change: ChangeLeft | None, detail: str) -> str:
    said = {
        "unchanged": "nothing was changed",
        "undone": "the change was undone",
        "still_applied": "the change is STILL APPLIED (its undo did not complete)",
        "unknown": "whether the change was undone is unknown (its record cannot be read)",
    }[change or "unknown"]
    return f"{said}: {detail}"[:500]


def _describe(action: Action) -> str:
    if action.status == "running":
        return f"{action.runbook} started ({action.execution_id})"
    if action.status == "pending_approval":
        return f"{action.runbook} waits for approval in Slack"
    return f"{action.runbook} {action.status}: {action.reason}"
