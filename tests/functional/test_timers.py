"""Escalation timers as EventBridge Scheduler one-time schedules (moto), fired through
handlers.timers as the scheduler would invoke it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from aiops.adapters.batch import process_sqs_batch
from aiops.adapters.config import Config
from aiops.adapters.wiring import App, build_app
from aiops.local.fakes import LocalPager
from tests.support.events import alarm_event, sqs_batch

GROUP = "aiops-escalation"
TIMERS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:aiops-timers"
ROLE_ARN = "arn:aws:iam::123456789012:role/aiops-scheduler"
DOC = "doc-search-api-5xx"  # doc-search is a high-tier service: impact unknown, SEV3


@pytest.fixture
def world(aws: Any, fake_slack: Any, clock: Any, catalog: Any) -> Any:
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    scheduler.create_schedule_group(Name=GROUP)
    pager = LocalPager()

    def build(catalog_doc: Any = None) -> App:
        from aiops.catalog.model import load_catalog

        config = Config.from_env(
            {
                "SLACK_BOT_TOKEN": "xoxb-test-token",
                "SLACK_API_URL": fake_slack.url,
                "AIOPS_SCHEDULE_GROUP": GROUP,
                "AIOPS_TIMERS_FUNCTION_ARN": TIMERS_ARN,
                "AIOPS_SCHEDULER_ROLE_ARN": ROLE_ARN,
            },
            table_name="aiops-test",
        )
        cat = load_catalog(catalog_doc) if catalog_doc is not None else catalog
        return build_app(config, clock=clock, dynamodb=aws, catalog=cat, pager=pager)

    return build, scheduler, pager


def _schedules(scheduler: Any) -> list[dict[str, Any]]:
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=GROUP)["Schedules"]]
    return [scheduler.get_schedule(Name=n, GroupName=GROUP) for n in names]


def _fire(schedule: dict[str, Any], app: App, clock: Any, lambda_context: Any) -> dict[str, str]:
    """As EventBridge Scheduler does at the schedule's time: invoke the target with its Input."""
    from handlers import timers

    at = schedule["ScheduleExpression"].removeprefix("at(").removesuffix(")")
    clock.set(datetime.fromisoformat(at + "+00:00"))
    timers.use(app)
    try:
        result: dict[str, str] = timers.handler(json.loads(schedule["Target"]["Input"]), lambda_context)
    finally:
        timers.use(None)
    return result


def test_an_unacknowledged_sev3_pages_after_its_delay(world: Any, clock: Any, lambda_context: Any) -> None:
    build, scheduler, pager = world
    app = build()
    process_sqs_batch(sqs_batch(alarm_event(DOC, "ALARM", "2026-11-25T10:00:00Z")), app.pipeline)
    [incident] = app.store.all_incidents()
    assert incident.severity == "SEV3" and pager.pages == []
    # THEN one self-deleting one-time schedule, named after the incident and the step, 15 minutes on
    [schedule] = _schedules(scheduler)
    assert schedule["Name"] == f"{incident.id}-page-{int(incident.opened_at.timestamp())}"
    assert schedule["ScheduleExpression"] == "at(2026-11-25T10:15:00)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"] == TIMERS_ARN and schedule["Target"]["RoleArn"] == ROLE_ARN
    # WHEN it fires and nobody acknowledged
    assert _fire(schedule, app, clock, lambda_context) == {"incident_id": incident.id, "status": "open"}
    # THEN the page goes out, at the schedule's time
    [page] = pager.pages
    assert (page.action, page.dedup_key) == ("trigger", incident.id)
    assert "not acknowledged within 15 min" in page.summary
    [incident] = app.store.all_incidents()
    assert [(e.action, e.at) for e in incident.escalations] == [("trigger", clock.now())]
    assert incident.timers == ()
    # and the same schedule delivered twice (at least once) pages nothing more
    _fire(schedule, app, clock, lambda_context)
    assert len(pager.pages) == 1


def test_an_acknowledged_sev3_does_not_page(world: Any, clock: Any, lambda_context: Any) -> None:
    build, scheduler, pager = world
    app = build()
    process_sqs_batch(sqs_batch(alarm_event(DOC, "ALARM", "2026-11-25T10:00:00Z")), app.pipeline)
    [schedule] = _schedules(scheduler)
    [incident] = app.store.all_incidents()
    # WHEN someone acknowledges in Slack five minutes in
    clock.set(clock.now() + timedelta(minutes=5))
    app.pipeline.acknowledge(incident.id, "U0123ABCD")
    # THEN the schedule is gone, and a stale delivery of it pages nobody
    assert _schedules(scheduler) == []
    _fire(schedule, app, clock, lambda_context)
    assert pager.pages == []


def test_a_sev4_never_pages(world: Any, clock: Any, lambda_context: Any, catalog: Any) -> None:
    build, scheduler, pager = world
    doc = catalog.model_dump(mode="json", exclude_none=True)
    doc["services"][1]["tier"] = "low"  # doc-search, impact unknown: SEV4
    app = build(doc)
    process_sqs_batch(sqs_batch(alarm_event(DOC, "ALARM", "2026-11-25T10:00:00Z")), app.pipeline)
    [incident] = app.store.all_incidents()
    assert incident.severity == "SEV4"
    assert _schedules(scheduler) == []
    # an hour on, the flush has nothing to page either: it stays in Slack
    clock.set(clock.now() + timedelta(hours=1))
    app.pipeline.tick([incident.id])
    assert pager.pages == []
