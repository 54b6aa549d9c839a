"""Lifecycle: an incident taking signals (open, flapping, reopened, mitigated) and settling (resolved).

Pure transitions between the frozen models of :mod:`aiops.incident.model`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiops.incident.links import console_url, metric_of, model_id_of
from aiops.incident.model import (
    EVIDENCE_KINDS,
    FULL_MEMBERS,
    MAX_MEMBERS,
    Incident,
    IncidentStatus,
    Member,
    MemberStatus,
    SignalState,
    TimelineEntry,
)
from aiops.signals.model import Deferred, Head, Signal, format_time
from aiops.signals.onset import onset_of


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
        if recent and signal.time < recent[-1]:  # delivered out of order: its place among them
            recent.append(signal.time)
            recent.sort()
        else:
            recent.append(signal.time)
    return tuple(recent[-keep:])


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FOLD_EVERY = timedelta(minutes=10)
"""A flapping member's status changes are folded into one counted timeline entry per this interval."""


def fold_start(t: datetime, every: timedelta = FOLD_EVERY) -> datetime:
    """The start of the folding interval holding ``t`` (intervals aligned on the epoch, in UTC)."""
    return t - (t - _EPOCH) % every


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
        "more_members",
        "onset_moved",
        "opened_at",
        "reopened_at",
        "reopens",
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
        self.reopened_at = incident.reopened_at
        self.reopens = incident.reopens
        self.more_members = incident.more_members
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

    def full(self, fp: str, *, counted: bool) -> bool:
        """Whether a signal of ``fp`` finds no room: a new source past :data:`MAX_MEMBERS` is counted
        (once: ``counted`` says its state already points at this incident) and not kept."""
        if fp in self.members or len(self.members) < MAX_MEMBERS:
            return False
        if not counted:
            self.more_members += 1
        return True

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
        what a member is made of; past :data:`FULL_MEMBERS` a new one is kept without its title
        and console URL."""
        incident_id = self.before.id
        old = self.members.get(fp)
        member = old
        status: MemberStatus = signal.status
        t = signal.time
        firing_at = t if status == "firing" else None
        if member is None:  # a deferred alarm's head holds all a member needs: it is not built
            summarised = len(self.members) >= FULL_MEMBERS
            member = Member(
                fingerprint=fp,
                kind=signal.kind,
                resource=signal.resource,
                component=component,
                title="" if summarised else signal.title,
                status=status,
                first_seen=t,
                last_change=t,
                fired_at=firing_at,
                role="evidence" if signal.kind in EVIDENCE_KINDS else "symptom",
                metric=metric_of(signal),
                url="" if summarised else console_url(signal),
                onset=onset_of(signal) if firing_at is not None else None,
                model_id=model_id_of(signal),
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
                    update["onset"] = min(onset_of(signal), member.onset or t)
                if t < member.first_seen:
                    update["first_seen"] = t
                if moved:
                    title = signal.title if member.title else ""  # a summarised member stays so
                    update.update(
                        status=status, last_change=t, title=title, transitions=member.transitions + 1
                    )
                    if is_flapping:  # one counted entry per interval, rewritten in place (same key)
                        start = fold_start(t)
                        # its last change is in this interval (it is no later than t: ``moved``)
                        same = member.folded and member.last_change >= start
                        update["folded"] = folded = member.folded + 1 if same else 1
                        self.entries.append(_folded(incident_id, fp, signal, start, folded))
                    else:
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
        ended = self.mitigated_at or self.resolved_at
        # The member's newest state decides, whoever wrote it (this signal, or the fingerprint state
        # another worker recorded meanwhile): firing since this signal, or since its last change.
        since = t if status == "firing" else member.last_change
        if (
            symptom
            and self.status != "open"
            and member.status == "firing"
            and (ended is None or since > ended)  # a firing signal older than the mitigation is history
        ):
            self.status, self.mitigated_at, self.resolved_at = "open", None, None
            self.reopened_at, self.reopens = since, self.reopens + 1
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
            or self.more_members != b.more_members
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
            "reopened_at": self.reopened_at,
            "reopens": self.reopens,
            "more_members": self.more_members,
        }
        if self._copied:
            update["members"] = self.members
        return b.model_copy(update=update)


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


def _folded(
    incident_id: str, fp: str, signal: Signal | Deferred, start: datetime, count: int
) -> TimelineEntry:
    """A flapping member's changes in the interval from ``start``: one entry, its count rewritten."""
    changes = "1 change" if count == 1 else f"{count} changes"
    since = format_time(start)
    return TimelineEntry(
        incident_id=incident_id,
        at=start,
        key=f"flaps:{fp}:{since}",
        kind="signal",
        text=f"{signal.kind} {signal.resource} flapping: {changes} from {since}, "
        f"last {signal.status} at {format_time(signal.time)}",
    )


def _entry(incident_id: str, signal: Head, kind: str, text: str) -> TimelineEntry:
    return TimelineEntry(
        incident_id=incident_id, at=signal.time, key=f"{kind}:{signal.id}", kind=kind, text=text
    )
