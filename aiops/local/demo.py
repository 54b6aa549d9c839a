"""``aiops demo``: the bundled scenario through the real ingest handler on an emulated account (moto).

The scenario (aiops/data/demo/) is an alarm storm on the bundled catalog's chat-assistant, with the
CloudWatch metrics its SLO reads, so the incident shows burn rate, error budget and dollars at risk. It
ends with the maturity report of the emulated account (``aiops maturity`` on it).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from aiops.local.app import build_local_app, provision
from aiops.local.clock import FixedClock
from aiops.local.fakes import LocalChat, LocalPager
from aiops.local.lambda_events import LambdaContext, sqs_event
from aiops.local.thread import write_thread
from aiops.local.timers import fire_due
from aiops.local.world import local_aws, local_config
from aiops.present.json_report import impact_report, peak_report
from aiops.present.slack_blocks import title_now
from aiops.present.terminal_text import impact_text, peak_text
from aiops.signals.base import parse_time
from aiops.text import change_text

DEMO = "demo"


def _data(name: str) -> Path:
    return Path(str(resources.files("aiops") / "data" / name))


def run_demo(
    out: TextIO | None = None, payload_dir: Path | None = None, chat: Any = None, pager: Any = None
) -> int:
    """``out``: default the current ``sys.stdout`` (read at the call, not when this module was imported)."""
    out = out if out is not None else sys.stdout
    from aiops.lint import load_catalog_file
    from aiops.local.provision import load_datapoints

    catalog = load_catalog_file(_data("catalog.yaml"))
    lines = [ln for ln in _data("demo/events.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    metrics_file = _data("demo/metrics.jsonl")
    metrics = load_datapoints(metrics_file.read_text(encoding="utf-8").splitlines(), str(metrics_file))
    times = [parse_time(json.loads(ln)["time"], source=DEMO, field="time") for ln in lines]
    clock = FixedClock(times[0])
    with local_aws("moto", clock) as aws:
        from handlers import ingest  # after the emulator set the Powertools environment

        mirror = provision(aws.ssm, aws.cloudwatch, catalog, lines, metrics=metrics)
        app = build_local_app(
            local_config(os.environ),
            clock,
            catalog,
            aws=aws,
            chat=chat if chat is not None else LocalChat(keep_edits=True),
            pager=pager if pager is not None else LocalPager(),
        )
        ingest.use(app)
        from handlers import timers

        def fire(incident_id: str, timer: str) -> object:  # as EventBridge Scheduler invokes the timers
            context: Any = LambdaContext(function_name="aiops-timers")
            return timers.handler({"incident_id": incident_id, "timer": timer}, context)

        failed = 0
        timers.use(app)
        try:
            for n, (line, when) in enumerate(zip(lines, times, strict=True)):
                fire_due(app, clock, when, fire)
                clock.set(when)
                mirror.apply(line)
                response = ingest.handler(
                    sqs_event([line], n * 10), LambdaContext(aws_request_id=str(uuid.UUID(int=n)))
                )
                failed += len(response["batchItemFailures"])
            # the escalation's timers still pending (the held page resolve) fire at their time
            fire_due(app, clock, None, fire)
        finally:
            ingest.use(None)
            timers.use(None)
        model = aws.ssm.get_parameter(Name="/llm/chat-assistant/model-id")["Parameter"]
        incidents = app.store.all_incidents()
        out.write(
            f"aiops demo: {len(lines)} CloudWatch alarm events ({len(metrics)} metric datapoints seeded) "
            "through "
            f"handlers.ingest.handler on an emulated account -> {len(incidents)} incident(s)"
            f"{f', {failed} failed' if failed else ''}\n"
        )
        executions = app.remediation.remediator.executor.executions  # type: ignore[union-attr]
        for inc in incidents:
            rc = inc.root_cause
            peak = peak_text(inc.severity, peak_report(inc))
            out.write(f"\n{inc.id}  {inc.service}  {inc.status}  {inc.severity}{peak}\n  {title_now(inc)}\n")
            out.write(f"  impact: {impact_text(impact_report(inc))}\n")
            out.write(f"  root cause: {rc.component if rc else '-'} - {rc.summary if rc else '-'}\n")
            for a in inc.actions:
                out.write(f"  action: {a.runbook} {a.status} ({a.reason})\n")
                ex = executions.get(a.execution_id or "")
                for c in ex.changes if ex else ():
                    out.write(f"    changed {change_text(c['parameter'], c['before'], c['after'])}\n")
            out.write("  timeline:\n")
            for e in app.store.timeline(inc.id):
                out.write(f"    {e.at:%H:%M:%S}  {e.kind:<10} {e.text}\n")
        out.write(f"\nlive model id now {model['Value']} (parameter version {model['Version']})\n")
        write_thread(app.chat, out, payload_dir)
        _maturity(out)
    return 0


def _maturity(out: TextIO) -> None:
    """The emulated account judged as ``aiops maturity`` judges a real one."""
    from aiops.account import assess_account, render_text
    from aiops.local.account import emulated_account

    report = assess_account(regions=["us-east-1"], factory=emulated_account)
    out.write("\nThe emulated account, as `aiops maturity` reads it:\n\n")
    out.write(render_text(report))
