"""The pipeline composed: one batch of signals through its stages, in the order the design reads.

- A batch: admit (each record's times) -> deduplicate -> route -> fold -> record, in cycles (a
  fingerprint another worker moved: the cycle again on fresh state); then, for each incident that
  changed: remediate -> notify -> escalate -> notify. Once its signals are recorded no fault fails the
  batch: what fails is left pending for the next change or the flush.
- A fault is what a port raises for a failed dependency (``faults``: :data:`~aiops.errors.Faults`): only
  that is retried or left pending. A bug (a ``TypeError``...) propagates: the batch fails (SQS delivers
  it again, then to its dead-letter queue), as does the flush.
- The flush (every minute): settle quiet periods -> repair (runs from SSM's record, decisions and starts
  left undone) -> notify -> escalate -> notify.
- SSM's status events, the escalation timers and what people do in Slack come in beside these.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence

from aiops.catalog.model import Catalog
from aiops.diagnosis.ports import MetricsReader
from aiops.errors import CORE_FAULTS, ConflictError, Faults
from aiops.incident.lifecycle import flap_changes, settle
from aiops.incident.model import Incident, SignalState, fingerprint
from aiops.incident.ports import Clock, ContextStore, HistoryIndex, IncidentStore, SignalLedger, SilenceStore
from aiops.pipeline.admit import admit
from aiops.pipeline.assess import Assessor
from aiops.pipeline.fold import Folder
from aiops.pipeline.human import HumanActions
from aiops.pipeline.narrate import Narrate
from aiops.pipeline.recall import Recall
from aiops.pipeline.record import Recorder
from aiops.pipeline.route import BatchView, Routed, Router, owner_of
from aiops.pipeline.settings import AUTOMATION_STATUS, BatchResult, Settings
from aiops.pipeline.silences import SilenceView
from aiops.pipeline.update import Updater
from aiops.present.slack_thread import Notifier
from aiops.remediation.remediate import Remediation
from aiops.signals.model import Deferred, Signal

log = logging.getLogger(__name__)

Pending = list[tuple[str, Signal | Deferred]]
"""(batch item id, signal) pairs still to process."""


class Pipeline:
    def __init__(
        self,
        *,
        catalog: Catalog,
        ledger: SignalLedger,
        incidents: IncidentStore,
        context: ContextStore,
        silences: SilenceStore,
        notifier: Notifier | None,
        clock: Clock,
        metrics: MetricsReader | None = None,
        remediation: Remediation | None = None,
        settings: Settings | None = None,
        history: HistoryIndex | None = None,
        narrate: Narrate | None = None,
        faults: Faults = CORE_FAULTS,
    ) -> None:
        self.faults = faults  # the only exceptions a stage retries or leaves pending (module docstring)
        self.catalog = catalog
        self.ledger = ledger
        self.incidents = incidents
        self.notifier = notifier
        self.clock = clock
        self.remediation = remediation
        self.settings = settings = settings or Settings()
        self.update = Updater(incidents, retries=settings.max_conflict_retries)
        silence_view = SilenceView(silences)
        self.router = Router(catalog=catalog, context=context, settings=settings)
        self.folder = Folder(
            catalog=catalog,
            ledger=ledger,
            context=context,
            clock=clock,
            settings=settings,
            router=self.router,
            assessor=Assessor(catalog=catalog, metrics=metrics),
            silences=silence_view,
            update=self.update,
            incidents=incidents,
        )
        self.recorder = Recorder(ledger=ledger, settings=settings)
        self.recall = Recall(history) if history is not None else None
        self.narrate = narrate
        self.human = HumanActions(
            incidents=incidents,
            silences=silences,
            silence_view=silence_view,
            notifier=notifier,
            remediation=remediation,
            clock=clock,
            update=self.update,
            notify=self.notify,
        )
        # what people do from Slack, and in PagerDuty (its webhook)
        self.acknowledge, self.resolve_by = self.human.acknowledge, self.human.resolve_by
        self.silence, self.on_pager = self.human.silence, self.human.on_pager

    def admit(self, signals: Sequence[Signal | Deferred]) -> list[Signal | Deferred]:
        """The signals of one record, if their times lie in the window around the clock
        (:mod:`aiops.pipeline.admit`); InvalidEventError otherwise."""
        return admit(signals, self.clock.now(), self.settings)

    def process(self, items: Sequence[tuple[str, Sequence[Signal | Deferred]]]) -> BatchResult:
        """Process the signals of a batch; ``items`` pairs a batch item id with its signals (a deferred
        alarm is read by its head: see :class:`~aiops.signals.model.Deferred`).

        The signals are recorded first, in cycles: a fingerprint another worker moved meanwhile, or an
        item whose store call failed (after botocore's own retries), goes through the whole cycle again
        on fresh state (applying is idempotent, so a signal applied before its failure changes nothing
        twice); an item failing ``max_failure_retries`` more times is left to SQS. Only then are the
        changed incidents remediated, escalated and notified: a decision is not taken on a batch whose
        signals (a change event, a budget alert) are still being retried."""
        result = BatchResult()
        pending: Pending = [(item, s) for item, signals in items for s in signals]
        result.signals = len(pending)
        changed: dict[str, Incident] = {}
        unsure: set[str] = set()
        failures: dict[str, int] = {}  # a plain dict: a Counter per batch costs more than it does
        for _ in range(self.settings.max_conflict_retries):
            if not pending:
                break
            failed: set[str] = set()
            try:
                conflicted = self._cycle(pending, result, failed, changed, unsure)
            except self.faults:  # a read every item needs (the ledger, the incidents): all again
                log.exception("pipeline.cycle_failed")
                conflicted, failed = [], {item for item, _ in pending}
            failures.update({i: failures.get(i, 0) + 1 for i in failed})
            retry = {i for i in failed if failures[i] <= self.settings.max_failure_retries}
            result.failed.update(failed - retry)
            pending = conflicted + [(i, s) for i, s in pending if i in retry]
        for item, signal in pending:
            log.error("pipeline.conflicts_exhausted", extra={"item": item, "signal_id": signal.id})
            result.failed.add(item)
        for incident_id in unsure - set(changed):  # a fold that failed, maybe after its save
            try:
                if (found := self.incidents.get(incident_id)) is not None:
                    changed[incident_id] = found
            except self.faults:  # the flush looks at it
                log.exception("pipeline.reload_failed", extra={"incident_id": incident_id})
        if self.remediation is not None:
            try:
                for incident in self.remediation.poll(self.update):
                    changed[incident.id] = incident
            except self.faults:  # the next batch, or the flush, polls again
                log.exception("pipeline.poll_failed")
        for incident in changed.values():
            result.incidents.add(incident.id)
            self._act(incident)
        return result

    def _cycle(
        self,
        pending: Pending,
        result: BatchResult,
        failed: set[str],
        changed: dict[str, Incident],
        unsure: set[str],
    ) -> Pending:
        """deduplicate -> route -> fold -> record; returns what conflicted, adds what failed."""
        routed = self._deduplicate(pending, result)
        view = BatchView(self.incidents)
        view.prefetch(routed, self.catalog)
        by_incident = self._route(routed, view, failed)
        self._fold(by_incident, view, result, failed, changed, unsure)
        return self._record(routed, result, failed)

    def _act(self, incident: Incident, *, repair: bool = False) -> Incident:
        """remediate -> notify -> escalate -> notify, for one incident whose signals are recorded.

        No fault here fails the batch (a redelivery would be all duplicates and change nothing): a step
        that fails is tried once more at once (a throttled call must not hold a page for a minute),
        then left pending for the next change of the incident or the scheduled flush. ``repair``: the
        flush's turn, which also settles runs from SSM's own record. Past incidents like it are
        recalled first, so that the first message and the page say so; the narrative (opt-in) last."""
        if self.recall is not None:
            incident = self._attempt("pipeline.recall_failed", self.recall, incident)
        if self.remediation is not None:
            remediate = self.remediation.repair if repair else self.remediation.remediate
            incident = self._attempt("pipeline.remediation_failed", remediate, incident)
        shown = self._notify(incident)  # first, so that a page can link to the thread
        paged = incident
        if self.remediation is not None:
            paged = self._attempt("pipeline.escalation_failed", self.remediation.escalator.escalate, incident)
        if self.narrate is not None:  # opt-in, after the page (a model's latency never delays it)
            paged = self._attempt("pipeline.narrative_failed", self.narrate, paged)
        if paged.version != incident.version and shown:  # Slack down: the next sync sends it
            self._notify(paged)
        return paged

    def _attempt(
        self, failed: str, step: Callable[[Incident, Updater], Incident], incident: Incident
    ) -> Incident:
        """``step`` on ``incident``, tried ``max_act_attempts`` times; the incident as it was if it kept
        failing (every step is idempotent: what it did before failing is not done twice)."""
        for _ in range(self.settings.max_act_attempts):
            try:
                return step(incident, self.update)
            except self.faults:
                log.exception(failed, extra={"incident_id": incident.id})
        return incident

    def _notify(self, incident: Incident) -> bool:
        try:
            return self.notify(incident)
        except self.faults:  # the notifier leaves what failed pending; this is its last guard
            log.exception("pipeline.notify_failed", extra={"incident_id": incident.id})
            return False

    def _deduplicate(self, pending: Pending, result: BatchResult) -> list[Routed]:
        """Every event id and fingerprint state looked up at once; redeliveries counted and dropped."""
        fps = [s.fingerprint if isinstance(s, Deferred) else fingerprint(s) for _, s in pending]
        seen = self.ledger.lookup([s.id for _, s in pending], fps)
        routed: list[Routed] = []
        batch_ids: set[str] = set()
        resolve = owner_of(self.catalog)
        window, keep = self.settings.flap_window, self.settings.flap_threshold + 1
        for (item, signal), fp, (duplicate, state) in zip(pending, fps, seen, strict=True):
            if duplicate or signal.id in batch_ids:
                result.duplicates += 1
                continue
            batch_ids.add(signal.id)
            changes = flap_changes(state, signal, window, keep)
            routed.append(Routed(item, signal, fp, resolve(signal), state, changes))
        routed.sort(key=lambda r: (r.signal.time, r.signal.id))
        return routed

    def _route(self, routed: list[Routed], view: BatchView, failed: set[str]) -> dict[str, list[Routed]]:
        by_incident: dict[str, list[Routed]] = defaultdict(list)
        latest: dict[str, SignalState] = {}
        for r in routed:
            prior = latest.get(r.fp)
            if prior is not None:  # the same alarm again in this batch: it follows the state just routed
                r.state = prior
                r.changes = flap_changes(
                    prior, r.signal, self.settings.flap_window, self.settings.flap_threshold + 1
                )
            try:
                r.incident_ids = self.router.route(r, by_incident, view)
            except self.faults:  # a store failure: retry this item, keep the rest
                log.exception("pipeline.route_failed", extra={"item": r.item, "signal_id": r.signal.id})
                failed.add(r.item)
                continue
            r.next_state = latest[r.fp] = self.recorder.next_state(r)
            for incident_id in r.incident_ids:
                by_incident[incident_id].append(r)
        return by_incident

    def _fold(
        self,
        by_incident: dict[str, list[Routed]],
        view: BatchView,
        result: BatchResult,
        failed: set[str],
        changed: dict[str, Incident],
        unsure: set[str],
    ) -> None:
        """Fold each incident's signals; ``changed`` gets each incident that moved in this batch, as it
        is now (an incident a later cycle folds again is replaced by its newer self)."""
        for incident_id, members in by_incident.items():
            try:
                before = view.by_id.get(incident_id)
                new, unfolded = incident_id in view.created, view.unfolded.get(incident_id)
                after = self.folder.apply(incident_id, members, new=new, cached=before, unfolded=unfolded)
                if before is None or after.version != before.version or incident_id in changed:
                    changed[incident_id] = after
                if incident_id in view.created:
                    result.opened.add(incident_id)
                result.saw(before, after)
            except self.faults:  # its save may have happened: what changed is read again at the end
                log.exception("pipeline.apply_failed", extra={"incident_id": incident_id})
                failed.update(m.item for m in members)
                changed.pop(incident_id, None)
                unsure.add(incident_id)

    def _record(self, routed: list[Routed], result: BatchResult, failed: set[str]) -> Pending:
        conflicted: Pending = []
        # Fingerprints whose state did not move as routed: their later signals in this batch wait for
        # the next cycle (their expected version was predicted from a write that did not happen).
        broken: set[str] = set()
        for r in routed:
            if r.item in failed:
                broken.add(r.fp)
                continue
            if r.fp in broken:
                conflicted.append((r.item, r.signal))
                continue
            try:
                if self.recorder.record(r):
                    result.recorded += 1
                else:
                    result.duplicates += 1
                    broken.add(r.fp)
            except ConflictError:
                conflicted.append((r.item, r.signal))
                broken.add(r.fp)
            except self.faults:
                log.exception("pipeline.record_failed", extra={"item": r.item, "signal_id": r.signal.id})
                failed.add(r.item)
                broken.add(r.fp)
        return conflicted

    def notify(self, incident: Incident) -> bool:
        """Bring its Slack thread up to date; False when something stays pending."""
        if self.notifier is None:
            return False
        if incident.silenced_until is not None and incident.silenced_until > self.clock.now():
            return True  # silenced: recorded, not announced
        return self.notifier.sync(incident)

    def on_automation(self, signals: Sequence[Signal]) -> list[Incident]:
        """SSM Automation status changes (EventBridge): update the action, mitigate or escalate, notify."""
        out = []
        for s in signals:
            a = s.automation
            if self.remediation is None or a is None or a.step_name:
                continue  # step events are progress; the execution's own status decides
            status = AUTOMATION_STATUS.get(a.status)
            if status is None:
                continue
            incident = self.remediation.finished(
                a.execution_id, status, f"SSM status {a.status}", self.update
            )
            if incident is not None:
                self.notify(incident)
                out.append(incident)
        return out

    def tick(self, incident_ids: Sequence[str], result: BatchResult | None = None) -> list[Incident]:
        """The scheduled flush: settle quiet periods, then repair what an earlier failure left undone -
        assessments a killed worker owed, decisions not made, recorded starts not carried out, executions
        whose end was not recorded (SSM is asked), pages not delivered, escalation due, Slack roots and
        replies not posted or not confirmed, updates held back. One incident's fault or bug does not stop
        the others; a bug is raised once they are done (the run fails: seen, not retried as a fault is)."""
        try:  # one batch read for them all
            found, _ = self.incidents.prefetch(list(incident_ids), []) if incident_ids else ({}, {})
        except self.faults:  # one by one, then
            log.exception("pipeline.tick_prefetch_failed")
            found = {}
        out, bugs = [], []
        for incident_id in incident_ids:
            try:
                before = found.get(incident_id) or self.incidents.get(incident_id)
                incident = self._tick_one(incident_id, before)
            except self.faults:  # the next flush repairs it
                log.exception("pipeline.tick_failed", extra={"incident_id": incident_id})
                continue
            except Exception as bug:  # a bug in one incident's repair: the others' repairs go on
                log.exception("pipeline.tick_bug", extra={"incident_id": incident_id})
                bugs.append(bug)
                continue
            if incident is not None and before is not None:
                if result is not None:
                    result.saw(before, incident)
                out.append(incident)
        if bugs:
            raise bugs[0] if len(bugs) == 1 else ExceptionGroup("flush: bugs in several incidents", bugs)
        return out

    def _tick_one(self, incident_id: str, before: Incident | None) -> Incident | None:
        try:  # what its opening worker died owing first: unassessed, a decision pages "no runbook fits"
            before = before and self.folder.owed(before)
        except self.faults:
            log.exception("pipeline.assess_failed", extra={"incident_id": incident_id})
        if before is None or not before.members or before.assessment_owed:
            return None  # not made yet (its worker acts on it), or its assessment failed: the next flush
        quiet = self.settings.quiet_period(self.catalog.service(before.service))
        try:
            incident = self.update(incident_id, lambda i: settle(i, self.clock.now(), quiet), first=before)
        except self.faults:  # the next flush settles it; the rest of the repair goes on
            log.exception("pipeline.settle_failed", extra={"incident_id": incident_id})
            incident = before
        return self._act(incident, repair=True)

    def on_timer(self, incident_id: str, name: str) -> Incident | None:
        """An escalation timer fired (EventBridge Scheduler, or the replay clock): decide again."""
        incident = self.incidents.get(incident_id)
        if incident is None or self.remediation is None:
            return None
        incident = self.remediation.escalator.fired(incident, name, self.update)
        self.notify(incident)
        return incident
