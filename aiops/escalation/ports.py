"""The ports of escalation: the pager and the timers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aiops.incident.model import (
    PageAction,
    PageTarget,
    Severity,
    Timer,
)


@dataclass(frozen=True, slots=True)
class Page:
    """One page, whatever carries it (PagerDuty Events v2, or SNS): built by :mod:`.page_content`."""

    dedup_key: str
    """The incident id: trigger, acknowledge and resolve of one incident share it."""
    service: str
    action: PageAction
    severity: Severity
    summary: str
    """At most 1,024 characters (PagerDuty's limit)."""
    component: str
    details: Mapping[str, Any]
    links: tuple[tuple[str, str], ...]
    """(href, text) pairs: the Slack thread, the consoles."""
    at: datetime
    prefer: PageTarget | None = None
    """Where this incident's page went before: its acknowledge and resolve follow it there."""
    fallback: PageTarget | None = None
    """A second target the incident's page went to before (see ``Escalation.fallback``): told too."""


@dataclass(frozen=True, slots=True)
class Delivery:
    target: PageTarget
    error: str = ""
    """What went wrong on the way (e.g. PagerDuty failed and SNS took it)."""
    fallback: PageTarget | None = None
    """A second target that took it (``target`` may have taken it too: its answer was lost)."""


@dataclass(frozen=True, slots=True)
class ChangeNote:
    """A change the bot made (a runbook run), for the service's PagerDuty timeline."""

    service: str
    summary: str
    at: datetime
    details: Mapping[str, Any]
    links: tuple[tuple[str, str], ...] = ()


class Pager(Protocol):
    """PagerDuty Events v2, SNS for services without a routing key and as the fallback."""

    def send(self, page: Page) -> Delivery:
        """Deliver ``page`` within a bounded time. :class:`~aiops.errors.PageRejectedError` when it was
        refused as invalid (not to be retried); :class:`~aiops.errors.PagerError` when no target took
        it (try again later)."""
        ...

    def change(self, note: ChangeNote) -> None:
        """Record a change on the service's PagerDuty timeline (best effort; nothing without a key)."""
        ...


class Scheduler(Protocol):
    """One-time timers (EventBridge Scheduler ``at(...)`` schedules that delete themselves)."""

    def schedule(self, timer: Timer, incident_id: str) -> None:
        """Fire ``timer`` at ``timer.at`` for the incident; the same name again moves it (idempotent)."""
        ...

    def cancel(self, name: str) -> None:
        """Cancel a timer; one already gone (fired, or never made) is fine."""
        ...
