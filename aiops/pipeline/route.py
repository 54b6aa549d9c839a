"""Route: where each new signal goes.

A firing symptom joins its service's current incident while that incident had activity within the
group window, else it opens one (a conditional write: concurrent workers open one); the same alarm
firing again soon after its incident resolved reopens it. A change is remembered in the service's
context and re-ranks the open incident; a provider health event is remembered for the region and joins
the incidents it explains; automation status is followed elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiops.catalog.model import UNOWNED, Catalog, Ownership
from aiops.catalog.topology import scope_key
from aiops.diagnosis.rootcause import MODEL_COMPONENT
from aiops.diagnosis.severity import initial_severity
from aiops.errors import ConflictError
from aiops.incident.lifecycle import Fold
from aiops.incident.links import metric_of
from aiops.incident.model import Incident, SignalRef, SignalState, incident_id_for
from aiops.incident.ports import ContextStore, IncidentStore
from aiops.pipeline.settings import PROVIDER_METRICS, PROVIDER_SERVICES, Settings
from aiops.signals.model import Deferred, Head, Signal, full
from aiops.text import MAX_TITLE, cap


@dataclass(slots=True)
class Routed:
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


class BatchView:
    """Read-through cache of the incident store for one batch: a storm reads each incident once."""

    def __init__(self, store: IncidentStore) -> None:
        self.store = store
        self.by_id: dict[str, Incident | None] = {}
        self.by_service: dict[str, Incident | None] = {}
        self.created: set[str] = set()
        self.unsure: dict[str, Exception] = {}
        """Scopes whose incident creation failed in this cycle (it may have happened), with the failure."""
        self.unfolded: dict[str, Incident] = {}
        """Each incident this batch created, as it was before its opening signal was folded in: the
        batch's fold starts from it (so its entries and its assessment are those of a first fold)."""

    def prefetch(self, routed: Sequence[Routed], catalog: Catalog) -> None:
        """Two reads for the whole batch instead of two per service: a storm touches many services."""
        known = [r.state.incident_id for r in routed if r.state is not None and r.state.incident_id]
        services = [scope_of(catalog, r.owner.service, r.signal) for r in routed]
        for r in routed:
            if r.signal.kind == "health" and catalog.services:
                services += [
                    scope_of(catalog, s.name, r.signal)
                    for s in catalog.services
                    if MODEL_COMPONENT in s.component_names
                ]
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

    def create(self, incident: Incident, *, replaces: str | None, unfolded: Incident) -> Incident:
        created = self.store.create(incident, replaces=replaces)
        self.by_service[created.pointer] = created
        self.by_id[created.id] = created
        self.created.add(created.id)
        stored = {"version": created.version, "noted_version": created.noted_version}
        self.unfolded[created.id] = unfolded.model_copy(update=stored)
        return created

    def forget(self, service: str) -> None:
        self.by_service.pop(service, None)


def owner_of(catalog: Catalog) -> Callable[[Signal | Deferred], Ownership]:
    """The catalog's resolution, except for the bot's own forecasts: the forecast pass projected for one
    service and component of this catalog and says which (an unknown service stays unowned)."""

    def resolve(signal: Signal | Deferred) -> Ownership:
        f = signal.forecast if isinstance(signal, Signal) else None
        if f is None:
            return catalog.resolve(signal)
        service = catalog.service(f.service)
        if service is None:
            return Ownership(UNOWNED, None)
        return Ownership(f.service, f.component if f.component in service.component_names else None)

    return resolve


def scope_of(catalog: Catalog, service: str, signal: Head | Signal | Deferred) -> str:
    """Where an incident of ``service`` opened by ``signal`` belongs: the service in the signal's
    account and region, unless the catalog declares the service global."""
    svc = catalog.service(service)
    account = getattr(signal, "account", "")
    region = getattr(signal, "region", "")
    return scope_key(service, account, region, is_global=svc is not None and svc.global_)


def ref(signal: Head) -> SignalRef:
    return SignalRef(id=signal.id, time=signal.time, kind=signal.kind, status=signal.status)


