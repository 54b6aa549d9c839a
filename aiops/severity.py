"""Severity: until impact is measured, the service tier decides."""

from __future__ import annotations

from aiops.catalog import Service
from aiops.incident import Severity

TIER_DEFAULT: dict[str, Severity] = {"critical": "SEV2", "high": "SEV3", "medium": "SEV3", "low": "SEV4"}


def initial_severity(service: Service | None) -> Severity:
    """The severity an incident opens with: by tier; an unowned signal is SEV3 until someone looks."""
    if service is None:
        return "SEV3"
    return TIER_DEFAULT[service.tier]
