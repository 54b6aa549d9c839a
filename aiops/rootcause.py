"""Root-cause ranking over the catalog topology (``depends_on`` points downstream)."""

from __future__ import annotations

from aiops.catalog import Service
from aiops.incident import Incident, Member, RootCause


def failing_dependencies(service: Service | None, failing: set[str]) -> dict[str, int]:
    """For each failing component, how many failing components it (transitively) depends on.

    Zero means nothing it depends on is failing: it is a candidate for the most upstream failure.
    """
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


def rank(incident: Incident, service: Service | None) -> RootCause | None:
    """The leading hypothesis: the most upstream failing component; earliest onset breaks ties."""
    fired = [m for m in incident.members.values() if m.fired_at is not None]
    if not fired:
        return incident.root_cause
    by_component: dict[str, list[Member]] = {}
    for m in fired:
        by_component.setdefault(m.component or "", []).append(m)
    depth = failing_dependencies(service, set(by_component))
    onset = {c: min(m.fired_at for m in ms if m.fired_at) for c, ms in by_component.items()}
    # An unowned signal ("" component) never outranks a known component.
    order = sorted(by_component, key=lambda c: (c == "", depth[c], onset[c], c))
    top = order[0]
    first = min(by_component[top], key=lambda m: (m.fired_at, m.resource))
    name = top or "an unknown component"
    if len(order) == 1:
        why = f"only {name} is failing"
    else:
        why = f"{name} is the most upstream of {len(order)} failing components"
    return RootCause(
        component=top or None,
        summary=f"{why}; first symptom: {first.resource}",
        confidence=round(1.0 / len(order), 2) if depth[top] else round(1.0 - 0.1 * (len(order) - 1), 2),
    )
