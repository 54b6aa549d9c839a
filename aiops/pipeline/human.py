"""What people do from Slack (acknowledge, resolve, silence) and in PagerDuty (acknowledge or resolve a
page, told by its webhook). Each lands on the timeline with who did it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from aiops.escalation.page_content import PagerNotice
from aiops.escalation.page_plan import received
from aiops.incident.model import Ack, Incident, TimelineEntry
from aiops.incident.ports import Clock, IncidentStore, Silence, SilenceStore
from aiops.pipeline.silences import SilenceView
from aiops.pipeline.update import Updater
from aiops.present.slack_thread import Notifier
from aiops.remediation.remediate import Remediation
from aiops.signals.model import format_time

log = logging.getLogger(__name__)


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

    def acknowledge(self, incident_id: str, by: str, *, in_pager: bool = False) -> Incident:
        """Mark the incident acknowledged by ``by`` (once: a second click changes nothing). A pending
        delayed page is cancelled; an open page is acknowledged, unless ``in_pager``: acknowledged in
        PagerDuty itself, so the page is recorded as acknowledged there and never sent back."""
        now = self.clock.now()

        def ack(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            fields: dict[str, object] = {}
            entries = []
            if inc.acknowledged is None:
                entries.append(
                    TimelineEntry(
                        incident_id=inc.id,
                        at=now,
                        key=f"ack:{by}",
                        kind="acknowledged",
                        text=f"acknowledged by {by}",
                        actor=by,
                    )
                )
                fields["acknowledged"] = Ack(by=by, at=now)
            if in_pager and (escalations := received(inc, "acknowledge", by, now)) != inc.escalations:
                fields["escalations"] = escalations
            return (inc.model_copy(update=fields), entries) if fields else (inc, [])

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

    def resolved_in_pager(self, incident_id: str, by: str) -> Incident:
        """A person resolved the incident's page in PagerDuty. The page is recorded resolved (the bot
        never resolves it again) and, while the incident is active, a person has it: it counts as
        acknowledged, so it is not paged again this episode. The incident itself still follows its
        signals: one whose alarms still fire stays open, and comes back paging once it settled and
        fires again."""
        now = self.clock.now()

        def resolve(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            escalations = received(inc, "resolve", by, now)
            if escalations == inc.escalations:
                return inc, []  # not open in PagerDuty: the bot resolved it (told back), or never paged
            fields: dict[str, object] = {"escalations": escalations}
            if inc.acknowledged is None and inc.is_active:
                fields["acknowledged"] = Ack(by=by, at=now)
            firing = len(inc.firing)
            still = f"; the incident stays {inc.status} while {firing} signal(s) fire" if firing else ""
            triggers = sum(e.action == "trigger" for e in inc.escalations)
            entry = TimelineEntry(
                incident_id=inc.id,
                at=now,
                key=f"pager-resolved:{triggers}",
                kind="escalated",
                text=f"page resolved in PagerDuty by {by}{still}",
                actor=by,
            )
            return inc.model_copy(update=fields), [entry]

        incident = self.update(incident_id, resolve)
        if self.remediation is not None:  # cancels the timers a person having it makes moot
            incident = self.remediation.escalator.escalate(incident, self.update)
        self.notify(incident)
        return incident

    def on_pager(self, notice: PagerNotice) -> Incident | None:
        """What PagerDuty says a person did to a page; None when it is about no current page of ours."""
        incident = self.incidents.get(notice.incident_id)
        if incident is None:
            log.info("pager.unknown_incident", extra={"incident_id": notice.incident_id})
            return None
        if notice.at < (incident.episode_at or incident.opened_at):
            # a late delivery about the page of an earlier episode (resolved since): not this one's
            log.info("pager.earlier_episode", extra={"incident_id": incident.id, "event": notice.event_id})
            return None
        if notice.kind == "acknowledged":
            return self.acknowledge(incident.id, notice.by, in_pager=True)
        return self.resolved_in_pager(incident.id, notice.by)

    def silence(self, service: str, component: str | None, until: datetime, by: str) -> None:
        self.silences.silence(Silence(service, component, until, by))
        self.silence_view.forget(service)
        for current in self.incidents.open_in(service):  # each account and region
            entry = TimelineEntry(
                incident_id=current.id,
                at=max(self.clock.now(), current.last_activity_at),
                key=f"silenced:{by}:{format_time(until)}",
                kind="silenced",
                text=f"notifications silenced until {format_time(until)} by {by}",
                actor=by,
            )
            incident = self.update(current.id, partial(_with_entry, entry=entry))
            if self.notifier is not None:
                self.notifier.sync(incident)  # the last word before the silence


def _with_entry(incident: Incident, *, entry: TimelineEntry) -> tuple[Incident, list[TimelineEntry]]:
    return incident, [entry]
