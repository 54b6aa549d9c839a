"""The pipeline: normalized signals in, incidents (and their Slack thread) out.

Per batch: look up every signal's event id and fingerprint state at once; drop duplicates; route each
new signal (a symptom to its service's current incident or a new one; a change into the service's
context; a provider health event into the region's context and, as evidence, into the incidents it
explains); apply the signals of each incident in event-time order, re-rank its root cause and save it
once; then record each signal (event id claim + fingerprint state + signal rows) atomically; last,
bring each changed incident's Slack message up to date.

Applying a signal to an incident is idempotent, so a crash between the incident save and the signal
record is healed by the redelivery: the event id is not claimed yet, so it is applied again, to no
further effect, and then recorded.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiops.catalog import Catalog, Ownership, Service
from aiops.errors import ConflictError, MetricsError
from aiops.impact import (
    LONG_PERIOD,
    SHORT_PERIOD,
    SHORT_SPAN,
    assess,
    cost_impact,
    queries_for,
    with_anomaly,
    with_budget,
)
from aiops.incident import (
    MAX_ORPHANS,
    Ack,
    Fold,
    Incident,
    SignalRef,
    SignalState,
    TimelineEntry,
    fingerprint,
    flap_changes,
    incident_id_for,
    settle,
)
from aiops.notify import Notifier
from aiops.ports import Clock, ContextStore, IncidentStore, MetricsReader, SignalLedger, Silence, SilenceStore
from aiops.remediate import Remediation
from aiops.rootcause import DEFAULT_LOOKBACK, MODEL_COMPONENT, rank
from aiops.severity import initial_severity, severity_for
from aiops.signals.model import Deferred, Head, Signal, format_time, full
from aiops.text import MAX_TITLE, cap

log = logging.getLogger(__name__)

PROVIDER_SERVICES = frozenset({"BEDROCK"})
ACTIVITY_STEP = timedelta(minutes=1)
"""An incident's activity time is rewritten at most this often by repeats (it only feeds the window)."""
SILENCE_REFRESH = timedelta(seconds=30)
AUTOMATION_STATUS = {
    "Success": "succeeded",
    "Failed": "failed",
    "TimedOut": "failed",
    "Cancelled": "failed",
    "CompletedWithFailure": "failed",
}
"""SSM's final execution statuses; the others (Pending, InProgress, Waiting ...) are still running."""
IMPACT_REFRESH = timedelta(minutes=1)
"""Impact is re-read from CloudWatch at most this often per incident (a storm does not hammer it)."""
"""AWS Health services whose issues explain a failing ``model`` component."""


@dataclass(frozen=True)
class Settings:
    dedup_ttl: timedelta = timedelta(days=2)
    flap_window: timedelta = timedelta(hours=1)
    flap_threshold: int = 4
    """More status changes than this within ``flap_window`` mark the incident flapping."""
    change_lookback: timedelta = DEFAULT_LOOKBACK
    context_ttl: timedelta = timedelta(days=2)
    health_lookback: timedelta = timedelta(hours=12)
    unowned_group_window: timedelta = timedelta(minutes=30)
    unowned_quiet_period: timedelta = timedelta(0)
    """Grouping and quiet period of signals that match no service in the catalog."""
    max_conflict_retries: int = 8

    def group_window(self, service: Service | None) -> timedelta:
        return timedelta(minutes=service.group_window_minutes) if service else self.unowned_group_window

    def quiet_period(self, service: Service | None) -> timedelta:
        return timedelta(minutes=service.quiet_period_minutes) if service else self.unowned_quiet_period


@dataclass
class BatchResult:
    signals: int = 0
    duplicates: int = 0
    recorded: int = 0
    incidents: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    """Ids of the batch items whose signals could not be processed (the caller retries them)."""


@dataclass(slots=True)
class _Routed:
    item: str
    signal: Signal | Deferred
    """A deferred alarm is read by its head alone; changes, health and cost alerts come built."""
    fp: str
    owner: Ownership
    state: SignalState | None
    changes: tuple[datetime, ...] = ()
    """The fingerprint's recent status-change times after this signal (flap detection)."""
    incident_ids: list[str] = field(default_factory=list)
    next_state: SignalState | None = None
    """What the fingerprint's state becomes when this signal is recorded."""


