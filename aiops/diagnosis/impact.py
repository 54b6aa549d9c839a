"""Business impact against SLOs (pure): multi-window burn rates, error budget, dollars at risk, severity.

The burn-rate method is the Google SRE Workbook's (chapter "Alerting on SLOs"):

- error rate over a window = bad / total; burn rate = error rate / (1 - objective);
- a pair of windows fires when both burn faster than its threshold: 1h + 5m at 14.4x and 6h + 30m at 6x
  page; 1d + 2h at 3x and 3d + 6h at 1x open a ticket (the latter only when the data covers them);
- error budget remaining over the SLO window = 1 - bad / ((1 - objective) x total);
- time to exhaustion at the current (1h) burn = remaining fraction x window / burn rate.

A service with no SLO, no traffic or unreadable metrics gets impact "unknown" with the reason: never a
made-up number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from aiops.catalog.model import MetricSpec, Service, Slo
from aiops.errors import CatalogError
from aiops.incident.assessment import CostFacts, Impact

SHORT_PERIOD = 60
"""Seconds per datapoint of the page windows (5m .. 6h)."""
LONG_PERIOD = 3600
"""Seconds per datapoint of the ticket windows (2h .. 3d) and of the error budget."""
SHORT_SPAN = timedelta(hours=6)

WINDOWS: dict[str, timedelta] = {
    "5m": timedelta(minutes=5),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "6h": timedelta(hours=6),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
}


@dataclass(frozen=True)
class BurnPair:
    name: str
    long: str
    short: str
    threshold: float
    action: Literal["page", "ticket"]


PAIRS: tuple[BurnPair, ...] = (
    BurnPair("1h+5m", "1h", "5m", 14.4, "page"),
    BurnPair("6h+30m", "6h", "30m", 6.0, "page"),
    BurnPair("1d+2h", "1d", "2h", 3.0, "ticket"),
    BurnPair("3d+6h", "3d", "6h", 1.0, "ticket"),
)


@dataclass(frozen=True)
class Query:
    """One metric series to read: ``id`` is unique within an assessment."""

    id: str
    metric: MetricSpec
    period: int


Series = Sequence[tuple[datetime, float]]


def queries_for(service: Service) -> list[Query]:
    """Every series the service's SLOs need, at both resolutions."""
    out: list[Query] = []
    for n, slo in enumerate(service.slos):
        latency = slo.sli.latency.metric if slo.sli.latency else None
        roles = (("bad", slo.sli.bad), ("good", slo.sli.good), ("total", slo.sli.total), ("latency", latency))
        for role, spec in roles:
            if spec is None:
                continue
            out.append(Query(f"s{n}_{role}_short", spec, SHORT_PERIOD))
            out.append(Query(f"s{n}_{role}_long", spec, LONG_PERIOD))
    return out


def _sum(series: Series, since: datetime, until: datetime) -> float:
    """Datapoints of buckets labelled in (since, until]: a 5-minute window ending now holds 5 minutes."""
    return sum(v for t, v in series if since < t <= until)


@dataclass(frozen=True)
class _Counts:
    bad: float
    total: float


def _window(
    data: Mapping[str, Series], n: int, slo: Slo, resolution: str, since: datetime, until: datetime
) -> _Counts:
    if slo.sli.latency is not None:  # time slices: a slice is bad when its statistic exceeds the threshold
        slices = [v for t, v in data.get(f"s{n}_latency_{resolution}", ()) if since < t <= until]
        return _Counts(float(sum(v > slo.sli.latency.threshold_ms for v in slices)), float(len(slices)))
    total = _sum(data.get(f"s{n}_total_{resolution}", ()), since, until)
    if slo.sli.bad is not None:
        bad = _sum(data.get(f"s{n}_bad_{resolution}", ()), since, until)
    else:
        bad = max(0.0, total - _sum(data.get(f"s{n}_good_{resolution}", ()), since, until))
    return _Counts(min(bad, total), total)


