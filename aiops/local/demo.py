"""``aiops demo``: the bundled scenario through the real ingest handler on the in-process emulator."""

from __future__ import annotations

import json
import os
import sys
import uuid
from importlib import resources
from pathlib import Path
from typing import TextIO

import yaml

from aiops.adapters.config import Config
from aiops.catalog import load_catalog
from aiops.local.app import build_local_app, provision
from aiops.local.lambda_events import LambdaContext, sqs_event
from aiops.local.memory import FixedClock
from aiops.local.thread import write_thread
from aiops.local.world import local_aws
from aiops.signals.base import parse_time


def run_demo(out: TextIO = sys.stdout, payload_dir: Path | None = None) -> int:
    data = resources.files("aiops") / "data"
    catalog = load_catalog(yaml.safe_load((data / "catalog.yaml").read_text(encoding="utf-8")))
    lines = [
        ln for ln in (data / "demo" / "events.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()
    ]
    times = [parse_time(json.loads(ln)["time"], source="demo", field="time") for ln in lines]
    clock = FixedClock(times[0])
    with local_aws("moto", clock) as aws:
        from handlers import ingest  # after the emulator set the Powertools environment

        ssm = aws.ssm
        mirror = provision(aws.ssm, aws.cloudwatch, catalog, lines)
        app = build_local_app(Config.from_env(os.environ, table_name="aiops"), clock, catalog, aws=aws)
        ingest.use(app)
        out.write(
            f"aiops demo: {len(lines)} events through handlers.ingest.handler on the embedded emulator\n\n"
        )
        for n, (line, when) in enumerate(zip(lines, times, strict=True)):
            clock.set(when)
            mirror.apply(line)
            response = ingest.handler(
                sqs_event([line], n * 10), LambdaContext(aws_request_id=str(uuid.UUID(int=n)))
            )
            event = json.loads(line)
            detail = event.get("detail", {})
            state = detail.get("state", {}).get("value", "?")
            failed = len(response["batchItemFailures"])
            out.write(
                f"  {event['time']}  {detail.get('alarmName', '?'):<40} {state:<6}"
                f"{'  (failed)' if failed else ''}\n"
            )
        model = ssm.get_parameter(Name="/llm/chat-assistant/model-id")["Parameter"]
        incidents = app.store.all_incidents()
        out.write(
            f"\n{len(incidents)} incident(s); live model id now {model['Value']} "
            f"(version {model['Version']})\n"
        )
        for inc in incidents:
            rc = inc.root_cause
            out.write(f"\n{inc.id}  {inc.service}  {inc.status}  {inc.severity}\n")
            out.write(f"  root cause: {rc.component if rc else '-'} - {rc.summary if rc else '-'}\n")
            out.write(f"  signals: {', '.join(app.store.signals_of(inc.id))}\n")
            for a in inc.actions:
                out.write(f"  action: {a.runbook} {a.status} ({a.reason}) {dict(a.parameters)}\n")
            for e in app.store.timeline(inc.id):
                out.write(f"  {e.at:%H:%M:%S}  {e.kind:<10} {e.text}\n")
        write_thread(app.chat, out, payload_dir)
    return 0
