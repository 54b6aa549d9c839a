"""The forecast pass over a catalog: for each service whose forecast is on, read, project, emit.

A service's failure (metrics unreadable) is reported and the pass goes on with the next one. The quota
of a model comes from Service Quotas (``forecast.quota_code``), else from ``forecast.tpm_quota``;
with neither, that model is not projected and the report says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiops.catalog.model import Catalog
from aiops.errors import MetricsError
from aiops.forecast.events import to_event
from aiops.forecast.plan import plan, projections
from aiops.forecast.ports import EventSink, MetricsReader, QuotaReader
from aiops.forecast.project import Projection


@dataclass
class PassReport:
    projections: list[Projection] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    metric_requests: int = 0
    metrics_requested: int = 0
    accepted: int = 0
    """Events the bus accepted (PutEvents may refuse some of a batch: the next pass says it again)."""


def forecast_pass(
    catalog: Catalog,
    metrics: MetricsReader,
    quotas: QuotaReader,
    sink: EventSink | None,
    now: datetime,
    *,
    account: str,
    region: str,
) -> PassReport:
    report = PassReport()
    for service in catalog.services:
        settings = service.forecast
        if settings is None or not settings.enabled:
            continue
        p = plan(settings, now)
        try:
            series = metrics.read(p.queries, p.start, p.end)
        except MetricsError as exc:
            report.problems.append(f"{service.name}: {exc}")
            continue
        report.metric_requests += 1
        report.metrics_requested += len(p.queries)
        known: dict[str, tuple[float, str] | None] = {}
        for model in settings.model_ids:
            code, fallback = settings.quota_code_of(model), settings.tpm_quota_of(model)
            value = quotas.tpm_quota(code) if code else None
            if value is not None:
                known[model] = (value, f"Service Quotas {code}")
            elif fallback is not None:
                known[model] = (fallback, "catalog forecast.tpm_quota")
            else:
                known[model] = None
                report.problems.append(
                    f"{service.name}: no TPM quota for {model} (no readable quota_code, no tpm_quota)"
                )
        for projection in projections(service, settings, series, known, now):
            report.projections.append(projection)
            event = to_event(projection, now, account=account, region=region)
            if event is not None:
                report.events.append(event)
    if sink is not None and report.events:
        report.accepted = sink.put(report.events)
    return report
