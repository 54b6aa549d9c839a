"""Onset from the data: the first breaching datapoint of an alarm, an anomaly's or Health event's start;
tolerant of whatever reasonData holds."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from aiops.errors import AiopsError
from aiops.signals import normalize
from aiops.signals.cloudwatch import from_eventbridge_json
from aiops.signals.onset import alarm_onset, onset_of
from tests.support.events import load_event, load_peer_event, peer_samples


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_first_breaching_evaluated_datapoint_is_the_onset() -> None:
    raw = json.dumps(
        {
            "startDate": "2026-11-25T10:00:00.000+0000",
            "period": 60,
            "threshold": 10.0,
            "recentDatapoints": [1.0, 12.0, 30.0],
            "evaluatedDatapoints": [  # newest first, as CloudWatch lists them
                {"timestamp": "2026-11-25T10:02:00.000+0000", "value": 30.0},
                {"timestamp": "2026-11-25T10:01:00.000+0000", "value": 12.0},
                {"timestamp": "2026-11-25T10:00:00.000+0000", "value": 1.0},
            ],
        }
    )
    assert alarm_onset(raw, "GreaterThanThreshold", 10.0) == _utc("2026-11-25T10:01:00")


def test_recent_datapoints_are_dated_by_start_date_and_period() -> None:
    raw = json.dumps(
        {"startDate": "2026-11-25T10:00:00.000+0000", "period": 300, "recentDatapoints": [9.0, 2.0, 1.0]}
    )
    assert alarm_onset(raw, "LessThanThreshold", 5.0) == _utc("2026-11-25T10:05:00")
    # no comparison known: the window's start (it breached within it)
    assert alarm_onset(raw, "", None) == _utc("2026-11-25T10:00:00")


def test_an_anomaly_band_breach_is_read_from_the_band() -> None:
    raw = json.dumps(
        {
            "startDate": "2026-11-25T10:00:00.000+0000",
            "period": 60,
            "recentDatapoints": [3.0, 9.0],
            "recentLowerThresholds": [1.0, 1.0],
            "recentUpperThresholds": [5.0, 5.0],
        }
    )
    assert alarm_onset(raw, "LessThanLowerOrGreaterThanUpperThreshold", None) == _utc("2026-11-25T10:01:00")


def test_a_composite_alarm_began_with_its_earliest_triggering_child() -> None:
    event = load_event("cloudwatch/alarm_composite.json")
    events = event if isinstance(event, list) else [event]
    firing = next(e for e in events if e["detail"]["state"]["value"] == "ALARM")
    [signal] = normalize(firing)
    assert signal.alarm is not None and signal.alarm.onset is not None
    assert signal.alarm.onset <= signal.time


@pytest.mark.parametrize(
    "reason_data",
    [
        None,
        "",
        "not json",
        "[]",
        '{"startDate": 7}',
        '{"evaluatedDatapoints": "x"}',
        '{"period": -60,"startDate": "2026-11-25T10:00:00.000+0000", "recentDatapoints": [1]}',
        "{" * 5000,
    ],
)
def test_odd_reason_data_never_rejects_the_event(reason_data: Any) -> None:
    event = copy.deepcopy(load_event("cloudwatch/alarm_bedrock_throttles.json"))
    events = event if isinstance(event, list) else [event]
    firing = next(e for e in events if e["detail"]["state"]["value"] == "ALARM")
    if reason_data is None:
        firing["detail"]["state"].pop("reasonData", None)
    else:
        firing["detail"]["state"]["reasonData"] = reason_data
    [signal] = normalize(firing)
    assert onset_of(signal) <= signal.time
    deferred = from_eventbridge_json(json.dumps(firing))
    assert deferred is not None and deferred.onset() <= deferred.time


def test_an_onset_after_the_event_or_a_day_before_it_is_not_believed() -> None:
    event = copy.deepcopy(load_event("cloudwatch/alarm_bedrock_throttles.json"))
    events = event if isinstance(event, list) else [event]
    firing = next(e for e in events if e["detail"]["state"]["value"] == "ALARM")
    for start in ("2030-01-01T00:00:00.000+0000", "2020-01-01T00:00:00.000+0000"):
        firing["detail"]["state"]["reasonData"] = json.dumps({"startDate": start, "period": 60})
        [signal] = normalize(firing)
        assert onset_of(signal) == signal.time


def test_the_fast_path_and_the_built_signal_agree() -> None:
    event = load_event("cloudwatch/alarm_bedrock_throttles.json")
    for e in event if isinstance(event, list) else [event]:
        if e["detail"]["state"]["value"] != "ALARM":
            continue
        deferred = from_eventbridge_json(json.dumps(e))
        assert deferred is not None
        assert deferred.onset() == onset_of(deferred.signal()) < deferred.time


def test_devops_guru_anomalies_carry_their_own_start_time() -> None:
    [signal] = normalize(load_event("devops-guru/insight_open.json"))
    assert signal.insight is not None
    starts = [a.start_time for a in signal.insight.anomalies]
    assert all(starts) and onset_of(signal) == min(s for s in starts if s)


def test_a_health_event_began_at_its_start_time() -> None:
    [signal] = normalize(load_event("health/bedrock_open.json"))
    assert onset_of(signal) == _utc("2026-11-25T09:40:00")


@pytest.mark.parametrize("name", peer_samples())
def test_peer_samples_have_a_plausible_onset(name: str) -> None:
    try:
        signals = normalize(load_peer_event(name))
    except AiopsError:  # unsupported samples: tested elsewhere
        return
    for s in signals:
        assert onset_of(s) <= s.time


def test_the_comparison_is_read_from_the_state_reason_when_the_configuration_lacks_it() -> None:
    # GIVEN an M-of-N alarm whose window starts before its first breach (EventBridge events carry no
    # comparisonOperator; the reason states it)
    raw = json.dumps(
        {
            "startDate": "2026-11-25T09:05:00.000+0000",
            "period": 300,
            "threshold": 0.2,
            "recentDatapoints": [0.1, 0.25, 0.27, 0.3, 0.33],
        }
    )
    reason = "Threshold Crossed: 4 out of the last 5 datapoints [...] were greater than the threshold (0.2)"
    assert alarm_onset(raw, "", None, reason) == _utc("2026-11-25T09:10:00")
    assert alarm_onset(raw, "", None, "") == _utc("2026-11-25T09:05:00")  # unknown: the window's start
