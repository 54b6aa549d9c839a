"""Incidents and the per-fingerprint signal state: frozen models and the pure transitions between them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from aiops.impact import CostFacts, Impact
from aiops.signals.model import (
    Deferred,
    Head,
    Kind,
    Signal,
    Status,
    fingerprint_of,
    format_time,
    primary_metric,
)

IncidentStatus = Literal["open", "mitigated", "resolved"]
Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
MemberStatus = Literal["firing", "resolved", "info"]
Role = Literal["symptom", "evidence"]
EVIDENCE_KINDS = frozenset({"health"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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
    role: Role = "symptom"
    metric: str = ""
    """``Namespace/MetricName`` of an alarm's metric, for playbook matching."""
    url: str = ""
    """Where to look: the alarm or insight in the AWS console (built from ids, or an AWS console URL)."""
    """Evidence (AWS Health) informs the root cause but never holds an incident open."""


class RootCause(_Frozen):
    component: str | None
    summary: str
    change: str | None = None
    change_kind: Literal["parameter", "prompt"] | None = None
    confidence: float = 0.0


class Hypothesis(_Frozen):
    """One candidate root cause with what speaks for it."""

    component: str | None
    summary: str
    change: str | None = None
    change_kind: Literal["parameter", "prompt"] | None = None
    confidence: float
    evidence: tuple[str, ...] = ()

    def as_root_cause(self) -> RootCause:
        return RootCause(
            component=self.component,
            summary=self.summary,
            change=self.change,
            change_kind=self.change_kind,
            confidence=self.confidence,
        )


ActionStatus = Literal["succeeded", "failed", "pending_approval", "skipped", "running"]


class Action(_Frozen):
    """A remediation decided for the incident: started, waiting for approval, or skipped (and why)."""

    playbook: str
    runbook: str
    status: ActionStatus
    reason: str = ""
    parameters: dict[str, Any] = {}
    execution_id: str | None = None
    decided_at: datetime
    ended_at: datetime | None = None
    approved_by: str | None = None


class Escalation(_Frozen):
    target: Literal["pagerduty", "sns"]
    action: Literal["trigger", "acknowledge", "resolve"]
    at: datetime
    reason: str = ""


class Ack(_Frozen):
    by: str
    at: datetime


class Incident(_Frozen):
    id: str
    service: str
    region: str = ""
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
    version: int = 0

    @property
    def firing(self) -> list[Member]:
        """Firing symptoms: what holds the incident open (evidence does not)."""
        return [m for m in self.members.values() if m.status == "firing" and m.role == "symptom"]

    @property
    def first_symptom(self) -> datetime | None:
        onsets = [m.fired_at for m in self.members.values() if m.fired_at and m.role == "symptom"]
        return min(onsets) if onsets else None

    @property
    def is_active(self) -> bool:
        return self.status != "resolved"


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


# --- identity -------------------------------------------------------------------------------------


def fingerprint(signal: Signal) -> str:
    """Identity of the thing that signals, never its text: kind, account, region and resource."""
    return fingerprint_of(signal.kind, signal.account, signal.region, signal.resource)


def incident_id_for(service: str, first_signal_id: str) -> str:
    digest = hashlib.sha256(f"{service}|{first_signal_id}".encode()).hexdigest()[:12]
    return f"inc-{digest}"


# --- transitions ----------------------------------------------------------------------------------


def flap_changes(
    state: SignalState | None, signal: Head, window: timedelta, keep: int
) -> tuple[datetime, ...]:
    """Recent status-change times of a fingerprint after ``signal``."""
    previous = state.changes if state else ()
    changed = state is None or (state.status != signal.status and signal.status != "info")
    if not changed and (not previous or signal.time - previous[0] <= window):
        return previous  # a repeat: nothing to add, nothing aged out
    recent = [t for t in previous if signal.time - t <= window]
    if changed and state is not None:
        recent.append(signal.time)
    return tuple(sorted(recent)[-keep:])


