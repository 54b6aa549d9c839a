"""What ranking reads of an incident: its symptoms (kind by the signature table, component, onset),
the provider evidence, the topology, and the changes recalled for its service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiops.catalog.model import Service
from aiops.catalog.signatures import PROVIDER_KINDS, SymptomKind, classify
from aiops.incident.model import Incident, Member
from aiops.signals.model import Signal

MODEL_COMPONENT = "model"
COST_COMPONENT = "cost"
MAX_ANOMALY_LAG = timedelta(hours=1)
"""An anomaly starting this long after its insight's first firing is not believed (a broken payload)."""


def hhmm(value: datetime) -> str:
    return value.strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class Symptom:
    member: Member
    kind: SymptomKind
    component: str
    """'' when no component of the catalog owns it."""
    onset: datetime
    part: str = ""
    """An insight's anomaly (its resource): one symptom per anomaly."""

    @property
    def ref(self) -> str:
        """How evidence names it: the signal, what it is, and when it began by its data."""
        part = f" anomaly on {self.part}" if self.part else ""
        return f"{self.member.kind} {self.member.resource}{part} ({self.kind}) from {hhmm(self.onset)}"


@dataclass(frozen=True, slots=True)
class Change:
    signal: Signal
    component: str | None

    @property
    def time(self) -> datetime:
        return self.signal.time

    @property
    def ref(self) -> str:
        info = self.signal.change
        target = info.target if info else self.signal.resource
        return f"change {self.signal.id} ({target} at {hhmm(self.signal.time)})"


@dataclass(frozen=True, slots=True)
class Upstream:
    """Another service this one depends on, failing now: its open incident."""

    component: str
    """This service's component that depends on it."""
    service: str
    incident_id: str
    onset: datetime
    summary: str

    @property
    def ref(self) -> str:
        return f"{self.service} incident {self.incident_id} firing since {hhmm(self.onset)}"


@dataclass(slots=True)
class Facts:
    service: Service | None
    region: str
    symptoms: list[Symptom]
    health: list[Member]
    """Open AWS Health issues of the provider in the incident's region."""
    insights: list[Member]
    changes: list[Change]
    region_errors: list[Signal] = field(default_factory=list)
    """Bedrock server errors and throttles firing elsewhere in the region (other services)."""
    deps: dict[str, set[str]] = field(default_factory=dict)
    """Each component's transitive ``depends_on`` (what it calls)."""
    upstream: list[Upstream] = field(default_factory=list)

    def by_component(self) -> dict[str, list[Symptom]]:
        out: dict[str, list[Symptom]] = {}
        for s in self.symptoms:
            out.setdefault(s.component, []).append(s)
        return out

    def roots(self) -> list[str]:
        """The failing components none of whose dependencies fails, earliest onset first."""
        by = self.by_component()
        failing = set(by)
        found = [c for c in failing if c and not failing & self.deps.get(c, set())]
        return sorted(found, key=lambda c: (min(s.onset for s in by[c]), c))

    def depends_on_or_is(self, failing: str, changed: str) -> bool:
        """Whether ``failing`` is ``changed`` or depends on it, transitively (``depends_on`` points from
        a component to what it calls): on the changed component's causal path."""
        return failing == changed or changed in self.deps.get(failing, set())

    def override(self, component: str) -> tuple[str, ...] | None:
        if self.service is None:
            return None
        found = next((c for c in self.service.components if c.name == component), None)
        return found.produces if found is not None else None

    def provider_model_ids(self) -> set[str]:
        return {s.member.model_id for s in self.symptoms if s.kind in PROVIDER_KINDS and s.member.model_id}


def transitive_deps(service: Service | None) -> dict[str, set[str]]:
    direct = {c.name: set(c.depends_on) for c in service.components} if service else {}
    out: dict[str, set[str]] = {}
    for start in direct:
        seen: set[str] = set()
        stack = list(direct.get(start, ()))
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(direct.get(n, ()))
        out[start] = seen
    return out


def facts_of(
    incident: Incident,
    service: Service | None,
    changes: Sequence[tuple[Signal, str | None]],
    region_errors: Sequence[Signal] = (),
    upstream: Sequence[Upstream] = (),
) -> Facts:
    symptoms, health, insights = [], [], []
    for m in sorted(incident.members.values(), key=lambda m: (m.first_seen, m.resource)):
        if m.kind == "health":
            if m.status == "firing":
                health.append(m)
            continue
        if m.kind == "insight":
            insights.append(m)
        began = m.began
        if m.role != "symptom" or began is None:
            continue
        kind = classify(m.kind, m.metric, m.resource)
        for a in m.anomalies:  # an insight: evidence for each anomaly's component, from its own start
            start = a.start if a.start is not None and a.start <= began + MAX_ANOMALY_LAG else began
            symptoms.append(Symptom(m, kind, a.component or m.component or "", start, a.resource))
        if not m.anomalies:
            symptoms.append(Symptom(m, kind, m.component or "", began))
    return Facts(
        service=service,
        region=incident.region,
        symptoms=symptoms,
        health=health,
        insights=insights,
        changes=[Change(s, c) for s, c in changes if s.change is not None],
        region_errors=list(region_errors),
        deps=transitive_deps(service),
        upstream=list(upstream),
    )
