"""The two projections: the model's tokens-per-minute quota and the month's Bedrock spend.

Quota: the per-minute sums of ``EstimatedTPMQuotaUsage`` over the last ``window_minutes`` (default 20),
fitted (method.py); WARNING when the quota is projected to be reached within ``horizon_minutes``
(default 30), OK when it is not within 1.5 x the horizon (or growth is not significant, or there is too
little traffic to fit), nothing in between (the previous state holds: no flapping at the edge).

Cost: hourly spend from ``InputTokenCount`` and ``OutputTokenCount`` at the catalog's prices, since the
month began. The month-end spend is projected as the month-to-date spend plus the last 24 hours' fitted
hourly rate (its level now) over the hours left; its band is two standard errors of the level over
those hours plus two residual errors of the hours themselves. WARNING over the budget, OK under 95 %
of it, nothing in between; fewer than 15 hourly points: nothing.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from aiops.catalog.forecast import ForecastSettings
from aiops.forecast.method import MIN_POINTS, SIGMAS, crossing, fit
from aiops.signals.model import ForecastWhat

State = Literal["WARNING", "OK"]
Series = Sequence[tuple[datetime, float]]
COST_WINDOW_HOURS = 24
RESOLVE_FACTOR = 1.5
"""OK only when the projected crossing is beyond 1.5 x the horizon (hysteresis)."""
COST_RESOLVE_SHARE = 0.95


@dataclass(frozen=True)
class Projection:
    service: str
    component: str
    what: ForecastWhat
    resource: str
    state: State | None
    """None: inside the hysteresis band, or too little data for a cost projection: say nothing."""
    summary: str
    namespace: str
    metric: str
    dimensions: Mapping[str, str] = field(default_factory=dict)
    threshold: float | None = None
    threshold_source: str = ""
    current: float | None = None
    rate: float | None = None
    projected: float | None = None
    eta_minutes: float | None = None
    band_low: float | None = None
    band_high: float | None = None
    window_minutes: int | None = None
    points: int | None = None


def _k(value: float) -> str:
    return f"{value / 1000:,.0f}k" if abs(value) >= 10_000 else f"{value:,.0f}"


def quota(
    service: str,
    model_id: str,
    usage: Series,
    tpm_quota: float,
    quota_source: str,
    now: datetime,
    settings: ForecastSettings,
    *,
    component: str = "model",
) -> Projection:
    """The quota projection of one model from its per-minute EstimatedTPMQuotaUsage sums."""
    window = settings.window_minutes
    start = now - timedelta(minutes=window)
    points = [((t - now).total_seconds() / 60, v) for t, v in sorted(usage) if start < t <= now]
    base = Projection(
        service=service,
        component=component,
        what="tpm_quota",
        resource=f"{service}-forecast-tpm-quota-{model_id}",
        state="OK",
        summary="",
        namespace="AWS/Bedrock",
        metric="EstimatedTPMQuotaUsage",
        dimensions={"ModelId": model_id},
        threshold=tpm_quota,
        threshold_source=quota_source,
        current=points[-1][1] if points else None,
        window_minutes=window,
        points=len(points),
    )
    quota_text = f"quota {_k(tpm_quota)} TPM ({quota_source})"
    f = fit(points, span=window)
    if f is None:
        return _with(
            base, summary=f"{model_id}: too little traffic to project ({len(points)} points); {quota_text}"
        )
    c = crossing(f, tpm_quota, 0.0)
    now_text = f"now {_k(base.current or 0.0)}"
    if c is None:
        return _with(
            base,
            rate=f.slope,
            summary=f"{model_id}: no significant growth over the last {window} min; {quota_text}, {now_text}",
        )
    horizon = settings.horizon_minutes
    state: State | None = (
        "WARNING" if c.minutes <= horizon else "OK" if c.minutes > RESOLVE_FACTOR * horizon else None
    )
    summary = (
        f"{model_id}: at the last {window} min's growth (+{_k(f.slope)} TPM per minute), InvocationThrottles"
        f" in about {c.minutes:.0f} min (band {c.early:.0f}-{c.late:.0f} min; {quota_text}, {now_text};"
        f" {f.points} points)"
    )
    if state == "OK":
        summary = (
            f"{model_id}: quota not projected to run out within {horizon} min: " + summary.split(": ", 1)[1]
        )
    return _with(
        base,
        state=state,
        summary=summary,
        rate=f.slope,
        eta_minutes=round(c.minutes, 1),
        band_low=round(c.early, 1),
        band_high=round(c.late, 1),
    )


def hourly_cost(
    input_tokens: Series, output_tokens: Series, settings: ForecastSettings
) -> list[tuple[datetime, float]]:
    """USD per hour from hourly token sums at the catalog's prices (per 1,000 tokens)."""
    pin = settings.price_per_1k_input_tokens or 0.0
    pout = settings.price_per_1k_output_tokens or 0.0
    hours: dict[datetime, float] = {}
    for t, v in input_tokens:
        hours[t] = hours.get(t, 0.0) + v / 1000 * pin
    for t, v in output_tokens:
        hours[t] = hours.get(t, 0.0) + v / 1000 * pout
    return sorted(hours.items())


