"""Severity from measured impact and the service tier, by a documented, configurable policy.

| what burns (fastest firing pair)      | critical | high | medium | low  |
|---------------------------------------|----------|------|--------|------|
| 1h + 5m at 14.4x (2% of budget / h)   | SEV1     | SEV2 | SEV2   | SEV3 |
| 6h + 30m at 6x                        | SEV2     | SEV2 | SEV3   | SEV3 |
| 1d + 2h at 3x                         | SEV3     | SEV3 | SEV4   | SEV4 |
| 3d + 6h at 1x                         | SEV3     | SEV4 | SEV4   | SEV4 |
| measured, no pair fires               | SEV3     | SEV3 | SEV4   | SEV4 |
| cost: forecast over budget            | SEV2     | SEV3 | SEV3   | SEV4 |
| cost: within budget                   | SEV3     | SEV4 | SEV4   | SEV4 |
| impact unknown (no SLO, no data)      | SEV2     | SEV3 | SEV3   | SEV4 |
| forecast alone (a warning, issue 29)  | SEV4     | SEV4 | SEV4   | SEV4 |

The catalog's top-level ``severity_policy`` overrides any cell (keys: ``1h+5m``, ``6h+30m``, ``1d+2h``,
``3d+6h``, ``none``, ``cost_over_budget``, ``cost``, ``unknown``, ``forecast``; each a map of tier to SEV).
An incident whose only firing symptoms are forecasts (aiops/forecast/) is a warning: the ``forecast`` row,
whatever its measured impact, until a real symptom joins it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiops.catalog.model import Service
from aiops.incident.assessment import Impact
from aiops.incident.model import Severity

DEFAULT_POLICY: dict[str, dict[str, Severity]] = {
    "1h+5m": {"critical": "SEV1", "high": "SEV2", "medium": "SEV2", "low": "SEV3"},
    "6h+30m": {"critical": "SEV2", "high": "SEV2", "medium": "SEV3", "low": "SEV3"},
    "1d+2h": {"critical": "SEV3", "high": "SEV3", "medium": "SEV4", "low": "SEV4"},
    "3d+6h": {"critical": "SEV3", "high": "SEV4", "medium": "SEV4", "low": "SEV4"},
    "none": {"critical": "SEV3", "high": "SEV3", "medium": "SEV4", "low": "SEV4"},
    "cost_over_budget": {"critical": "SEV2", "high": "SEV3", "medium": "SEV3", "low": "SEV4"},
    "cost": {"critical": "SEV3", "high": "SEV4", "medium": "SEV4", "low": "SEV4"},
    "unknown": {"critical": "SEV2", "high": "SEV3", "medium": "SEV3", "low": "SEV4"},
    "forecast": {"critical": "SEV4", "high": "SEV4", "medium": "SEV4", "low": "SEV4"},
}
POLICY_KEYS = frozenset(DEFAULT_POLICY)
_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}


def _cell(policy: Mapping[str, Mapping[Any, Severity]], key: str, tier: str) -> Severity:
    return policy.get(key, {}).get(tier) or DEFAULT_POLICY[key][tier]


def initial_severity(
    service: Service | None,
    policy: Mapping[str, Mapping[Any, Severity]] | None = None,
    *,
    warning: bool = False,
) -> Severity:
    """The severity an incident opens with, before impact is measured (``warning``: opened by a forecast)."""
    return _cell(policy or {}, "forecast" if warning else "unknown", service.tier if service else "medium")


def warning_severity(
    service: Service | None, policy: Mapping[str, Mapping[Any, Severity]] | None
) -> Severity:
    """The severity of a warning incident: one whose only firing symptoms are forecasts."""
    return _cell(policy or {}, "forecast", service.tier if service else "medium")


def severity_for(
    impact: Impact | None, service: Service | None, policy: Mapping[str, Mapping[Any, Severity]] | None = None
) -> Severity:
    """The most severe of what the SLO burn and the cost say."""
    policy = policy or {}
    tier = service.tier if service else "medium"
    if impact is None:
        return _cell(policy, "unknown", tier)
    found: list[Severity] = []
    if impact.status == "known" and impact.slo is not None:
        found.append(_cell(policy, impact.firing or "none", tier))
    if impact.cost:
        over = impact.cost.get("overrun_usd")
        found.append(
            _cell(policy, "cost_over_budget" if isinstance(over, float) and over > 0 else "cost", tier)
        )
    if not found:
        return _cell(policy, "unknown", tier)
    return min(found, key=lambda s: _RANK[s])
