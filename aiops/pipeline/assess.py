"""Assess: an incident's impact against its service's SLOs, and the severity that follows.

Impact is read from CloudWatch as signals arrive, at most once per ``IMPACT_REFRESH`` per incident: two
``GetMetricData`` requests, the page windows at one minute and the ticket windows at one hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiops.catalog.model import Catalog, Service
from aiops.diagnosis.impact import LONG_PERIOD, SHORT_PERIOD, SHORT_SPAN, assess, cost_impact, queries_for
from aiops.diagnosis.ports import MetricsReader
from aiops.diagnosis.severity import severity_for, warning_severity
from aiops.errors import MetricsError
from aiops.incident.model import Incident, Peak, TimelineEntry
from aiops.pipeline.settings import IMPACT_REFRESH
from aiops.signals.model import format_time


def _floor(when: datetime, period: int) -> datetime:
    """Align a query start to its period, as CloudWatch buckets datapoints."""
    return datetime.fromtimestamp(int(when.timestamp()) // period * period, tz=when.tzinfo)


class Assessor:
    def __init__(self, *, catalog: Catalog, metrics: MetricsReader | None) -> None:
        self.catalog = catalog
        self.metrics = metrics

    def assess(
        self, incident: Incident, service: Service | None, now: datetime, *, force: bool
    ) -> tuple[Incident, list[TimelineEntry]]:
        """Impact and severity, recomputed as signals arrive (at most every IMPACT_REFRESH)."""
        due = force or incident.impact_at is None or now - incident.impact_at >= IMPACT_REFRESH
        if not due:
            return incident, []
        data: dict[str, list[tuple[datetime, float]]] | None = None
        error = ""
        if service is not None and service.slos and self.metrics is not None:
            queries = queries_for(service)
            end = now + timedelta(seconds=1)
            longest = timedelta(days=max(slo.window_days for slo in service.slos))
            try:
                data = {
                    **self.metrics.read(
                        [q for q in queries if q.period == SHORT_PERIOD],
                        _floor(now - SHORT_SPAN, SHORT_PERIOD),
                        end,
                    ),
                    **self.metrics.read(
                        [q for q in queries if q.period == LONG_PERIOD],
                        _floor(now - longest, LONG_PERIOD),
                        end,
                    ),
                }
            except MetricsError as exc:
                error = str(exc)
        impact = assess(service, data, now, error=error)
        if incident.cost is not None:
            impact = impact.model_copy(update={"cost": cost_impact(incident.cost)})
        if incident.is_warning:  # forecasts alone: a warning, whatever the SLOs say (until a real symptom)
            severity = warning_severity(service, self.catalog.severity_policy)
        else:
            severity = severity_for(impact, service, self.catalog.severity_policy)
        entries = []
        if severity != incident.severity:
            why = (
                f"{impact.firing} burn {impact.burn_rate}x"
                if impact.firing
                else (impact.reason or "measured")
            )
            entries.append(
                TimelineEntry(
                    incident_id=incident.id,
                    at=now,
                    key=f"severity:{severity}:{format_time(now)}",
                    kind="severity",
                    text=f"severity {incident.severity} -> {severity} ({why})",
                )
            )
        now_peak = Peak(
            severity=severity,
            at=now,
            burn_rate=impact.burn_rate,
            revenue_at_risk_usd_per_hour=impact.revenue_at_risk_usd_per_hour,
            failing_requests_per_minute=impact.failing_requests_per_minute,
        )
        # a peak is a measurement: an impact left unknown (no SLO, no datapoints) tells nothing of one
        worse = impact.status == "known" and now_peak.worse_than(incident.peak)
        peak = now_peak if worse else incident.peak
        update = {"impact": impact, "impact_at": now, "severity": severity, "peak": peak}
        return incident.model_copy(update=update), entries