class Router:
    def __init__(self, *, catalog: Catalog, context: ContextStore, settings: Settings) -> None:
        self.catalog = catalog
        self.context = context
        self.settings = settings
        self._windows: dict[str, timedelta] = {}

    def group_window(self, service: str) -> timedelta:
        window = self._windows.get(service)
        if window is None:
            window = self._windows[service] = self.settings.group_window(self.catalog.service(service))
        return window

    def route(self, r: Routed, pending: dict[str, list[Routed]], view: BatchView) -> list[str]:
        """The incidents a signal joins (a firing symptom opens one when its service has none)."""
        s = self.settings
        if r.signal.kind == "change":
            self.context.remember(
                f"change:{r.owner.service}", full(r.signal), expires_at=r.signal.time + s.context_ttl
            )
            current = view.open_for(scope_of(self.catalog, r.owner.service, r.signal))
            return [current.id] if current is not None else []  # re-rank: it may precede the symptoms
        if r.signal.kind == "health":
            return self._route_health(r, view)
        if r.signal.kind == "automation":
            return []  # the automation handler follows runbook executions
        if (
            r.signal.status == "firing"
            and metric_of(r.signal) in PROVIDER_METRICS
            and (r.state is None or r.state.status != "firing")
        ):  # Bedrock failing here is evidence for the other services of the region (provider outage)
            self.context.remember(
                f"bedrock:{r.signal.region}", full(r.signal), expires_at=r.signal.time + s.context_ttl
            )
        window = self.group_window(r.owner.service)
        known = self._known_incident(r, view, window)
        if known is not None:
            return [known]
        scope = scope_of(self.catalog, r.owner.service, r.signal)
        if r.signal.status != "firing":
            return self._route_calm(r, view, scope)
        return self._route_firing(r, pending, view, scope, window)

    @staticmethod
    def _known_incident(r: Routed, view: BatchView, window: timedelta) -> str | None:
        """The incident the signal's state names, if the signal still belongs to it."""
        if r.state is None or r.state.incident_id is None:
            return None
        current = view.get(r.state.incident_id)
        if current is None:
            return None
        if current.is_active:
            return current.id
        if current.resolved_at is not None and r.signal.time <= current.resolved_at:
            # part of its history: a redelivery of a signal it absorbed before its record failed
            # (the incident moved on meanwhile), or a late one; applying it changes nothing more
            return current.id
        if (
            r.signal.status == "firing"
            and current.resolved_at is not None
            and r.signal.time - current.resolved_at <= window
        ):
            return current.id  # the same alarm again soon after: a flap reopens its incident
        return None

    @staticmethod
    def _route_calm(r: Routed, view: BatchView, scope: str) -> list[str]:
        """An OK or INSUFFICIENT_DATA no incident's state names."""
        if r.state is None and scope in view.unsure:  # its incident may be being created: next cycle
            raise ConflictError(f"service:{scope}") from view.unsure[scope]
        current = view.open_for(scope) if r.state is None and r.signal.status == "resolved" else None
        if current is not None and r.signal.time >= current.opened_at:
            # the OK of an alarm its service's open incident never saw fire: its ALARM is late (a
            # batch redelivered minutes after a kill), and finds the incident through this state
            return [current.id]
        return []  # an OK or INSUFFICIENT_DATA of something no incident knows opens nothing

    def _route_firing(
        self, r: Routed, pending: dict[str, list[Routed]], view: BatchView, scope: str, window: timedelta
    ) -> list[str]:
        """A firing symptom: the service's open incident, or a new one."""
        for _ in range(self.settings.max_conflict_retries):
            current = view.open_for(scope)
            if current is not None:
                joining = pending.get(current.id, ())
                last = max([current.last_activity_at, *(p.signal.time for p in joining)])
                still_firing = bool(current.firing) or any(p.signal.status == "firing" for p in joining)
                if still_firing or r.signal.time - last <= window:
                    return [current.id]  # while anything fires, however long CloudWatch was quiet
            try:
                bare = self._new_incident(r)
                replaces = current.id if current else None
                return [view.create(self._opened(bare, r), replaces=replaces, unfolded=bare).id]
            except ConflictError:
                opened = view.get(bare.id)
                if opened is not None:  # this signal opened it before: its worker died before recording
                    return [opened.id]  # the signal's state; the fold finds it a member (or its history)
                view.forget(scope)
                continue  # another writer opened the service's incident first: join it
            except Exception as exc:  # the store's: the item is retried; its scope's OKs wait for it
                view.unsure[scope] = exc
                raise
        raise ConflictError(f"service:{scope}")

    def _route_health(self, r: Routed, view: BatchView) -> list[str]:
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
            current = view.open_for(scope_of(self.catalog, svc.name, r.signal))
            if current is not None and current.region in ("", r.signal.region):
                out.append(current.id)
        return out

    def _opened(self, bare: Incident, r: Routed) -> Incident:
        """The new incident with its opening signal folded in, as it is created: a worker killed before
        its fold is saved leaves an incident whose members say what opened it (its assessment owed,
        :attr:`Incident.assessment_owed`), not an empty one only the redelivery minutes later fills."""
        fold = Fold(bare)
        newest = r.state if r.state is not None and r.state.last_time > r.signal.time else None
        flapping = len(r.changes) > self.settings.flap_threshold
        fold.apply(r.signal, r.fp, r.owner.component, is_flapping=flapping, newest=newest)
        return fold.result()

    def _new_incident(self, r: Routed) -> Incident:
        service = self.catalog.service(r.owner.service)
        return Incident(
            id=incident_id_for(r.owner.service, r.signal.id),
            service=r.owner.service,
            region=r.signal.region,
            account=r.signal.account,
            scope=scope_of(self.catalog, r.owner.service, r.signal),
            title=cap(r.signal.title, MAX_TITLE),
            severity=initial_severity(
                service, self.catalog.severity_policy, warning=r.signal.kind == "forecast"
            ),
            opened_at=r.signal.time,
            last_activity_at=r.signal.time,
        )
