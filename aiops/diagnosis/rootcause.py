"""Root-cause ranking: changes first, then the topology (``depends_on`` points downstream), with evidence.

The hypotheses, best first:

1. A prompt or model change on the service within the lookback before the first symptom. The latest
   such change leads (it is the one closest to the breakage); its component is the change's.
2. The failing components, most upstream first: a component none of whose (transitive) dependencies is
   failing. Among those, the earliest onset leads.

Evidence raises a hypothesis' confidence without reordering the rules above: an AWS Health event for the
provider (Bedrock) supports ``model``; a DevOps Guru insight supports the component it maps to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from aiops.catalog.model import Service
from aiops.incident.model import Hypothesis, Incident, Member
from aiops.signals.model import Signal

DEFAULT_LOOKBACK = timedelta(hours=2)
MODEL_COMPONENT = "model"


def failing_dependencies(service: Service | None, failing: set[str]) -> dict[str, int]:
    """For each failing component, how many failing components it (transitively) depends on."""
    deps = {c.name: set(c.depends_on) for c in service.components} if service else {}
    out: dict[str, int] = {}
    for start in failing:
        seen: set[str] = set()
        stack = list(deps.get(start, ()))
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(deps.get(n, ()))
        out[start] = len(seen & failing)
    return out


def _hhmm(value: datetime) -> str:
    return value.strftime("%H:%M")


def _change_hypotheses(changes: Sequence[tuple[Signal, str | None]], first: datetime) -> list[Hypothesis]:
    out = []
    ordered = sorted(changes, key=lambda c: (c[0].time, c[0].id), reverse=True)
    for rank, (change, component) in enumerate(ordered):
        info = change.change
        if info is None:
            continue
        minutes = int((first - change.time).total_seconds() // 60)
        version = f" to version {info.new_version}" if info.new_version else ""
        who = f" by {info.actor.rsplit('/', 1)[-1]}" if info.actor else ""
        summary = (
            f"{info.target} was changed{version}{who} at {_hhmm(change.time)}, "
            f"{minutes} min before the first symptom"
        )
        out.append(
            Hypothesis(
                component=component or info.target_kind,
                summary=summary,
                change=change.id,
                change_kind=info.target_kind,
                confidence=round(max(0.5, 0.9 - 0.15 * rank), 2),
                evidence=(f"change {change.id} ({info.operation})",),
            )
        )
    return out


def _evidence(members: Sequence[Member]) -> dict[str, list[str]]:
    """Supporting evidence by component: provider health for the model, insights for their component."""
    out: dict[str, list[str]] = {}
    for m in sorted(members, key=lambda m: (m.first_seen, m.resource)):
        if m.kind == "health" and m.status == "firing":
            out.setdefault(MODEL_COMPONENT, []).append(m.title)  # its title says "AWS Health: ..."
        elif m.kind == "insight" and m.component:
            out.setdefault(m.component, []).append(m.title)
    return out


def rank(
    incident: Incident,
    service: Service | None,
    changes: Sequence[tuple[Signal, str | None]] = (),
) -> tuple[Hypothesis, ...]:
    """Ranked hypotheses for ``incident``; ``changes`` are (change signal, component) pairs of the
    service within the lookback before the first symptom."""
    symptoms = [m for m in incident.members.values() if m.fired_at is not None and m.role == "symptom"]
    first = incident.first_symptom
    if not symptoms or first is None:
        return incident.hypotheses
    evidence = _evidence(list(incident.members.values()))
    by_component: dict[str, list[Member]] = {}
    for m in symptoms:
        by_component.setdefault(m.component or "", []).append(m)
    depth = failing_dependencies(service, set(by_component))
    onset = {c: min(m.fired_at for m in ms if m.fired_at) for c, ms in by_component.items()}
    # An unowned symptom ("" component) never outranks a known component.
    order = sorted(by_component, key=lambda c: (c == "", depth[c], onset[c], c))
    topology = []
    for i, comp in enumerate(order):
        earliest = min(by_component[comp], key=lambda m: (m.fired_at, m.resource))
        name = comp or "an unknown component"
        if len(order) == 1:
            why = f"only {name} is failing"
        elif depth[comp] == 0:
            why = f"{name} is the most upstream of {len(order)} failing components"
        else:
            why = f"{name} is failing downstream of {depth[comp]} failing dependency(ies)"
        extra = evidence.get(comp, [])
        if comp == MODEL_COMPONENT and any(e.startswith("AWS Health") for e in extra):
            why += "; AWS Health reports a provider issue, so the cause is outside the app"
        base = 0.8 if depth[comp] == 0 else 0.3
        confidence = min(0.95, base - 0.1 * i + 0.05 * len(extra))
        topology.append(
            Hypothesis(
                component=comp or None,
                summary=f"{why}; first symptom: {earliest.resource} at {_hhmm(onset[comp])}",
                confidence=round(max(confidence, 0.05), 2),
                evidence=tuple([f"{m.kind} {m.resource}" for m in by_component[comp]][:5] + extra[:3]),
            )
        )
    return tuple(_change_hypotheses(changes, first) + topology)
