"""The app on the emulated account: provisioned AWS state, the local remediator, the alarm mirror."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiops.adapters.config import Config
from aiops.adapters.remediation import KILL_SWITCH
from aiops.adapters.wiring import App, build_app
from aiops.catalog.model import Catalog
from aiops.errors import EventError
from aiops.escalation.ports import Pager
from aiops.incident.ports import Clock
from aiops.local.fakes import LocalChat, LocalPager
from aiops.local.remediator import LocalRemediator
from aiops.local.timers import LocalScheduler
from aiops.local.world import LocalAws
from aiops.present.ports import ChatClient
from aiops.remediation.runbooks import load_runbooks
from aiops.signals import normalize
from aiops.signals.model import Deferred, Signal, primary_metric


@dataclass
class CallCounter:
    """Counts a boto3 client's requests (botocore ``before-call`` events), by service."""

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
    events: Iterable[str] = (),
    *,
    parameters: dict[str, list[str]] | None = None,
    metrics: list[dict[str, Any]] | None = None,
) -> AlarmMirror:
    """The emulated account before the first event: the LLM parameters, the kill switch (on), any
    CloudWatch datapoints, and the alarms of ``events`` (the mirror creates the others on first sight)."""
    from aiops.local.provision import default_state, provision_parameters, seed_metrics

    provision_parameters(ssm, parameters if parameters is not None else default_state(catalog))
    ssm.put_parameter(Name=KILL_SWITCH, Value="true", Type="String", Overwrite=True)
    if metrics:
        seed_metrics(cloudwatch, metrics)
    return AlarmMirror(cloudwatch, events)


def build_local_app(
    config: Config,
    clock: Clock,
    catalog: Catalog,
    *,
    aws: LocalAws,
    chat: ChatClient | None = None,
    pager: Pager | None = None,
) -> App:
    """The app on the emulated account (demo and replay): the store, the bot's counted SSM and
    CloudWatch clients, runbooks run by the local executor on the account's own clients, and Slack and
    PagerDuty rendered locally unless real clients are handed in (``--live``)."""
    bot_ssm = aws.bot("ssm")
    remediator = LocalRemediator(
        load_runbooks(config.runbooks_dir),
        {"ssm": aws.ssm, "cloudwatch": aws.cloudwatch},
        clock,
        ssm=bot_ssm,
    )
    return build_app(
        config,
        clock=clock,
        store=aws.store,
        cloudwatch=aws.bot("cloudwatch"),
        catalog=catalog,
        remediator=remediator,
        chat=chat if chat is not None else LocalChat(),
        pager=pager if pager is not None else LocalPager(),
        scheduler=LocalScheduler(),
    )


ALARM_STATE = {"firing": "ALARM", "resolved": "OK", "info": "INSUFFICIENT_DATA"}


class AlarmMirror:
    """The stream's alarms in the emulated CloudWatch, each in the state of its latest event (by event
    time): what a runbook's verification step reads. An alarm is created the first time it is seen."""

    def __init__(self, cloudwatch: Any, events: Iterable[str] = ()) -> None:
        self.cloudwatch = cloudwatch
        self.latest: dict[str, datetime] = {}
        self.created: set[str] = set()
        for line in events:
            for s in _signals(line):
                self._create(s)

    def apply(self, line: str) -> None:
        self.apply_signals(_signals(line))

    def apply_signals(self, signals: Sequence[Signal | Deferred]) -> None:
        for s in signals:
            name = _alarm_name(s)
            if name is None or s.time < self.latest.get(name, s.time):
                continue
            self._create(s)
            self.latest[name] = s.time
            self.cloudwatch.set_alarm_state(
                AlarmName=name, StateValue=ALARM_STATE[s.status], StateReason="replay"
            )

    def _create(self, s: Signal | Deferred) -> None:
        name = _alarm_name(s)
        if name is None or name in self.created:
            return
        self.created.add(name)
        metric = primary_metric(s.metrics if isinstance(s, Deferred) else s.alarm.metrics if s.alarm else ())
        threshold = s.alarm.threshold if isinstance(s, Signal) and s.alarm else None
        self.cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace=metric.namespace if metric else "aiops/replay",
            MetricName=metric.name if metric and metric.name else "Composite",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=threshold or 0.0,
            ComparisonOperator="GreaterThanThreshold",
            Dimensions=[{"Name": k, "Value": v} for k, v in (metric.dimensions if metric else {}).items()],
        )


def _alarm_name(s: Signal | Deferred) -> str | None:
    if isinstance(s, Deferred):
        return s.alarm_names[0] if s.alarm_names else None
    return s.alarm.name if s.alarm is not None else None


def _signals(line: str) -> list[Signal]:
    try:
        return normalize(json.loads(line))
    except (EventError, ValueError):
        return []
