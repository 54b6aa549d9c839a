"""The forecast pass on moto with recorded series (tests/series/): does a quota forecast warn before the
throttling alarm, and stay quiet when usage is flat? The scores are docs/llm-signals.md's table.

Each series' datapoints go into moto's CloudWatch as EstimatedTPMQuotaUsage; a pass every 5 minutes
reads them with the real GetMetricData client, reads the quota through the real Service Quotas client
(moto knows no Bedrock quota code: the catalog's tpm_quota stands in, as it would when denied) and puts
its events on moto's EventBridge.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aiops.adapters.cloudwatch import CloudWatchMetrics
from aiops.adapters.forecast import EventBus, ServiceQuotas
from aiops.catalog.model import load_catalog
from aiops.forecast.run import forecast_pass
from aiops.signals import normalize
from tests.support.forecast_eval import Score, load_series, points, run_passes, score

SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
THROTTLING = ["ramp_to_throttle", "fast_ramp"]
QUIET = ["flat_high", "flat_low", "plateau_below_quota", "burst"]


def _catalog(**forecast: Any) -> Any:
    return load_catalog(
        {
            "services": [
                {
                    "name": "chat-assistant",
                    "components": [{"name": "model", "match": [{"dimension": {"ModelId": SONNET}}]}],
                    "forecast": {
                        "enabled": True,
                        "model_ids": [SONNET],
                        "quota_code": "L-12345678",
                        "tpm_quota": 400000,
                        **forecast,
                    },
                }
            ]
        }
    )


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _put(doc: dict[str, Any]) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    data: list[Any] = [
        {
            "MetricName": "EstimatedTPMQuotaUsage",
            "Dimensions": [{"Name": "ModelId", "Value": doc["model_id"]}],
            "Timestamp": t,
            "Value": v,
            "Unit": "Count",
        }
        for t, v in points(doc)
    ]
    for first in range(0, len(data), 500):
        cw.put_metric_data(Namespace="AWS/Bedrock", MetricData=data[first : first + 500])


def _scored(name: str) -> tuple[Score, list[dict[str, Any]]]:
    doc = load_series(name)
    _put(doc)
    catalog = _catalog()
    metrics = CloudWatchMetrics(boto3.client("cloudwatch", region_name="us-east-1"))
    quotas = ServiceQuotas(boto3.client("service-quotas", region_name="us-east-1"))
    bus = EventBus("default", boto3.client("events", region_name="us-east-1"))
    events: list[dict[str, Any]] = []

    def one_pass(now: datetime) -> str | None:
        report = forecast_pass(catalog, metrics, quotas, bus, now, account="111122223333", region="us-east-1")
        assert report.problems == [] and report.metric_requests == 1  # one GetMetricData per service
        assert report.accepted == len(report.events)  # moto's bus took every projection
        events.extend(report.events)
        [p] = report.projections
        return p.state

    return score(doc, name, run_passes(doc, one_pass)), events


@pytest.mark.parametrize("name", THROTTLING)
def test_a_quota_forecast_warns_before_the_throttling_alarm(aws: None, name: str) -> None:
    s, events = _scored(name)
    assert s.hit and not s.miss, s
    assert s.false_alarms == 0, s
    assert s.lead_minutes is not None and s.lead_minutes >= 10, s  # time to act: 10 minutes at least
    # the warning's event says when, how surely, from what
    first = next(e for e in events if e["detail"]["state"] == "WARNING")
    [signal] = normalize(first)
    assert signal.kind == "forecast" and signal.status == "firing" and signal.source == "aiops.forecast"
    f = signal.forecast
    assert f is not None and f.threshold == 400000 and f.threshold_source == "catalog forecast.tpm_quota"
    assert f.eta_minutes is not None and f.band_low is not None and f.band_high is not None
    assert f.band_low <= f.eta_minutes <= f.band_high
    assert "InvocationThrottles in about" in signal.title and "quota 400k TPM" in signal.title


@pytest.mark.parametrize("name", ["flat_high", "flat_low"])
def test_a_flat_series_stays_quiet(aws: None, name: str) -> None:
    s, events = _scored(name)
    assert s.episodes == [] and s.false_alarms == 0, s
    assert all(e["detail"]["state"] == "OK" for e in events)


def test_the_scores_over_every_recorded_series(capsys: Any) -> None:
    """The table of docs/llm-signals.md: two throttling series, four that never throttle."""
    scores = []
    for name in THROTTLING + QUIET:
        with mock_aws():  # one account per series: their datapoints share timestamps
            scores.append(_scored(name)[0])
    hits = sum(s.hit for s in scores)
    misses = sum(s.miss for s in scores)
    false_alarms = sum(s.false_alarms for s in scores)
    with capsys.disabled():
        print("\nseries                 throttle  warnings  lead(min)")
        for s in scores:
            lead = f"{s.lead_minutes:.0f}" if s.lead_minutes is not None else "-"
            at = s.throttle_at.strftime("%H:%M") if s.throttle_at else "-"
            print(f"{s.name:22} {at:9} {len(s.episodes):8}  {lead}")
        print(f"hits {hits}, misses {misses}, false alarms {false_alarms}")
    assert (hits, misses) == (2, 0)
    assert {s.name: s.lead_minutes for s in scores if s.hit} == {"ramp_to_throttle": 35.0, "fast_ramp": 13.0}
    # the near misses, a growth that levels off at 92% of the quota and a 10-minute burst to 96%, are the
    # false alarms a linear method is known to raise (it sees no plateau coming): measured, 3 warnings
    # (the plateau warns twice); the flat series, however close to the quota their noise goes, none
    assert {s.name for s in scores if s.false_alarms} == {"plateau_below_quota", "burst"}
    assert false_alarms == 3


def test_no_quota_and_no_override_is_reported_not_guessed(aws: None) -> None:
    catalog = load_catalog(
        {
            "services": [
                {
                    "name": "chat-assistant",
                    "components": [{"name": "model"}],
                    "forecast": {"enabled": True, "model_ids": [SONNET]},
                }
            ]
        }
    )
    metrics = CloudWatchMetrics(boto3.client("cloudwatch", region_name="us-east-1"))
    quotas = ServiceQuotas(boto3.client("service-quotas", region_name="us-east-1"))
    now = datetime(2026, 11, 25, 10, 0).astimezone()
    report = forecast_pass(catalog, metrics, quotas, None, now, account="1", region="us-east-1")
    assert report.projections == [] and report.events == []
    assert report.problems == [
        f"chat-assistant: no TPM quota for {SONNET} (no readable quota_code, no tpm_quota)"
    ]


def test_a_service_with_its_forecast_off_costs_nothing(aws: None) -> None:
    catalog = _catalog(enabled=False)
    metrics = CloudWatchMetrics(boto3.client("cloudwatch", region_name="us-east-1"))
    report = forecast_pass(
        catalog,
        metrics,
        ServiceQuotas(),
        None,
        datetime.now().astimezone() - timedelta(0),
        account="1",
        region="x",
    )
    assert report.metric_requests == 0 and report.projections == []
