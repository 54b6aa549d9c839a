"""Past incidents like this one: what the history index found for an incident's signature (pure data).

The signature (see :mod:`aiops.incident.signature`) is the root-cause component, the kind of suspected
change and the set of failing metric families. The pipeline looks it up when an incident opens or its
signature changes, and keeps what it found on the incident, so the Slack message, the page and the
postmortem all say "seen 3 times in 30 days; last on Nov 28: PromptRollback, verified".
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

SIMILAR_WINDOW_DAYS = 30
"""How far back "seen N times" looks, from the incident's opening."""
SAME_SERVICE_LIMIT = 50
"""Past incidents of the same service read at most (one Query): past it, "seen 50+ times"."""
OTHER_SERVICES_LIMIT = 3
"""Incidents of other services with the same signature shown, lower ranked (one Query)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class PastIncident(_Frozen):
    id: str
    service: str
    opened_at: datetime
    outcome: str = ""
    """How it ended: "PromptRollback, verified", "paged", ... (read for the ones shown)."""
    thread_url: str = ""


class Similar(_Frozen):
    signature: str
    """The signature's key in the history index (a digest of ``label``)."""
    label: str
    """The signature as people read it: ``prompt · prompt change · errors+latency``."""
    window_days: int = SIMILAR_WINDOW_DAYS
    count: int = 0
    """Past incidents of the same service with this signature in the window (this one not counted)."""
    capped: bool = False
    """``count`` reached the read limit: there may be more."""
    last: PastIncident | None = None
    """The most recent of them (of another service when the service has none)."""
    others: tuple[PastIncident, ...] = ()
    """Incidents of other services with the same signature, newest first (lower ranked)."""

    @property
    def found(self) -> bool:
        return self.count > 0 or bool(self.others)


def similar_text(similar: Similar) -> str:
    """``seen 3 times in 30 days; last on Nov 28: PromptRollback, verified`` (plain text, not escaped)."""
    if not similar.found:
        return ""
    parts = []
    if similar.count:
        times = "once" if similar.count == 1 else f"{similar.count}{'+' if similar.capped else ''} times"
        parts.append(f"seen {times} in {similar.window_days} days")
    last = similar.last
    if last is not None:
        where = "" if similar.count else f" on {last.service}"
        outcome = f": {last.outcome}" if last.outcome else ""
        parts.append(f"last{where} on {last.opened_at:%b} {last.opened_at.day}{outcome}")
    others = [o for o in similar.others if last is None or o.id != last.id]
    if similar.count and others:
        services = sorted({o.service for o in others})
        parts.append(f"also on {', '.join(services)}")
    return "; ".join(parts)
