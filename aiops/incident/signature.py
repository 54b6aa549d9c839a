"""An incident's signature, the key of "have we seen this before": the root-cause component, the kind
of suspected change and the set of failing metric families (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from aiops.incident.model import Incident, Member

_FAMILIES = (
    ("throttl", "throttles"),
    ("quota", "throttles"),
    ("latency", "latency"),
    ("timetofirsttoken", "latency"),
    ("duration", "latency"),
    ("intervened", "guardrail"),
    ("guardrail", "guardrail"),
    ("error", "errors"),
    ("5xx", "errors"),
    ("4xx", "errors"),
    ("fault", "errors"),
    ("token", "tokens"),
    ("cost", "cost"),
    ("feedback", "quality"),
    ("relevance", "quality"),
    ("quality", "quality"),
)
_KIND_FAMILY = {"budget": "cost", "cost_anomaly": "cost", "insight": "insight", "log_anomaly": "logs"}


def metric_family(member: Member) -> str:
    """What kind of symptom a member is: errors, latency, throttles, tokens, guardrail, quality, cost ...
    read from its metric's name (its alarm's name when it has none)."""
    return _family(member.kind, member.metric, member.resource)


@lru_cache(maxsize=4096)
def _family(kind: str, metric: str, resource: str) -> str:
    """Cached: every pass over an incident asks again for each of its members (a storm's forty alarms,
    on every event), and what a member is made of never changes."""
    if kind in _KIND_FAMILY:
        return _KIND_FAMILY[kind]
    name = (metric.rsplit("/", 1)[-1] if metric else resource).lower()
    return next((family for word, family in _FAMILIES if word in name), "other")


@dataclass(frozen=True, slots=True)
class Signature:
    key: str
    """A digest of ``label``: the history index's partition."""
    label: str


def signature_of(incident: Incident) -> Signature | None:
    """None while the incident has no root cause or no symptom that fired."""
    rc = incident.root_cause
    family = _family
    families = sorted(
        {
            family(m.kind, m.metric, m.resource)
            for m in incident.members.values()
            if m.fired_at is not None and m.role == "symptom"
        }
    )
    if rc is None or not families:
        return None
    change = {"prompt": "prompt change", "parameter": "parameter change"}.get(
        rc.change_kind or "", "no change"
    )
    label = f"{rc.component or 'unknown'} · {change} · {'+'.join(families)}"
    return Signature(hashlib.sha256(label.encode()).hexdigest()[:20], label)


def outcome(incident: Incident) -> str:
    """The last action taken and how it ended (``PromptRollback, verified``), or what happened instead."""
    for a in reversed(incident.actions):
        if a.status == "succeeded":
            return f"{a.runbook}, verified"
        if a.status in ("failed", "running", "pending_approval"):
            return f"{a.runbook}, {a.status.replace('_', ' ')}"
    if incident.escalations:
        return "paged"
    return "no action"