class Fold:
    """An incident taking signals one by one, in event-time order; frozen again once, by :meth:`result`.

    Each signal's effect is idempotent and blind to delivery order where it can be: an older event never
    moves a member's status back, but it still lowers its onset. The working state is mutable so that a
    storm of signals costs one incident copy, not one per signal; members are copied on first write.
    """

    __slots__ = (
        "_copied",
        "_onset",
        "_onset_known",
        "before",
        "entries",
        "flapping",
        "last_activity_at",
        "members",
        "mitigated_at",
        "onset_moved",
        "opened_at",
        "resolved_at",
        "status",
    )

    def __init__(self, incident: Incident) -> None:
        self.before = incident
        self.members = incident.members
        self._copied = False
        self.opened_at = incident.opened_at
        self.last_activity_at = incident.last_activity_at
        self.flapping = incident.flapping
        self.status: IncidentStatus = incident.status
        self.mitigated_at = incident.mitigated_at
        self.resolved_at = incident.resolved_at
        self._onset: datetime | None = None
        self._onset_known = False
        self.onset_moved = False
        self.entries: list[TimelineEntry] = []

    def first_symptom(self) -> datetime | None:
        """The earliest onset among symptoms (scanned once, when first needed)."""
        if not self._onset_known:
            onsets = [m.fired_at for m in self.members.values() if m.role == "symptom" and m.fired_at]
            self._onset = min(onsets) if onsets else None
            self._onset_known = True
        return self._onset

    def _any_firing(self) -> bool:
        return any(m.status == "firing" and m.role == "symptom" for m in self.members.values())

    def _put(self, fp: str, old: Member | None, member: Member) -> None:
        onset = member.fired_at if member.role == "symptom" else None
        if onset is not None and (old is None or old.fired_at != onset):
            first = self.first_symptom()
            if first is None or onset < first:
                self._onset, self.onset_moved = onset, True
        if not self._copied:
            self.members = dict(self.members)
            self._copied = True
        self.members[fp] = member

    def apply(
        self,
        signal: Signal | Deferred,
        fp: str,
        component: str | None,
        *,
        is_flapping: bool,
        newest: SignalState | None = None,
    ) -> None:
        """Take ``signal``. ``newest`` is the fingerprint's stored state when it is newer than
        ``signal`` (a later status arrived first). A deferred alarm is never built: its head holds
        what a member is made of."""
        incident_id = self.before.id
        old = self.members.get(fp)
        member = old
        status: MemberStatus = signal.status
        t = signal.time
        firing_at = t if status == "firing" else None
        if member is None:  # a deferred alarm's head holds all a member needs: it is not built
            member = Member(
                fingerprint=fp,
                kind=signal.kind,
                resource=signal.resource,
                component=component,
                title=signal.title,
                status=status,
                first_seen=t,
                last_change=t,
                fired_at=firing_at,
                role="evidence" if signal.kind in EVIDENCE_KINDS else "symptom",
                metric=_metric_of(signal),
                url=console_url(signal),
            )
            self.entries.append(
                _entry(incident_id, signal, "signal", f"{signal.kind} {signal.resource} {status}")
            )
        else:
            earlier = firing_at is not None and (member.fired_at is None or firing_at < member.fired_at)
            moved = t >= member.last_change and status != "info" and status != member.status
            if earlier or moved or t < member.first_seen:  # else a repeat: it only counts
                update: dict[str, object] = {}
                if earlier:
                    update["fired_at"] = firing_at
                if t < member.first_seen:
                    update["first_seen"] = t
                if moved:
                    update.update(
                        status=status, last_change=t, title=signal.title, transitions=member.transitions + 1
                    )
                    self.entries.append(
                        _entry(incident_id, signal, "signal", f"{signal.kind} {signal.resource} {status}")
                    )
                member = member.model_copy(update=update)
        if newest is not None and newest.last_time > member.last_change and newest.status != "info":
            member = member.model_copy(update={"status": newest.status, "last_change": newest.last_time})
        if member is not old:
            self._put(fp, old, member)

        symptom = member.role == "symptom"
        if symptom and t < self.opened_at:
            self.opened_at = t
        if t > self.last_activity_at:
            self.last_activity_at = t
        if is_flapping and not self.flapping:
            self.flapping = True
            self.entries.append(_entry(incident_id, signal, "flapping", f"{signal.resource} is flapping"))
        if status == "firing" and symptom and self.status != "open" and member.status == "firing":
            self.status, self.mitigated_at, self.resolved_at = "open", None, None
            self.entries.append(_entry(incident_id, signal, "reopened", f"reopened by {signal.resource}"))
        elif (
            member is not old  # an open incident always has a firing symptom or no onset yet
            and self.status == "open"
            and not (member.status == "firing" and symptom)
            and not self._any_firing()
            and self.first_symptom() is not None
        ):
            self.status = "mitigated"
            self.mitigated_at = max(m.last_change for m in self.members.values())
            self.entries.append(_entry(incident_id, signal, "mitigated", "every firing signal has resolved"))

    @property
    def material(self) -> bool:
        """Whether more than the activity time moved (a repeat of a firing alarm only counts)."""
        b = self.before
        return bool(
            self.entries
            or self._copied
            or self.status != b.status
            or self.flapping != b.flapping
            or self.opened_at != b.opened_at
        )

    def result(self) -> Incident:
        b = self.before
        update: dict[str, object] = {
            "opened_at": self.opened_at,
            "last_activity_at": self.last_activity_at,
            "flapping": self.flapping,
            "status": self.status,
            "mitigated_at": self.mitigated_at,
            "resolved_at": self.resolved_at,
        }
        if self._copied:
            update["members"] = self.members
        return b.model_copy(update=update)


