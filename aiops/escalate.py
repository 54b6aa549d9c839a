"""Escalation: carry out the paging decision (:mod:`aiops.paging`) - send the pages, keep the timers,
record both on the incident. The dedup key is the incident id; the target (PagerDuty or SNS) is the
pager's to choose, and an incident's acknowledge and resolve follow its trigger there."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from aiops.catalog import Catalog
from aiops.decide import matches
from aiops.errors import PageRejectedError, PagerError
from aiops.incident import Action, Escalation, Incident, PageAction, TimelineEntry, Timer
from aiops.page import ThreadUrl, change_for, page_for
from aiops.paging import Plan, advance, page_state, plan
from aiops.playbooks import Playbook
from aiops.ports import Clock, Pager, Scheduler
from aiops.signals.model import format_time

log = logging.getLogger(__name__)
DECISION_DEADLINE = timedelta(minutes=10)
"""An open incident a playbook fits, still without any action this long after it opened (reading what
the decision needs kept failing), pages: a failure never leaves an incident silent."""
Update = Callable[[str, Callable[[Incident], tuple[Incident, list[TimelineEntry]]]], Incident]
RETRY_AFTER = timedelta(minutes=1)
"""A page no target took is tried again this much later (a timer), and by the next event."""


class Escalator:
    def __init__(
        self,
        *,
        catalog: Catalog,
        playbooks: Sequence[Playbook],
        pager: Pager | None,
        clock: Clock,
        scheduler: Scheduler | None = None,
        thread_url: ThreadUrl | None = None,
    ) -> None:
        self.catalog = catalog
        self.playbooks = playbooks
        self.pager = pager
        self.clock = clock
        self.scheduler = scheduler
        self.thread_url = thread_url

    def _now(self, incident: Incident) -> datetime:
        """Never before the newest event seen (as in the pipeline): a lagging clock keeps order."""
        return max(self.clock.now(), incident.last_activity_at)

    # -- what the pipeline calls ---------------------------------------------------------------------

    def escalate(self, incident: Incident, update: Update, *, settle_now: bool = False) -> Incident:
        """Page, acknowledge or resolve as the policy says now; keep the timers that say it later."""
        now = self._now(incident)
        policy = self.catalog.escalation_policy(incident.service)
        decided = plan(incident, policy, now, why_page=self._why_page(incident), settle_now=settle_now)
        return self._carry_out(incident, decided, now, update)

    def fired(self, incident: Incident, name: str, update: Update) -> Incident:
        """A timer fired: decide again (a timer that is still needed is made anew)."""
        remaining = tuple(t for t in incident.timers if t.name != name)
        return self.escalate(incident.model_copy(update={"timers": remaining}), update)

    def page_now(
        self, incident: Incident, action: PageAction, why: str, update: Update, *, actor: str = "aiops"
    ) -> Incident:
        """A page a human asked for (Escalate, Acknowledge in Slack); never twice for one state."""
        state = page_state(incident)
        if (action == "trigger") == state.open or (action == "acknowledge" and state.acknowledged):
            return incident  # already paged; or nothing paged, so nothing to acknowledge or resolve
        decided = Plan(
            sends=((action, why),),
            timers=() if action == "trigger" else incident.timers,
            episode_at=incident.episode_at,
            settled_at=incident.settled_at,
        )
        return self._carry_out(incident, decided, self._now(incident), update, actor=actor)

    def changed(self, incident: Incident, action: Action) -> None:
        """A runbook run started or ended: a change event on the service's PagerDuty timeline."""
        if self.pager is None:
            return
        try:
            self.pager.change(change_for(incident, action, self._now(incident), thread_url=self.thread_url))
        except Exception:  # best effort: a timeline note never fails the pipeline
            log.warning("page.change_failed", extra={"incident_id": incident.id}, exc_info=True)

    # -- how -----------------------------------------------------------------------------------------

    def _why_page(self, incident: Incident) -> str:
        pending = next((a for a in incident.actions if a.status == "pending_approval"), None)
        if pending is not None:
            return f"the fix {pending.runbook} waits for approval in Slack"
        skipped = next((a for a in incident.actions if a.status == "skipped"), None)
        if skipped is not None:
            return f"the automatic fix was skipped: {skipped.reason}"
        if incident.actions:
            return ""  # running, failed or succeeded: the plan reads them
        service = self.catalog.service(incident.service)
        if service is None or not any(matches(p, incident) for p in self.playbooks):
            return "no runbook fits this incident"
        if self._now(incident) - incident.opened_at >= DECISION_DEADLINE:  # deciding kept failing
            return f"no remediation could be decided within {DECISION_DEADLINE.seconds // 60} min"
        return ""  # a fix is about to be decided

    def _carry_out(
        self, incident: Incident, decided: Plan, now: datetime, update: Update, *, actor: str = "aiops"
    ) -> Incident:
        sent: list[Escalation] = []
        timers = list(decided.timers)
        prefer = page_state(incident).target
        for action, why in decided.sends:
            if self.pager is None:
                continue
            page = page_for(incident, action, why, now, thread_url=self.thread_url, prefer=prefer)
            try:
                delivery = self.pager.send(page)
            except PageRejectedError as exc:  # invalid: recorded, never retried
                log.error("page.rejected", extra={"incident_id": incident.id, "error": str(exc)})
                sent.append(
                    Escalation(
                        target=prefer or "pagerduty", action=action, at=now, reason=why, error=str(exc)
                    )
                )
                continue
            except PagerError as exc:  # nobody took it: try again in a minute
                log.error("page.failed", extra={"incident_id": incident.id, "error": str(exc)})
                timers.append(
                    Timer(
                        name=f"{incident.id}-retry-{int(now.timestamp())}", step="retry", at=now + RETRY_AFTER
                    )
                )
                break
            sent.append(
                Escalation(target=delivery.target, action=action, at=now, reason=why, error=delivery.error)
            )
            prefer = delivery.target
        self._sync_timers(incident, tuple(timers))
        changed = (
            sent
            or decided.settle
            or tuple(timers) != incident.timers
            or decided.episode_at != incident.episode_at
            or decided.settled_at != incident.settled_at
        )
        if not changed:
            return incident

        def record(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            # Another worker may have paged meanwhile: what the fresh incident already says is not
            # recorded twice (PagerDuty folds the repeat into the same alert by its dedup key).
            state, kept = page_state(inc), []
            for e in sent:
                moved = advance(state, e.action, e.target)
                if moved is not None:
                    state = moved
                    kept.append(e)
            settle = decided.settle and not (
                inc.settled_at is not None
                and inc.resolved_at is not None
                and inc.settled_at >= inc.resolved_at
            )
            fields: dict[str, object] = {
                "escalations": (*inc.escalations, *kept),
                "timers": tuple(timers),
                "episode_at": decided.episode_at,
                "settled_at": decided.settled_at,
            }
            if decided.new_episode:
                fields["acknowledged"] = None  # the acknowledgement was for the last episode
            return inc.model_copy(update=fields), self._entries(inc, settle, kept, now, actor)

        return update(incident.id, record)

    def _entries(
        self, inc: Incident, settle: bool, sent: list[Escalation], now: datetime, actor: str
    ) -> list[TimelineEntry]:
        """Keyed by the page's place in the incident's history, not by time: two workers that page
        the same state at once write one entry (one thread reply)."""
        stamp = format_time(now)
        entries = []
        triggers = sum(e.action == "trigger" for e in inc.escalations)
        for e in sent:
            triggers += e.action == "trigger"
            if settle and e.action == "resolve":
                continue  # said by the settle entry below, in one reply
            failed = f" (failed: {e.error})" if e.error else ""
            entries.append(
                TimelineEntry(
                    incident_id=inc.id,
                    at=now,
                    key=f"page:{e.action}:{triggers}",
                    kind="escalated",
                    text=f"page {e.action} ({e.target}): {e.reason}{failed}",
                    actor=actor,
                )
            )
        if settle:
            resolved = [e for e in sent if e.action == "resolve"]
            page = f"; page resolved ({resolved[0].target})" if resolved else ""
            since = format_time(inc.resolved_at) if inc.resolved_at else stamp
            entries.append(
                TimelineEntry(
                    incident_id=inc.id,
                    at=now,
                    key=f"settled:{since}",
                    kind="resolved",
                    text=f"resolved since {since}{page}",
                    actor=actor,
                )
            )
        return entries

    def _sync_timers(self, incident: Incident, wanted: tuple[Timer, ...]) -> None:
        if self.scheduler is None:
            return
        keep = {t.name for t in wanted}
        for t in incident.timers:
            if t.name not in keep:
                self.scheduler.cancel(t.name)
        for t in wanted:
            if t not in incident.timers:
                self.scheduler.schedule(t, incident.id)