class _BatchView:
    """Read-through cache of the incident store for one batch: a storm reads each incident once."""

    def __init__(self, store: IncidentStore) -> None:
        self.store = store
        self.by_id: dict[str, Incident | None] = {}
        self.by_service: dict[str, Incident | None] = {}
        self.created: set[str] = set()

    def prefetch(self, routed: Sequence[_Routed], catalog: Catalog) -> None:
        """Two reads for the whole batch instead of two per service: a storm touches many services."""
        known = [r.state.incident_id for r in routed if r.state is not None and r.state.incident_id]
        services = [r.owner.service for r in routed]
        if catalog.services and any(r.signal.kind == "health" for r in routed):
            services += [s.name for s in catalog.services if MODEL_COMPONENT in s.component_names]
        by_id, current = self.store.prefetch(known, services)
        self.by_id.update(by_id)
        for incident_id in known:
            self.by_id.setdefault(incident_id, None)
        for service in services:
            self.by_service[service] = current.get(service)

    def get(self, incident_id: str) -> Incident | None:
        if incident_id not in self.by_id:
            self.by_id[incident_id] = self.store.get(incident_id)
        return self.by_id[incident_id]

    def open_for(self, service: str) -> Incident | None:
        if service not in self.by_service:
            found = self.store.open_for(service)
            self.by_service[service] = found
            if found is not None:
                self.by_id[found.id] = found
        return self.by_service[service]

    def create(self, incident: Incident, *, replaces: str | None) -> Incident:
        created = self.store.create(incident, replaces=replaces)
        self.by_service[created.service] = created
        self.by_id[created.id] = created
        self.created.add(created.id)
        return created

    def forget(self, service: str) -> None:
        self.by_service.pop(service, None)


