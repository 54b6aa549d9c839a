"""Edges of each normalizer that the documented samples do not reach."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiops.errors import EventError, InvalidEventError, UnsupportedEventError
from aiops.signals import normalize
from aiops.signals.base import _parse_time, parse_time
from tests.support.events import load_event, sqs_batch


def _sns_message(name: str) -> str:
    return str(load_event(name)["Records"][0]["Sns"]["Message"])


def _with_message(name: str, message: str) -> dict[str, Any]:
    event: dict[str, Any] = load_event(name)
    event["Records"][0]["Sns"]["Message"] = message
    return event


@pytest.mark.parametrize(
    ("line", "replacement", "field"),
    [
        ("Budget Name: chat-assistant-monthly", "Budget Name: ", "Message.Budget Name"),
        ("Alert Type: ACTUAL", "Alert Type: SOMETIMES", "Message.Alert Type"),
        ("Budgeted Amount: $1,000.00", "Budgeted Amount: lots", "Message.Budgeted Amount"),
    ],
)
def test_budget_text_errors_name_the_field(line: str, replacement: str, field: str) -> None:
    text = _sns_message("budgets/sns_actual.json").replace(line, replacement)
    with pytest.raises(InvalidEventError) as info:
        normalize(_with_message("budgets/sns_actual.json", text))
    assert (info.value.source, info.value.field) == ("aws.budgets", field)


def test_usage_budget_keeps_its_unit() -> None:
    text = _sns_message("budgets/sns_actual.json").replace(
        "Budgeted Amount: $1,000.00", "Budgeted Amount: 500.00 Hrs"
    )
    [signal] = normalize(_with_message("budgets/sns_actual.json", text))
    assert signal.budget is not None and (signal.budget.limit, signal.budget.unit) == (500.0, "Hrs")


def test_unknown_sns_text_is_unsupported() -> None:
    with pytest.raises(UnsupportedEventError):
        normalize(_with_message("cloudwatch/sns_alarm_notification.json", "hello from a human"))


def test_text_that_claims_to_be_a_budget_but_is_not() -> None:
    with pytest.raises(InvalidEventError) as info:
        normalize(_with_message("budgets/sns_actual.json", "hello from a human"))
    assert info.value.source == "aws.budgets"


@pytest.mark.parametrize("message", ['"just a string"', '{"some": "publisher"}', "[1, 2]"])
def test_sns_json_of_unknown_publisher(message: str) -> None:
    with pytest.raises(EventError) as info:
        normalize(_with_message("cloudwatch/sns_alarm_notification.json", message))
    assert info.value.source == "aws.sns"


def test_eventbridge_event_forwarded_through_sns() -> None:
    inner = load_event("cloudwatch/alarm_metric_alarm.json")
    [signal] = normalize(_with_message("cloudwatch/sns_alarm_notification.json", json.dumps(inner)))
    assert signal.id == inner["id"] and signal.kind == "alarm"


def test_oversized_sns_message() -> None:
    with pytest.raises(InvalidEventError) as info:
        normalize(_with_message("cloudwatch/sns_alarm_notification.json", "x" * 300_000))
    assert info.value.field == "Message"


def test_devops_guru_unknown_message_type() -> None:
    doc = json.loads(_sns_message("devops-guru/sns_notification.json"))
    doc["messageType"] = "SOMETHING_NEW"
    with pytest.raises(UnsupportedEventError) as info:
        normalize(_with_message("devops-guru/sns_notification.json", json.dumps(doc)))
    assert info.value.field == "Message.messageType"


@pytest.mark.parametrize("dims", ["{broken", "[1]", {"FunctionName": "f", "n": 3}, ""])
def test_devops_guru_bad_dimensions_cost_only_the_dimensions(dims: Any) -> None:
    event = load_event("devops-guru/insight_open.json")
    event["detail"]["anomalies"][0]["sourceDetails"][0]["dataIdentifiers"]["dimensions"] = dims
    event["detail"]["anomalies"][0]["sourceDetails"][0]["dataIdentifiers"]["period"] = "sixty"
    event["detail"]["resourceCollection"] = {
        "tags": [{"appBoundaryKey": "devops-guru-app", "tagValues": ["chat"]}]
    }
    [signal] = normalize(event)
    assert signal.insight is not None
    metric = signal.insight.anomalies[0].metrics[0]
    assert metric.name == "Duration" and metric.period is None
    assert metric.dimensions in ({}, {"FunctionName": "f"})
    assert signal.insight.tags == {"devops-guru-app": "chat"}


def test_devops_guru_anomaly_resources_by_name() -> None:
    event = load_event("devops-guru/insight_closed.json")
    event["detail"]["anomalies"][0]["associatedResourceArns"] = []
    [signal] = normalize(event)
    assert signal.insight is not None and signal.insight.anomalies[0].resources == (
        "chat-assistant-orchestrator",
    )


def test_health_unknown_status() -> None:
    event = load_event("health/bedrock_open.json")
    event["detail"]["statusCode"] = "exploded"
    with pytest.raises(InvalidEventError) as info:
        normalize(event)
    assert info.value.field == "detail.statusCode"


def test_health_upcoming_is_info() -> None:
    event = load_event("health/bedrock_open.json")
    event["detail"]["statusCode"] = "upcoming"
    assert normalize(event)[0].status == "info"


def test_cloudtrail_unfollowed_event_name() -> None:
    event = load_event("changes/cloudtrail_put_parameter.json")
    event["detail"]["eventName"] = "GetParameter"
    with pytest.raises(UnsupportedEventError) as info:
        normalize(event)
    assert info.value.field == "detail.eventName"


def test_cloudtrail_missing_parameter_name() -> None:
    event = load_event("changes/cloudtrail_put_parameter.json")
    event["detail"]["requestParameters"] = {}
    with pytest.raises(InvalidEventError) as info:
        normalize(event)
    assert info.value.field == "detail.requestParameters.name"


def test_bedrock_prompt_by_arn() -> None:
    event = load_event("changes/cloudtrail_bedrock_create_prompt_version.json")
    event["detail"]["requestParameters"]["promptIdentifier"] = (
        "arn:aws:bedrock:us-east-1:111122223333:prompt/PROMPT12AB"
    )
    [signal] = normalize(event)
    assert signal.resource == "PROMPT12AB"
    event["detail"]["responseElements"]["version"] = True
    assert normalize(event)[0].change.new_version is None  # type: ignore[union-attr]


def test_raw_sqs_delivery_without_message_id_is_rejected() -> None:
    raw = json.loads(load_event("envelopes/sqs_batch_sns_raw.json")["Records"][0]["body"])
    with pytest.raises(InvalidEventError):
        normalize(raw)


def test_raw_sqs_delivery_of_devops_guru() -> None:
    doc = json.loads(_sns_message("devops-guru/sns_notification.json"))
    [signal] = normalize(sqs_batch(doc))
    assert signal.kind == "insight" and signal.id == "msg-0000"
    assert signal.time.isoformat() == "2026-11-25T09:54:00+00:00"


def test_sqs_record_body_must_be_a_string() -> None:
    batch = sqs_batch("{}")
    batch["Records"][0]["body"] = {"a": 1}
    with pytest.raises(InvalidEventError) as info:
        normalize(batch)
    assert info.value.field == "Records[0].body"


def test_composite_children_from_triggering_alarms_when_rule_is_absent() -> None:
    event = load_event("cloudwatch/alarm_composite.json")
    event["detail"]["configuration"]["alarmRule"] = ""
    event["detail"]["state"]["reasonData"] = json.dumps(
        {
            "triggeringAlarms": [
                {"arn": "arn:aws:cloudwatch:us-east-1:111122223333:alarm:chat-assistant-api-5xx"},
                {"arn": 5},
            ]
        }
    )
    [signal] = normalize(event)
    assert signal.alarm is not None and signal.alarm.children == ("chat-assistant-api-5xx",)


def test_primary_metric() -> None:
    [signal] = normalize(load_event("cloudwatch/alarm_metric_math.json"))
    assert signal.alarm is not None and signal.alarm.primary_metric is not None
    assert signal.alarm.primary_metric.name
    [composite] = normalize(load_event("cloudwatch/alarm_composite.json"))
    assert composite.alarm is not None and composite.alarm.primary_metric is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026-11-25T10:00:00.000+0000", "2026-11-25T10:00:00+00:00"),
        ("Wed, 25 Nov 2026 09:40:00 GMT", "2026-11-25T09:40:00+00:00"),
        ("2026-11-25T10:00:00", "2026-11-25T10:00:00+00:00"),
        ("2026-11-25T12:00:00+02:00", "2026-11-25T10:00:00+00:00"),
    ],
)
def test_time_formats(text: str, iso: str) -> None:
    assert parse_time(text, source="t", field="f").isoformat() == iso


def _either(parse: Callable[..., datetime], text: str) -> str:
    try:
        return parse(text, source="t", field="f").isoformat()
    except EventError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-25T03:00:00Z",
        "2026-11-25T03:00+01Z",
        "2026-11-25 03:00:00Z",
        "2026-11-25T24:00:00Z",
        "2026-11-25T03:00:0 Z",
        "2026-02-30T03:00:00Z",
        " 2026-11-25T03:00:0Z",
        "2026-11-25T03:00:00z",
    ],
)
def test_the_eventbridge_time_shortcut_agrees_with_the_general_parser(text: str) -> None:
    assert _either(parse_time, text) == _either(_parse_time, text)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=18), st.sampled_from("0123456789-T:+. Z")),
        max_size=3,
    )
)
def test_the_time_shortcut_agrees_on_near_misses(edits: list[tuple[int, str]]) -> None:
    chars = list("2026-11-25T03:00:00")
    for at, ch in edits:
        chars[at] = ch
    text = "".join(chars) + "Z"
    assert _either(parse_time, text) == _either(_parse_time, text)


def test_lambda_action_id_is_stable() -> None:
    event = load_event("cloudwatch/lambda_alarm_action.json")
    assert normalize(event)[0].id == normalize(copy.deepcopy(event))[0].id
