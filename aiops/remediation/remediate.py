"""Self-healing: decide, start exactly once, follow the execution; escalation is :mod:`aiops.escalation`.

- After an incident changes, the first fitting playbook is decided (.decide). The decision is
  recorded on the incident first, under its optimistic version, so one worker wins it; a start is
  recorded as a ``running`` action without an execution id, then the runbook starts with a client
  token derived from the incident and the playbook, then the run and the execution id are recorded.
  Any step may fail: the recorded start is carried out again (same token, same parameters: SSM starts
  nothing twice) by the next change of the incident or the scheduled flush (:meth:`Remediation.repair`).
  A start failing transiently past :data:`START_DEADLINE` fails the action, which pages.
- A finished execution updates its action (:mod:`.executions`): success mitigates the incident;
  failure escalates, and the action says what the run left behind. The flush asks SSM about executions
  still running, so a lost status event or a failed status write is settled from SSM's own record.
- Paging follows the escalation policy (:mod:`aiops.escalation`): a running fix holds the page until its
  verification ends; a failed one pages at once. Each run is a change event on PagerDuty's timeline.
- A human approves or denies a waiting fix from Slack (:mod:`.approvals`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal

from aiops.catalog.model import Catalog
from aiops.errors import NotConfiguredError, TransientError
from aiops.escalation.escalator import Escalator, Update
from aiops.escalation.page_content import ThreadUrl
from aiops.escalation.ports import Pager, Scheduler
from aiops.incident.model import Action, Incident, TimelineEntry
from aiops.incident.ports import Clock
from aiops.remediation.approvals import Approvals
from aiops.remediation.decide import Decision, Run, as_open, decide, matches
from aiops.remediation.executions import Executions
from aiops.remediation.playbooks import Playbook
from aiops.remediation.ports import Remediator, RunLedger
from aiops.remediation.runbooks import Runbook

log = logging.getLogger(__name__)
START_DEADLINE = timedelta(minutes=10)
"""How long a start that fails transiently is retried (same client token) before the action fails."""
AUTOMATION_OFF = "automation is off for this stack (its kill switch parameter is not true)"
"""Why a start did not happen: every start (playbook, approval, repair, flush) reads the switch first."""


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
            fits=self.fits,
            pager=pager,
            clock=clock,
            scheduler=scheduler,
            thread_url=thread_url,
        )
        self.executions = Executions(runs=runs, remediator=remediator, escalator=self.escalator, clock=clock)
        self.approvals = Approvals(
            catalog=catalog,
            playbooks=playbooks,
            runbooks=runbooks,
            remediator=remediator,
            escalator=self.escalator,
            clock=clock,
            start=self.start,
            settle=self.settle,
        )

    def fits(self, incident: Incident) -> bool:
        """Whether any playbook fits the incident: escalation asks before it pages "no runbook fits"."""
        subject = as_open(incident) or incident
        return any(matches(p, subject) for p in self.playbooks)

    # -- after a change ----------------------------------------------------------------------------

    def after_change(self, incident: Incident, update: Update, *, settle_now: bool = False) -> Incident:
        """Decide (once), carry out recorded starts, then escalate as the policy says. A failure to
        decide or to start is logged and left for a later attempt; the escalation runs regardless."""
        try:
            incident = self.remediate(incident, update)
        except Exception:  # the store or SSM: retried by the next change or the flush
            log.warning("remediation.deferred", extra={"incident_id": incident.id}, exc_info=True)
        return self.escalator.escalate(incident, update, settle_now=settle_now)

    def remediate(self, incident: Incident, update: Update) -> Incident:
        """Decide the first fitting playbook (once per incident and playbook) and carry out the starts
        recorded and not done yet. Raises what the store or SSM raised: the caller leaves it for later."""
        incident = self._decide(incident, update)
        return self._resume(incident, update)

    def repair(self, incident: Incident, update: Update) -> Incident:
        """The scheduled flush: settle executions from SSM's own record, then decide and start what a
        failure left undone (the caller escalates and notifies after)."""
        try:
            incident = self.executions.settle(incident, update)
        except Exception:
            log.warning("remediation.settle_deferred", extra={"incident_id": incident.id}, exc_info=True)
        try:
            return self.remediate(incident, update)
        except Exception:
            log.warning("remediation.deferred", extra={"incident_id": incident.id}, exc_info=True)
            return incident

    def _decide(self, incident: Incident, update: Update) -> Incident:
        service = self.catalog.service(incident.service)
        subject = as_open(incident)  # open, or calmed before a decision its failures deferred
        if service is None or self.remediator is None or subject is None:
            return incident
        first = next((p for p in self.playbooks if matches(p, subject)), None)
        if first is None or any(a.playbook == first.name for a in incident.actions):
            return incident  # nothing to decide: no reads
        now = self._now(incident)
        history = self.runs.runs(service.name, now - timedelta(days=1))
        enabled = self.remediator.automation_enabled()
        decision = decide(
            subject,
            service,
            self.playbooks,
            self.runbooks,
            history,
            now,
            automation_enabled=enabled,
            dry_run=self.dry_run,
            live=self.remediator.parameter_value,
        )
        if decision is None:
            return incident
        action = _decided(decision, now)

        def record(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            if any(a.playbook == action.playbook for a in inc.actions):
                return inc, []  # another worker decided first
            entries = []
            if action.status != "running":  # a start is announced once it started
                entries.append(
                    TimelineEntry(
                        incident_id=inc.id,
                        at=now,
                        key=f"action:{action.playbook}",
                        kind="action",
                        text=_describe(action),
                    )
                )
            return inc.model_copy(update={"actions": (*inc.actions, action)}), entries

        return update(incident.id, record)

    def _resume(self, incident: Incident, update: Update) -> Incident:
        """Carry out the starts recorded on the incident and not done yet (the first attempt, or one
        that failed after or before SSM took it: the client token makes it one execution)."""
        if self.remediator is None:
            return incident
        for action in incident.actions:
            if action.status == "running" and action.execution_id is None:
                incident = self.start(incident, action, update)
        return incident

    def start(self, incident: Incident, action: Action, update: Update) -> Incident:
        """Start a recorded action (its client token makes a repeat the same execution), record its run
        and its execution id; a change event goes to PagerDuty's timeline. The kill switch is read
        first, every time: off, the action ends ``skipped`` and nothing starts."""
        if self.remediator is None:
            raise NotConfiguredError(f"start {action.runbook}: this Remediation has no remediator")
        now = self._now(incident)
        requested = action.requested_at or action.decided_at
        try:
            if not self.remediator.automation_enabled():  # read fresh: the one check every start passes
                return self.settle(incident.id, action.playbook, "skipped", AUTOMATION_OFF, update)[0]
            execution = self.remediator.start(
                action.runbook, action.parameters, client_token(incident.id, action.playbook)
            )
        except TransientError as exc:
            if now - requested < START_DEADLINE:
                log.warning(
                    "remediation.start_pending", extra={"incident_id": incident.id, "error": str(exc)}
                )
                return incident  # retried with the same token by the next change or the flush
            return self.settle(incident.id, action.playbook, "failed", f"could not start: {exc}", update)[0]
        except Exception as exc:  # refused (a bad document, parameters, permissions): a human is paged
            log.exception("remediation.start_failed", extra={"incident_id": incident.id})
            reason = f"could not start: {type(exc).__name__}"
            return self.settle(incident.id, action.playbook, "failed", reason, update)[0]
        self.runs.record_run(
            incident.service,
            Run(action.runbook, requested, "running"),
            execution_id=execution,
            incident_id=incident.id,
            playbook=action.playbook,
        )
        started: list[Action] = []

        def record(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            started.clear()
            actions = list(inc.actions)
            for i, a in enumerate(actions):
                if a.playbook == action.playbook and a.status == "running" and a.execution_id is None:
                    auto = a.approved_by is None
                    actions[i] = a.model_copy(
                        update={
                            "execution_id": execution,
                            "reason": "started automatically" if auto else a.reason,
                        }
                    )
                    started.append(actions[i])
                    entry = TimelineEntry(
                        incident_id=inc.id,
                        at=now,
                        key=f"action:{a.playbook}" if auto else f"started:{execution}",
                        kind="action",
                        text=f"{a.runbook} started ({execution})",
                    )
                    return inc.model_copy(update={"actions": tuple(actions)}), [entry]
            return inc, []

        incident = update(incident.id, record)
        for a in started:
            self.escalator.changed(incident, a)
        return incident

    def settle(
        self,
        incident_id: str,
        playbook_name: str,
        status: Literal["failed", "skipped"],
        reason: str,
        update: Update,
        *,
        only_pending: bool = False,
        actor: str = "aiops",
    ) -> tuple[Incident, bool]:
        """An action waiting (for approval, or to start) ends as ``status``; whether it changed."""
        changed = False

        def settle(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            nonlocal changed
            changed = False
            actions = list(inc.actions)
            for i, a in enumerate(actions):
                waiting = a.status == "pending_approval" or (
                    not only_pending and a.status == "running" and a.execution_id is None
                )
                if a.playbook == playbook_name and waiting:
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

        return update(incident_id, settle), changed

    def _now(self, incident: Incident) -> datetime:
        """Never before the newest event seen (as in the pipeline): a lagging clock keeps order."""
        return max(self.clock.now(), incident.last_activity_at)

    # -- human decisions (.approvals) and executions (.executions) ------------------------

    def approve(self, incident_id: str, playbook_name: str, user: str, update: Update) -> str:
        return self.approvals.approve(incident_id, playbook_name, user, update)

    def deny(self, incident_id: str, playbook_name: str, user: str, update: Update) -> str:
        return self.approvals.deny(incident_id, playbook_name, user, update)

    def poll(self, update: Update) -> list[Incident]:
        return self.executions.poll(update)

    def finished(self, execution_id: str, status: str, detail: str, update: Update) -> Incident | None:
        return self.executions.finished(execution_id, status, detail, update)


def _decided(decision: Decision, now: datetime) -> Action:
    """The action a decision records: a start is ``running`` without an execution id until it started."""
    playbook, runbook = decision.playbook.name, decision.playbook.action.runbook
    params = dict(decision.parameters)
    if decision.status == "start":
        return Action(
            playbook=playbook,
            runbook=runbook,
            status="running",
            reason="starting",
            parameters=params,
            decided_at=now,
            requested_at=now,
        )
    return Action(
        playbook=playbook,
        runbook=runbook,
        status=decision.status,
        reason=decision.reason,
        parameters=params,
        decided_at=now,
    )


def _describe(action: Action) -> str:
    """A decision that started nothing (a start is announced once started, by :meth:`Remediation.start`)."""
    if action.status == "pending_approval":
        return f"{action.runbook} waits for approval in Slack"
    return f"{action.runbook} {action.status}: {action.reason}"
