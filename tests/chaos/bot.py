"""The bot for the targeted faults: the real handlers and adapters, wired to moto, SSM Automation canned
through botocore hooks (tests.support.fake_ssm), and the local fakes of Slack and PagerDuty; one fault at
a time is scripted by the test (tests.support.aws_faults.fail, FakeSlack.fail_after, FakePagerDuty.script).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3

from aiops.adapters.config import Config
from aiops.adapters.remediation import KILL_SWITCH, SsmRemediator
from aiops.adapters.wiring import App, build_app, read_catalog
from aiops.incident.model import Incident
from aiops.local.clock import FixedClock
from aiops.local.lambda_events import LambdaContext
from aiops.pipeline import Settings
from tests.chaos.storm import CATALOG
from tests.support.events import load_event, sqs_batch
from tests.support.fake_pagerduty import FakePagerDuty
from tests.support.fake_slack import FakeSlack
from tests.support.fake_ssm import FakeAutomation

TOKEN = "xoxb-test-token"
ROUTING_KEY = "R0UTINGKEY0123456789abcdefABCDEF"


@dataclass
class Bot:
    app: App
    clock: FixedClock
    slack: FakeSlack
    pagerduty: FakePagerDuty
    automation: FakeAutomation
    dynamodb: Any
    ssm: Any
    batches: int = 0

    def ingest(self, *events: Any) -> dict[str, Any]:
        """handlers.ingest as Lambda calls it, at (or after) the time of the events it is handed (a time
        that is no timestamp, or more than a day ahead, leaves the clock where it is)."""
        from aiops.errors import InvalidEventError
        from aiops.signals.base import parse_time
        from handlers import ingest

        for e in events:
            try:
                when = parse_time(e.get("time") if isinstance(e, dict) else None, source="test", field="time")
            except InvalidEventError:
                continue
            if self.clock.now() < when <= self.clock.now() + timedelta(days=1):
                self.clock.set(when)
        ingest.use(self.app)
        try:
            response: dict[str, Any] = ingest.handler(
                sqs_batch(*events, start=self.batches * 100), LambdaContext()
            )
        finally:
            ingest.use(None)
            self.batches += 1
        return response

    def flush(self, *, after: timedelta = timedelta(minutes=1)) -> dict[str, int]:
        """The scheduled flush, ``after`` later."""
        from handlers import flush

        self.clock.set(self.clock.now() + after)
        flush.use(self.app)
        try:
            return dict(flush.handler({}, LambdaContext(function_name="aiops-flush")))
        finally:
            flush.use(None)

    def ssm_reports(self, execution_id: str, status: str = "Success") -> dict[str, Any]:
        """SSM's status event for ``execution_id``, through handlers.automation."""
        from handlers import automation

        event = copy.deepcopy(load_event("automation/execution_success.json"))
        event["detail"].update(ExecutionId=execution_id, Status=status)
        event["id"] = f"ssm-{execution_id}-{status}"
        event["time"] = self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        self.automation.executions[execution_id].status = status
        automation.use(self.app)
        try:
            return dict(automation.handler(sqs_batch(event, start=900), LambdaContext()))
        finally:
            automation.use(None)

    def incident(self, service: str) -> Incident:
        [found] = [i for i in self.app.store.all_incidents() if i.service == service]
        return found

    def roots(self, incident_id: str) -> int:
        return sum(
            1
            for i, entry, thread in self.slack.keyed()
            if i == incident_id and entry == "root" and not thread
        )

    def replies(self, incident_id: str) -> list[str]:
        return [entry for i, entry, thread in self.slack.keyed() if i == incident_id and thread]

    def triggers(self, incident_id: str) -> int:
        return sum(
            1
            for e in self.pagerduty.events
            if e["dedup_key"] == incident_id and e["event_action"] == "trigger"
        )


def build_bot(
    dynamodb: Any,
    clock: FixedClock,
    slack: FakeSlack,
    pagerduty: FakePagerDuty,
    pager_topic: str = "",
) -> Bot:
    """The app as a cold start builds it from its configuration, on the ``aws`` fixture's table
    (``aiops-test``): Slack and PagerDuty at the local fakes, SSM Automation canned. With
    ``pager_topic``, no routing key: every page goes to that SNS topic."""
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name=KILL_SWITCH, Value="true", Type="String", Overwrite=True)
    for name in ("/llm/chat-assistant/prompt", "/llm/cost-bot/max-tokens"):
        for value in ("v1", "v2"):
            ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    automation = FakeAutomation(clock=clock.now)
    automation.attach(ssm)
    for channel in ("#inc-chat-assistant", "#inc-cost-bot", "#inc-doc-search"):
        slack.channel_id(channel)
    config = Config.from_env(
        {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": slack.url,
            "SLACK_CHANNEL": "#aiops",
            "PAGERDUTY_EVENTS_URL": pagerduty.url,
            **(
                {"AIOPS_PAGER_TOPIC_ARN": pager_topic}
                if pager_topic
                else {"PAGERDUTY_ROUTING_KEY": ROUTING_KEY}
            ),
        },
        table_name="aiops-test",
    )
    app = build_app(
        config,
        clock=clock,
        dynamodb=dynamodb,
        catalog=read_catalog(CATALOG),
        remediator=SsmRemediator(ssm),
        settings=Settings(),
    )
    return Bot(app, clock, slack, pagerduty, automation, dynamodb, ssm)


def execution_of(bot: Bot, service: str) -> str:
    [action] = bot.incident(service).actions
    assert action.execution_id is not None
    return action.execution_id


def body_has(text: str) -> Any:
    """A request filter for tests.support.aws_faults.fail: the serialized request mentions ``text``."""
    return lambda body: text in json.dumps(body)
