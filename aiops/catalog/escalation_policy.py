"""The escalation policy: when a human is paged, by severity, with defaults overridable per service.

A rule is ``now`` (page at once), ``never`` (stays in Slack) or a delay such as ``15m`` / ``2h`` (page
when not acknowledged within it). ``resolve_after``: how long an incident must stay resolved before
its page is resolved and the thread says so (a flapping incident waits ``resolve_after_flapping``).

Built in (README): SEV1 and SEV2 ``now``, SEV3 ``15m``, SEV4 ``never``; resolve after 10 minutes of
calm, 30 when flapping. Signals of no known service (``unowned``) follow their own, quieter policy:
SEV1 ``now``, SEV2 ``15m``, SEV3 and SEV4 ``never``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

SeverityName = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
_RULE = re.compile(r"^(now|never|(\d{1,4})([mh]))$")


def parse_rule(text: str) -> timedelta | None:
    """``now`` -> 0, ``never`` -> None, ``15m`` -> 15 minutes (ValueError otherwise)."""
    m = _RULE.match(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not now, never or a delay like 15m or 2h")
    if m.group(1) == "now":
        return timedelta(0)
    if m.group(1) == "never":
        return None
    n = int(m.group(2))
    return timedelta(minutes=n) if m.group(3) == "m" else timedelta(hours=n)


def _duration(text: str) -> str:
    if parse_rule(text) is None:
        raise ValueError("a duration is needed here, not never")
    return text


class PolicyOverride(BaseModel):
    """What a catalog (top level ``escalation`` / ``unowned_escalation``, or a service's
    ``escalation``) changes; every key is optional."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    SEV1: str | None = None
    SEV2: str | None = None
    SEV3: str | None = None
    SEV4: str | None = None
    resolve_after: str | None = None
    resolve_after_flapping: str | None = None

    @field_validator("SEV1", "SEV2", "SEV3", "SEV4")
    @classmethod
    def _rule(cls, value: str | None) -> str | None:
        if value is not None:
            parse_rule(value)
        return value

    @field_validator("resolve_after", "resolve_after_flapping")
    @classmethod
    def _after(cls, value: str | None) -> str | None:
        return _duration(value) if value is not None else None


class Policy(BaseModel):
    """The policy in force for one service (defaults with the overrides applied)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    SEV1: str = "now"
    SEV2: str = "now"
    SEV3: str = "15m"
    SEV4: str = "never"
    resolve_after: str = "10m"
    resolve_after_flapping: str = "30m"

    def page_after(self, severity: SeverityName) -> timedelta | None:
        """0: page at once; a delay: page when not acknowledged within it; None: never page."""
        rule: str = getattr(self, severity)
        return parse_rule(rule)

    def resolve_hold(self, *, flapping: bool) -> timedelta:
        hold = parse_rule(self.resolve_after_flapping if flapping else self.resolve_after)
        return hold if hold is not None else timedelta(0)

    def with_override(self, override: PolicyOverride | None) -> Policy:
        if override is None:
            return self
        return self.model_copy(update=override.model_dump(exclude_none=True))


DEFAULT = Policy()
UNOWNED_DEFAULT = Policy(SEV2="15m", SEV3="never")


def policy_for(
    *,
    owned: bool,
    catalog_default: PolicyOverride | None,
    unowned: PolicyOverride | None,
    service: PolicyOverride | None,
) -> Policy:
    """Built-in defaults <- the catalog's top level <- the service's own (unowned: its own policy)."""
    if not owned:
        return UNOWNED_DEFAULT.with_override(unowned)
    return DEFAULT.with_override(catalog_default).with_override(service)
