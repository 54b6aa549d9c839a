"""What people do from Slack: acknowledge, resolve, silence. Each lands on the timeline with who did it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiops.incident import Ack, Incident, TimelineEntry
from aiops.notify import Notifier
from aiops.pipeline.silences import SilenceView
from aiops.pipeline.update import Updater
from aiops.ports import Clock, IncidentStore, Silence, SilenceStore
from aiops.remediate import Remediation
from aiops.signals.model import format_time


class HumanActions:
    def __init__(
        self,
        *,
        incidents: IncidentStore,
        silences: SilenceStore,
        silence_view: SilenceView,
        notifier: Notifier | None,
        remediation: Remediation | None,
        clock: Clock,
        update: Updater,
        notify: Callable[[Incident], object],
    ) -> None:
        self.incidents = incidents
        self.silences = silences
        self.silence_view = silence_view
        self.notifier = notifier
        self.remediation = remediation
        self.clock = clock
        self.update = update
        self.notify = notify

    def acknowledge(self, incident_id: str, by: str) -> Incident:
        """Mark the incident acknowledged by ``by`` (once: a second click changes nothing)."""
        now = self.clock.now()

        def ack(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            if inc.acknowledged is not None:
                return inc, []
            entry = TimelineEntry(
                incident_id=inc.id,
                at=now,
                key=f"ack:{by}",
                kind="acknowledged",
                text=f"acknowledged by {by}",
                actor=by,
            )
            return inc.model_copy(update={"acknowledged": Ack(by=by, at=now)}), [entry]

        incident = self.update(incident_id, ack)
        if self.remediation is not None:  # cancels a delayed page; acknowledges an open one
            incident = self.remediation.escalator.escalate(incident, self.update)
        self.notify(incident)
        return incident

    def resolve_by(self, incident_id: str, by: str) -> Incident:
        """A human resolves the incident (the Resolve button): resolved now, whatever still fires."""
        now = self.clock.now()

        def resolve(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            if inc.status == "resolved":
                return inc, []
            entry = TimelineEntry(
                incident_id=inc.id,
                at=max(now, inc.last_activity_at),
                key=f"resolved-by:{by}",
                kind="resolved",
                text=f"resolved by {by}",
                actor=by,
            )
            return inc.model_copy(update={"status": "resolved", "resolved_at": entry.at}), [entry]

        incident = self.update(incident_id, resolve)
        if self.remediation is not None:  # a human said so: the page resolves now
            incident = self.remediation.after_change(incident, self.update, settle_now=True)
        self.notify(incident)
        return incident

    def silence(self, service: str, component: str | None, until: datetime, by: str) -> None:
        self.silences.silence(Silence(service, component, until, by))
        self.silence_view.forget(service)
        current = self.incidents.open_for(service)
        if current is not None:
            entry = TimelineEntry(
                incident_id=current.id,
                at=max(self.clock.now(), current.last_activity_at),
                key=f"silenced:{by}:{format_time(until)}",
                kind="silenced",
                text=f"notifications silenced until {format_time(until)} by {by}",
                actor=by,
            )
            incident = self.update(current.id, lambda inc: (inc, [entry]))
            if self.notifier is not None:
                self.notifier.sync(incident)  # the last word before the silence
