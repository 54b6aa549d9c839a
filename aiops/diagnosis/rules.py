"""The scoring rules of root-cause ranking (docs/root-cause.md lists them with their weights).

Every candidate is a :class:`Card`; each rule that raises or lowers it records its name and the
evidence it used (signal, onset, change, Health event), so the ranking can say why and why not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from aiops.catalog.signatures import PATH_FREE, PROVIDER_KINDS, TOKEN_KINDS, produces
from aiops.diagnosis.evidence import COST_COMPONENT, MODEL_COMPONENT, Change, Facts, Symptom, Upstream
from aiops.incident.model import Cause

# weights (documented in docs/root-cause.md)
SIGNATURE_FIT = 0.5
COVERAGE = 0.3
RECENCY = 0.1
SYMPTOM_BEFORE_CHANGE = 0.2
PROVIDER_EXPLAINS = 0.3
MOST_UPSTREAM = 0.5
DOWNSTREAM = 0.2
EARLIEST = 0.1
EXPLAINED_BY_CHANGE = 0.3
HEALTH_OPEN = 0.3
SPREAD = 0.2
COST_ALERT = 0.2
TOKENS_ONLY = 0.3
INSIGHT = 0.05
UPSTREAM_SERVICE = 0.6
UPSTREAM_EXPLAINS = 0.3
UPSTREAM_LEAD = timedelta(minutes=5)
"""A dependent's symptom may begin this much before its upstream's incident and still be its effect
(the two are measured by different alarms, on different periods)."""
UNOWNED = 0.05


@dataclass
class Card:
    """A candidate root cause being scored."""

    cause: Cause
    component: str | None
    change: Change | None = None
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)
    against: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    ruled_out: bool = False
    contradicted: bool = False
    """Evidence speaks against it though it was not ruled out: it may not act on its own."""
    explains: list[Symptom] = field(default_factory=list)
    upstream: str | None = None
    """With cause ``upstream``: that incident's id."""

    def up(self, rule: str, amount: float, *evidence: str) -> None:
        self.score += amount
        self.rules.append(f"{rule} +{amount:.2f}")
        self.evidence += evidence

    def down(self, rule: str, amount: float, *against: str, contradicts: bool = False) -> None:
        self.score -= amount
        self.rules.append(f"{rule} -{amount:.2f}")
        self.against += against
        self.contradicted = self.contradicted or contradicts

    def out(self, rule: str, why: str) -> None:
        self.ruled_out = True
        self.score = 0.0
        self.rules.append(f"{rule}: ruled out")
        self.against.append(why)


def fits(facts: Facts, change: Change, symptom: Symptom) -> bool:
    """Signature rule: the symptom's kind is one the changed component can produce, and the failing
    component is the changed one or calls it (content kinds: anywhere in the service)."""
    changed = change.component or ""
    if symptom.kind not in produces(changed, facts.override(changed)):
        return False
    return symptom.kind in PATH_FREE or facts.depends_on_or_is(symptom.component, changed)


def provider_evidence(facts: Facts) -> list[str]:
    """Why the provider (Bedrock) is failing, if it is: an open AWS Health issue in the region, or
    server errors / throttles on several model ids or services of the region at once."""
    bedrock = [s for s in facts.symptoms if s.kind in PROVIDER_KINDS and s.member.status == "firing"]
    where = facts.region or "the region"
    out = [
        f"AWS Health {m.resource} open in {where}: {m.title.removeprefix('AWS Health: ')}"
        for m in facts.health
    ]
    models = facts.provider_model_ids()
    if bedrock and len(models) >= 2:
        out.append(
            f"Bedrock server errors / throttles on {len(models)} model ids: {', '.join(sorted(models))}"
        )
    if bedrock and facts.region_errors:
        others = sorted({s.resource for s in facts.region_errors})
        out.append(
            f"Bedrock server errors / throttles on other services in the region: {', '.join(others[:3])}"
        )
    return out


def score_change(facts: Facts, change: Change, lookback: timedelta, provider: list[str]) -> Card:
    card = Card(
        "change", change.component or (change.signal.change.target_kind if change.signal.change else None)
    )
    card.change = change
    fitting = [s for s in facts.symptoms if fits(facts, change, s)]
    if not fitting:
        kinds = sorted({f"{s.kind} on {s.component or 'unowned'}" for s in facts.symptoms})
        card.out("signature", f"{change.ref} cannot produce what fails ({'; '.join(kinds)})")
        return card
    after = [s for s in fitting if s.onset >= change.time]
    before = [s for s in fitting if s.onset < change.time]
    if not after:
        first = min(before, key=lambda s: s.onset)
        card.out("onset", f"{change.ref} came after the symptoms began: {first.ref}")
        return card
    roots = facts.roots()
    if roots and not any(s.component in roots for s in after):
        card.out(
            "upstream",
            f"the failure starts at {', '.join(roots)} (most upstream), which {change.ref} cannot produce",
        )
        return card
    card.explains = after
    card.up("signature", SIGNATURE_FIT, *[f"{s.ref}, after the change" for s in after[:4]])
    coverage = len(after) / len(facts.symptoms)
    card.up(
        "coverage", round(COVERAGE * coverage, 2), f"explains {len(after)} of {len(facts.symptoms)} symptoms"
    )
    gap = min(s.onset for s in after) - change.time
    recency = round(RECENCY * max(0.0, 1 - gap / lookback), 2)
    card.up("recency", recency, f"{change.ref}, {int(gap.total_seconds() // 60)} min before the first")
    if before:
        card.down(
            "onset",
            SYMPTOM_BEFORE_CHANGE,
            *[f"{s.ref} began before the change" for s in before[:3]],
            contradicts=True,
        )
    cost_alerts = [s for s in facts.symptoms if s.kind == "cost"]
    if cost_alerts and all(s.kind in TOKEN_KINDS for s in after):
        card.down(
            "tokens-only",
            TOKENS_ONLY,
            f"it explains only token growth, which {cost_alerts[0].ref} makes a cost runaway",
        )
    upstream = [u for u in facts.upstream if all(upstream_explains(facts, u, s) for s in after)]
    if upstream:
        card.down("upstream-explains", UPSTREAM_EXPLAINS, *[u.ref for u in upstream[:2]], contradicts=True)
    if provider and all(
        s.kind in PROVIDER_KINDS or facts.depends_on_or_is(s.component, MODEL_COMPONENT) for s in after
    ):
        card.down("provider-explains", PROVIDER_EXPLAINS, *provider[:2], contradicts=True)
    return card


