"""Fold: the routed signals of one incident applied in event-time order, its root cause re-ranked, its
impact assessed and its lifecycle settled, then saved once (see :class:`aiops.incident.model.Fold`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from aiops.catalog.model import UNOWNED, Catalog, Service
from aiops.catalog.topology import external, scope_key
from aiops.diagnosis.impact import with_anomaly, with_budget
from aiops.diagnosis.rootcause import MODEL_COMPONENT, Upstream, rank, root_cause_of
from aiops.incident.lifecycle import Fold, settle
from aiops.incident.model import AnomalyRef, Incident, TimelineEntry, fingerprint
from aiops.incident.ports import Clock, ContextStore, IncidentStore, SignalLedger
from aiops.pipeline.assess import Assessor
from aiops.pipeline.route import Routed, Router, ref
from aiops.pipeline.settings import ACTIVITY_STEP, PROVIDER_METRICS, Settings
from aiops.pipeline.silences import SilenceView
from aiops.pipeline.update import Updater
from aiops.signals.model import Signal, full

PROVIDER_SPREAD = timedelta(minutes=15)
"""Another service's Bedrock failures this close to this incident's count as the same outage."""


class Folder:
    def __init__(
        self,
        *,
        catalog: Catalog,
        ledger: SignalLedger,
        context: ContextStore,
        clock: Clock,
        settings: Settings,
        router: Router,
        assessor: Assessor,
        silences: SilenceView,
        update: Updater,
        incidents: IncidentStore | None = None,
    ) -> None:
        self.catalog = catalog
        self.ledger = ledger
        self.context = context
        self.clock = clock
        self.settings = settings
        self.router = router
        self.assessor = assessor
        self.silences = silences
        self.update = update
        self.incidents = incidents
        """Read for the incidents of the services this one depends on (cross-service ``depends_on``)."""

    def apply(
        self,
        incident_id: str,
        routed: list[Routed],
        *,
        new: bool,
        cached: Incident | None,
        unfolded: Incident | None = None,
    ) -> Incident:
        """``unfolded``: the incident this batch created, before its opening signal was folded in (see
        :meth:`Router._opened`): folded from it while the store still holds it as created."""
        evidence = self._open_provider_issues(routed) if new else []
        links = [ref(s) for s in evidence]
        for r in routed:  # state changes of this fingerprint recorded before it had an incident
            if r.state is not None and r.state.orphans and r.signal.status == "firing":
                since = r.signal.time - self.router.group_window(r.owner.service)
                links += [o for o in r.state.orphans if o.status != "info" and o.time >= since]
        if links:
            self.ledger.link(incident_id, list({ref.id: ref for ref in links}.values()))

        def change(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            start = unfolded if unfolded is not None and inc is cached else inc
            return self._fold(start, routed, evidence)

        return self.update(incident_id, change, first=cached)

    def owed(self, incident: Incident) -> Incident:
        """Rank and assess an incident whose opening worker died before it could (its assessment owed),
        once that worker must be gone (:data:`~aiops.pipeline.settings.Settings.worker_lifetime`); the
        incident as it is otherwise."""
        now = self.clock.now()
        if not incident.assessment_owed or now - incident.last_activity_at < self.settings.worker_lifetime:
            return incident
        return self.update(incident.id, lambda inc: self._fold(inc, [], []), first=incident)

    def _open_provider_issues(self, routed: list[Routed]) -> list[Signal]:
        """Provider health events still open in the region when an incident opens."""
        first = routed[0].signal
        recent = self.context.recall(
            f"health:{first.region}", first.time - self.settings.health_lookback, first.time
        )
        latest: dict[str, Signal] = {}
        for s in recent:
            latest[s.resource] = s
        return [s for s in latest.values() if s.status == "firing"]

    def _fold(
        self, incident: Incident, routed: list[Routed], evidence: list[Signal]
    ) -> tuple[Incident, list[TimelineEntry]]:
        before = incident
        fold = Fold(incident)
        for signal in evidence:
            fold.apply(signal, fingerprint(signal), MODEL_COMPONENT, is_flapping=False)
        change_arrived = False
        threshold = self.settings.flap_threshold
        for r in routed:
            if r.signal.kind == "change":
                change_arrived = True  # changes explain; they are not members
                continue
            component = MODEL_COMPONENT if r.signal.kind == "health" else r.owner.component
            if fold.full(r.fp, counted=r.state is not None and r.state.incident_id == incident.id):
                continue  # a source past the cap: counted once, not kept
            newest = r.state if r.state is not None and r.state.last_time > r.signal.time else None
            fold.apply(r.signal, r.fp, component, is_flapping=len(r.changes) > threshold, newest=newest)
        insight_arrived = any(r.signal.kind == "insight" for r in routed)
        if not (fold.material or change_arrived or insight_arrived or before.assessment_owed):
            # A repeat of a firing alarm only counts: the incident is not rewritten (nor re-announced)
            # for it, except to move its activity on, at most once a minute (the group window needs it).
            if fold.last_activity_at - before.last_activity_at < ACTIVITY_STEP:
                return before, []
            return before.model_copy(update={"last_activity_at": fold.last_activity_at}), []
        incident, entries = self._anomalies(fold.result(), routed), fold.entries
        service = self.catalog.service(incident.service)
        hypotheses = before.hypotheses
        touched = {r.fp for r in routed} | {fingerprint(e) for e in evidence}
        if (
            change_arrived
            or insight_arrived
            or fold.onset_moved
            or not before.hypotheses
            or rank_inputs_moved(before, incident, touched)
        ):
            # every candidate is scored against all the evidence: a new symptom can rule a change in
            # or out, so the changes are recalled whenever the inputs of the ranking moved
            hypotheses = rank(
                incident,
                service,
                self._changes_around(incident),
                upstream=self._upstream(incident, service),
                region_errors=self._region_errors(incident),
                lookback=self.settings.change_lookback,
            )
        # "now" is never before the newest event seen: a clock a little behind the sender cannot hold a
        # quiet period open.
        now = max(self.clock.now(), incident.last_activity_at)
        ranked: dict[str, object] = {}
        if hypotheses is not incident.hypotheses and hypotheses != incident.hypotheses:
            ranked["hypotheses"] = hypotheses
            root = root_cause_of(hypotheses) if hypotheses else incident.root_cause
            if root != incident.root_cause:
                ranked["root_cause"] = root
        silenced_until = self.silences.until(incident, now)
        if silenced_until != incident.silenced_until:
            ranked["silenced_until"] = silenced_until
        if ranked:
            incident = incident.model_copy(update=ranked)
        incident, cost_changed = fold_cost(incident, routed)
        incident, assessed = self.assessor.assess(incident, service, now, force=cost_changed)
        incident, settled = settle(incident, now, self.settings.quiet_period(service))
        return incident, entries + assessed + settled

    def _changes_around(self, incident: Incident) -> list[tuple[Signal, str | None]]:
        """The service's changes from the lookback before the earliest onset to the latest activity:
        those after the onset are ranked too, and ruled out with why."""
        onsets = [m.began for m in incident.members.values() if m.role == "symptom" and m.began]
        if not onsets:
            return []
        found = self.context.recall(
            f"change:{incident.service}",
            min(onsets) - self.settings.change_lookback,
            max(incident.last_activity_at, max(onsets)),
        )
        # a change in another region (or account) is another deployment's, unless the service is global
        service = self.catalog.service(incident.service)
        if not (service is not None and service.global_):
            found = [
                c
                for c in found
                if (c.region in ("", incident.region) and c.account in ("", incident.account))
                or not incident.region
            ]
        return [(c, self.catalog.resolve(c).component) for c in found]

    def _region_errors(self, incident: Incident) -> list[Signal]:
        """Bedrock server errors and throttles of other services in the incident's region around its
        onset, read only when it has such symptoms itself."""
        mine = [
            m.began
            for m in incident.members.values()
            if m.role == "symptom" and m.metric in PROVIDER_METRICS and m.began and m.status == "firing"
        ]
        if not mine or not incident.region:
            return []
        found = self.context.recall(
            f"bedrock:{incident.region}", min(mine) - PROVIDER_SPREAD, max(mine) + PROVIDER_SPREAD
        )
        return [s for s in found if self.catalog.resolve(s).service not in (incident.service, UNOWNED)]

    def _anomalies(self, incident: Incident, routed: list[Routed]) -> Incident:
        """Each insight's anomalies resolved to their own components (a DevOps Guru insight spans a
        stack; its anomalies name functions and tables), with their own start times."""
        if not any(r.signal.kind == "insight" for r in routed):
            return incident  # no insight: nothing to resolve (and no copy of every member to compare)
        members = dict(incident.members)
        for r in routed:
            member = members.get(r.fp)
            signal = full(r.signal) if r.signal.kind == "insight" else None
            info = signal.insight if signal is not None else None
            if member is None or signal is None or info is None:
                continue
            found = {(a.resource, a.component): a for a in member.anomalies}
            for a in info.anomalies[:10]:
                alone = info.model_copy(update={"anomalies": (a,), "stacks": (), "tags": {}})
                owner = self.catalog.resolve(signal.model_copy(update={"insight": alone}))
                mine = owner.service == incident.service and owner.component is not None
                ref = AnomalyRef(
                    resource=(a.resources[0] if a.resources else a.id)[:256],
                    component=owner.component if mine else member.component,
                    start=a.start_time,
                )
                found.setdefault((ref.resource, ref.component), ref)
            ordered = tuple(sorted(found.values(), key=lambda a: (a.start or member.first_seen, a.resource)))
            if ordered != member.anomalies:
                members[r.fp] = member.model_copy(update={"anomalies": ordered})
        if members == incident.members:
            return incident
        return incident.model_copy(update={"members": members})

    def _upstream(self, incident: Incident, service: Service | None) -> list[Upstream]:
        """The open incidents of the services ``service`` depends on, firing on what it depends on, in
        the incident's region (or global)."""
        if service is None or self.incidents is None:
            return []
        out = []
        for component, deps in external(service).items():
            for name, wanted in deps:
                other = self.catalog.service(name)
                global_ = other is not None and other.global_
                up = self.incidents.open_for(
                    scope_key(name, incident.account, incident.region, is_global=global_)
                )
                if up is None or up.id == incident.id or up.status != "open":
                    continue
                if up.region and incident.region and up.region != incident.region:
                    continue
                firing = [m for m in up.firing if m.began and (wanted is None or m.component == wanted)]
                if not firing:
                    continue
                onset = min(m.began for m in firing if m.began)
                summary = up.root_cause.summary if up.root_cause else up.title
                out.append(Upstream(component, name, up.id, onset, summary[:200]))
        return out


