"""What the pipeline's stages share: its settings and the outcome of one batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from aiops.catalog.model import Service
from aiops.diagnosis.rootcause import DEFAULT_LOOKBACK
from aiops.incident.model import Incident

PROVIDER_SERVICES = frozenset({"BEDROCK"})
PROVIDER_METRICS = frozenset({"AWS/Bedrock/InvocationServerErrors", "AWS/Bedrock/InvocationThrottles"})
"""Alarms on these are remembered per region: Bedrock failing for several services at once is the
provider's outage (docs/root-cause.md)."""
"""AWS Health services whose issues explain a failing ``model`` component."""
ACTIVITY_STEP = timedelta(minutes=1)
"""An incident's activity time is rewritten at most this often by repeats (it only feeds the window)."""
SILENCE_REFRESH = timedelta(seconds=30)
IMPACT_REFRESH = timedelta(minutes=1)
"""Impact is re-read from CloudWatch at most this often per incident (a storm does not hammer it)."""
AUTOMATION_STATUS = {
    "Success": "succeeded",
    "Failed": "failed",
    "TimedOut": "failed",
    "Cancelled": "failed",
    "CompletedWithFailure": "failed",
}
"""SSM's final execution statuses; the others (Pending, InProgress, Waiting ...) are still running."""


@dataclass(frozen=True)
class Settings:
    dedup_ttl: timedelta = timedelta(days=2)
    flap_window: timedelta = timedelta(hours=1)
    flap_threshold: int = 4
    """More status changes than this within ``flap_window`` mark the incident flapping."""
    change_lookback: timedelta = DEFAULT_LOOKBACK
    context_ttl: timedelta = timedelta(days=2)
    health_lookback: timedelta = timedelta(hours=12)
    unowned_group_window: timedelta = timedelta(minutes=30)
    unowned_quiet_period: timedelta = timedelta(0)
    """Grouping and quiet period of signals that match no service in the catalog."""
    max_conflict_retries: int = 8
    max_failure_retries: int = 4
    """An item whose store call failed is tried this many more times within the invocation."""
    max_act_attempts: int = 2
    """Attempts at remediating, and at escalating, a changed incident within the invocation."""
    worker_lifetime: timedelta = timedelta(seconds=30)
    """The ingest function's timeout: after this, a worker that opened an incident and has not assessed
    it is dead (killed at the timeout), and the flush assesses it instead (:meth:`.fold.Folder.owed`)."""
    max_event_age: timedelta = timedelta(days=30)
    max_event_lead: timedelta = timedelta(days=1)
    """The window around the clock an event's time must fall in (see :mod:`aiops.pipeline.admit`)."""

    def group_window(self, service: Service | None) -> timedelta:
        return timedelta(minutes=service.group_window_minutes) if service else self.unowned_group_window

    def quiet_period(self, service: Service | None) -> timedelta:
        return timedelta(minutes=service.quiet_period_minutes) if service else self.unowned_quiet_period


@dataclass
class BatchResult:
    signals: int = 0
    duplicates: int = 0
    recorded: int = 0
    incidents: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    """Ids of the batch items whose signals could not be processed (the caller retries them)."""
    opened: set[str] = field(default_factory=set)
    """Incidents this batch opened."""
    resolved: list[float] = field(default_factory=list)
    """For each incident this batch (or tick) resolved: seconds from opened to resolved."""

    def saw(self, before: Incident | None, after: Incident) -> None:
        """Count what a change of one incident means for the bot's own metrics."""
        newly = before is None or before.status != "resolved"
        if after.status == "resolved" and after.resolved_at is not None and newly:
            self.resolved.append(max(0.0, (after.resolved_at - after.opened_at).total_seconds()))