def burn_rate(bad: float, total: float, objective_pct: float) -> float | None:
    """error rate / (1 - objective); None without traffic."""
    if total <= 0:
        return None
    return (bad / total) / (1.0 - objective_pct / 100.0)


def budget_consumed(burn: float, window: timedelta, slo_window: timedelta) -> float:
    """Fraction of the SLO window's error budget that burning at ``burn`` for ``window`` consumes."""
    return burn * (window / slo_window)


def assess_slo(
    slo: Slo,
    n: int,
    data: Mapping[str, Series],
    now: datetime,
    *,
    requests_per_minute: float | None,
    revenue_per_request: float | None,
) -> Impact:
    objective = slo.objective
    burns: dict[str, float] = {}
    for name, span in WINDOWS.items():
        resolution = "short" if span <= SHORT_SPAN else "long"
        # The long resolution buckets by the hour: a window ending now includes the current hour.
        since = now - span
        counts = _window(data, n, slo, resolution, since, now)
        b = burn_rate(counts.bad, counts.total, objective)
        if b is not None:
            burns[name] = round(b, 3)
    if not burns:
        return Impact(status="unknown", reason=_no_traffic(slo, n, data), slo=slo.name, objective=objective)
    firing = next(
        (
            p.name
            for p in PAIRS
            if p.long in burns
            and p.short in burns
            and burns[p.long] > p.threshold
            and burns[p.short] > p.threshold
        ),
        None,
    )
    slo_window = timedelta(days=slo.window_days)
    long_series = [data.get(f"s{n}_{role}_long") or () for role in ("bad", "good", "total", "latency")]
    whole = _window(data, n, slo, "long", now - slo_window, now)
    remaining = None
    if whole.total > 0:
        allowed = (1.0 - objective / 100.0) * whole.total
        remaining = round(100.0 * (1.0 - whole.bad / allowed), 2)
    stamps = [t for series in long_series for t, _ in series if now - slo_window <= t <= now]
    coverage = round((now - min(stamps)).total_seconds() / 3600, 1) if stamps else None
    current = burns.get("1h")
    exhaustion = None
    if current and remaining is not None and current > 0:
        exhaustion = round(max(remaining, 0.0) / 100.0 * slo_window.total_seconds() / 3600 / current, 2)
    error_rate_now = _error_rate(data, n, slo, now)
    failing = revenue = None
    if requests_per_minute is not None and error_rate_now is not None:
        failing = round(error_rate_now * requests_per_minute, 2)
        if revenue_per_request is not None:
            revenue = round(failing * 60 * revenue_per_request, 2)
    return Impact(
        status="known",
        slo=slo.name,
        objective=objective,
        burn_rate=current,
        burn_rates=burns,
        firing=firing,
        budget_remaining_pct=remaining,
        time_to_exhaustion_hours=exhaustion,
        failing_requests_per_minute=failing,
        revenue_at_risk_usd_per_hour=revenue,
        coverage_hours=coverage,
    )


def describe_metric(spec: MetricSpec) -> str:
    """A metric as a person names it: ``AWS/Bedrock Invocations {ModelId=...} (Sum)``."""
    dims = ", ".join(f"{k}={v}" for k, v in sorted(spec.dimensions.items()))
    return f"{spec.namespace} {spec.metric}" + (f" {{{dims}}}" if dims else "") + f" ({spec.stat})"


def _no_traffic(slo: Slo, n: int, data: Mapping[str, Series]) -> str:
    """Why an SLO has no burn rate, naming the metric that has no traffic (its denominator)."""
    role, spec = ("latency", slo.sli.latency.metric) if slo.sli.latency else ("total", slo.sli.total)
    if spec is None:  # a ratio SLI has a total: the catalog refuses one without
        raise CatalogError(f"SLO {slo.name}: a ratio SLI without a total metric")
    seen = any(data.get(f"s{n}_{role}_{r}") for r in ("short", "long"))
    if not seen:
        return f"no datapoints of {describe_metric(spec)}, the {role} of SLO {slo.name}"
    return f"no traffic: {describe_metric(spec)}, the {role} of SLO {slo.name}, is 0 in every window"