def month_start(now: datetime) -> datetime:
    n = now.astimezone(UTC)
    return n.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_end(now: datetime) -> datetime:
    start = month_start(now)
    return start + timedelta(days=calendar.monthrange(start.year, start.month)[1])


def cost(service: str, hourly: Series, now: datetime, settings: ForecastSettings) -> Projection:
    """The month-end spend projection from the month's hourly spend."""
    budget = settings.monthly_budget_usd or 0.0
    start = month_start(now)
    month = [(t, v) for t, v in hourly if start <= t <= now]
    mtd = sum(v for _, v in month)
    recent = [
        ((t - now).total_seconds() / 3600, v)
        for t, v in month
        if t > now - timedelta(hours=COST_WINDOW_HOURS)
    ]
    base = Projection(
        service=service,
        component="cost",
        what="monthly_cost",
        resource=f"{service}-forecast-monthly-cost",
        state=None,
        summary="",
        namespace="AWS/Bedrock",
        metric="OutputTokenCount",
        threshold=budget,
        threshold_source="catalog forecast.monthly_budget_usd",
        current=round(mtd, 2),
        window_minutes=COST_WINDOW_HOURS * 60,
        points=len(recent),
    )
    f = fit(recent)
    if f is None:
        return _with(
            base, summary=f"{service}: {len(recent)} hourly points, fewer than {MIN_POINTS}: no projection"
        )
    left = max(0.0, (month_end(now) - now).total_seconds() / 3600)
    rate = max(0.0, f.at(0.0))
    projected = mtd + rate * left
    spread = SIGMAS * (f.level_se(0.0) * left + f.residual_se * math.sqrt(left))
    state: State | None = (
        "WARNING" if projected > budget else "OK" if projected < COST_RESOLVE_SHARE * budget else None
    )
    verb = "over" if projected > budget else "within"
    low, high = max(0.0, projected - spread), projected + spread
    summary = (
        f"{service}: the month's Bedrock spend projected at ${projected:,.0f} (band ${low:,.0f}-${high:,.0f})"
        f", {verb} the ${budget:,.0f} budget: ${mtd:,.0f} so far, ${rate:,.2f}/h over the last"
        f" {COST_WINDOW_HOURS} h, {left:.0f} h left"
    )
    return _with(
        base,
        state=state,
        summary=summary,
        rate=round(rate, 4),
        projected=round(projected, 2),
        band_low=round(low, 2),
        band_high=round(high, 2),
    )


def _with(p: Projection, **changes: object) -> Projection:
    return replace(p, **changes)  # type: ignore[arg-type]