def fold_cost(incident: Incident, routed: Sequence[Routed]) -> tuple[Incident, bool]:
    """Budget and cost-anomaly alerts update the incident's cost facts (latest alert wins)."""
    facts = incident.cost
    for r in routed:
        if r.signal.kind not in ("budget", "cost_anomaly"):
            continue
        signal = full(r.signal)
        b, c = signal.budget, signal.cost
        if b is not None:
            facts = with_budget(
                facts,
                name=b.budget_name,
                limit=b.limit,
                actual=b.actual,
                forecast=b.forecast,
                at=signal.time,
            )
        elif c is not None:
            service = c.root_causes[0].service if c.root_causes else None
            facts = with_anomaly(facts, impact=c.impact_usd, max_impact=c.max_impact_usd, service=service)
    if facts == incident.cost:
        return incident, False
    return incident.model_copy(update={"cost": facts}), True


def rank_inputs_moved(before: Incident, after: Incident, touched: set[str]) -> bool:
    """Ranking reads onsets, components and evidence; a symptom merely flipping status moves none."""
    for fp in touched:
        old, new = before.members.get(fp), after.members.get(fp)
        if new is None or old is None:
            if old is not new:
                return True
            continue
        if old.fired_at != new.fired_at or old.component != new.component:
            return True
        if (new.role == "evidence" or new.kind == "insight") and old.status != new.status:
            return True
    return False
