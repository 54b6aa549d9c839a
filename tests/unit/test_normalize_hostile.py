"""Bad input: a clear error naming the source and the field, and nothing but EventError ever escapes."""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiops.errors import EventError, InvalidEventError, UnsupportedEventError
from aiops.signals import normalize, normalize_text
from aiops.signals.base import MAX_EVENT_BYTES
from aiops.text import MAX_TEXT
from tests.support.events import EVENTS, alarm_event, load_event, sqs_batch
from tests.support.hostile import json_values, mutate

SAMPLES = sorted(str(p.relative_to(EVENTS)) for p in Path(EVENTS).rglob("*.json"))


def _error(payload: Any) -> EventError:
    with pytest.raises(EventError) as info:
        normalize(payload)
    return info.value


def test_wrong_type_names_source_and_field() -> None:
    event = alarm_event("a", "ALARM", "2026-11-25T10:00:00Z")
    event["detail"]["state"]["value"] = 5
    err = _error(event)
    assert isinstance(err, InvalidEventError)
    assert (err.source, err.field) == ("aws.cloudwatch", "detail.state.value")
    assert str(err).startswith("aws.cloudwatch: detail.state.value: ")


def test_missing_detail() -> None:
    event = alarm_event("a", "ALARM", "2026-11-25T10:00:00Z")
    del event["detail"]
    err = _error(event)
    assert (err.source, err.field) == ("aws.cloudwatch", "detail")


def test_bad_time() -> None:
    event = alarm_event("a", "ALARM", "2026-11-25T10:00:00Z")
    event["time"] = "yesterday"
    err = _error(event)
    assert (err.source, err.field) == ("aws.cloudwatch", "time")


@pytest.mark.parametrize(
    ("source", "detail_type", "expected"),
    [("com.example.app", "Order Placed", "source"), ("aws.cloudwatch", "Some Other Thing", "detail-type")],
)
def test_unknown_source_or_detail_type(source: str, detail_type: str, expected: str) -> None:
    event = {
        "id": "1",
        "source": source,
        "detail-type": detail_type,
        "time": "2026-11-25T10:00:00Z",
        "detail": {},
    }
    err = _error(event)
    assert isinstance(err, UnsupportedEventError)
    assert err.field == expected


def test_broken_json_in_sns_message() -> None:
    event = load_event("cloudwatch/sns_alarm_notification.json")
    event["Records"][0]["Sns"]["Message"] = '{"AlarmName": "x", '
    err = _error(event)
    assert isinstance(err, InvalidEventError)
    assert (err.source, err.field) == ("aws.sns", "Message")


def test_broken_reason_data_keeps_the_alarm() -> None:
    # reasonData is auxiliary: a broken one costs its details, never the alarm itself
    event = alarm_event("chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z")
    event["detail"]["state"]["reasonData"] = "{not json"
    [signal] = normalize(event)
    assert signal.status == "firing" and signal.alarm is not None and signal.alarm.threshold is None


def test_broken_sqs_body_json() -> None:
    with pytest.raises(InvalidEventError) as info:
        normalize(sqs_batch("{nope"))
    assert (info.value.source, info.value.field) == ("aws.sqs", "body")


def test_slack_mention_syntax_is_kept_as_data() -> None:
    hostile = "<!channel> <@U123> <https://evil.example|click> & more"
    event = alarm_event("chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z", reason=hostile)
    event["detail"]["configuration"]["description"] = hostile
    [signal] = normalize(event)
    assert signal.alarm is not None and signal.alarm.reason == hostile  # escaping happens at the Slack sink
    assert hostile in signal.title


def test_megabyte_field_is_capped() -> None:
    event = alarm_event("chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z", reason="x" * 1_000_000)
    [signal] = normalize(event)
    assert signal.alarm is not None and len(signal.alarm.reason) == MAX_TEXT
    assert len(signal.model_dump_json()) < 20_000


def test_oversized_event_is_rejected_before_decoding() -> None:
    event = alarm_event(
        "chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z", reason="x" * MAX_EVENT_BYTES
    )
    with pytest.raises(InvalidEventError) as info:
        normalize_text(json.dumps(event))
    assert "262144-byte" in str(info.value)
    with pytest.raises(InvalidEventError):
        normalize(sqs_batch(event))


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "text",
        3,
        {},
        {"Records": []},
        {"Records": [1]},
        {"Sns": "x"},
        {"Type": "Notification", "Message": 3},
        {"Records": [{"eventSource": "x"}]},
    ],
)
def test_shapes_that_are_no_event(payload: Any) -> None:
    _error(payload)


def test_failed_cloudtrail_call_is_not_a_change() -> None:
    event = load_event("changes/cloudtrail_put_parameter.json")
    event["detail"]["errorCode"] = "AccessDenied"
    err = _error(event)
    assert isinstance(err, UnsupportedEventError) and err.field == "detail.errorCode"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_raises_only_event_errors(payload: Any) -> None:
    with contextlib.suppress(EventError):
        normalize(payload)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=6),
    json_values,
)
def test_mutated_samples_raise_only_event_errors(name: str, path: list[int], value: Any) -> None:
    doc = mutate(copy.deepcopy(load_event(name)), path, value)
    try:
        signals = normalize(doc)
    except EventError:
        return
    for s in signals:  # whatever got through is a complete, serializable signal
        json.loads(s.model_dump_json())
