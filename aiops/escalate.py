"""Escalation: page a human once when no fix is under way, resolve the page when the incident resolves,
acknowledge it when a human acknowledges. The dedup key is the incident id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

from aiops.catalog import Catalog
from aiops.decide import matches
from aiops.incident import Escalation, Incident, TimelineEntry
from aiops.playbooks import Playbook
from aiops.ports import Clock, Pager

Update = Callable[[str, Callable[[Incident], tuple[Incident, list[TimelineEntry]]]], Incident]


class Escalator:
    def __init__(
        self, *, catalog: Catalog, playbooks: Sequence[Playbook], pager: Pager | None, clock: Clock
    ) -> None:
        self.catalog = catalog
        self.playbooks = playbooks
        self.pager = pager
        self.clock = clock

    def _now(self, incident: Incident) -> datetime:
        """Never before the newest event seen (as in the pipeline): a lagging clock keeps order."""
        return max(self.clock.now(), incident.last_activity_at)

    def page_now(
        self,
        incident: Incident,
        action: Literal["trigger", "acknowledge", "resolve"],
        why: str,
        update: Update,
        *,
        actor: str = "aiops",
    ) -> Incident:
        """A page a human asked for (Escalate, Acknowledge, Resolve in Slack)."""
        if self.pager is None or any(e.action == action for e in incident.escalations):
            return incident
        if action != "trigger" and not any(e.action == "trigger" for e in incident.escalations):
            return incident  # nothing was paged: nothing to acknowledge or resolve
        return self._page(incident, action, why, update, actor=actor)

    def escalate(self, incident: Incident, update: Update) -> Incident:
        """Page when no fix is under way; resolve the page when the incident resolves."""
        if self.pager is None:
            return incident
        sent = {e.action for e in incident.escalations}
        if incident.status == "resolved":
            if "trigger" in sent and "resolve" not in sent:
                return self._page(incident, "resolve", "incident resolved", update)
            return incident
        if "trigger" in sent or incident.status != "open":
            return incident
        why = self._why_page(incident)
        return self._page(incident, "trigger", why, update) if why else incident

    def _why_page(self, incident: Incident) -> str:
        failed = next((a for a in incident.actions if a.status == "failed"), None)
        if failed is not None:
            if failed.execution_id is None:
                return f"the automatic fix {failed.runbook} {failed.reason}"
            return f"the automatic fix {failed.runbook} failed: {failed.reason}"
        if any(a.status == "skipped" for a in incident.actions):
            skipped = next(a for a in incident.actions if a.status == "skipped")
            return f"the automatic fix was skipped: {skipped.reason}"
        if incident.actions:
            return ""  # running, or waiting for an approval in Slack
        service = self.catalog.service(incident.service)
        if service is None or not any(matches(p, incident) for p in self.playbooks):
            return "no runbook fits this incident"
        return ""

    def _page(
        self,
        incident: Incident,
        action: Literal["trigger", "acknowledge", "resolve"],
        why: str,
        update: Update,
        *,
        actor: str = "aiops",
    ) -> Incident:
        assert self.pager is not None
        now = self._now(incident)
        self.pager.send(
            incident, action, why
        )  # dedup key = incident id: a repeat changes nothing at PagerDuty
        esc = Escalation(target="pagerduty", action=action, at=now, reason=why)

        def record(inc: Incident) -> tuple[Incident, list[TimelineEntry]]:
            if any(e.action == action for e in inc.escalations):
                return inc, []
            entry = TimelineEntry(
                incident_id=inc.id,
                at=now,
                key=f"page:{action}",
                kind="escalated",
                text=f"page {action}: {why}",
                actor=actor,
            )
            return inc.model_copy(update={"escalations": (*inc.escalations, esc)}), [entry]

        return update(incident.id, record)
