"""Escalation: carry out the paging decision (:mod:`.page_plan`) - record the pages on the incident,
send them, keep the timers. A page is recorded (pending) before it is sent and sent again until a
target takes it, so concurrent workers send it once and a failure never loses it. The dedup key is the
incident id; the target (PagerDuty or SNS) is the pager's to choose, and an incident's acknowledge and
resolve follow its trigger there."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from aiops.catalog.escalation_policy import Policy
from aiops.catalog.model import Catalog
from aiops.errors import NotConfiguredError, PageRejectedError, PagerError
from aiops.escalation.page_content import ThreadUrl, change_for, page_for
from aiops.escalation.page_plan import Plan, advance, page_state, plan
from aiops.escalation.ports import Pager, Scheduler
from aiops.incident.model import Action, Escalation, Incident, PageAction, PageTarget, TimelineEntry, Timer
from aiops.incident.ports import Clock
from aiops.signals.model import format_time

log = logging.getLogger(__name__)
DECISION_DEADLINE = timedelta(minutes=10)
"""An open incident a playbook fits, still without any action this long after it opened (reading what
the decision needs kept failing), pages: a failure never leaves an incident silent."""
Update = Callable[[str, Callable[[Incident], tuple[Incident, list[TimelineEntry]]]], Incident]
RETRY_AFTER = timedelta(minutes=1)
"""A page no target took is tried again this much later (a timer), and by the next event."""
RECORD_ATTEMPTS = 3
"""Attempts at recording that a target took a page: a page whose "sent" record is lost stays pending
and is sent again a minute later (a takeover), and its thread does not say "paged" meanwhile."""
SUPERSEDED = "not sent again: its resolve followed it"
"""Why a pending trigger or acknowledge is no longer sent (see :meth:`Escalator._carry_out`)."""


class Escalator:
    def __init__(
        self,
        *,
        catalog: Catalog,
        fits: Callable[[Incident], bool],
        pager: Pager | None,
        clock: Clock,
        scheduler: Scheduler | None = None,
        thread_url: ThreadUrl | None = None,
    ) -> None:
        self.catalog = catalog
        self.fits = fits
        """Whether a playbook fits the incident (remediation decides; escalation only asks)."""
        self.pager = pager
        self.clock = clock
        self.scheduler = scheduler
        self.thread_url = thread_url
        self._policies: dict[str, Policy] = {}

    def _now(self, incident: Incident) -> datetime:
        """Never before the newest event seen (as in the pipeline): a lagging clock keeps order."""
        return max(self.clock.now(), incident.last_activity_at)

    # -- what the pipeline calls ---------------------------------------------------------------------

    def escalate(self, incident: Incident, update: Update, *, settle_now: bool = False) -> Incident:
        """Page, acknowledge or resolve as the policy says now; keep the timers that say it later."""
        now = self._now(incident)
        policy = self._policies.get(incident.service)
        if policy is None:  # merged once per service (an incident's service is the catalog's, or unowned)
            policy = self._policies[incident.service] = self.catalog.escalation_policy(incident.service)
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
        if service is None or not self.fits(incident):
            return "no runbook fits this incident"
        if self._now(incident) - incident.opened_at >= DECISION_DEADLINE:  # deciding kept failing
            return f"no remediation could be decided within {DECISION_DEADLINE.seconds // 60} min"
        return ""  # a fix is about to be decided

    def _carry_out(
        self, incident: Incident, decided: Plan, now: datetime, update: Update, *, actor: str = "aiops"
    ) -> Incident:
        """Record what the plan sends, then send it. A page is recorded (pending) before it is sent,
        checked against a fresh read under the incident's optimistic version: of workers paging the same
        state at once, one records it and only that one sends it. A page not delivered stays pending and
        is sent again, after :data:`RETRY_AFTER`, by whichever call comes next (the flush within a
        minute); PagerDuty folds a repeat into the same alert by its dedup key."""
        sends = decided.sends if self.pager is not None else ()
        lapsed = any(_lapsed(e, now) for e in incident.escalations)
        self._sync_timers(incident, decided.timers)
        if not (
            sends
            or lapsed
            or decided.settle
            or decided.timers != incident.timers
            or decided.episode_at != incident.episode_at
            or decided.settled_at != incident.settled_at
        ):
            return incident
        mine: list[int] = []
        """Indices of the escalations this call recorded or took over: it sends them."""

        def record(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            mine.clear()
            escalations = list(inc.escalations)
            state, kept = page_state(inc), []
            for action, why in sends:  # what the fresh incident already says is not recorded twice
                target = state.target or "pagerduty"
                moved = advance(state, action, target)
                if moved is not None:
                    state = moved
                    kept.append(
                        Escalation(
                            target=target, action=action, at=now, reason=why, pending=True, tried_at=now
                        )
                    )
            reached = [i for i, e in enumerate(escalations) if e.action == "resolve" and _may_have_reached(e)]
            for i, e in enumerate(escalations):  # pending and not tried for a while: taken over
                if _lapsed(e, now) and e.action != "resolve" and reached and reached[-1] > i:
                    # a resolve after it may have reached PagerDuty: sent again, a stale trigger would
                    # open a second alert. (A resolve held back, never sent, is sent after it instead.)
                    escalations[i] = e.model_copy(update={"pending": False, "error": SUPERSEDED})
                elif _lapsed(e, now):
                    escalations[i] = e.model_copy(update={"tried_at": now})
                    mine.append(i)
            if not any(e.pending and i not in mine for i, e in enumerate(escalations)):
                # sent now unless an earlier page is still on its way (another worker's lease): an
                # acknowledge or resolve never overtakes its trigger; it is taken over once that lapsed
                mine.extend(range(len(escalations), len(escalations) + len(kept)))
            else:  # held back: never tried (not sent yet, so it cannot have reached PagerDuty)
                kept = [k.model_copy(update={"tried_at": None}) for k in kept]
            settle = decided.settle and not (
                inc.settled_at is not None
                and inc.resolved_at is not None
                and inc.settled_at >= inc.resolved_at
            )
            fields: dict[str, object] = {
                "escalations": (*escalations, *kept),
                "timers": decided.timers,
                "episode_at": decided.episode_at,
                "settled_at": decided.settled_at,
            }
            if decided.new_episode:
                fields["acknowledged"] = None  # the acknowledgement was for the last episode
            entries = [self._settled(inc, kept, now, actor)] if settle else []
            return inc.model_copy(update=fields), entries

        incident = update(incident.id, record)
        if not mine:
            return incident
        return self._deliver(incident, mine, now, update, actor)

    def _deliver(
        self, incident: Incident, indices: list[int], now: datetime, update: Update, actor: str
    ) -> Incident:
        """Send the recorded pages at ``indices``, in order, then record how each went: delivered (and
        where), refused as invalid (never sent again), or not taken (pending: tried again later)."""
        if self.pager is None:
            raise NotConfiguredError(f"page {incident.id}: this Escalator has no pager")
        outcome: dict[int, Escalation] = {}
        retry: Timer | None = None
        for i in sorted(indices):
            e = incident.escalations[i]
            prefer, fallback = _target_before(incident, i, outcome)
            page = page_for(
                incident,
                e.action,
                e.reason,
                now,
                thread_url=self.thread_url,
                prefer=prefer,
                fallback=fallback,
            )
            try:
                delivery = self.pager.send(page)
            except PageRejectedError as exc:  # invalid: recorded, never retried
                log.error("page.rejected", extra={"incident_id": incident.id, "error": str(exc)})
                outcome[i] = e.model_copy(update={"pending": False, "error": str(exc)})
                continue
            except PagerError as exc:  # nobody took it: it stays pending, tried again in a minute
                log.error("page.failed", extra={"incident_id": incident.id, "error": str(exc)})
                stamp = int(now.timestamp())
                retry = Timer(name=f"{incident.id}-retry-{stamp}", step="retry", at=now + RETRY_AFTER)
                break
            outcome[i] = e.model_copy(
                update={
                    "pending": False,
                    "target": delivery.target,
                    "fallback": delivery.fallback,
                    "error": delivery.error,
                }
            )
        if retry is not None and self.scheduler is not None:
            self.scheduler.schedule(retry, incident.id)
        if not outcome and retry is None:
            return incident

        def delivered(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            escalations, entries = list(inc.escalations), []
            for i, done in outcome.items():
                if i < len(escalations) and escalations[i].pending:  # nobody else recorded it meanwhile
                    escalations[i] = done
                    if done.action != "resolve":  # a resolve is said by the settled entry
                        entries.append(self._paged(inc, escalations, i, now, actor))
            timers = inc.timers
            if retry is not None and all(t.step != "retry" for t in timers):
                timers = (*timers, retry)
            return inc.model_copy(update={"escalations": tuple(escalations), "timers": timers}), entries

        for _ in range(RECORD_ATTEMPTS - 1):  # the target took it: that fact is not dropped for one fault
            try:
                return update(incident.id, delivered)
            except Exception:  # the store's (the core knows no botocore): logged, tried again at once
                log.warning("page.record_retried", extra={"incident_id": incident.id}, exc_info=True)
        return update(incident.id, delivered)

    @staticmethod
    def _paged(
        inc: Incident, escalations: list[Escalation], i: int, now: datetime, actor: str
    ) -> TimelineEntry:
        """Keyed by the page's place in the incident's history, not by time: one entry (one thread
        reply) per page, whoever delivered it."""
        e = escalations[i]
        triggers = sum(x.action == "trigger" for x in escalations[: i + 1])
        failed = f" (failed: {e.error})" if e.error else ""
        target = f"{e.target} and {e.fallback}" if e.fallback else e.target
        return TimelineEntry(
            incident_id=inc.id,
            at=now,
            key=f"page:{e.action}:{triggers}",
            kind="escalated",
            text=f"page {e.action} ({target}): {e.reason}{failed}",
            actor=actor,
        )

    @staticmethod
    def _settled(inc: Incident, kept: list[Escalation], now: datetime, actor: str) -> TimelineEntry:
        """The resolution held: one reply, with the page's resolve when one is recorded (it is sent until
        PagerDuty or SNS takes it)."""
        resolved = [e for e in kept if e.action == "resolve"]
        page = f"; page resolved ({resolved[0].target})" if resolved else ""
        since = format_time(inc.resolved_at) if inc.resolved_at else format_time(now)
        return TimelineEntry(
            incident_id=inc.id,
            at=now,
            key=f"settled:{since}",
            kind="resolved",
            text=f"resolved since {since}{page}",
            actor=actor,
        )

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


def _may_have_reached(e: Escalation) -> bool:
    """A page PagerDuty may hold: delivered, or tried (its answer lost, or its sender died). A page
    recorded and held back behind an earlier one still on its way was never tried (``tried_at`` None)."""
    return not e.pending or e.tried_at is not None


def _lapsed(e: Escalation, now: datetime) -> bool:
    """A page recorded and not delivered, whose last attempt is :data:`RETRY_AFTER` old: its sender
    failed, or died before it could say so."""
    return e.pending and now - (e.tried_at or e.at) >= RETRY_AFTER


def _target_before(
    incident: Incident, i: int, outcome: dict[int, Escalation]
) -> tuple[PageTarget | None, PageTarget | None]:
    """Where the incident's page went before the ``i``-th (and its second target, an SNS fallback
    taken beside a PagerDuty that may hold it): its acknowledge and resolve follow it to both."""
    for j in range(i - 1, -1, -1):
        e = outcome.get(j, incident.escalations[j])
        if not e.pending:
            return e.target, e.fallback
    return None, None
