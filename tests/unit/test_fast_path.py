"""The storm's fast path (alarm events validated straight from JSON, built on demand) must say exactly
what the general path says: the same signal, the same fingerprint, the same errors."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiops.catalog.model import facts_of, load_catalog
from aiops.errors import EventError
from aiops.incident.links import console_url
from aiops.incident.links import metric_of as _metric_of
from aiops.incident.model import fingerprint
from aiops.signals import Deferred, Signal, normalize, prepare_sqs_body, sqs_body
from aiops.signals.cloudwatch import from_eventbridge_json
from tests.support.events import EVENTS, alarm_event
from tests.support.hostile import json_values, mutate
from tests.unit.test_pipeline import World

ALARM_SAMPLES = sorted(
    str(p.relative_to(EVENTS))
    for p in Path(EVENTS).rglob("*.json")
    if json.loads(p.read_text(encoding="utf-8")).get("detail-type") == "CloudWatch Alarm State Change"
)


def _general(doc: Any) -> list[Any]:
    """The general path: decode, then normalize the dict (never the fast path)."""
    return normalize(json.loads(json.dumps(doc)))


@pytest.mark.parametrize("name", ALARM_SAMPLES)
def test_fast_path_equals_general_path_on_every_alarm_sample(name: str) -> None:
    text = (EVENTS / name).read_text(encoding="utf-8")
    deferred = from_eventbridge_json(text)
    assert isinstance(deferred, Deferred)
    signal = deferred.build()
    assert [signal] == normalize(json.loads(text))
    assert_head_matches(deferred, signal)


def assert_head_matches(head: Deferred, signal: Signal) -> None:
    """The head the pipeline reads instead of the built signal says exactly what the signal says."""
    for name in ("id", "time", "kind", "status", "resource", "title", "account", "region"):
        assert getattr(head, name) == getattr(signal, name), name
    assert head.fingerprint == fingerprint(signal)
    assert facts_of(head) == facts_of(signal)
    # what a new member is made of
    assert _metric_of(head) == _metric_of(signal) and console_url(head) == console_url(signal)


def test_alarm_samples_exist() -> None:
    assert len(ALARM_SAMPLES) >= 6


def test_other_events_take_the_general_path() -> None:
    text = (EVENTS / "devops-guru" / "anomaly_association.json").read_text(encoding="utf-8")
    assert from_eventbridge_json(text) is None
    assert all(not isinstance(s, Deferred) for s in prepare_sqs_body(text, "m1"))


def test_invalid_alarm_falls_back_and_names_the_field() -> None:
    event = alarm_event("a", "ALARM", "2026-11-25T10:00:00Z")
    event["detail"]["state"]["value"] = "BROKEN"
    text = json.dumps(event)
    assert from_eventbridge_json(text) is None
    with pytest.raises(EventError) as info:
        sqs_body(text, "m1")
    assert (info.value.source, info.value.field) == ("aws.cloudwatch", "detail.state.value")


def test_hostile_text_is_capped_the_same_way() -> None:
    event = alarm_event("a\x07b" + "n" * 400, "ALARM", "2026-11-25T10:00:00Z", reason="r\x00" * 5000)
    event["detail"]["alarmTags"] = {"k\u200b": "v" * 1000}
    [fast] = sqs_body(json.dumps(event), "m1")
    assert [fast] == _general(event)
    assert fast.alarm is not None and len(fast.resource) == 256 and "\x07" not in fast.resource


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(ALARM_SAMPLES),
    st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=5),
    json_values,
)
def test_mutated_alarms_agree_on_both_paths(name: str, path: list[int], value: Any) -> None:
    doc = mutate(copy.deepcopy(json.loads((EVENTS / name).read_text(encoding="utf-8"))), path, value)
    text = json.dumps(doc)
    try:
        expected: list[Any] | str = _general(doc)
    except EventError as exc:
        expected = f"{exc.source}|{exc.field}"
    try:
        got: list[Any] | str = sqs_body(text, "m1")
    except EventError as exc:
        got = f"{exc.source}|{exc.field}"
    assert got == expected
    head = from_eventbridge_json(text)
    if head is not None:
        assert_head_matches(head, head.build())


@pytest.mark.parametrize(
    "reason_data",
    [
        {"triggeringAlarms": [{"arn": "arn:aws:cloudwatch:us-east-1:1:alarm:child-a"}]},
        '{"triggering\\u0041larms": [{"arn": "arn:aws:cloudwatch:us-east-1:1:alarm:child-b"}]}',
        json.dumps({"triggeringAlarms": [{"arn": "arn:aws:cloudwatch:us-east-1:1:alarm:child-c"}]}),
        json.dumps({"threshold": 3.0, "recentDatapoints": [1.0]}),
        "not json",
        "",
    ],
)
def test_the_head_names_the_triggering_children_however_they_are_spelled(reason_data: Any) -> None:
    event = alarm_event("parent", "ALARM", "2026-11-25T10:00:00Z")
    event["detail"]["state"]["reasonData"] = reason_data
    head = from_eventbridge_json(json.dumps(event))
    assert head is not None
    signal = head.build()
    assert_head_matches(head, signal)
    assert signal == _general(event)[0]
    assert signal.alarm is not None
    assert bool(signal.alarm.children) == ("triggering" in str(reason_data))


def test_an_alarm_storm_never_builds_a_signal_its_head_is_enough() -> None:
    built: list[str] = []
    world = World()  # the in-memory pipeline of tests/unit/test_pipeline.py
    store, pipeline = world.store, world.pipeline

    def counted(text: str, item: str) -> list[Any]:
        [s] = prepare_sqs_body(text, item)
        assert isinstance(s, Deferred)
        build = s.build

        def counting() -> Signal:
            built.append(item)
            return build()

        return [dataclasses.replace(s, build=counting)]

    def event(eid: str, state: str, at: str) -> str:
        doc = alarm_event("a", state, at)
        doc["id"] = eid
        return json.dumps(doc)

    text = event("e1", "ALARM", "2026-11-25T10:00:00Z")
    first = pipeline.process([("m1", counted(text, "m1")), ("m2", counted(text, "m2"))])
    again = pipeline.process([("m3", counted(text, "m3"))])
    assert (first.recorded, first.duplicates, again.duplicates) == (1, 1, 1)
    # a repeat, a flip to OK and back: the member exists, so only its head is read
    later = pipeline.process(
        [
            ("m4", counted(event("e2", "ALARM", "2026-11-25T10:01:00Z"), "m4")),
            ("m5", counted(event("e3", "OK", "2026-11-25T10:02:00Z"), "m5")),
            ("m6", counted(event("e4", "ALARM", "2026-11-25T10:03:00Z"), "m6")),
        ]
    )
    assert later.recorded == 3
    assert built == []
    [incident] = store.incidents.values()
    signal = first_signal(text)
    member = incident.members[fingerprint(signal)]
    assert member.transitions == 2 and member.title == signal.title
    assert (member.metric, member.url) == (_metric_of(signal), console_url(signal)) and member.metric


def first_signal(text: str) -> Signal:
    [signal] = sqs_body(text, "m0")
    return signal


def test_an_edited_alarm_is_derived_afresh() -> None:
    # the configuration-derived part is reused only while the configuration is exactly equal
    first = alarm_event("edited", "ALARM", "2026-11-25T10:00:00Z", namespace="AWS/ApiGateway")
    second = alarm_event("edited", "OK", "2026-11-25T10:01:00Z", namespace="AWS/Logs", metric="AnomalyCount")
    [a] = sqs_body(json.dumps(first), "m1")
    [b] = sqs_body(json.dumps(second), "m2")
    assert a.alarm is not None and b.alarm is not None
    assert [m.namespace for m in a.alarm.metrics] == ["AWS/ApiGateway"] and a.kind == "alarm"
    assert [m.namespace for m in b.alarm.metrics] == ["AWS/Logs"] and b.kind == "log_anomaly"
    third = alarm_event("edited", "ALARM", "2026-11-25T10:02:00Z", namespace="AWS/ApiGateway")
    third["detail"]["alarmTags"] = {"team": "ml"}
    [c] = sqs_body(json.dumps(third), "m3")
    assert c.alarm is not None and c.alarm.tags == {"team": "ml"} and c.kind == "alarm"


def test_each_catalog_resolves_an_alarm_configuration_for_itself() -> None:
    # the resolution memo an alarm's events share is keyed per catalog: two catalogs never mix
    def catalog(component: str) -> Any:
        return load_catalog(
            {
                "services": [
                    {"name": "s", "components": [{"name": component, "match": [{"alarm_name": "memo*"}]}]}
                ]
            }
        )

    first, second = catalog("api"), catalog("model")
    text = json.dumps(alarm_event("memo-alarm", "ALARM", "2026-11-25T10:00:00Z"))
    for cat, component in ((first, "api"), (second, "model"), (first, "api"), (second, "model")):
        head = from_eventbridge_json(text)
        assert head is not None and head.memo is not None
        assert cat.resolve(head).component == component
    # an event whose reason names further alarms carries its own facts, never the shared memo
    event = alarm_event("memo-alarm", "ALARM", "2026-11-25T10:00:00Z")
    event["detail"]["state"]["reasonData"] = json.dumps(
        {"triggeringAlarms": [{"arn": "arn:aws:cloudwatch:us-east-1:1:alarm:other"}]}
    )
    head = from_eventbridge_json(json.dumps(event))
    assert head is not None and head.memo is None and head.alarm_names == ("memo-alarm", "other")
