"""``aiops replay``: an event stream through the ingest path on the embedded emulator, on event time.

Each line is delivered as one SQS batch, as EventBridge -> SQS -> Lambda would, with the clock set to
the event's own time, so the same stream gives the same output, byte for byte.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aiops.adapters.batch import process_sqs_batch
from aiops.adapters.config import Config
from aiops.adapters.wiring import App, read_catalog
from aiops.catalog import Catalog
from aiops.errors import EventError
from aiops.local.app import CallCounter, build_local_app, provision
from aiops.local.emulator import emulator
from aiops.local.fakes import LocalChat
from aiops.local.human import apply_human, human_action
from aiops.local.lambda_events import sqs_event
from aiops.local.memory import FixedClock
from aiops.local.timers import fire_due
from aiops.report import action_report, escalation_report, impact_report, incident_report
from aiops.signals import normalize
from aiops.signals.model import format_time


@dataclass
class ReplayResult:
    report: dict[str, Any]
    app: App


def load_lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _event_time(line: str, fallback: str | None) -> str | None:
    """The event's own time (the latest of its signals); a rejected line keeps the previous time."""
    try:
        signals = normalize(json.loads(line))
    except (EventError, ValueError):
        return fallback
    return format_time(max(s.time for s in signals)) if signals else fallback


def replay(
    events: list[str],
    catalog: Catalog,
    *,
    metrics: list[dict[str, Any]] | None = None,
    parameters: dict[str, list[str]] | None = None,
    playbooks_dir: Path | None = None,
    on_batch: Callable[[int, str, dict[str, Any]], None] | None = None,
) -> ReplayResult:
    from aiops.signals.base import parse_time

    times: list[str | None] = []
    last: str | None = None
    for line in events:
        last = _event_time(line, last)
        times.append(last)
    first = next((t for t in times if t), "2026-01-01T00:00:00Z")
    with emulator("aiops") as dynamodb:
        import boto3

        region = "us-east-1"
        ssm, cloudwatch = (
            boto3.client("ssm", region_name=region),
            boto3.client("cloudwatch", region_name=region),
        )
        mirror = provision(ssm, cloudwatch, catalog, events, parameters=parameters, metrics=metrics)
        clock = FixedClock(parse_time(first, source="replay", field="time"))
        counter = CallCounter()  # counts the pipeline's own calls, not the provisioning above
        counter.attach(dynamodb, "dynamodb")
        counter.attach(ssm, "ssm")
        counter.attach(cloudwatch, "cloudwatch")
        config = Config.from_env(os.environ, table_name="aiops")
        if playbooks_dir is not None:
            config = replace(config, playbooks_dir=playbooks_dir)
        app = build_local_app(config, clock, catalog, dynamodb=dynamodb, ssm=ssm, cloudwatch=cloudwatch)
        stats = {"events": len(events), "signals": 0, "duplicates": 0, "rejected": 0, "incidents": 0}
        counter.on = True
        for n, (line, when) in enumerate(zip(events, times, strict=True)):
            human = human_action(line)
            if human is not None:  # a person in Slack, on the stream's clock (see aiops/local/human.py)
                fire_due(app, clock, human.time)
                clock.set(max(clock.now(), human.time))
                apply_human(app, human)
                continue
            if when:
                fire_due(app, clock, parse_time(when, source="replay", field="time"))  # timers due by now
                clock.set(parse_time(when, source="replay", field="time"))
            mirror.apply(line)  # CloudWatch shows what the stream says, for runbook verification
            response, result = process_sqs_batch(sqs_event([line], n), app.pipeline)
            stats["signals"] += result.signals
            stats["duplicates"] += result.duplicates
            stats["rejected"] += len(response["batchItemFailures"])
            if on_batch is not None:
                on_batch(n, line, response)
        fire_due(app, clock, None)  # the stream ends, time does not: the timers still pending fire
        counter.on = False
        incidents = app.store.all_incidents()
        stats["incidents"] = len(incidents)
        chat = app.chat
        report = {
            "incidents": [
                incident_report(
                    i,
                    app.store.signals_of(i.id),
                    impact=impact_report(i),
                    actions=[action_report(a) for a in i.actions],
                    escalations=[escalation_report(e) for e in i.escalations],
                )
                for i in incidents
            ],
            "stats": {
                **stats,
                "aws_calls": dict(counter.counts),
                "slack_calls": chat.calls if isinstance(chat, LocalChat) else getattr(chat, "calls", 0),
                "pagerduty_calls": getattr(app.pager, "calls", 0),
            },
        }
        return ReplayResult(report=report, app=app)


def run_replay(
    events_path: Path,
    catalog_path: Path,
    *,
    metrics_path: Path | None = None,
    state_path: Path | None = None,
    playbooks_dir: Path | None = None,
) -> ReplayResult:
    import yaml

    from aiops.local.provision import load_datapoints, parameters_of

    catalog = read_catalog(catalog_path)
    metrics = load_datapoints(load_lines(metrics_path), str(metrics_path)) if metrics_path else None
    state = yaml.safe_load(state_path.read_text(encoding="utf-8")) if state_path else None
    parameters = parameters_of(state, catalog, str(state_path)) if state_path else None
    return replay(
        load_lines(events_path), catalog, metrics=metrics, parameters=parameters, playbooks_dir=playbooks_dir
    )
