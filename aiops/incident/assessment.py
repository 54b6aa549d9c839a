"""What the diagnosis concluded about an incident's impact, as the incident records it: the SLO
assessment and the cost facts. Computed by :mod:`aiops.diagnosis.impact`; stored, shown and paged from
here, so that the record does not depend on the arithmetic."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Impact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    status: Literal["known", "unknown"]
    reason: str = ""
    slo: str | None = None
    objective: float | None = None
    burn_rate: float | None = None
    """The 1h burn rate (the long window of the fastest page pair)."""
    burn_rates: dict[str, float] = {}
    firing: str | None = None
    """The fastest burn-rate pair that fires (e.g. ``1h+5m``), or None."""
    budget_remaining_pct: float | None = None
    time_to_exhaustion_hours: float | None = None
    failing_requests_per_minute: float | None = None
    revenue_at_risk_usd_per_hour: float | None = None
    coverage_hours: float | None = None
    """How much of the SLO window the data covers (a young service has less than the window)."""
    cost: dict[str, float | str | None] | None = None


class CostFacts(BaseModel):
    """What the incident's budget and cost-anomaly alerts said, latest first."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    budget_name: str | None = None
    limit_usd: float | None = None
    actual_usd: float | None = None
    forecast_usd: float | None = None
    forecast_source: Literal["alert", "linear fit"] | None = None
    anomaly_impact_usd: float | None = None
    anomaly_max_impact_usd: float | None = None
    anomaly_service: str | None = None
