"""Root-cause ranking: every candidate cause tested against the evidence and the counter-evidence.

The candidates: each change of the service recalled around the incident, each failing component (the
model's may be the provider, Bedrock; the cost component a cost runaway). The rules of
:mod:`aiops.diagnosis.rules` score them, each naming its evidence; the best leads. A change is ruled
out when its signature fits no symptom (:mod:`aiops.catalog.signatures`) or every symptom it could
explain began before it (the onset by the data, :mod:`aiops.signals.onset`).

The leader is not trusted to act on its own (:attr:`RootCause.abstain`) when the runner-up is within
:data:`ABSTAIN_MARGIN` of it, or when evidence contradicts it; then the root cause says what would
decide between them. docs/root-cause.md has the rules, weights and the margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from aiops.catalog.model import Service
from aiops.diagnosis import rules
from aiops.diagnosis.evidence import COST_COMPONENT, MODEL_COMPONENT, Facts, Upstream, facts_of, hhmm
from aiops.incident.model import Hypothesis, Incident, RootCause
from aiops.signals.model import Signal

__all__ = [
    "ABSTAIN_MARGIN",
    "COST_COMPONENT",
    "DEFAULT_LOOKBACK",
    "MODEL_COMPONENT",
    "Upstream",
    "rank",
    "root_cause_of",
]

DEFAULT_LOOKBACK = timedelta(hours=2)
ABSTAIN_MARGIN = 0.15
"""The leader must beat the runner-up by at least this much score for a runbook to start on its own."""


def _summary(card: rules.Card, facts: Facts) -> str:
    if card.change is not None:
        info = card.change.signal.change
        version = f" to version {info.new_version}" if info and info.new_version else ""
        who = f" by {info.actor.rsplit('/', 1)[-1]}" if info and info.actor else ""
        target = info.target if info else card.change.signal.resource
        head = f"{target} was changed{version}{who} at {hhmm(card.change.time)}"
        if card.ruled_out:
            return f"{head}; ruled out: {card.against[-1]}"
        began = min(s.onset for s in card.explains)
        minutes = int((began - card.change.time).total_seconds() // 60)
        return f"{head}, {minutes} min before the first symptom it explains"
    name = card.component or "an unknown component"
    if card.cause == "provider":
        return (
            f"the provider (Bedrock) is failing{' in ' + facts.region if facts.region else ''}, not the app"
        )
    if card.cause == "upstream" and card.evidence:
        return f"upstream: {card.evidence[0]}; {name} depends on it, and runs nothing of its own for it"
    if card.cause == "cost":
        return "a cost runaway: token growth with a budget or cost-anomaly alert"
    symptoms = facts.by_component().get(card.component or "", [])
    first = min(symptoms, key=lambda s: (s.onset, s.member.resource)) if symptoms else None
    where = "the most upstream failing component" if "topology +0.50" in card.rules else "failing"
    tail = f"; first symptom: {first.member.resource} at {hhmm(first.onset)}" if first else ""
    return f"{name} is {where}{tail}"


def _hypothesis(card: rules.Card, facts: Facts) -> Hypothesis:
    info = card.change.signal.change if card.change else None
    return Hypothesis(
        component=card.component,
        summary=_summary(card, facts),
        change=card.change.signal.id if card.change else None,
        change_kind=info.target_kind if info else None,
        confidence=round(min(0.95, max(0.05, card.score)), 2) if not card.ruled_out else 0.0,
        evidence=tuple(e[:300] for e in card.evidence[:6]),
        cause=card.cause,
        against=tuple(a[:300] for a in card.against[:6]),
        rule="; ".join(card.rules),
        ruled_out=card.ruled_out,
        upstream=card.upstream if card.cause == "upstream" else None,
    )


def _cards(facts: Facts, lookback: timedelta) -> list[rules.Card]:
    provider = rules.provider_evidence(facts)
    changes = [rules.score_change(facts, c, lookback, provider) for c in facts.changes]
    upstream = [rules.score_upstream(facts, u) for u in facts.upstream]
    by_component = facts.by_component()
    roots = facts.roots()
    components = []
    for comp, symptoms in sorted(by_component.items()):
        card = rules.score_component(facts, comp, symptoms, roots, provider)
        rules.explained_by(card, symptoms, changes)
        rules.explained_by_upstream(card, symptoms, upstream)
        components.append(card)
    return changes + upstream + components


def rank(
    incident: Incident,
    service: Service | None,
    changes: Sequence[tuple[Signal, str | None]] = (),
    *,
    region_errors: Sequence[Signal] = (),
    upstream: Sequence[Upstream] = (),
    lookback: timedelta = DEFAULT_LOOKBACK,
) -> tuple[Hypothesis, ...]:
    """Ranked hypotheses for ``incident``, best first, ruled-out ones last (kept, with why not).
    ``changes`` are (change signal, component) pairs of the service around the incident;
    ``region_errors`` Bedrock server errors / throttles of other services in its region."""
    facts = facts_of(incident, service, changes, region_errors, upstream)
    if not facts.symptoms:
        return incident.hypotheses
    cards = _cards(facts, lookback)
    order = sorted(
        cards,
        key=lambda c: (
            c.ruled_out,
            -round(c.score, 4),
            c.change is None,  # a standing change before the component it explains, at equal scores
            -(c.change.time.timestamp()) if c.change else 0.0,
            c.component or "~",
        ),
    )
    ranked = tuple(_hypothesis(c, facts) for c in order)
    contradicted = order[0].contradicted if order else False
    if contradicted:  # kept on the hypothesis as a rule: root_cause_of reads it from there
        first = ranked[0]
        ranked = (first.model_copy(update={"rule": first.rule + "; contradicted"}), *ranked[1:])
    return ranked


def _decider(leader: Hypothesis, second: Hypothesis | None) -> str:
    if second is None:
        return f"evidence against it: {leader.against[0]}" if leader.against else "more evidence"
    if leader.change and second.change:
        return (
            "which change the failing requests ran with (the prompt / model version in their logs), or "
            "rolling back the later change alone and watching the alarms"
        )
    change = leader if leader.change else second if second.change else None
    other = second if change is leader else leader
    if change is not None and other.cause == "component" and other.component == change.component:
        return (
            f"whether the {other.component} symptoms that began before the change are the same failure "
            "(then the change did not cause it), or rolling back the change and watching the alarms"
        )
    if "provider" in (leader.cause, second.cause) and (leader.change or second.change):
        return (
            "whether Bedrock fails for other services or model ids in the region too (AWS Health, the "
            "Bedrock console), or whether the errors stop when the change is rolled back"
        )
    return (
        f"which of {leader.component or 'the leader'} and {second.component or 'the runner-up'} began first "
        "by their datapoints, and whether one calls the other"
    )


def root_cause_of(hypotheses: Sequence[Hypothesis]) -> RootCause | None:
    """The leading hypothesis as the root cause: why it leads, and whether it may act on its own."""
    standing = [h for h in hypotheses if not h.ruled_out]
    if not standing:
        return None
    leader = standing[0]
    second = standing[1] if len(standing) > 1 else None
    margin = leader.confidence - second.confidence if second else 1.0
    contradicted = leader.rule.endswith("; contradicted")
    close = second is not None and margin < ABSTAIN_MARGIN
    why = "; ".join(leader.evidence[:3])
    against = [h for h in hypotheses if h.ruled_out][:2]
    if against:
        why += "; ruled out: " + "; ".join(h.against[-1] if h.against else h.summary for h in against)
    if leader.against:
        why += "; against it: " + "; ".join(leader.against[:2])
    abstain = close or contradicted
    decider = ""
    if abstain:
        decider = _decider(leader, second if close else None)
        lead = (
            f"{second.summary} scores within {ABSTAIN_MARGIN}"
            if close and second
            else "evidence contradicts it"
        )
        why = f"not sure ({lead}); " + why
    return leader.as_root_cause(why=why[:1000], abstain=abstain, decider=decider)
