"""The shapes issue 13 found rejected, and the limits of tolerance: what the contract needs stays required,
and no error text built from an event is longer than a line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from aiops.errors import MAX_ERROR_FIELD, EventError, InvalidEventError, UnsupportedEventError
from aiops.signals import normalize, prepare_sqs_body, sqs_body
from aiops.signals.base import parse
from aiops.signals.tolerant import name_value_map
from tests.support.events import alarm_event, load_event, sqs_batch

BUDGET_TEXT = load_event("budgets/sns_actual.json")["Records"][0]["Sns"]["Message"]
SENT = "1795597964517"  # 2026-11-25T09:12:44.517Z


def test_raw_budget_text_in_sqs_is_timed_by_sent_timestamp() -> None:
    [signal] = sqs_body(BUDGET_TEXT, "m-1", sent_timestamp=SENT)
    assert (signal.id, signal.kind, signal.resource) == ("m-1", "budget", "chat-assistant-monthly")
    assert signal.time.isoformat() == "2026-11-25T09:12:44+00:00"


def test_raw_text_without_a_time_names_the_missing_attribute() -> None:
    with pytest.raises(InvalidEventError) as info:
        prepare_sqs_body(BUDGET_TEXT, "m-1")
    assert (info.value.source, info.value.field) == ("aws.sqs", "attributes.SentTimestamp")


def test_raw_text_without_a_message_id() -> None:
    with pytest.raises(InvalidEventError) as info:
        prepare_sqs_body(BUDGET_TEXT, "", sent_timestamp=SENT)
    assert info.value.field == "messageId"


def test_raw_text_of_an_unknown_publisher_is_unsupported() -> None:
    with pytest.raises(UnsupportedEventError) as info:
        normalize(sqs_batch("Test message."))
    assert (info.value.source, info.value.field) == ("aws.sqs", "body")


def test_raw_json_without_its_own_time_falls_back_to_sent_timestamp() -> None:
    doc = json.loads(load_event("devops-guru/sns_notification.json")["Records"][0]["Sns"]["Message"])
    for key in ("startTime", "startTimeISO"):
        doc.pop(key)
    batch = sqs_batch(doc)
    batch["Records"][0]["attributes"]["SentTimestamp"] = SENT
    [signal] = normalize(batch)
    assert signal.kind == "insight" and signal.time.isoformat() == "2026-11-25T09:12:44+00:00"


def test_sns_message_given_as_a_json_object_is_read() -> None:
    event = load_event("cloudwatch/sns_alarm_notification.json")
    sns = event["Records"][0]["Sns"]
    sns["Message"] = json.loads(sns["Message"])
    [signal] = normalize(event)
    assert signal.kind == "alarm" and signal.id == sns["MessageId"]


def _health(**detail: Any) -> dict[str, Any]:
    event: dict[str, Any] = load_event("health/bedrock_open.json")
    del event["detail"]["statusCode"]
    event["detail"].update(detail)
    return event


@pytest.mark.parametrize(
    ("detail", "status"),
    [
        ({}, "firing"),
        ({"endTime": "Wed, 25 Nov 2026 12:00:00 GMT"}, "firing"),  # ends after the event's time
        ({"endTime": "2026-11-25T09:41:00Z"}, "resolved"),
        ({"endTime": "garbled"}, "firing"),
        ({"statusCode": None}, "firing"),
        ({"statusCode": "Closed"}, "resolved"),
        ({"eventTypeCategory": "accountNotification"}, "info"),
        ({"eventTypeCategory": "scheduledChange", "endTime": "2026-11-25T09:41:00Z"}, "info"),
    ],
)
def test_health_status_without_a_status_code(detail: dict[str, Any], status: str) -> None:
    [signal] = normalize(_health(**detail))
    assert signal.status == status


def test_health_garbled_start_time_costs_only_that_time() -> None:
    [signal] = normalize(_health(startTime="Thu 15 Dec 2022 23: 25: 00 GMT"))
    assert signal.health is not None and signal.health.start_time is None and signal.status == "firing"


def test_health_arn_is_still_required() -> None:
    event = _health()
    del event["detail"]["eventArn"]
    with pytest.raises(InvalidEventError) as info:
        normalize(event)
    assert info.value.field == "detail.eventArn"


@pytest.mark.parametrize(
    "dims",
    [
        [{"name": "FunctionName", "value": "f"}],
        {"FunctionName": "f"},
        '{"FunctionName": "f"}',
        '[{"Name": "FunctionName", "Value": "f"}]',
        [{"name": "FunctionName", "value": "f"}, {"name": "n", "value": 3}, "junk"],
    ],
)
def test_devops_guru_dimensions_in_every_published_shape(dims: Any) -> None:
    event = load_event("devops-guru/insight_open.json")
    event["detail"]["anomalies"][0]["sourceDetails"][0]["dataIdentifiers"]["dimensions"] = dims
    [signal] = normalize(event)
    assert signal.insight is not None
    assert signal.insight.anomalies[0].metrics[0].dimensions == {"FunctionName": "f"}


def test_name_value_map_drops_what_is_not_text() -> None:
    assert name_value_map([{"key": "a", "value": "1"}, {"name": 5, "value": "x"}, {"name": "b"}]) == {
        "a": "1"
    }
    assert name_value_map("{broken") == {} and name_value_map(7) == {}


def test_alarm_optional_fields_in_odd_shapes_keep_the_alarm() -> None:
    event = alarm_event(
        "chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z", dimensions={"Stage": "prod"}
    )
    detail = event["detail"]
    detail["alarmTags"] = [{"Key": "team", "Value": "llm"}]
    detail["previousState"] = None
    detail["state"]["reason"] = None
    detail["configuration"]["threshold"] = "5"
    detail["configuration"]["metrics"].append(None)
    [signal] = normalize(event)
    assert signal.alarm is not None and signal.status == "firing"
    assert signal.alarm.tags == {"team": "llm"} and signal.alarm.threshold == 5.0
    assert signal.alarm.previous_state is None and signal.alarm.metrics[0].dimensions == {"Stage": "prod"}


def test_alarm_state_is_still_required() -> None:
    event = alarm_event("a", "ALARM", "2026-11-25T10:00:00Z")
    event["detail"]["state"] = None
    with pytest.raises(InvalidEventError) as info:
        normalize(event)
    assert info.value.field == "detail.state"


def test_a_huge_tag_key_with_a_wrong_typed_value_costs_only_that_tag() -> None:
    event = alarm_event("chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z")
    event["detail"]["alarmTags"] = {"k" * 200_000: 5, "team": "llm"}
    [signal] = normalize(event)
    assert signal.alarm is not None and signal.alarm.tags == {"team": "llm"}


class _Keyed(BaseModel):
    counts: dict[str, int]


def test_error_field_paths_built_from_event_text_are_capped() -> None:
    # GIVEN a model whose error path holds a key of the event, 200 kB long
    with pytest.raises(InvalidEventError) as info:
        parse(_Keyed, {"counts": {"k" * 200_000: "x"}}, source="aws.test", prefix="detail")
    err = info.value
    # THEN the error carried to logs and printed on `error:` is a line, not 200 kB
    assert err.field is not None and len(err.field) <= MAX_ERROR_FIELD
    assert err.field.startswith("detail.counts.kkk")
    assert len(str(err)) < 1_000 and "\n" not in str(err)


def test_error_text_is_one_capped_line() -> None:
    err = EventError("bad\nthing " * 100_000, source="s" * 10_000, field="f\n" * 10_000)
    assert len(str(err)) < 1_000 and "\n" not in str(err)
    assert err.source is not None and len(err.source) <= 100
