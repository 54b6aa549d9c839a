"""Incidents and the per-fingerprint signal state: frozen models and the pure transitions between them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from aiops.incident.assessment import CostFacts, Impact
from aiops.incident.frozen import Frozen as _Frozen
from aiops.incident.similar import Similar
from aiops.signals.model import Kind, Signal, Status, fingerprint_of

IncidentStatus = Literal["open", "mitigated", "resolved"]
Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
MemberStatus = Literal["firing", "resolved", "info"]
Role = Literal["symptom", "evidence"]
EVIDENCE_KINDS = frozenset({"health"})


class AnomalyRef(_Frozen):
    """One anomaly of a DevOps Guru insight, resolved to its own component, with its own start."""

    resource: str
    component: str | None = None
    start: datetime | None = None


class Member(_Frozen):
    """One distinct signal source (an alarm, an insight, a budget) inside an incident."""

    fingerprint: str
    kind: Kind
    resource: str
    component: str | None
    title: str
    status: MemberStatus
    first_seen: datetime
    last_change: datetime
    """Event time of the latest status the member took; older events do not move it back."""
    fired_at: datetime | None = None
    """When it first fired (the earliest, whatever the delivery order): the onset used by ranking."""
    transitions: int = 0
    folded: int = 0
    """Status changes counted in this member's folded timeline entry of the current interval: once it
    flaps, its changes are folded into one counted entry per interval instead of one entry each (0
    while they never were; see :func:`aiops.incident.lifecycle.fold_start`)."""
    role: Role = "symptom"
    metric: str = ""
    """``Namespace/MetricName`` of an alarm's metric, for playbook matching."""
    url: str = ""
    """Where to look: the alarm or insight in the AWS console (built from ids, or an AWS console URL)."""
    onset: datetime | None = None
    """When the symptom began by its own data (first breaching datapoint, anomaly or Health start),
    the earliest of its firings; None: as ``fired_at`` (see :mod:`aiops.signals.onset`)."""
    model_id: str = ""
    """The Bedrock ``ModelId`` dimension of its metric, if any (provider outages span model ids)."""
    anomalies: tuple[AnomalyRef, ...] = ()
    """A DevOps Guru insight's anomalies, each on its component from its start, in that order."""

    @property
    def began(self) -> datetime | None:
        """The onset root-cause ranking reads: the data's, else the first firing's event time."""
        return self.onset or self.fired_at


Cause = Literal["change", "component", "provider", "cost", "upstream"]


FULL_MEMBERS = 100
"""Members kept in full; past them a new member is summarised (no title, no console URL): its name,
status and times are what the incident's status, ranking and runbooks read."""
MAX_MEMBERS = 300
"""Members kept at all; past them a new source is only counted (``Incident.more_members``). With
250-character alarm names the incident's row stays near 250 KB, under DynamoDB's 400 KB item limit."""


class RootCause(_Frozen):
    component: str | None
    summary: str
    change: str | None = None
    change_kind: Literal["parameter", "prompt"] | None = None
    confidence: float = 0.0
    why: str = ""
    """The rules that put it first, with their evidence (and what counts against it)."""
    abstain: bool = False
    """The evidence does not single it out (a close second, or counter-evidence): nothing starts on
    its own; a human decides."""
    decider: str = ""
    """When abstaining: what would decide between the leading hypotheses."""
    cause: Cause = "component"
    """``upstream``: another service's incident is the cause; this one runs nothing of its own."""
    upstream: str | None = None
    """With cause ``upstream``: that incident's id (the Slack root links to its thread)."""


class Hypothesis(_Frozen):
    """One candidate root cause with what speaks for it."""

    component: str | None
    summary: str
    change: str | None = None
    change_kind: Literal["parameter", "prompt"] | None = None
    confidence: float
    evidence: tuple[str, ...] = ()
    """What speaks for it, each naming its source (signal, datapoint time, change)."""
    cause: Cause = "component"
    against: tuple[str, ...] = ()
    """What speaks against it (why not), each naming its source."""
    rule: str = ""
    """The scoring rules that raised or lowered it, in order (see docs/root-cause.md)."""
    ruled_out: bool = False
    upstream: str | None = None
    """With cause ``upstream``: the id of the other service's incident that explains this one."""
    """A rule excluded it (a change after the onset, a signature that does not fit)."""

    def as_root_cause(self, *, why: str = "", abstain: bool = False, decider: str = "") -> RootCause:
        return RootCause(
            component=self.component,
            summary=self.summary,
            change=self.change,
            change_kind=self.change_kind,
            confidence=self.confidence,
            why=why,
            abstain=abstain,
            decider=decider,
            cause=self.cause,
            upstream=self.upstream,
        )