def score_component(
    facts: Facts, component: str, symptoms: list[Symptom], roots: list[str], provider: list[str]
) -> Card:
    """A failing component, with no change: the topology, then the provider, cost and insights."""
    card = Card("component", component or None)
    failing = set(facts.by_component())
    upstream = sorted(failing & facts.deps.get(component, set()))
    first = min(symptoms, key=lambda s: (s.onset, s.member.resource))
    if not component:
        card.up("unowned", UNOWNED, first.ref)
        card.against.append("no catalog component owns these signals")
        return card
    if upstream:
        card.up("topology", DOWNSTREAM, first.ref)
        card.down("topology", 0.0, f"{component} calls failing {', '.join(upstream)}")
    else:
        card.up("topology", MOST_UPSTREAM, f"{component} is the most upstream failing component: {first.ref}")
        if roots and roots[0] == component and len(roots) > 1:
            card.up("earliest", EARLIEST, f"it began first of {', '.join(roots)}")
    kinds = {s.kind for s in symptoms}
    if component == MODEL_COMPONENT and provider and kinds & PROVIDER_KINDS:
        card.cause = "provider"
        card.up("provider", HEALTH_OPEN if facts.health else 0.0, *provider[:1])
        if len(provider) > 1 or not facts.health:
            card.up("provider-spread", SPREAD, *provider[1:] if facts.health else provider)
    cost_alerts = [s for s in facts.symptoms if s.kind == "cost"]
    if component == COST_COMPONENT and cost_alerts:
        card.cause = "cost"
        tokens = [s for s in facts.symptoms if s.kind in TOKEN_KINDS]
        card.up("cost-runaway", COST_ALERT, *[s.ref for s in cost_alerts[:2] + tokens[:2]])
    if component == MODEL_COMPONENT and cost_alerts and kinds <= TOKEN_KINDS:
        card.down(
            "tokens-only",
            TOKENS_ONLY,
            "only token growth on the model, with a budget / cost alert: a cost runaway",
        )
    for m in facts.insights:
        if m.component == component:
            card.up("insight", INSIGHT, f"DevOps Guru {m.resource}: {m.title}")
    return card


def explained_by(card: Card, symptoms: list[Symptom], changes: list[Card]) -> None:
    """A component whose every symptom a standing change explains is that change's effect."""
    for ch in changes:
        if ch.ruled_out or ch.change is None or not symptoms:
            continue
        if all(s in ch.explains for s in symptoms):
            card.down("explained-by-change", EXPLAINED_BY_CHANGE, f"explained by {ch.change.ref}")
            return


def upstream_explains(facts: Facts, up: Upstream, symptom: Symptom) -> bool:
    """A failing upstream service (one this service depends on) explains a symptom on the component
    depending on it, or on one that depends on that component (transitively), that began after the
    upstream's incident (give or take :data:`UPSTREAM_LEAD`)."""
    return (
        facts.depends_on_or_is(symptom.component, up.component) and symptom.onset >= up.onset - UPSTREAM_LEAD
    )


def score_upstream(facts: Facts, up: Upstream) -> Card:
    """Another service this one depends on is failing: its incident is the cause of what it explains."""
    card = Card("upstream", up.component, upstream=up.incident_id)
    explained = [s for s in facts.symptoms if upstream_explains(facts, up, s)]
    if not explained:
        card.out("upstream-service", f"{up.ref}, but nothing here failed after it on its path")
        return card
    card.explains = explained
    card.up("upstream-service", UPSTREAM_SERVICE, f"{up.ref}: {up.summary}", *[s.ref for s in explained[:3]])
    card.up(
        "coverage",
        round(COVERAGE * len(explained) / len(facts.symptoms), 2),
        f"explains {len(explained)} of {len(facts.symptoms)} symptoms",
    )
    return card


def explained_by_upstream(card: Card, symptoms: list[Symptom], upstream: list[Card]) -> None:
    for up in upstream:
        if not up.ruled_out and symptoms and all(s in up.explains for s in symptoms):
            card.down("explained-by-upstream", EXPLAINED_BY_CHANGE, f"explained by upstream {up.evidence[0]}")
            return
