"""``aiops demo``: the bundled scenario through the real ingest handler on the in-process emulator."""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import yaml

from aiops.adapters.config import Config
from aiops.adapters.local import emulator
from aiops.adapters.memory import FixedClock, LocalChat
from aiops.catalog import load_catalog
from aiops.render_text import builder_link, to_text
from aiops.signals.base import parse_time


@dataclass
class LambdaContext:
    """What Lambda hands a handler, as much as Powertools reads."""

    function_name: str = "aiops-ingest"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:111122223333:function:aiops-ingest"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


def sqs_event(bodies: list[str], first_id: int) -> dict[str, Any]:
    """A Lambda SQS event as the EventBridge -> SQS -> Lambda path delivers it."""
    return {
        "Records": [
            {
                "messageId": str(uuid.UUID(int=first_id + i)),
                "receiptHandle": f"rh-{first_id + i}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "0",
                    "SenderId": "events.amazonaws.com",
                    "ApproximateFirstReceiveTimestamp": "0",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:aiops-ingest",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def write_thread(chat: Any, out: TextIO, payload_dir: Path | None) -> None:
    """The Slack traffic of a local run, readable: each root message with its replies under it; the
    exact API payloads as JSON files, each with a Block Kit Builder link beside it."""
    if not isinstance(chat, LocalChat):
        out.write("\nSlack: posted to the real workspace.\n")
        return
    roots = [p for p in chat.posts if p.thread_ts is None]
    out.write(
        f"\nSlack (not sent: set SLACK_BOT_TOKEN and SLACK_CHANNEL to post): {len(roots)} thread(s), "
        f"{chat.calls} API call(s)\n"
    )
    for root in roots:
        message = chat.current(root.ts)
        out.write(f"\n--- {root.channel}  ts={root.ts}  (posted once, edited {len(root.edits)} time(s))\n")
        out.write(to_text(message.blocks) + "\n")
        replies = [p for p in chat.posts if p.thread_ts == root.ts]
        for reply in replies:
            out.write("  ↳ " + to_text(reply.message.blocks).replace("\n", "\n    ") + "\n")
        if payload_dir is not None:
            payload_dir.mkdir(parents=True, exist_ok=True)
            for post in [root, *replies]:
                msg = chat.current(post.ts)
                path = payload_dir / f"slack-{post.ts}.json"
                body = {"channel": post.channel, "text": msg.text, "blocks": list(msg.blocks)}
                if post.thread_ts:
                    body["thread_ts"] = post.thread_ts
                path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
                path.with_suffix(".builder-url.txt").write_text(builder_link(msg) + "\n")
            out.write(
                f"  payloads: {payload_dir}/slack-{root.ts}.json (+{len(replies)} replies), each with a "
                "Block Kit Builder link in *.builder-url.txt\n"
            )


def run_demo(out: TextIO = sys.stdout, payload_dir: Path | None = None) -> int:
    data = resources.files("aiops") / "data"
    catalog = load_catalog(yaml.safe_load((data / "catalog.yaml").read_text(encoding="utf-8")))
    lines = [
        ln for ln in (data / "demo" / "events.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()
    ]
    times = [parse_time(json.loads(ln)["time"], source="demo", field="time") for ln in lines]
    with emulator("aiops") as dynamodb:
        import boto3

        from aiops.adapters.replay import build_local_app, provision
        from handlers import ingest  # after the emulator set the Powertools environment

        ssm = boto3.client("ssm", region_name="us-east-1")
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        mirror = provision(ssm, cloudwatch, catalog, lines)
        clock = FixedClock(times[0])
        app = build_local_app(
            Config.from_env(os.environ, table_name="aiops"),
            clock,
            catalog,
            dynamodb=dynamodb,
            ssm=ssm,
            cloudwatch=cloudwatch,
        )
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
