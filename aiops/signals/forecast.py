"""The bot's own forecasts (source ``aiops.forecast``): the forecast pass's projection as a signal.

The forecast Lambda (handlers/forecast.py) puts one event per projection on the default bus, detail-type
``AIOps Forecast State Change``; a rule sends it to the ingest queue like any alarm, so a forecast goes
through the same pipeline (dedup, routing, the service's thread), and a recorded stream replays. The
detail (written by aiops/forecast/events.py) names its service and component; ``state`` WARNING is
firing, OK is resolved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from aiops.signals.base import Input, parse
from aiops.signals.model import ForecastInfo, ForecastWhat, Signal
from aiops.signals.tolerant import Opt, OptFloat, OptInt, Text, TextMap
from aiops.text import MAX_TITLE, cap

SOURCE = "aiops.forecast"
DETAIL_TYPE = "AIOps Forecast State Change"


class _Projection(Input):
    threshold: OptFloat = None
    threshold_source: Text = Field(default="", alias="thresholdSource")
    current: OptFloat = None
    rate: OptFloat = None
    projected: OptFloat = None
    eta_minutes: OptFloat = Field(default=None, alias="etaMinutes")
    band_low: OptFloat = Field(default=None, alias="bandLow")
    band_high: OptFloat = Field(default=None, alias="bandHigh")
    window_minutes: OptInt = Field(default=None, alias="windowMinutes")
    points: OptInt = None


class _Metric(Input):
    namespace: Text = ""
    name: Text = ""
    dimensions: TextMap = {}


class _Detail(Input):
    service: str = Field(min_length=1)
    component: str = Field(min_length=1)
    forecast: ForecastWhat
    state: Literal["WARNING", "OK"]
    resource: str = Field(min_length=1)
    summary: Text = ""
    metric: Opt[_Metric] = None
    projection: Opt[_Projection] = None


def from_detail(detail: Any, *, event_id: str, time: datetime, account: str, region: str) -> Signal:
    d = parse(_Detail, detail, source=SOURCE, prefix="detail")
    p, m = d.projection or _Projection(), d.metric or _Metric()
    info = ForecastInfo(
        service=d.service,
        component=d.component,
        what=d.forecast,
        metric=f"{m.namespace}/{m.name}" if m.namespace and m.name else "",
        dimensions=dict(m.dimensions),
        threshold=p.threshold,
        threshold_source=cap(p.threshold_source, 200),
        current=p.current,
        rate=p.rate,
        projected=p.projected,
        eta_minutes=p.eta_minutes,
        band_low=p.band_low,
        band_high=p.band_high,
        window_minutes=p.window_minutes,
        points=p.points,
    )
    return Signal(
        id=event_id,
        source=SOURCE,
        time=time,
        kind="forecast",
        status="firing" if d.state == "WARNING" else "resolved",
        resource=cap(d.resource, 255),
        title=cap(d.summary or f"forecast {d.forecast} of {d.service}", MAX_TITLE),
        account=account,
        region=region,
        detail_type=DETAIL_TYPE,
        forecast=info,
    )
