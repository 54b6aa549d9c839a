"""Forecast: EventBridge Scheduler invokes this every few minutes; for each service whose catalog entry
turns ``forecast`` on, one GetMetricData request, the projections (aiops/forecast/), and their events put
on the bus, from where the ingest queue takes them into the pipeline like any alarm."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from aiops.adapters.tracing import traced

logger = Logger(service="aiops")
_edges: dict[str, Any] = {}


def _built() -> dict[str, Any]:
    """The operator's catalog source and the clients, once per container (the catalog is re-read when
    it changes, as the other functions do)."""
    if not _edges:
        import os

        from aiops.adapters.cloudwatch import CloudWatchMetrics
        from aiops.adapters.config import Config
        from aiops.adapters.forecast import ENV_FORECAST_BUS, EventBus, ServiceQuotas
        from aiops.adapters.sources import OperatorConfig

        config = Config.from_env(os.environ)
        _edges.update(
            operator=OperatorConfig(
                config.catalog_location, config.playbooks_location, max_age=config.refresh_seconds
            ),
            metrics=CloudWatchMetrics(),
            quotas=ServiceQuotas(),
            sink=EventBus(os.environ.get(ENV_FORECAST_BUS) or "default"),
        )
    return _edges


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from datetime import UTC, datetime

    from aiops.forecast.run import forecast_pass

    edges = _built()
    arn = context.invoked_function_arn.split(":")  # arn:aws:lambda:<region>:<account>:function:<name>
    region, account = (arn[3], arn[4]) if len(arn) > 4 else ("", "")
    report = forecast_pass(
        edges["operator"].current().catalog,
        edges["metrics"],
        edges["quotas"],
        edges["sink"],
        datetime.now(UTC),
        account=account,
        region=region,
    )
    for problem in report.problems:
        logger.warning("forecast.problem", problem=problem)
    if report.accepted < len(report.events):
        logger.warning("forecast.events_refused", refused=len(report.events) - report.accepted)
    warnings = [p.resource for p in report.projections if p.state == "WARNING"]
    logger.info(
        "forecast.pass", projections=len(report.projections), events=len(report.events), warnings=warnings
    )
    return {"projections": len(report.projections), "events": len(report.events), "warnings": warnings}