ActionStatus = Literal["succeeded", "failed", "pending_approval", "skipped", "running"]


class ParameterChange(_Frozen):
    """One parameter a runbook changed, as its execution record shows it: what it was, what it became."""

    parameter: str
    before: str | None = None
    after: str | None = None


class Action(_Frozen):
    """A remediation decided for the incident: started, waiting for approval, or skipped (and why)."""

    playbook: str
    runbook: str
    status: ActionStatus
    reason: str = ""
    parameters: dict[str, Any] = {}
    execution_id: str | None = None
    """None while ``running``: the start is recorded, not yet done (it is retried with its client token)."""
    decided_at: datetime
    ended_at: datetime | None = None
    approved_by: str | None = None
    change: Literal["unchanged", "undone", "still_applied", "unknown"] | None = None
    """What a run that did not succeed left behind, as SSM's step record shows it: nothing changed, the
    change undone, or the change still applied (its undo did not complete); unknown if unreadable."""
    requested_at: datetime | None = None
    """When the start was asked for (decided, or approved): a start failing past its deadline pages."""
    changes: tuple[ParameterChange, ...] = ()
    """What the run changed, in the order written (an undo last), read from its record when it ended."""


PageAction = Literal["trigger", "acknowledge", "resolve"]
PageTarget = Literal["pagerduty", "sns"]


class Escalation(_Frozen):
    target: PageTarget
    action: PageAction
    at: datetime
    reason: str = ""
    error: str = ""
    """What went wrong on the way: PagerDuty refused it (a 400, not retried), or it fell back to SNS."""
    by: str = ""
    """Who did it in the pager itself (a person acknowledging or resolving in PagerDuty, told by its
    webhook): recorded, never sent. Empty for what the bot sent."""
    pending: bool = False
    """Recorded, not delivered yet: a page is recorded before it is sent (workers paging at once record
    it once, and only that one sends it), and sent again until PagerDuty or SNS takes it."""
    tried_at: datetime | None = None
    """When it was last sent (or taken over to be sent again): a lease against sending it twice."""
    fallback: PageTarget | None = None
    """A second target that took it too: ``target`` (PagerDuty) may have taken it, its answer was lost,
    and SNS took it as the fallback. Its acknowledge and resolve go to both."""


class Timer(_Frozen):
    """A one-time timer of the escalation (an EventBridge Scheduler schedule in AWS): its name is
    derived from the incident and the step, so scheduling it twice is scheduling it once."""

    name: str
    step: Literal["page", "settle", "retry"]
    at: datetime


class Ack(_Frozen):
    by: str
    at: datetime


class Peak(_Frozen):
    """The worst the incident was: its highest severity, and the impact measured then (the largest
    revenue at risk within that severity). A resolved incident shows it beside the current state."""

    severity: Severity
    at: datetime
    burn_rate: float | None = None
    revenue_at_risk_usd_per_hour: float | None = None
    failing_requests_per_minute: float | None = None

    def worse_than(self, other: Peak | None) -> bool:
        if other is None:
            return True
        if self.severity != other.severity:
            return self.severity < other.severity  # "SEV1" < "SEV2": SEV1 is worse
        return (self.revenue_at_risk_usd_per_hour or 0.0) > (other.revenue_at_risk_usd_per_hour or 0.0)


