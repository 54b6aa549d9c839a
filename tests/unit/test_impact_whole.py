"""Impact arithmetic asserted whole, with every number worked by hand: the cost facts a budget or anomaly
alert folds in, the cost block an incident shows, the metric queries an SLO needs, the reasons an impact
is unknown, and the current error rate (written against mutmut's survivors, docs/mutation.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aiops.catalog.model import MetricSpec
from aiops.diagnosis.impact import (
    LONG_PERIOD,
    SHORT_PERIOD,
    Query,
    assess,
    cost_impact,
    describe_metric,
    month_fraction,
    queries_for,
    with_anomaly,
    with_budget,
)
from aiops.incident.assessment import CostFacts, Impact
from tests.unit.test_impact import BEDROCK, NOW, _minutes, _service

MID_NOVEMBER = datetime(2026, 11, 15, 12, 30, 45, 500_000, tzinfo=UTC)
BAD = {"namespace": "AWS/Bedrock", "metric": "InvocationServerErrors", "dimensions": BEDROCK}
TOTAL = {"namespace": "AWS/Bedrock", "metric": "Invocations", "dimensions": BEDROCK}
LATENCY = {
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


# -- the cost block ---------------------------------------------------------------------------------


def test_a_forecast_over_budget_shows_the_overrun_and_the_share_of_the_budget() -> None:
    facts = CostFacts(
        budget_name="bedrock-monthly",
        limit_usd=1000.0,
        actual_usd=512.25,
        forecast_usd=1234.5678,
        forecast_source="alert",
        anomaly_impact_usd=316.45,
        anomaly_max_impact_usd=142.5,
        anomaly_service="Amazon Bedrock",
    )
    # 1234.5678 - 1000 = 234.5678 -> $234.57; 1234.5678 / 1000 = 123.45678% -> 123.5%
    assert cost_impact(facts) == {
        "budget": "bedrock-monthly",
        "limit_usd": 1000.0,
        "actual_usd": 512.25,
        "forecast_usd": 1234.5678,
        "forecast_source": "alert",
        "overrun_usd": 234.57,
        "forecast_pct_of_budget": 123.5,
        "anomaly_impact_usd": 316.45,
        "anomaly_max_impact_usd": 142.5,
        "anomaly_service": "Amazon Bedrock",
    }


def test_a_forecast_under_budget_is_a_negative_overrun() -> None:
    facts = CostFacts(limit_usd=800.0, forecast_usd=200.0)
    cost = cost_impact(facts)
    assert (cost["overrun_usd"], cost["forecast_pct_of_budget"]) == (-600.0, 25.0)


@pytest.mark.parametrize(
    ("limit", "forecast", "overrun", "pct"),
    [
        (1000.0, None, None, None),  # a budget with no forecast yet: nothing to compare
        (None, 1200.0, None, None),  # an anomaly's forecast without a budget: no limit to exceed
        (0.0, 25.0, 25.0, None),  # a $0 budget: every dollar is over it, and no share of zero
        (None, None, None, None),
    ],
    ids=["no-forecast", "no-limit", "zero-budget", "nothing"],
)
def test_an_overrun_needs_both_a_limit_and_a_forecast(
    limit: float | None, forecast: float | None, overrun: float | None, pct: float | None
) -> None:
    cost = cost_impact(CostFacts(limit_usd=limit, forecast_usd=forecast))
    assert (cost["overrun_usd"], cost["forecast_pct_of_budget"]) == (overrun, pct)


# -- folding budget and anomaly alerts --------------------------------------------------------------


def test_the_month_fraction_counts_to_the_microsecond() -> None:
    # 14 days, 12 h 30 min 45.5 s of November's 30 days
    gone = timedelta(days=14, hours=12, minutes=30, seconds=45.5) / timedelta(days=30)
    assert month_fraction(MID_NOVEMBER) == gone
    assert month_fraction(datetime(2026, 2, 15, tzinfo=UTC)) == 14 / 28  # February 2026 has 28 days
    assert month_fraction(datetime(2026, 12, 31, 12, tzinfo=UTC)) == 30.5 / 31
    assert month_fraction(datetime(2026, 11, 1, tzinfo=UTC)) == 0.0


def test_an_actual_alert_is_fitted_linearly_to_the_months_end() -> None:
    at = datetime(2026, 11, 16, tzinfo=UTC)  # 15 of 30 days gone: $450 -> $900
    facts = with_budget(None, name="bedrock-monthly", limit=1000.0, actual=450.0, forecast=None, at=at)
    assert facts == CostFacts(
        budget_name="bedrock-monthly",
        limit_usd=1000.0,
        actual_usd=450.0,
        forecast_usd=900.0,
        forecast_source="linear fit",
    )


def test_an_actual_alert_at_the_first_instant_of_the_month_forecasts_nothing() -> None:
    at = datetime(2026, 11, 1, tzinfo=UTC)  # nothing of the month gone: no line to fit
    facts = with_budget(None, name="b", limit=1000.0, actual=3.0, forecast=None, at=at)
    assert facts == CostFacts(budget_name="b", limit_usd=1000.0, actual_usd=3.0)


def test_a_later_alert_keeps_what_it_does_not_say() -> None:
    first = with_budget(None, name="b", limit=1000.0, actual=None, forecast=1100.0, at=MID_NOVEMBER)
    assert first == CostFacts(budget_name="b", limit_usd=1000.0, forecast_usd=1100.0, forecast_source="alert")
    # a second alert of another budget naming neither limit, actual nor forecast
    second = with_budget(first, name="b2", limit=None, actual=None, forecast=None, at=MID_NOVEMBER)
    assert second == first.model_copy(update={"budget_name": "b2"})
    # an ACTUAL alert later: its linear fit replaces the forecast, the limit is kept
    at = datetime(2026, 11, 21, tzinfo=UTC)  # 20 of 30 days: $700 -> $1,050
    third = with_budget(second, name="b2", limit=None, actual=700.0, forecast=None, at=at)
    assert third == CostFacts(
        budget_name="b2",
        limit_usd=1000.0,
        actual_usd=700.0,
        forecast_usd=1050.0,
        forecast_source="linear fit",
    )
    # then an alert with a limit only keeps the actual spend it does not repeat
    fourth = with_budget(third, name="b2", limit=1200.0, actual=None, forecast=None, at=at)
    assert fourth == third.model_copy(update={"limit_usd": 1200.0})


def test_an_anomaly_alert_is_folded_in_beside_the_budget() -> None:
    budget = CostFacts(budget_name="b", limit_usd=1000.0)
    facts = with_anomaly(budget, impact=316.45, max_impact=142.5, service="Amazon Bedrock")
    assert facts == CostFacts(
        budget_name="b",
        limit_usd=1000.0,
        anomaly_impact_usd=316.45,
        anomaly_max_impact_usd=142.5,
        anomaly_service="Amazon Bedrock",
    )
    assert with_anomaly(None, impact=None, max_impact=None, service=None) == CostFacts()


# -- the queries an SLO needs -----------------------------------------------------------------------


def _spec(doc: dict[str, Any]) -> MetricSpec:
    return MetricSpec.model_validate(doc)


def test_a_ratio_slo_reads_its_bad_and_total_at_both_resolutions() -> None:
    service, _ = _service()
    bad, total = _spec(BAD), _spec(TOTAL)
    assert queries_for(service) == [
        Query("s0_bad_short", bad, SHORT_PERIOD),
        Query("s0_bad_long", bad, LONG_PERIOD),
        Query("s0_total_short", total, SHORT_PERIOD),
        Query("s0_total_long", total, LONG_PERIOD),
    ]
    assert (SHORT_PERIOD, LONG_PERIOD) == (60, 3600)


def test_a_good_over_total_slo_reads_good_and_total() -> None:
    good = {"namespace": "Chat", "metric": "Answered"}
    service, _ = _service(sli={"good": good, "total": TOTAL})
    assert [(q.id, q.metric, q.period) for q in queries_for(service)] == [
        ("s0_good_short", _spec(good), 60),
        ("s0_good_long", _spec(good), 3600),
        ("s0_total_short", _spec(TOTAL), 60),
        ("s0_total_long", _spec(TOTAL), 3600),
    ]


# -- how a metric is named, and why an impact is unknown ----------------------------------------------


def test_a_metric_is_named_with_its_dimensions_sorted() -> None:
    spec = _spec({"namespace": "AWS/Bedrock", "metric": "Invocations", "dimensions": {"b": "2", "a": "1"}})
    assert describe_metric(spec) == "AWS/Bedrock Invocations {a=1, b=2} (Sum)"
    assert describe_metric(_spec({"namespace": "Chat", "metric": "Feedback"})) == "Chat Feedback (Sum)"


def test_a_latency_slo_without_datapoints_names_its_latency_metric() -> None:
    service, _ = _service(sli=LATENCY)
    impact = assess(service, {}, NOW)
    assert (impact.status, impact.reason) == (
        "unknown",
        "no datapoints of AWS/Bedrock InvocationLatency {ModelId=m} (p99), the latency of SLO availability",
    )


def test_hourly_zeros_alone_are_no_traffic_not_missing_data() -> None:
    service, _ = _service()
    impact = assess(service, {"s0_total_long": [(NOW, 0.0)], "s0_bad_long": [(NOW, 0.0)]}, NOW)
    assert impact.reason == (
        "no traffic: AWS/Bedrock Invocations {ModelId=m} (Sum), the total of SLO availability, "
        "is 0 in every window"
    )


# -- the current error rate (the 5-minute window) ---------------------------------------------------


def test_a_service_quiet_for_the_last_five_minutes_has_no_current_error_rate() -> None:
    # traffic until 10 minutes ago, none since: burn rates over the longer windows, nothing failing now
    service, _ = _service()
    end = NOW - timedelta(minutes=10)
    data = {"s0_total_short": _minutes(50, 100, end=end), "s0_bad_short": _minutes(50, 10, end=end)}
    impact = assess(service, data, NOW)
    assert "5m" not in impact.burn_rates and impact.burn_rates["1h"] == 20.0
    assert (impact.failing_requests_per_minute, impact.revenue_at_risk_usd_per_hour) == (None, None)


def test_a_single_failed_request_in_five_minutes_is_a_current_error_rate_of_one() -> None:
    # one request in the last 5 minutes, and it failed: 100% x 1,000 rpm = 1,000 failing a minute
    service, _ = _service()
    data = {
        "s0_total_short": [(NOW - timedelta(minutes=1), 1.0)],
        "s0_bad_short": [(NOW - timedelta(minutes=1), 1.0)],
    }
    impact = assess(service, data, NOW)
    assert impact.failing_requests_per_minute == 1000.0
    assert impact.revenue_at_risk_usd_per_hour == 600.0  # 1,000 x 60 x $0.01


# -- burn rates, the pairs that fire, the budget and its coverage, whole ---------------------------------


def _per_minute(value_at: Any, minutes: int = 360) -> list[tuple[datetime, float]]:
    """One datapoint a minute for ``minutes`` minutes up to now, ``value_at(m)`` m minutes ago."""
    return [(NOW - timedelta(minutes=m), float(value_at(m))) for m in range(minutes - 1, -1, -1)]


def _hourly(value_at: Any, hours: int) -> list[tuple[datetime, float]]:
    return [(NOW - timedelta(hours=h), float(value_at(h))) for h in range(hours - 1, -1, -1)]


def test_a_long_window_still_burning_after_the_short_one_recovered_pages_no_more() -> None:
    # 1,000 requests a minute; 10% failed from 60 to 5 minutes ago, none in the last 5 minutes.
    # The hourly series: 60,000 an hour for 3 days, the 5,500 failures in the current hour.
    service, _ = _service()
    data = {
        "s0_total_short": _per_minute(lambda m: 1000),
        "s0_bad_short": _per_minute(lambda m: 100 if 5 <= m < 60 else 0),
        "s0_total_long": _hourly(lambda h: 60_000, 72),
        "s0_bad_long": _hourly(lambda h: 5_500 if h == 0 else 0, 72),
    }
    # by hand, burn = bad / total / 0.5%:
    #   5m 0 / 5,000 = 0; 30m 2,500 / 30,000 = 16.667x; 1h 5,500 / 60,000 = 18.333x;
    #   6h 5,500 / 360,000 = 3.056x; 2h 5,500 / 120,000 = 9.167x;
    #   1d 5,500 / 1,440,000 = 0.764x; 3d 5,500 / 4,320,000 = 0.255x
    # no pair has both windows over its threshold: 1h+5m needs the 5m, 6h+30m the 6h, 1d+2h the 1d.
    # budget: 5,500 of the 21,600 allowed (0.5% of 4,320,000) spent -> 74.54% left, for 74.54% x 720 h /
    # 18.333 = 29.27 h at the 1h burn; the data reaches back 71 h (the oldest hourly datapoint).
    assert assess(service, data, NOW) == Impact(
        status="known",
        slo="availability",
        objective=99.5,
        burn_rate=18.333,
        burn_rates={
            "5m": 0.0,
            "30m": 16.667,
            "1h": 18.333,
            "2h": 9.167,
            "6h": 3.056,
            "1d": 0.764,
            "3d": 0.255,
        },
        firing=None,
        budget_remaining_pct=74.54,
        time_to_exhaustion_hours=29.27,
        failing_requests_per_minute=0.0,
        revenue_at_risk_usd_per_hour=0.0,
        coverage_hours=71.0,
    )


def test_a_third_of_requests_failing_is_rounded_as_a_person_reads_it() -> None:
    # 3 requests a minute, 1 failing: 33.33% / 0.5% = 66.667x in every window (no hourly data: no budget)
    service, _ = _service()
    data = {"s0_total_short": _per_minute(lambda m: 3), "s0_bad_short": _per_minute(lambda m: 1)}
    # failing now: 1/3 of 1,000 a minute = 333.33; x 60 x $0.01 = $199.998 -> $200.00 an hour
    assert assess(service, data, NOW) == Impact(
        status="known",
        slo="availability",
        objective=99.5,
        burn_rate=66.667,
        burn_rates={"5m": 66.667, "30m": 66.667, "1h": 66.667, "2h": 66.667, "6h": 66.667},
        firing="1h+5m",
        failing_requests_per_minute=333.33,
        revenue_at_risk_usd_per_hour=200.0,
    )


def _short(bad_at: Any) -> dict[str, list[tuple[datetime, float]]]:
    return {"s0_total_short": _per_minute(lambda m: 1000), "s0_bad_short": _per_minute(bad_at)}


@pytest.mark.parametrize(
    ("bad_at", "burns", "firing"),
    [
        # the 5m window alone burning (50% for 5 minutes): 100x, but the 1h is at 2,500 / 60,000 = 8.333x
        (
            lambda m: 500 if m < 5 else 0,
            {"5m": 100.0, "30m": 16.667, "1h": 8.333, "2h": 4.167, "6h": 1.389},
            None,
        ),
        # the 1h exactly at 14.4x (4,320 of 60,000 = 7.2%), the 5m over it (10%: 20x): not over, no page;
        # the 30m: 500 + 25 x 3,820 / 55 = 2,236.36 of 30,000 = 14.909x
        (
            lambda m: 100 if m < 5 else (3_820 / 55 if m < 60 else 0),
            {"5m": 20.0, "30m": 14.909, "1h": 14.4, "2h": 7.2, "6h": 2.4},
            None,
        ),
        # the 5m exactly at 14.4x (7.2%), the 1h over it (5,860 / 60,000 = 19.533x): no page either
        (
            lambda m: 72 if m < 5 else (100 if m < 60 else 0),
            {"5m": 14.4, "30m": 19.067, "1h": 19.533, "2h": 9.767, "6h": 3.256},
            None,
        ),
        # both just over (7.21% in every minute of the last hour): 14.42x and 14.42x -> page
        (
            lambda m: 72.1 if m < 60 else 0,
            {"5m": 14.42, "30m": 14.42, "1h": 14.42, "2h": 7.21, "6h": 2.403},
            "1h+5m",
        ),
    ],
    ids=["short-only", "long-at-threshold", "short-at-threshold", "both-over"],
)
def test_a_page_pair_fires_only_when_both_windows_burn_over_its_threshold(
    bad_at: Any, burns: dict[str, float], firing: str | None
) -> None:
    service, _ = _service()
    impact = assess(service, _short(bad_at), NOW)
    assert (impact.burn_rates, impact.firing) == (burns, firing)


def test_an_unknown_impact_still_names_its_slo_and_objective() -> None:
    service, _ = _service()
    assert assess(service, {}, NOW) == Impact(
        status="unknown",
        reason="no datapoints of AWS/Bedrock Invocations {ModelId=m} (Sum), the total of SLO availability",
        slo="availability",
        objective=99.5,
    )


@pytest.mark.parametrize(
    ("sli", "oldest", "coverage"),
    [
        ({"bad": BAD, "total": TOTAL}, "s0_total_long", 719.0),
        ({"bad": BAD, "total": TOTAL}, "s0_bad_long", 719.0),
        ({"good": {"namespace": "Chat", "metric": "Answered"}, "total": TOTAL}, "s0_good_long", 719.0),
        (LATENCY["latency"], "s0_latency_long", 719.0),
    ],
    ids=["total", "bad", "good", "latency"],
)
def test_coverage_reaches_back_to_the_oldest_datapoint_of_any_series_the_slo_reads(
    sli: dict[str, Any], oldest: str, coverage: float
) -> None:
    # every series has the last 10 hours; one of them reaches back 719 hours (within the 30-day window)
    service, _ = _service(sli=LATENCY if oldest == "s0_latency_long" else sli)
    roles = ["latency"] if oldest == "s0_latency_long" else list(sli)
    data = {f"s0_{role}_long": _hourly(lambda h: 10, 10) for role in roles}
    data[oldest] = [(NOW - timedelta(hours=719), 10.0), *data[oldest]]
    assert assess(service, data, NOW).coverage_hours == coverage


def test_coverage_counts_a_datapoint_exactly_at_the_windows_start_and_now() -> None:
    service, _ = _service()
    start = NOW - timedelta(days=30)
    data = {"s0_total_long": [(start, 10.0), (NOW, 10.0)], "s0_bad_long": [(NOW, 0.0)]}
    assert assess(service, data, NOW).coverage_hours == 720.0
    # 25 h 20 min of data: 25.3 h
    data = {"s0_total_long": [(NOW - timedelta(hours=25, minutes=20), 10.0)], "s0_bad_long": []}
    assert assess(service, data, NOW).coverage_hours == 25.3
    # the current hour alone: no time covered yet, but covered
    only_now = {"s0_total_long": [(NOW, 10.0)], "s0_bad_long": [(NOW, 0.0)]}
    impact = assess(service, only_now, NOW)
    assert (impact.coverage_hours, impact.budget_remaining_pct) == (0.0, 100.0)


def test_a_single_request_in_the_slo_window_already_has_a_budget() -> None:
    service, _ = _service()
    impact = assess(service, {"s0_total_long": [(NOW, 1.0)], "s0_bad_long": [(NOW, 0.0)]}, NOW)
    assert impact.budget_remaining_pct == 100.0


def test_a_good_over_total_sli_counts_the_rest_as_bad_never_below_zero() -> None:
    good = {"namespace": "Chat", "metric": "Answered"}
    service, _ = _service(sli={"good": good, "total": TOTAL})
    # the last hour 990 of 1,000 answered a minute: 1% bad -> 2x. Before it, 1,005 "answered" of 1,000 (metric
    # skew): the 2h holds 120,000 - 119,700 = 300 bad (0.25%: 0.5x); the 6h 360,000 - 360,900 -> 0, not -900
    ok = {
        "s0_total_short": _per_minute(lambda m: 1000),
        "s0_good_short": _per_minute(lambda m: 990 if m < 60 else 1005),
    }
    assert assess(service, ok, NOW).burn_rates == {"5m": 2.0, "30m": 2.0, "1h": 2.0, "2h": 0.5, "6h": 0.0}


def test_a_latency_slice_exactly_at_the_threshold_is_good() -> None:
    service, _ = _service(sli=LATENCY)
    data = {"s0_latency_short": _per_minute(lambda m: 3000 if m < 5 else 3001, 60)}
    # the last 5 slices at exactly 3,000 ms are good; the 55 before them over it are bad (the 2h and 6h
    # hold only those 60 slices)
    assert assess(service, data, NOW).burn_rates == {
        "5m": 0.0,
        "30m": 166.667,
        "1h": 183.333,
        "2h": 183.333,
        "6h": 183.333,
    }


def test_one_failed_request_is_a_burn_rate() -> None:
    from aiops.diagnosis.impact import burn_rate

    assert burn_rate(1, 1, 99.5) == pytest.approx(200.0)
    assert burn_rate(0.5, 0.5, 99.0) == pytest.approx(100.0)


def test_a_service_without_business_figures_has_no_money_at_risk() -> None:
    service, _ = _service()
    plain = service.model_copy(update={"business": None})
    impact = assess(plain, _short(lambda m: 100), NOW)
    assert (impact.burn_rate, impact.failing_requests_per_minute, impact.revenue_at_risk_usd_per_hour) == (
        20.0,
        None,
        None,
    )


def test_the_fastest_burning_known_slo_is_the_services_impact() -> None:
    service, _ = _service()
    quality = service.slos[0].model_copy(update={"name": "quality"})
    two = service.model_copy(update={"slos": (service.slos[0], quality)})
    # the first SLO's series are empty (unknown), the second's burn at 20x
    data = {"s1_total_short": _per_minute(lambda m: 1000), "s1_bad_short": _per_minute(lambda m: 100)}
    impact = assess(two, data, NOW)
    assert (impact.status, impact.slo, impact.burn_rate) == ("known", "quality", 20.0)


def test_the_reasons_an_impact_is_not_assessed() -> None:
    service, _ = _service()
    assert assess(None, {}, NOW) == Impact(
        status="unknown", reason="the signal matches no service in the catalog"
    )
    assert assess(service, None, NOW) == Impact(status="unknown", reason="not assessed")
    assert assess(service, None, NOW, error="GetMetricData failed: Throttling") == Impact(
        status="unknown", reason="metrics could not be read: GetMetricData failed: Throttling"
    )
    assert assess(service.model_copy(update={"slos": ()}), {}, NOW) == Impact(
        status="unknown", reason="service chat has no SLO in the catalog"
    )


def test_money_at_risk_keeps_its_cents() -> None:
    # 7 requests a minute, 1 failing: 1/7 of 1,000 a minute = 142.86 failing; x 60 x $0.01 = $85.72 an hour
    service, _ = _service()
    data = {"s0_total_short": _per_minute(lambda m: 7), "s0_bad_short": _per_minute(lambda m: 1)}
    impact = assess(service, data, NOW)
    assert (impact.failing_requests_per_minute, impact.revenue_at_risk_usd_per_hour) == (142.86, 85.72)


def _two_slos() -> Any:
    service, _ = _service()
    quality = service.slos[0].model_copy(update={"name": "quality"})
    return service.model_copy(update={"slos": (service.slos[0], quality)})


@pytest.mark.parametrize(
    ("first_bad", "second_bad", "first_long", "second_long", "slo"),
    [
        (0, 2, None, None, "quality"),  # 0x against 0.4x: the one burning
        (2, 0, None, None, "availability"),
        # both at 0.4x: the one with less budget left (90% against 99%)
        (2, 2, 10.0, 1.0, "availability"),
        (2, 2, 1.0, 10.0, "quality"),
        # both at 0.4x, the first with no budget known: counted as untouched (100%), so the second (99%)
        (2, 2, None, 1.0, "quality"),
        # ... and against an untouched one (100%) a tie, which the SLO listed first wins
        (2, 2, None, 0.0, "availability"),
    ],
)
def test_the_service_impact_is_its_fastest_burning_slo_then_the_one_with_least_budget(
    first_bad: int, second_bad: int, first_long: float | None, second_long: float | None, slo: str
) -> None:
    data: dict[str, list[tuple[datetime, float]]] = {}
    for n, bad, long_bad in ((0, first_bad, first_long), (1, second_bad, second_long)):
        data[f"s{n}_total_short"] = _per_minute(lambda m: 1000)
        data[f"s{n}_bad_short"] = _per_minute(lambda m, bad=bad: bad)
        if long_bad is not None:  # 20,000 in the SLO window, 0.5% allowed: 100; 10 bad -> 90% left
            data[f"s{n}_total_long"] = [(NOW, 20_000.0)]
            data[f"s{n}_bad_long"] = [(NOW, long_bad)]
    assert assess(_two_slos(), data, NOW).slo == slo