def _error_rate(data: Mapping[str, Series], n: int, slo: Slo, now: datetime) -> float | None:
    """The current error rate: the 5-minute window (the page pairs' short window)."""
    counts = _window(data, n, slo, "short", now - WINDOWS["5m"], now)
    return counts.bad / counts.total if counts.total > 0 else None


def assess(
    service: Service | None, data: Mapping[str, Series] | None, now: datetime, *, error: str = ""
) -> Impact:
    """The impact on the service's most affected SLO (the one burning fastest)."""
    if service is None:
        return Impact(status="unknown", reason="the signal matches no service in the catalog")
    if not service.slos:
        return Impact(status="unknown", reason=f"service {service.name} has no SLO in the catalog")
    if error:
        return Impact(status="unknown", reason=f"metrics could not be read: {error}")
    if data is None:
        return Impact(status="unknown", reason="not assessed")
    business = service.business
    results = [
        assess_slo(
            slo,
            n,
            data,
            now,
            requests_per_minute=business.requests_per_minute if business else None,
            revenue_per_request=business.revenue_per_request_usd if business else None,
        )
        for n, slo in enumerate(service.slos)
    ]
    known = [r for r in results if r.status == "known"]
    if not known:
        return results[0]
    return max(known, key=lambda r: (r.burn_rate or 0.0, -(r.budget_remaining_pct or 100.0)))


def month_fraction(at: datetime) -> float:
    """How much of the calendar month has passed at ``at`` (UTC)."""
    start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return (at - start) / (nxt - start)


def with_budget(
    facts: CostFacts | None,
    *,
    name: str,
    limit: float | None,
    actual: float | None,
    forecast: float | None,
    at: datetime,
) -> CostFacts:
    """Fold a budget alert in: its forecast, or a linear fit of month-to-date spend to month end."""
    base = facts or CostFacts()
    source: Literal["alert", "linear fit"] | None = None
    if forecast is not None:
        source = "alert"
    elif actual is not None and month_fraction(at) > 0:
        forecast, source = round(actual / month_fraction(at), 2), "linear fit"
    return base.model_copy(
        update={
            "budget_name": name,
            "limit_usd": limit if limit is not None else base.limit_usd,
            "actual_usd": actual if actual is not None else base.actual_usd,
            "forecast_usd": forecast if forecast is not None else base.forecast_usd,
            "forecast_source": source or base.forecast_source,
        }
    )


def with_anomaly(
    facts: CostFacts | None, *, impact: float | None, max_impact: float | None, service: str | None
) -> CostFacts:
    base = facts or CostFacts()
    return base.model_copy(
        update={
            "anomaly_impact_usd": impact,
            "anomaly_max_impact_usd": max_impact,
            "anomaly_service": service,
        }
    )


def cost_impact(facts: CostFacts) -> dict[str, float | str | None]:
    over = None
    if facts.forecast_usd is not None and facts.limit_usd is not None:
        over = round(facts.forecast_usd - facts.limit_usd, 2)
    pct = (
        round(100.0 * facts.forecast_usd / facts.limit_usd, 1)
        if (facts.forecast_usd is not None and facts.limit_usd)
        else None
    )
    return {
        "budget": facts.budget_name,
        "limit_usd": facts.limit_usd,
        "actual_usd": facts.actual_usd,
        "forecast_usd": facts.forecast_usd,
        "forecast_source": facts.forecast_source,
        "overrun_usd": over,
        "forecast_pct_of_budget": pct,
        "anomaly_impact_usd": facts.anomaly_impact_usd,
        "anomaly_max_impact_usd": facts.anomaly_max_impact_usd,
        "anomaly_service": facts.anomaly_service,
    }