class Incident(_Frozen):
    id: str
    service: str
    region: str = ""
    account: str = ""
    scope: str = ""
    """The identity its service's pointer is kept under: the service in one account and region
    (``catalog.topology.scope_key``), or the service alone (a global service, or empty)."""
    status: IncidentStatus = "open"
    severity: Severity = "SEV3"
    title: str
    opened_at: datetime
    last_activity_at: datetime
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    members: dict[str, Member] = {}
    flapping: bool = False
    root_cause: RootCause | None = None
    hypotheses: tuple[Hypothesis, ...] = ()
    acknowledged: Ack | None = None
    silenced_until: datetime | None = None
    impact: Impact | None = None
    impact_at: datetime | None = None
    cost: CostFacts | None = None
    actions: tuple[Action, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    timers: tuple[Timer, ...] = ()
    """The escalation's pending timers (a delayed page, a held page resolve)."""
    reopened_at: datetime | None = None
    reopens: int = 0
    """How often it reopened, and when last: a flapping thread shows these instead of replies."""
    episode_at: datetime | None = None
    """When the current paging episode began (None: at ``opened_at``); a reopen after a settled
    resolution begins a new one, which may page again under the same dedup key."""
    settled_at: datetime | None = None
    """When its resolution held long enough for the page to be resolved (None while it did not)."""
    similar: Similar | None = None
    """Past incidents with its signature, as found when it opened or its signature last changed."""
    more_members: int = 0
    """Signal sources that joined past :data:`MAX_MEMBERS`: counted, not kept (the row stays bounded)."""
    peak: Peak | None = None
    """The worst it was (severity, impact): kept while the incident calms down and resolves."""
    version: int = 0
    noted_version: int | None = None
    """The newest version whose save filed an entry its thread may reply to (a ``VER#`` row; 0: none
    yet): a thread marked at or past it has nothing to read. None: not known (an item saved before this
    was kept), so the thread sync reads to find out. The store's save carries it on, or sets it to the version
    it writes when it files one (:func:`next_saved`)."""

    @property
    def pointer(self) -> str:
        """The key of its service pointer (see :attr:`scope`)."""
        return self.scope or self.service

    @property
    def firing(self) -> list[Member]:
        """Firing symptoms: what holds the incident open (evidence does not)."""
        return [m for m in self.members.values() if m.status == "firing" and m.role == "symptom"]

    @property
    def member_count(self) -> int:
        """Every signal source it absorbed: those kept as members and those counted past the cap."""
        return len(self.members) + self.more_members

    @property
    def first_symptom(self) -> datetime | None:
        onsets = [m.fired_at for m in self.members.values() if m.fired_at and m.role == "symptom"]
        return min(onsets) if onsets else None

    @property
    def is_active(self) -> bool:
        return self.status != "resolved"

    @property
    def assessment_owed(self) -> bool:
        """Members recorded and never ranked nor assessed: its opening worker was killed between the
        two (the opening signal is folded in as the incident is created, the assessment saved after).
        Whoever comes next (the flush, the next event) assesses it before acting on it."""
        return bool(self.members) and self.impact_at is None

    @property
    def is_warning(self) -> bool:
        """Opened by forecasts and only forecasts so far: a warning (its own severity row, remediation for
        approval only). A real symptom joining makes it an incident like any other."""
        symptoms = [m for m in self.members.values() if m.role == "symptom"]
        return bool(symptoms) and all(m.kind == "forecast" for m in symptoms)


class SignalRef(_Frozen):
    """Enough of a signal to list it under an incident later."""

    id: str
    time: datetime
    kind: Kind
    status: Status


MAX_ORPHANS = 16


@dataclass(frozen=True, slots=True)
class SignalState:
    """The durable state of one fingerprint (one alarm, one insight ...), on its own row.

    A plain frozen dataclass, not a pydantic model: every recorded event makes one, and the adapters
    that store it (DynamoDB) validate and serialize it through a ``TypeAdapter``."""

    fingerprint: str
    status: Status
    last_time: datetime
    incident_id: str | None = None
    changes: tuple[datetime, ...] = ()
    """Times of recent status changes, for flap detection (bounded)."""
    orphans: tuple[SignalRef, ...] = ()
    """Events recorded while no incident held this fingerprint (an OK delivered before its older
    ALARM): linked to the incident that the fingerprint joins later, so none is lost (bounded)."""
    version: int = 0


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of an incident's timeline (a plain frozen dataclass: a storm writes thousands; the
    adapters that store it validate and serialize it through a ``TypeAdapter``)."""

    incident_id: str
    at: datetime
    key: str
    """Idempotency key: the same cause writes the same entry."""
    kind: str
    text: str
    actor: str = "aiops"


_KIND_ORDER = {"signal": 0, "flapping": 1, "reopened": 2, "mitigated": 3, "resolved": 4}


def timeline_order(entry: TimelineEntry) -> tuple[datetime, int, str]:
    """Timeline order: by time; at one instant, the signal before what it caused."""
    return entry.at, _KIND_ORDER.get(entry.kind, 5), entry.key


def one_row_each(entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """The entries as the store keeps them: one row per time and key, the last written wins (a folded
    entry rewritten twice in one batch is written once, with its latest count)."""
    return list({(e.at, e.key): e for e in entries}.values()) if len(entries) > 1 else list(entries)


# --- identity -------------------------------------------------------------------------------------


def fingerprint(signal: Signal) -> str:
    """Identity of the thing that signals, never its text: kind, account, region and resource."""
    return fingerprint_of(signal.kind, signal.account, signal.region, signal.resource)


def incident_id_for(service: str, first_signal_id: str) -> str:
    digest = hashlib.sha256(f"{service}|{first_signal_id}".encode()).hexdigest()[:12]
    return f"inc-{digest}"


_INCIDENT_ID = re.compile(r"inc-[0-9a-f]{12}")


def is_incident_id(value: str) -> bool:
    """Whether ``value`` is shaped as :func:`incident_id_for` makes ids (a page's dedup key is one)."""
    return _INCIDENT_ID.fullmatch(value) is not None
