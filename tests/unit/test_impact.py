"""Impact arithmetic against the Google SRE Workbook, and its edge cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aiops.catalog.model import load_catalog
from aiops.diagnosis.impact import (
    PAIRS,
    assess,
    budget_consumed,
    burn_rate,
    cost_impact,
    month_fraction,
    queries_for,
    with_anomaly,
    with_budget,
)
from aiops.diagnosis.severity import POLICY_KEYS, severity_for
from aiops.incident.assessment import Impact

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BEDROCK = {"ModelId": "m"}


def _service(tier: str = "critical", sli: dict[str, Any] | None = None, **extra: Any) -> Any:
    sli = sli or {
        "bad": {"namespace": "AWS/Bedrock", "metric": "InvocationServerErrors", "dimensions": BEDROCK},
        "total": {"namespace": "AWS/Bedrock", "metric": "Invocations", "dimensions": BEDROCK},
    }
    doc = {
        "services": [
            {
                "name": "chat",
                "tier": tier,
                "business": {"requests_per_minute": 1000, "revenue_per_request_usd": 0.01},
                "slos": [{"name": "availability", "objective": 99.5, "window_days": 30, "sli": sli}],
            }
        ],
        **extra,
    }
    catalog = load_catalog(doc)
    return catalog.services[0], catalog


def _minutes(minutes: int, value: float, *, end: datetime = NOW) -> list[tuple[datetime, float]]:
    return [(end - timedelta(minutes=m), value) for m in range(minutes - 1, -1, -1)]


def test_workbook_fast_burn_consumes_two_percent_per_hour() -> None:
    # 14.4x over 1 hour of a 30-day window consumes 2% of the budget (SRE Workbook, table 5-4)
    assert budget_consumed(14.4, timedelta(hours=1), timedelta(days=30)) == pytest.approx(0.02)
    assert budget_consumed(6, timedelta(hours=6), timedelta(days=30)) == pytest.approx(0.05)
    assert budget_consumed(3, timedelta(days=1), timedelta(days=30)) == pytest.approx(0.10)
    assert budget_consumed(1, timedelta(days=3), timedelta(days=30)) == pytest.approx(0.10)
    assert [(p.long, p.short, p.threshold) for p in PAIRS] == [
        ("1h", "5m", 14.4),
        ("6h", "30m", 6.0),
        ("1d", "2h", 3.0),
        ("3d", "6h", 1.0),
    ]


def test_burn_rate_edges() -> None:
    assert burn_rate(100, 100, 99.5) == pytest.approx(200.0)  # 100% errors
    assert burn_rate(0, 100, 99.5) == 0.0
    assert burn_rate(5, 1000, 99.5) == pytest.approx(1.0)  # exactly on budget
    assert burn_rate(0, 0, 99.5) is None  # zero traffic: no rate, not zero


def test_fast_burn_fires_the_page_pair_and_prices_the_damage() -> None:
    service, catalog = _service()
    # GIVEN 1,000 requests a minute for six hours, the last hour at 10% errors
    total = _minutes(360, 1000)
    bad = _minutes(300, 0, end=NOW - timedelta(hours=1)) + _minutes(60, 100)
    data = {
        "s0_total_short": total,
        "s0_bad_short": bad,
        "s0_total_long": [(NOW, 360_000.0)],
        "s0_bad_long": [(NOW, 6_000.0)],
    }
    impact = assess(service, data, NOW)
    # THEN by hand: 10% / 0.5% = 20x over 5m and 1h; 6000 of 360000 over 6h = 1.667% -> 3.333x
    assert impact.burn_rates["5m"] == pytest.approx(20.0)
    assert impact.burn_rates["1h"] == pytest.approx(20.0)
    assert impact.burn_rates["6h"] == pytest.approx(3.333, abs=1e-3)
    assert impact.firing == "1h+5m"
    # budget: allowed 0.5% of 360000 = 1800 bad; 6000 spent -> 1 - 6000/1800 = -233.33%
    assert impact.budget_remaining_pct == pytest.approx(-233.33)
    assert impact.time_to_exhaustion_hours == 0.0
    # 10% of 1000/min fail: 100/min, x 60 x $0.01 = $60 an hour
    assert impact.failing_requests_per_minute == pytest.approx(100.0)
    assert impact.revenue_at_risk_usd_per_hour == pytest.approx(60.0)
    assert severity_for(impact, service, catalog.severity_policy) == "SEV1"


def test_healthy_service_fires_nothing() -> None:
    service, _ = _service()
    data = {
        "s0_total_short": _minutes(360, 1000),
        "s0_bad_short": _minutes(360, 1),
        "s0_total_long": [(NOW, 30 * 1440 * 1000.0)],
        "s0_bad_long": [(NOW, 30 * 1440 * 1.0)],
    }
    impact = assess(service, data, NOW)
    assert impact.firing is None and impact.burn_rate == pytest.approx(0.2)
    assert impact.budget_remaining_pct == pytest.approx(80.0)
    assert impact.time_to_exhaustion_hours == pytest.approx(0.8 * 720 / 0.2)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({}, "no datapoints of AWS/Bedrock Invocations {ModelId=%s} (Sum), the total of SLO availability"),
        (
            {"s0_total_short": _minutes(10, 0), "s0_bad_short": _minutes(10, 0)},
            "no traffic: AWS/Bedrock Invocations {ModelId=%s} (Sum), the total of SLO availability, "
            "is 0 in every window",
        ),
    ],
)
def test_no_data_is_unknown_not_zero(data: dict[str, Any], reason: str) -> None:
    service, _ = _service()
    impact = assess(service, data, NOW)
    assert impact.status == "unknown" and impact.burn_rate is None
    assert impact.reason == reason % BEDROCK["ModelId"]  # the metric that has no traffic, named


def test_a_ratio_sli_without_a_total_is_named_a_catalog_error_not_an_assert() -> None:
    # GIVEN an SLO the catalog would refuse (a ratio with no total), built around its validation
    from aiops.catalog.model import Sli, Slo
    from aiops.diagnosis.impact import assess_slo
    from aiops.errors import CatalogError

    service, _ = _service()
    real = service.slos[0]
    sli = Sli.model_construct(bad=real.sli.bad, total=None, good=None, latency=None)
    slo = Slo.model_construct(name="availability", objective=99.5, window_days=30, sli=sli)
    # WHEN it has no traffic to name, THEN a CatalogError says which SLO (with python -O too)
    with pytest.raises(CatalogError, match=r"^SLO availability: a ratio SLI without a total metric$"):
        assess_slo(slo, 0, {}, NOW, requests_per_minute=None, revenue_per_request=None)


def test_missing_datapoints_count_as_no_traffic() -> None:
    service, _ = _service()
    data = {"s0_total_short": [(NOW - timedelta(minutes=2), 1000.0)], "s0_bad_short": []}
    impact = assess(service, data, NOW)
    assert impact.burn_rates["5m"] == 0.0 and impact.budget_remaining_pct is None


def test_unknown_reasons() -> None:
    service, _ = _service()
    assert "no SLO" in assess(service.model_copy(update={"slos": ()}), {}, NOW).reason
    assert (
        "GetMetricData failed" in assess(service, None, NOW, error="GetMetricData failed: Throttling").reason
    )
    assert "matches no service" in assess(None, {}, NOW).reason


def test_latency_sli_counts_slow_minutes() -> None:
    sli = {
        "latency": {
            "metric": {
                "namespace": "AWS/Bedrock",
                "metric": "InvocationLatency",
                "dimensions": BEDROCK,
                "stat": "p99",
            },
            "threshold_ms": 3000,
        }
    }
    service, _ = _service(sli=sli)
    assert [q.id for q in queries_for(service)] == ["s0_latency_short", "s0_latency_long"]
    # 60 minutes, the last 5 slow: 5 bad minutes of 60 -> 8.33% -> 16.67x over 1h; 100% over 5m -> 200x
    data = {"s0_latency_short": _minutes(55, 1200, end=NOW - timedelta(minutes=5)) + _minutes(5, 4500)}
    impact = assess(service, data, NOW)
    assert impact.burn_rates["5m"] == pytest.approx(200.0)
    assert impact.burn_rates["1h"] == pytest.approx(16.667, abs=1e-3)
    assert impact.firing == "1h+5m"


def test_quality_sli_is_a_ratio_on_custom_metrics() -> None:
    sli = {
        "bad": {"namespace": "ChatAssistant/Feedback", "metric": "ThumbsDown"},
        "total": {"namespace": "ChatAssistant/Feedback", "metric": "Feedback"},
    }
    service, _ = _service(sli=sli)
    impact = assess(service, {"s0_total_short": _minutes(60, 50), "s0_bad_short": _minutes(60, 5)}, NOW)
    assert impact.burn_rates["1h"] == pytest.approx(20.0)  # 10% thumbs-down against a 0.5% budget


@pytest.mark.parametrize(
    ("sli", "message"),
    [
        ({"bad": {"namespace": "n", "metric": "m"}}, "needs total"),
        ({"total": {"namespace": "n", "metric": "m"}}, "exactly one of bad or good"),
        (
            {
                "latency": {"metric": {"namespace": "n", "metric": "m"}, "threshold_ms": 1},
                "total": {"namespace": "n", "metric": "m"},
            },
            "not both",
        ),
    ],
)
def test_invalid_sli(sli: dict[str, Any], message: str) -> None:
    from aiops.errors import CatalogError

    with pytest.raises(CatalogError) as info:
        _service(sli=sli)
    assert message in str(info.value)


def test_cost_forecast_from_alert_or_linear_fit() -> None:
    # an ACTUAL alert of $500 at the start of Nov 15: 14 of 30 days gone -> 500 / (14/30) = $1,071.43
    at = datetime(2026, 11, 15, tzinfo=UTC)
    assert month_fraction(at) == pytest.approx(14 / 30)
    facts = with_budget(None, name="b", limit=1000.0, actual=500.0, forecast=None, at=at)
    cost = cost_impact(facts)
    assert (cost["forecast_usd"], cost["forecast_source"], cost["overrun_usd"]) == (
        1071.43,
        "linear fit",
        71.43,
    )
    facts = with_budget(facts, name="b", limit=1000.0, actual=None, forecast=1245.67, at=at)
    facts = with_anomaly(facts, impact=316.45, max_impact=142.5, service="Amazon Bedrock")
    cost = cost_impact(facts)
    assert (cost["forecast_usd"], cost["forecast_source"], cost["anomaly_impact_usd"]) == (
        1245.67,
        "alert",
        316.45,
    )
    service, _ = _service()
    over = Impact(status="unknown", cost=cost)
    assert severity_for(over, service) == "SEV2"


def test_severity_policy_is_configurable_and_validated() -> None:
    from aiops.catalog.model import SEVERITY_POLICY_KEYS
    from aiops.errors import CatalogError

    assert POLICY_KEYS == SEVERITY_POLICY_KEYS
    service, catalog = _service(tier="low", severity_policy={"1h+5m": {"low": "SEV1"}})
    fast = Impact(status="known", slo="availability", firing="1h+5m", burn_rate=20.0)
    assert severity_for(fast, service, catalog.severity_policy) == "SEV1"
    assert severity_for(fast, service) == "SEV3"
    assert severity_for(None, service) == "SEV4"
    with pytest.raises(CatalogError):
        _service(severity_policy={"2h+1m": {"low": "SEV1"}})
