"""The forecast method (aiops/forecast/): least squares with known answers, the minimum data, the band,
the hysteresis, the cost projection, the settings' checks and the event's parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from aiops.catalog.forecast import ForecastSettings
from aiops.catalog.model import load_catalog
from aiops.errors import CatalogError, InvalidEventError
from aiops.forecast import project
from aiops.forecast.events import to_event
from aiops.forecast.method import MIN_POINTS, crossing, fit
from aiops.signals import normalize

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
SETTINGS = ForecastSettings(enabled=True, model_ids=[MODEL], tpm_quota=400_000)


def test_an_exact_line_is_fitted_exactly_and_crosses_when_arithmetic_says() -> None:
    f = fit([(float(t), 5.0 + 2.0 * t) for t in range(-19, 1)])
    assert f is not None
    assert f.slope == pytest.approx(2.0) and f.intercept == pytest.approx(5.0)
    assert f.residual_se == pytest.approx(0.0, abs=1e-9)
    c = crossing(f, 25.0, 0.0)
    assert c is not None and c.minutes == pytest.approx(10.0) and c.early == c.late == pytest.approx(10.0)


def test_below_the_minimum_data_there_is_no_fit() -> None:
    assert fit([(float(t), 1.0 * t) for t in range(MIN_POINTS - 1)]) is None
    # enough points, but bunched in a quarter of the window
    assert fit([(t / 4, 1.0 * t) for t in range(20)], span=20) is None


def test_a_flat_noisy_series_never_crosses_however_close_to_the_threshold() -> None:
    rng = random.Random(1)
    f = fit([(float(t), 390_000 + rng.gauss(0, 8_000)) for t in range(-19, 1)])
    assert f is not None and not f.growing
    assert crossing(f, 400_000, 0.0) is None


def _usage(per_minute: float, start: float) -> list[tuple[datetime, float]]:
    return [(NOW - timedelta(minutes=19 - i), start + per_minute * i) for i in range(20)]


def test_the_quota_projection_warns_within_the_horizon_holds_in_the_band_and_clears_beyond() -> None:
    # 5k a minute, now at 300k: quota in 20 min -> WARNING
    warn = project.quota("svc", MODEL, _usage(5_000, 205_000), 400_000, "catalog", NOW, SETTINGS)
    assert warn.state == "WARNING" and warn.eta_minutes == pytest.approx(20.0)
    assert (
        "InvocationThrottles in about 20 min" in warn.summary and "quota 400k TPM (catalog)" in warn.summary
    )
    # 2.5k a minute, now at 300k: quota in 40 min, between 30 and 45 -> say nothing (the state holds)
    hold = project.quota("svc", MODEL, _usage(2_500, 252_500), 400_000, "catalog", NOW, SETTINGS)
    assert hold.state is None and to_event(hold, NOW, account="1", region="r") is None
    # 1k a minute: 100 min away -> OK
    ok = project.quota("svc", MODEL, _usage(1_000, 281_000), 400_000, "catalog", NOW, SETTINGS)
    assert ok.state == "OK"


def test_no_traffic_resolves_a_quota_warning() -> None:
    p = project.quota("svc", MODEL, [], 400_000, "catalog", NOW, SETTINGS)
    assert p.state == "OK" and "too little traffic" in p.summary


def test_the_cost_projection_is_spend_so_far_plus_the_rate_over_the_hours_left() -> None:
    settings = ForecastSettings(
        monthly_budget_usd=500, price_per_1k_input_tokens=0.003, price_per_1k_output_tokens=0.015
    )
    start = datetime(2026, 11, 1, tzinfo=UTC)
    now = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)  # 480 h in, 240 h left of November
    hours = [start + timedelta(hours=h) for h in range(480)]
    inputs = [(h, 100_000.0) for h in hours]  # 0.30 USD an hour
    outputs = [(h, 20_000.0) for h in hours]  # 0.30 USD an hour
    p = project.cost("svc", project.hourly_cost(inputs, outputs, settings), now, settings)
    assert p.current == pytest.approx(0.6 * 480)
    assert p.projected == pytest.approx(0.6 * 720)
    assert p.state == "OK"  # 432 < 95% of 500
    assert p.band_low == pytest.approx(p.projected) == p.band_high  # no residuals: no spread


def test_the_settings_refuse_an_unpriced_budget_and_an_empty_forecast() -> None:
    def catalog(forecast: dict[str, object]) -> object:
        return load_catalog({"services": [{"name": "s", "forecast": forecast}]})

    with pytest.raises(CatalogError, match=r"services\.0\.forecast: .*price_per_1k_input_tokens"):
        catalog({"enabled": True, "monthly_budget_usd": 100})
    with pytest.raises(CatalogError, match="needs model_ids"):
        catalog({"enabled": True})
    with pytest.raises(CatalogError, match="quota_code"):
        catalog({"enabled": True, "model_ids": [MODEL], "quota_code": "bedrock-tpm"})
    with pytest.raises(CatalogError, match="each model has its own quota"):
        catalog({"enabled": True, "model_ids": [MODEL, "m2"], "tpm_quota": 400000})
    with pytest.raises(CatalogError, match="not in model_ids: m3"):
        catalog({"enabled": True, "model_ids": [MODEL], "tpm_quotas": {"m3": 1000}})
    two = catalog({"enabled": True, "model_ids": [MODEL, "m2"], "tpm_quotas": {MODEL: 400000, "m2": 2e6}})
    settings = two.services[0].forecast  # type: ignore[attr-defined]
    assert (settings.tpm_quota_of(MODEL), settings.tpm_quota_of("m2")) == (400000, 2e6)
    assert catalog({"model_ids": [MODEL]})  # off by default: nothing is required


def test_a_forecast_event_without_its_service_is_refused_naming_the_field() -> None:
    warn = project.quota("svc", MODEL, _usage(5_000, 205_000), 400_000, "catalog", NOW, SETTINGS)
    event = to_event(warn, NOW, account="111122223333", region="us-east-1")
    assert event is not None
    [signal] = normalize(event)
    assert signal.forecast is not None and signal.forecast.eta_minutes == pytest.approx(20.0)
    del event["detail"]["service"]
    with pytest.raises(InvalidEventError, match=r"detail\.service"):
        normalize(event)
