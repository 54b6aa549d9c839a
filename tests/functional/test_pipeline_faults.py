"""Faults and bugs told apart (issue 28): a stage retries, or leaves pending, only what a port raises for a
failed dependency (botocore's errors through the DynamoDB store, the core's DependencyError); a bug in a
stage (a TypeError) is not swallowed as a retry: it propagates, and the batch fails (SQS delivers it
again, then to its dead-letter queue)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from aiops.adapters.batch import process_sqs_batch
from aiops.errors import TransientError
from tests.support.events import alarm_event, sqs_batch

ALARM = alarm_event("chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z")
STAGES = ["route", "fold", "record", "flush"]
"""Where a fault or a bug is planted: the per-item stages of the record cycle, and the flush's settle."""


def _throttled() -> Exception:
    return ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "UpdateItem"
    )


def _plant(monkeypatch: pytest.MonkeyPatch, app: Any, stage: str, raise_: Callable[[int], None]) -> list[int]:
    """``raise_(n)`` runs before the ``n``-th call of the stage (from 1); returns the calls made."""
    pipeline = app.pipeline
    target, name = {
        "route": (pipeline.router, "route"),
        "fold": (pipeline.folder, "apply"),
        "record": (pipeline.recorder, "record"),
        "flush": (pipeline, "update"),
    }[stage]
    real = getattr(target, name)
    calls: list[int] = []

    def planted(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(calls) + 1)
        raise_(len(calls))
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, planted)
    return calls


def _run(app: Any, clock: Any, stage: str) -> dict[str, Any]:
    """The stage's path: the alarm's batch; for the flush, the batch first, then a flush an hour later."""
    if stage != "flush":
        out, _ = process_sqs_batch(sqs_batch(ALARM), app.pipeline)
        return out
    [incident] = app.store.all_incidents()
    app.pipeline.tick([incident.id])
    return {"batchItemFailures": []}


@pytest.mark.parametrize("stage", STAGES)
def test_a_bug_planted_in_a_stage_is_not_retried_and_fails_the_run(
    make_app: Any, clock: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, stage: str
) -> None:
    app = make_app()
    if stage == "flush":
        process_sqs_batch(sqs_batch(ALARM), app.pipeline)

    def bug(_: int) -> None:
        raise TypeError("unsupported operand type(s) for +: 'NoneType' and 'int'")

    calls = _plant(monkeypatch, app, stage, bug)
    caplog.set_level(logging.WARNING, logger="aiops")
    # WHEN the stage meets a bug, THEN it propagates at once: no retry, no "failed, will retry" log
    with pytest.raises(TypeError, match="NoneType"):
        _run(app, clock, stage)
    assert calls == [1]
    # (the flush names the bug's incident before raising it, once the other incidents are repaired)
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("pipeline.")]
    assert said == (["pipeline.tick_bug"] if stage == "flush" else [])


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize(
    "fault",
    [_throttled, lambda: ReadTimeoutError(endpoint_url="https://dynamodb"), lambda: TransientError("x")],
    ids=["throttled", "read-timeout", "transient"],
)
def test_a_fault_in_a_stage_is_retried_and_nothing_is_lost(
    make_app: Any, clock: Any, monkeypatch: pytest.MonkeyPatch, stage: str, fault: Callable[[], Exception]
) -> None:
    app = make_app()
    if stage == "flush":
        process_sqs_batch(sqs_batch(ALARM), app.pipeline)

    def once(n: int) -> None:
        if n == 1:
            raise fault()

    calls = _plant(monkeypatch, app, stage, once)
    # WHEN the stage's first call fails with a fault of a dependency
    out = _run(app, clock, stage)
    # THEN the batch is not failed (the item went through the cycle again), the incident is there, or
    # the flush went on (its next run settles what this one could not)
    assert out == {"batchItemFailures": []}
    assert len(calls) >= 1
    [incident] = app.store.all_incidents()
    assert [m.resource for m in incident.members.values()] == ["chat-assistant-api-5xx"]
    if stage != "flush":
        assert len(calls) >= 2  # retried in the batch


def test_a_bug_in_one_incident_does_not_stop_the_flush_repairing_the_others(
    make_app: Any, clock: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN two services' incidents open, and a bug in the flush's settle of the first one it meets
    app = make_app()
    process_sqs_batch(
        sqs_batch(ALARM, alarm_event("doc-search-api-5xx", "ALARM", "2026-11-25T10:00:00Z")), app.pipeline
    )
    incidents = {i.service: i.id for i in app.store.all_incidents()}
    assert sorted(incidents) == ["chat-assistant", "doc-search"]
    settled: list[str] = []
    real = app.pipeline.update

    def planted(incident_id: str, *args: Any, **kwargs: Any) -> Any:
        if incident_id == incidents["chat-assistant"]:
            raise TypeError("unsupported operand type(s) for +: 'NoneType' and 'int'")
        settled.append(incident_id)
        return real(incident_id, *args, **kwargs)

    monkeypatch.setattr(app.pipeline, "update", planted)
    caplog.set_level(logging.ERROR, logger="aiops")
    # WHEN the flush runs over both (the buggy one first)
    with pytest.raises(TypeError, match="NoneType"):
        app.pipeline.tick([incidents["chat-assistant"], incidents["doc-search"]])
    # THEN the other incident was still repaired, and the bug is logged with its incident and raised at
    # the end (the flush's invocation fails: a Lambda error an alarm sees), not retried as a fault
    assert settled == [incidents["doc-search"]]
    [logged] = [r for r in caplog.records if r.getMessage() == "pipeline.tick_bug"]
    assert getattr(logged, "incident_id", None) == incidents["chat-assistant"]


def test_bugs_in_several_incidents_are_raised_together(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    process_sqs_batch(
        sqs_batch(ALARM, alarm_event("doc-search-api-5xx", "ALARM", "2026-11-25T10:00:00Z")), app.pipeline
    )
    ids = [i.id for i in app.store.all_incidents()]

    def planted(incident_id: str, *args: Any, **kwargs: Any) -> Any:
        raise KeyError(incident_id)

    monkeypatch.setattr(app.pipeline, "update", planted)
    with pytest.raises(ExceptionGroup) as raised:
        app.pipeline.tick(ids)
    assert sorted(str(e) for e in raised.value.exceptions) == sorted(repr(i) for i in ids)
