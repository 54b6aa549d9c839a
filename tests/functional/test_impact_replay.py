"""Impact end to end: datapoints seeded in CloudWatch (moto), a replay, numbers computed by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aiops.catalog.model import load_catalog
from aiops.local.provision import load_datapoints
from aiops.local.replay import replay
from tests.support.events import alarm_event

T = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MODEL = {"ModelId": "anthropic.claude-3-5-sonnet-20240620-v1:0"}
CATALOG = {
    "services": [
        {
            "name": "chat",
            "tier": "critical",
            "business": {"requests_per_minute": 1000, "revenue_per_request_usd": 0.01},
            "components": [
                {"name": "model", "match": [{"dimension": {"ModelId": "anthropic.claude-3-5-sonnet*"}}]}
            ],
            "slos": [
                {
                    "name": "availability",
                    "objective": 99.5,
                    "window_days": 30,
                    "sli": {
                        "bad": {
                            "namespace": "AWS/Bedrock",
                            "metric": "InvocationServerErrors",
                            "dimensions": MODEL,
                        },
                        "total": {"namespace": "AWS/Bedrock", "metric": "Invocations", "dimensions": MODEL},
                    },
                }
            ],
        }
    ]
}


def _point(metric: str, at: datetime, value: float) -> str:
    return json.dumps(
        {
            "namespace": "AWS/Bedrock",
            "metric": metric,
            "dimensions": MODEL,
            "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "value": value,
            "unit": "Count",
        }
    )


def _metrics() -> list[str]:
    """Three days of 1,000 requests a minute (as 5-minute sums), then per minute; the last hour at 10%."""
    lines = []
    at = T - timedelta(days=3)
    while at <= T - timedelta(minutes=65):
        lines += [_point("Invocations", at, 5000), _point("InvocationServerErrors", at, 0)]
        at += timedelta(minutes=5)
    for m in range(64, -1, -1):
        at = T - timedelta(minutes=m)
        lines += [_point("Invocations", at, 1000), _point("InvocationServerErrors", at, 100 if m < 60 else 0)]
    return lines


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    event = alarm_event(
        "chat-bedrock-errors",
        "ALARM",
        "2026-11-25T12:00:00Z",
        namespace="AWS/Bedrock",
        metric="InvocationServerErrors",
        dimensions=MODEL,
    )
    result = replay([json.dumps(event)], load_catalog(CATALOG), metrics=load_datapoints(_metrics(), "test"))
    return result.report


def test_burn_rates_budget_and_money(report: dict[str, Any]) -> None:
    [incident] = report["incidents"]
    impact = incident["impact"]
    # 5m and 1h: 100 of 1,000 requests a minute fail = 10%; 10% / (1 - 0.995) = 20x: the 1h+5m pair fires
    assert impact["burn_rates"]["5m"] == pytest.approx(20.0)
    assert impact["burn_rate"] == pytest.approx(20.0)
    assert impact["firing"] == "1h+5m"
    # 6h: 6,000 bad of 360,000 = 1.667% -> 3.333x
    assert impact["burn_rates"]["6h"] == pytest.approx(3.333, abs=1e-3)
    # budget over the window: 852 five-minute sums of 5,000 plus 65 minutes of 1,000 = 4,325,000 requests;
    # 0.5% of that may fail = 21,625; 6,000 did -> 1 - 6000/21625 = 72.25% left
    assert impact["budget_remaining_pct"] == pytest.approx(72.25, abs=0.01)
    # at 20x, the 72.25% left of a 720 h window lasts 0.7225 * 720 / 20 = 26.01 h
    assert impact["time_to_exhaustion_hours"] == pytest.approx(26.01, abs=0.01)
    # 10% of 1,000 a minute = 100 failing requests a minute; x 60 x $0.01 = $60 an hour
    assert impact["failing_requests_per_minute"] == pytest.approx(100.0)
    assert impact["revenue_at_risk_usd_per_hour"] == pytest.approx(60.0)
    assert impact["slo"] == "availability"


def test_severity_follows_the_page_pair_and_tier(report: dict[str, Any]) -> None:
    [incident] = report["incidents"]
    assert incident["severity"] == "SEV1"  # critical tier, 1h+5m pair firing


def test_one_metrics_request_per_resolution(report: dict[str, Any]) -> None:
    assert report["stats"]["aws_calls"]["cloudwatch"] == 2  # one assessment: page windows + budget window


def test_no_metrics_is_unknown_with_a_reason() -> None:
    event = alarm_event(
        "chat-bedrock-errors",
        "ALARM",
        "2026-11-25T12:00:00Z",
        namespace="AWS/Bedrock",
        metric="InvocationServerErrors",
        dimensions=MODEL,
    )
    [incident] = replay([json.dumps(event)], load_catalog(CATALOG)).report["incidents"]
    assert incident["impact"]["status"] == "unknown"
    assert incident["impact"]["reason"].startswith("no datapoints of AWS/Bedrock Invocations {ModelId=")
    assert incident["impact"]["burn_rate"] is None
    assert incident["severity"] == "SEV2"  # unknown impact: the tier's default
