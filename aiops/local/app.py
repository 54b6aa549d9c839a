"""The app on the embedded emulator: provisioned AWS state, the local remediator, counted AWS calls."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiops.adapters.config import Config
from aiops.adapters.remediation import KILL_SWITCH
from aiops.adapters.wiring import App, build_app
from aiops.catalog import Catalog
from aiops.errors import EventError
from aiops.local.fakes import LocalChat, LocalPager
from aiops.local.remediator import LocalRemediator
from aiops.local.timers import LocalScheduler
from aiops.ports import Clock
from aiops.runbooks import load_runbooks
from aiops.signals import normalize


@dataclass
class CallCounter:
    """Counts the pipeline's own AWS calls (botocore ``before-call`` events), by service."""

    counts: dict[str, int] = field(default_factory=lambda: {"dynamodb": 0, "ssm": 0, "cloudwatch": 0})
    on: bool = False

    def attach(self, client: Any, service: str) -> None:
        def count(**_: Any) -> None:
            if self.on:
                self.counts[service] = self.counts.get(service, 0) + 1

        client.meta.events.register(f"before-call.{client.meta.service_model.service_name}", count)


def provision(
    ssm: Any,
    cloudwatch: Any,
    catalog: Catalog,
    events: list[str],
    *,
    parameters: dict[str, list[str]] | None = None,
    metrics: list[dict[str, Any]] | None = None,
) -> AlarmMirror:
    """The emulator's AWS state before the first event: the LLM parameters, the kill switch (on), the
    stream's alarms, and any CloudWatch datapoints."""
    import boto3

    from aiops.local.provision import default_state, provision_parameters, seed_metrics

    provision_parameters(ssm, parameters if parameters is not None else default_state(catalog))
    ssm.put_parameter(Name=KILL_SWITCH, Value="true", Type="String", Overwrite=True)
    if metrics:
        seed_metrics(cloudwatch, metrics)
    return AlarmMirror(boto3.client("cloudwatch", region_name=cloudwatch.meta.region_name), events)


def build_local_app(
    config: Config, clock: Clock, catalog: Catalog, *, dynamodb: Any, ssm: Any, cloudwatch: Any
) -> App:
    """The app on the emulator, with runbooks run by the local executor (demo and replay)."""
    remediator = LocalRemediator(
        load_runbooks(config.runbooks_dir), {"ssm": ssm, "cloudwatch": cloudwatch}, clock
    )
    return build_app(
        config,
        clock=clock,
        dynamodb=dynamodb,
        cloudwatch=cloudwatch,
        catalog=catalog,
        remediator=remediator,
        chat=LocalChat() if config.slack_token is None else None,
        pager=LocalPager() if not (config.pagerduty_routes or config.pager_topic_arn) else None,
        scheduler=LocalScheduler(),
    )


class AlarmMirror:
    """The stream's alarms, created in the emulator and set to the state of their latest event."""

    def __init__(self, cloudwatch: Any, events: list[str]) -> None:
        self.cloudwatch = cloudwatch
        self.latest: dict[str, datetime] = {}
        created: set[str] = set()
        for line in events:
            for s in _signals(line):
                if s.alarm is None or s.alarm.name in created:
                    continue
                created.add(s.alarm.name)
                metric = s.alarm.primary_metric
                cloudwatch.put_metric_alarm(
                    AlarmName=s.alarm.name,
                    Namespace=metric.namespace if metric else "aiops/replay",
                    MetricName=metric.name if metric else "Composite",
                    Statistic="Sum",
                    Period=60,
                    EvaluationPeriods=1,
                    Threshold=s.alarm.threshold or 0.0,
                    ComparisonOperator="GreaterThanThreshold",
                    Dimensions=[
                        {"Name": k, "Value": v} for k, v in (metric.dimensions if metric else {}).items()
                    ],
                )

    def apply(self, line: str) -> None:
        for s in _signals(line):
            if s.alarm is None or s.time < self.latest.get(s.alarm.name, s.time):
                continue
            self.latest[s.alarm.name] = s.time
            self.cloudwatch.set_alarm_state(
                AlarmName=s.alarm.name, StateValue=s.alarm.state, StateReason="replay"
            )


def _signals(line: str) -> list[Any]:
    try:
        return normalize(json.loads(line))
    except (EventError, ValueError):
        return []