def _floor(when: datetime, period: int) -> datetime:
    """Align a query start to its period, as CloudWatch buckets datapoints."""
    return datetime.fromtimestamp(int(when.timestamp()) // period * period, tz=when.tzinfo)


def _fold_cost(incident: Incident, routed: Sequence[_Routed]) -> tuple[Incident, bool]:
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


def _rank_inputs_moved(before: Incident, after: Incident, touched: set[str]) -> bool:
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


def _ref(signal: Head) -> SignalRef:
    return SignalRef(id=signal.id, time=signal.time, kind=signal.kind, status=signal.status)


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
    ) -> None:
        self.catalog = catalog
        self.ledger = ledger
        self.incidents = incidents
        self.context = context
        self.silences = silences
        self.notifier = notifier
        self.clock = clock
        self.metrics = metrics
        self.remediation = remediation
        self.settings = settings or Settings()
        self._silence_cache: dict[str, tuple[datetime, list[Silence]]] = {}
        self._windows: dict[str, timedelta] = {}

    # -- entry point -------------------------------------------------------------------------------

    def process(self, items: Sequence[tuple[str, Sequence[Signal | Deferred]]]) -> BatchResult:
        """Process the signals of a batch; ``items`` pairs a batch item id with its signals (a deferred
        alarm is read by its head: see :class:`~aiops.signals.model.Deferred`)."""
        result = BatchResult()
        pending: list[tuple[str, Signal | Deferred]] = [(item, s) for item, signals in items for s in signals]
        result.signals = len(pending)
        for _ in range(self.settings.max_conflict_retries):
            if not pending:
                return result
            # A fingerprint another worker moved meanwhile: the whole cycle again, on fresh state
            # (applying is idempotent, so a signal applied before its conflict changes nothing twice).
            pending = self._process_once(pending, result)
        for item, signal in pending:
            log.error("pipeline.conflicts_exhausted", extra={"item": item, "signal_id": signal.id})
            result.failed.add(item)
        return result

    def _process_once(
        self, flat: list[tuple[str, Signal | Deferred]], result: BatchResult
    ) -> list[tuple[str, Signal | Deferred]]:
        fps = [s.fingerprint if isinstance(s, Deferred) else fingerprint(s) for _, s in flat]
        seen = self.ledger.lookup([s.id for _, s in flat], fps)
        routed: list[_Routed] = []
        batch_ids: set[str] = set()
        resolve, window, keep = (
            self.catalog.resolve,
            self.settings.flap_window,
            self.settings.flap_threshold + 1,
        )
        for (item, pending), fp, (duplicate, state) in zip(flat, fps, seen, strict=True):
            if duplicate or pending.id in batch_ids:
                result.duplicates += 1
                continue
            batch_ids.add(pending.id)
            changes = flap_changes(state, pending, window, keep)
            routed.append(_Routed(item, pending, fp, resolve(pending), state, changes))
        routed.sort(key=lambda r: (r.signal.time, r.signal.id))

        by_incident: dict[str, list[_Routed]] = defaultdict(list)
        view = _BatchView(self.incidents)
        view.prefetch(routed, self.catalog)
        latest: dict[str, SignalState] = {}
        for r in routed:
            prior = latest.get(r.fp)
            if prior is not None:  # the same alarm again in this batch: it follows the state just routed
                r.state = prior
                r.changes = flap_changes(
                    prior, r.signal, self.settings.flap_window, self.settings.flap_threshold + 1
                )
            try:
                r.incident_ids = self._route(r, by_incident, view)
            except Exception:  # a store failure: retry this item, keep the rest
                log.exception("pipeline.route_failed", extra={"item": r.item, "signal_id": r.signal.id})
                result.failed.add(r.item)
                continue
            r.next_state = latest[r.fp] = self._next_state(r)
            for incident_id in r.incident_ids:
                by_incident[incident_id].append(r)

        changed: list[Incident] = []
        for incident_id, members in by_incident.items():
            try:
                before = view.by_id.get(incident_id)
                after = self._apply(incident_id, members, new=incident_id in view.created, cached=before)
                if before is None or after.version != before.version:
                    changed.append(after)
            except Exception:
                log.exception("pipeline.apply_failed", extra={"incident_id": incident_id})
                result.failed.update(m.item for m in members)
        conflicted: list[tuple[str, Signal | Deferred]] = []
        # Fingerprints whose state did not move as routed: their later signals in this batch wait for
        # the next cycle (their expected version was predicted from a write that did not happen).
        broken: set[str] = set()
        for r in routed:
            if r.item in result.failed:
                broken.add(r.fp)
                continue
            if r.fp in broken:
                conflicted.append((r.item, r.signal))
                continue
            try:
                if self._record(r):
                    result.recorded += 1
                else:
                    result.duplicates += 1
                    broken.add(r.fp)
            except ConflictError:
                conflicted.append((r.item, r.signal))
                broken.add(r.fp)
            except Exception:
                log.exception("pipeline.record_failed", extra={"item": r.item, "signal_id": r.signal.id})
                result.failed.add(r.item)
                broken.add(r.fp)
        if self.remediation is not None:
            changed += self.remediation.poll(self._update_by_id)
        for incident in changed:
            if self.remediation is not None:
                try:
                    incident = self.remediation.after_change(incident, self._update_by_id)
                except Exception:  # a remediation failure never loses the signals: they are recorded
                    log.exception("pipeline.remediation_failed", extra={"incident_id": incident.id})
            result.incidents.add(incident.id)
            self._notify(incident)
        return conflicted

    def _update_by_id(
        self, incident_id: str, change: Callable[[Incident], tuple[Incident, list[TimelineEntry]]]
    ) -> Incident:
        return self._update(incident_id, change)

    # -- routing -----------------------------------------------------------------------------------

    def _group_window(self, service: str) -> timedelta:
        window = self._windows.get(service)
        if window is None:
            window = self._windows[service] = self.settings.group_window(self.catalog.service(service))
        return window

    def _route(self, r: _Routed, pending: dict[str, list[_Routed]], view: _BatchView) -> list[str]:
        """The incidents a signal joins (a firing symptom opens one when its service has none)."""
        s = self.settings
        if r.signal.kind == "change":
            self.context.remember(
                f"change:{r.owner.service}", full(r.signal), expires_at=r.signal.time + s.context_ttl
            )
            current = view.open_for(r.owner.service)
            return [current.id] if current is not None else []  # re-rank: it may precede the symptoms
        if r.signal.kind == "health":
            return self._route_health(r, view)
        if r.signal.kind == "automation":
            return []  # the automation handler follows runbook executions
        window = self._group_window(r.owner.service)
        if r.state is not None and r.state.incident_id is not None:
            current = view.get(r.state.incident_id)
            if current is not None and current.is_active:
                return [current.id]
            if (
                current is not None
                and r.signal.status == "firing"
                and current.resolved_at is not None
                and r.signal.time - current.resolved_at <= window
            ):
                return [current.id]  # the same alarm again soon after: a flap reopens its incident
        if r.signal.status != "firing":
            return []  # an OK or INSUFFICIENT_DATA of something no incident knows opens nothing
        for _ in range(s.max_conflict_retries):
            current = view.open_for(r.owner.service)
            if current is not None:
                last = max([current.last_activity_at, *(p.signal.time for p in pending.get(current.id, ()))])
                if r.signal.time - last <= window:
                    return [current.id]
            try:
                return [view.create(self._new_incident(r), replaces=current.id if current else None).id]
            except ConflictError:
                view.forget(r.owner.service)
                continue  # another writer opened the service's incident first: join it
        raise ConflictError(f"service:{r.owner.service}")

    def _route_health(self, r: _Routed, view: _BatchView) -> list[str]:
        """Provider health: kept for incidents to come, and evidence in the ones it explains now."""
        signal = full(r.signal)
        health = signal.health
        if health is None or health.service.upper() not in PROVIDER_SERVICES:
            return []
        self.context.remember(
            f"health:{signal.region}", signal, expires_at=signal.time + self.settings.context_ttl
        )
        out = []
        for svc in self.catalog.services:
            if MODEL_COMPONENT not in svc.component_names:
                continue
            current = view.open_for(svc.name)
            if current is not None and current.region in ("", r.signal.region):
                out.append(current.id)
        return out

    def _new_incident(self, r: _Routed) -> Incident:
        service = self.catalog.service(r.owner.service)
        return Incident(
            id=incident_id_for(r.owner.service, r.signal.id),
            service=r.owner.service,
            region=r.signal.region,
            title=cap(r.signal.title, MAX_TITLE),
            severity=initial_severity(service),
            opened_at=r.signal.time,
            last_activity_at=r.signal.time,
        )

    # -- applying ----------------------------------------------------------------------------------

    def _apply(
        self, incident_id: str, routed: list[_Routed], *, new: bool, cached: Incident | None
    ) -> Incident:
        evidence = self._open_provider_issues(routed) if new else []
        links = [_ref(s) for s in evidence]
        for r in routed:  # state changes of this fingerprint recorded before it had an incident
            if r.state is not None and r.state.orphans and r.signal.status == "firing":
                since = r.signal.time - self._group_window(r.owner.service)
                links += [o for o in r.state.orphans if o.status != "info" and o.time >= since]
        if links:
            self.ledger.link(incident_id, list({ref.id: ref for ref in links}.values()))
        return self._update(incident_id, lambda inc: self._fold(inc, routed, evidence), first=cached)

    def _open_provider_issues(self, routed: list[_Routed]) -> list[Signal]:
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
        self, incident: Incident, routed: list[_Routed], evidence: list[Signal]
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
            newest = r.state if r.state is not None and r.state.last_time > r.signal.time else None
            fold.apply(r.signal, r.fp, component, is_flapping=len(r.changes) > threshold, newest=newest)
        if not (fold.material or change_arrived):
            # A repeat of a firing alarm only counts: the incident is not rewritten (nor re-announced)
            # for it, except to move its activity on, at most once a minute (the group window needs it).
            if fold.last_activity_at - before.last_activity_at < ACTIVITY_STEP:
                return before, []
            return before.model_copy(update={"last_activity_at": fold.last_activity_at}), []
        incident, entries = fold.result(), fold.entries
        service = self.catalog.service(incident.service)
        hypotheses = before.hypotheses
        if change_arrived or fold.onset_moved or not before.hypotheses:
            hypotheses = rank(incident, service, self._changes_before(incident))
        elif _rank_inputs_moved(
            before, incident, {r.fp for r in routed} | {fingerprint(e) for e in evidence}
        ):
            # the lookback did not move: the change hypotheses already found still hold
            kept = tuple(h for h in before.hypotheses if h.change)
            hypotheses = kept + tuple(h for h in rank(incident, service) if not h.change)
        # "now" is never before the newest event seen: a clock a little behind the sender cannot hold a
        # quiet period open.
        now = max(self.clock.now(), incident.last_activity_at)
        ranked: dict[str, object] = {}
        if hypotheses is not incident.hypotheses and hypotheses != incident.hypotheses:
            ranked["hypotheses"] = hypotheses
            root = hypotheses[0].as_root_cause() if hypotheses else incident.root_cause
            if root != incident.root_cause:
                ranked["root_cause"] = root
        silenced_until = self._silenced_until(incident, now)
        if silenced_until != incident.silenced_until:
            ranked["silenced_until"] = silenced_until
        if ranked:
            incident = incident.model_copy(update=ranked)
        incident, cost_changed = _fold_cost(incident, routed)
        incident, assessed = self._assess(incident, service, now, force=cost_changed)
        incident, settled = settle(incident, now, self.settings.quiet_period(service))
        return incident, entries + assessed + settled

    def _assess(
        self, incident: Incident, service: Service | None, now: datetime, *, force: bool
    ) -> tuple[Incident, list[TimelineEntry]]:
        """Impact and severity, recomputed as signals arrive (at most every IMPACT_REFRESH)."""
        due = force or incident.impact_at is None or now - incident.impact_at >= IMPACT_REFRESH
        if not due:
            return incident, []
        data: dict[str, list[tuple[datetime, float]]] | None = None
        error = ""
        if service is not None and service.slos and self.metrics is not None:
            queries = queries_for(service)
            end = now + timedelta(seconds=1)
            longest = timedelta(days=max(slo.window_days for slo in service.slos))
            try:
                data = {
                    **self.metrics.read(
                        [q for q in queries if q.period == SHORT_PERIOD],
                        _floor(now - SHORT_SPAN, SHORT_PERIOD),
                        end,
                    ),
                    **self.metrics.read(
                        [q for q in queries if q.period == LONG_PERIOD],
                        _floor(now - longest, LONG_PERIOD),
                        end,
                    ),
                }
            except MetricsError as exc:
                error = str(exc)
        impact = assess(service, data, now, error=error)
        if incident.cost is not None:
            impact = impact.model_copy(update={"cost": cost_impact(incident.cost)})
        severity = severity_for(impact, service, self.catalog.severity_policy)
        entries = []
        if severity != incident.severity:
            why = (
                f"{impact.firing} burn {impact.burn_rate}x"
                if impact.firing
                else (impact.reason or "measured")
            )
            entries.append(
                TimelineEntry(
                    incident_id=incident.id,
                    at=now,
                    key=f"severity:{severity}:{format_time(now)}",
                    kind="severity",
                    text=f"severity {incident.severity} -> {severity} ({why})",
                )
            )
        return incident.model_copy(update={"impact": impact, "impact_at": now, "severity": severity}), entries

    def _changes_before(self, incident: Incident) -> list[tuple[Signal, str | None]]:
        first = incident.first_symptom
        if first is None:
            return []
        found = self.context.recall(
            f"change:{incident.service}", first - self.settings.change_lookback, first
        )
        return [(c, self.catalog.resolve(c).component) for c in found]

    def _active_silences(self, service: str, now: datetime) -> list[Silence]:
        """Silences change by hand and rarely: read at most every SILENCE_REFRESH per service."""
        hit = self._silence_cache.get(service)
        if hit is None or not hit[0] <= now < hit[0] + SILENCE_REFRESH:
            hit = (now, self.silences.silences(service, now))
            self._silence_cache[service] = hit
        return [x for x in hit[1] if x.until > now] if hit[1] else []

    def _silenced_until(self, incident: Incident, now: datetime) -> datetime | None:
        active = self._active_silences(incident.service, now)
        if not active:
            return None
        whole = [s.until for s in active if s.component is None]
        if whole:
            return max(whole)
        covered = {s.component: s.until for s in active}
        firing = {m.component for m in incident.firing}
        if firing and firing <= set(covered):
            return min(covered[c] for c in firing if c is not None)
        return None

    def _update(
        self,
        incident_id: str,
        change: Callable[[Incident], tuple[Incident, list[TimelineEntry]]],
        *,
        first: Incident | None = None,
    ) -> Incident:
        """Read-modify-write with optimistic versioning; a lost race re-reads and re-applies.
        ``first``: the incident as this batch already read it (tried first, saving a read)."""
        for attempt in range(self.settings.max_conflict_retries):
            current = first if attempt == 0 and first is not None else self.incidents.get(incident_id)
            if current is None:
                raise ConflictError(incident_id)
            new, entries = change(current)
            if not entries and (new is current or new == current):
                return current
            try:
                return self.incidents.save(new, entries)
            except ConflictError:
                continue
        raise ConflictError(incident_id)

    def _next_state(self, r: _Routed) -> SignalState:
        """The fingerprint's state once ``r`` is recorded, moved on from the state it was routed with."""
        state = r.state
        newer = state is None or r.signal.time >= state.last_time
        primary = r.incident_ids[0] if r.incident_ids else None
        return SignalState(
            fingerprint=r.fp,
            status=r.signal.status if newer or state is None else state.status,
            last_time=r.signal.time if newer or state is None else state.last_time,
            incident_id=primary or (state.incident_id if state else None),
            changes=r.changes if newer else (state.changes if state else ()),
            orphans=self._orphans(state, r),
            version=(state.version + 1) if state else 1,
        )

    def _record(self, r: _Routed) -> bool:
        """Claim the event id and move the fingerprint on from the state this cycle routed with;
        ConflictError when another worker moved it first (the caller runs the cycle again)."""
        state = r.state
        return self.ledger.record(
            r.signal,
            r.next_state or self._next_state(r),
            incident_ids=[] if r.signal.kind == "change" else r.incident_ids,
            expected_version=state.version if state else None,
            expires_at=r.signal.time + self.settings.dedup_ttl,
        )

    @staticmethod
    def _orphans(state: SignalState | None, r: _Routed) -> tuple[SignalRef, ...]:
        kept = state.orphans if state else ()
        if r.incident_ids:
            return ()  # linked now (see _apply)
        if r.signal.kind in ("change", "automation", "health"):
            return kept
        return (*kept, _ref(r.signal))[-MAX_ORPHANS:]

    def _notify(self, incident: Incident) -> None:
        if self.notifier is None:
            return
        if incident.silenced_until is not None and incident.silenced_until > self.clock.now():
            return  # silenced: recorded, not announced
        self.notifier.sync(incident)

    # -- runbook executions ------------------------------------------------------------------------

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
                a.execution_id, status, f"SSM status {a.status}", self._update_by_id
            )
            if incident is not None:
                self._notify(incident)
                out.append(incident)
        return out

    # -- human actions -----------------------------------------------------------------------------

    def acknowledge(self, incident_id: str, by: str) -> Incident:
        """Mark the incident acknowledged by ``by`` (once: a second click changes nothing)."""
        now = self.clock.now()

        def ack(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            if inc.acknowledged is not None:
                return inc, []
            entry = TimelineEntry(
                incident_id=inc.id,
                at=now,
                key=f"ack:{by}",
                kind="acknowledged",
                text=f"acknowledged by {by}",
                actor=by,
            )
            return inc.model_copy(update={"acknowledged": Ack(by=by, at=now)}), [entry]

        incident = self._update(incident_id, ack)
        self._notify(incident)
        return incident

    def resolve_by(self, incident_id: str, by: str) -> Incident:
        """A human resolves the incident (the Resolve button): resolved now, whatever still fires."""
        now = self.clock.now()

        def resolve(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            if inc.status == "resolved":
                return inc, []
            entry = TimelineEntry(
                incident_id=inc.id,
                at=max(now, inc.last_activity_at),
                key=f"resolved-by:{by}",
                kind="resolved",
                text=f"resolved by {by}",
                actor=by,
            )
            return inc.model_copy(update={"status": "resolved", "resolved_at": entry.at}), [entry]

        incident = self._update(incident_id, resolve)
        if self.remediation is not None:
            incident = self.remediation.after_change(incident, self._update_by_id)
        self._notify(incident)
        return incident

    def silence(self, service: str, component: str | None, until: datetime, by: str) -> None:
        from aiops.ports import Silence

        self.silences.silence(Silence(service, component, until, by))
        self._silence_cache.pop(service, None)
        current = self.incidents.open_for(service)
        if current is not None:
            entry = TimelineEntry(
                incident_id=current.id,
                at=max(self.clock.now(), current.last_activity_at),
                key=f"silenced:{by}:{format_time(until)}",
                kind="silenced",
                text=f"notifications silenced until {format_time(until)} by {by}",
                actor=by,
            )
            incident = self._update(current.id, lambda inc: (inc, [entry]))
            if self.notifier is not None:
                self.notifier.sync(incident)  # the last word before the silence

    # -- housekeeping ------------------------------------------------------------------------------

    def tick(self, incident_ids: Sequence[str]) -> list[Incident]:
        """Settle quiet periods and flush pending Slack updates (the scheduled flush calls this)."""
        out = []

        def settle_now(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            return settle(
                inc, self.clock.now(), self.settings.quiet_period(self.catalog.service(inc.service))
            )

        for incident_id in incident_ids:
            if self.incidents.get(incident_id) is None:
                continue
            incident = self._update(incident_id, settle_now)
            self._notify(incident)
            out.append(incident)
        return out