def apply_signal(
    incident: Incident,
    signal: Signal,
    fp: str,
    component: str | None,
    *,
    is_flapping: bool,
    newest: SignalState | None = None,
) -> tuple[Incident, list[TimelineEntry]]:
    """The incident after one ``signal`` (see :class:`Fold`)."""
    fold = Fold(incident)
    fold.apply(signal, fp, component, is_flapping=is_flapping, newest=newest)
    return fold.result(), fold.entries


def settle(incident: Incident, now: datetime, quiet: timedelta) -> tuple[Incident, list[TimelineEntry]]:
    """Resolve a mitigated incident whose signals all resolved once the quiet period has passed."""
    if incident.status != "mitigated" or incident.firing or incident.mitigated_at is None:
        return incident, []
    if now - incident.mitigated_at < quiet:
        return incident, []
    done = incident.model_copy(update={"status": "resolved", "resolved_at": now})
    key = f"resolved@{format_time(now)}"
    return done, [
        TimelineEntry(
            incident_id=incident.id,
            at=now,
            key=key,
            kind="resolved",
            text="every signal resolved; incident resolved",
        )
    ]


_CONSOLE = re.compile(r"^https://([a-z0-9-]+\.)?console\.aws\.amazon\.com/[A-Za-z0-9/_.~%?&=#:+,-]*$")


def console_url(signal: Signal | Deferred) -> str:
    """A console link for the signal: built from its identifiers, or the event's own URL when it is an
    AWS console URL (anything else from an event is dropped, never shown)."""
    region = signal.region if re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", signal.region or "") else ""
    if isinstance(signal, Deferred):  # an alarm: its name is its resource
        return _alarm_url(region, signal.resource) if region else ""
    if signal.alarm is not None and region:
        return _alarm_url(region, signal.alarm.name)
    if signal.insight is not None and _CONSOLE.fullmatch(signal.insight.url):
        return signal.insight.url
    return ""


def _alarm_url(region: str, name: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#alarmsV2:alarm/{quote(name, safe='')}"
    )


def automation_url(execution_id: str, region: str) -> str:
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region) or not re.fullmatch(
        r"[A-Za-z0-9-]{1,64}", execution_id
    ):
        return ""
    return (
        f"https://{region}.console.aws.amazon.com/systems-manager/automation/execution/"
        f"{execution_id}?region={region}"
    )


def _metric_of(signal: Signal | Deferred) -> str:
    if isinstance(signal, Deferred):
        metric = primary_metric(signal.metrics)
    else:
        metric = signal.alarm.primary_metric if signal.alarm is not None else None
    return f"{metric.namespace}/{metric.name}" if metric is not None else ""


def _entry(incident_id: str, signal: Head, kind: str, text: str) -> TimelineEntry:
    return TimelineEntry(
        incident_id=incident_id, at=signal.time, key=f"{kind}:{signal.id}", kind=kind, text=text
    )
