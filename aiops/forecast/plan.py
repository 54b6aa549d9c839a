"""One forecast pass of one service: the queries it reads (one GetMetricData request), then the projections.

Per model in ``forecast.model_ids``: ``EstimatedTPMQuotaUsage`` (Sum, 60 s). With a cost forecast, per
model ``InputTokenCount`` and ``OutputTokenCount`` (Sum, 3600 s) since the month began, and then the
request starts at the month's start (the usage series is read from there too: one request, one start
time; boto3 pages past 100,800 datapoints, which three models reach late in a month).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiops.catalog.forecast import ForecastSettings
from aiops.catalog.model import MetricSpec, Service
from aiops.diagnosis.impact import Query, Series
from aiops.forecast import project
from aiops.forecast.project import Projection

QUOTA_PERIOD = 60
COST_PERIOD = 3600


@dataclass(frozen=True)
class Plan:
    queries: list[Query]
    start: datetime
    end: datetime


def _spec(metric: str, model: str) -> MetricSpec:
    return MetricSpec(namespace="AWS/Bedrock", metric=metric, dimensions={"ModelId": model}, stat="Sum")


def plan(settings: ForecastSettings, now: datetime) -> Plan:
    queries = [
        Query(f"usage{i}", _spec("EstimatedTPMQuotaUsage", m), QUOTA_PERIOD)
        for i, m in enumerate(settings.model_ids)
    ]
    start = now - timedelta(minutes=settings.window_minutes)
    if settings.monthly_budget_usd is not None:
        for i, m in enumerate(settings.model_ids):
            queries.append(Query(f"in{i}", _spec("InputTokenCount", m), COST_PERIOD))
            queries.append(Query(f"out{i}", _spec("OutputTokenCount", m), COST_PERIOD))
        start = min(start, project.month_start(now))
    return Plan(queries, start, now + timedelta(seconds=1))


def projections(
    service: Service,
    settings: ForecastSettings,
    series: Mapping[str, Series],
    quotas: Mapping[str, tuple[float, str] | None],
    now: datetime,
) -> list[Projection]:
    """The service's projections from what the plan read; ``quotas``: model -> (TPM quota, its source),
    None when neither Service Quotas nor the catalog gives one (that model is not projected)."""
    comps = service.component_names
    out: list[Projection] = []
    for i, model in enumerate(settings.model_ids):
        q = quotas.get(model)
        if q is None:
            continue
        out.append(
            project.quota(
                service.name,
                model,
                series.get(f"usage{i}", []),
                q[0],
                q[1],
                now,
                settings,
                component="model" if "model" in comps else "",
            )
        )
    if settings.monthly_budget_usd is not None:
        inputs = [p for i in range(len(settings.model_ids)) for p in series.get(f"in{i}", [])]
        outputs = [p for i in range(len(settings.model_ids)) for p in series.get(f"out{i}", [])]
        out.append(project.cost(service.name, project.hourly_cost(inputs, outputs, settings), now, settings))
    return out
