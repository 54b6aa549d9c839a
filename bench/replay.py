"""Replay benchmark: one storm through ``aiops replay`` end to end at three sizes, then its DynamoDB cost.

The default storm is issue 25's long one (``bench/long_storm.py``): 40 alarms of one service flapping
into one incident for hours, every tenth event delivered twice, at 5,000, 50,000 and 200,000 events
(about 3 hours, 28 hours and 4.6 days of it). ``--storm wide`` is the storm of ``bench/storm.py``
(500 distinct alarms across 20 services; repeats, flaps, duplicates) at 1,000, 10,000 and 50,000.

Each size runs ``aiops replay STORM.jsonl --catalog CATALOG.yaml --json`` in a process of its own, as a
user runs it (interpreter start, imports, catalog, provisioning, every event through the ingest path:
normalize, store, Slack rendering, remediation decisions; the JSON report), and measures its CPU time,
wall time and peak RSS. Beside each, in the same run and measured the same way, a process that only
reads the same file and ``json.loads`` each line: the floor.

Then (long storm) the same storm's shape, thinned to one change every 20 s, on moto: the pipeline with
the DynamoDB adapter and the Slack thread sync, in batches of 10 events, counting each batch's DynamoDB
requests and items read (botocore events on the client), first hour against last.

Not a timed test: it prints. Run: ``make bench-replay`` (or ``python bench/replay.py [--storm long|wide]
[--sizes 5000,50000,200000] [--moto-hours 4]``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import long_storm
import storm
import yaml

SIZES = {"long": (5_000, 50_000, 200_000), "wide": (1_000, 10_000, 50_000)}
TARGET_RATE = 5_000
"""Events/s of CPU time at 50,000 events of the long storm, process start included (issue 25)."""
TARGET_RATIO = 1.5
"""The 50,000-event replay's CPU per event at most this times the 5,000-event one's."""
TARGET_RSS_MB = 300
MOTO_STEP = timedelta(seconds=20)
MOTO_BATCH = 10
PEAK = """
import atexit, os, sys
def _peak():  # this process's own high-water mark (ru_maxrss would count the parent's before exec)
    with open("/proc/self/status") as fh:
        kb = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:"))
    os.write(2, f"\\npeak-kb {kb}\\n".encode())
atexit.register(_peak)
"""
REPLAY = (
    PEAK
    + """
from aiops.cli import main
sys.exit(main(sys.argv[1:]))
"""
)
FLOOR = (
    PEAK
    + """
import json
with open(sys.argv[1], encoding="utf-8") as fh:
    for line in fh:
        if line.strip():
            json.loads(line)
"""
)


@dataclass
class Measure:
    wall: float
    cpu: float
    peak_mb: float
    stdout: str
    stderr: str


USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""As a user's interpreter runs: the modules' bytecode cached, as after a first run or pip's install (a
sandbox's PYTHONDONTWRITEBYTECODE would have every replay compile about 140 modules again, 0.17 s)."""


def compile_once() -> None:
    """The bytecode written before anything is measured, so that no size pays for it."""
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "aiops")], env=USER_ENV, check=True)


def measure(argv: list[str]) -> Measure:
    """Run ``argv``: its wall time, CPU time (user + system: the one core it uses, whatever else the
    machine runs) and peak resident set size."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=USER_ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({code}):\n{errors}")
    peak = [int(ln.split()[1]) for ln in errors.splitlines() if ln.startswith("peak-kb ")]
    return Measure(wall, usage.ru_utime + usage.ru_stime, peak[-1] / 1024 if peak else 0.0, text, errors)


def replay_sizes(kind: str, sizes: list[int], emulator: str) -> list[tuple[int, Measure, Measure, Any]]:
    python = sys.executable
    compile_once()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cat = folder / "catalog.yaml"
        catalog = long_storm.catalog() if kind == "long" else storm.catalog()
        cat.write_text(yaml.safe_dump(catalog.model_dump(mode="json", exclude_defaults=True)))
        for n in sizes:
            events = folder / f"storm-{n}.jsonl"
            lines = long_storm.long_storm(n) if kind == "long" else storm.storm(n)
            events.write_text("\n".join(lines) + "\n")
            span = f", {long_storm.hours(lines):.1f} hours" if kind == "long" else ""
            del lines
            cmd = [python, "-c", REPLAY, "replay", str(events), "--catalog", str(cat), "--json"]
            run = measure([*cmd, "--emulator", emulator])
            floor = measure([python, "-c", FLOOR, str(events)])
            stats = json.loads(run.stdout)["stats"]
            run.stdout = ""
            rows.append((n, run, floor, stats))
            print(
                f"  {n:>7,} events{span}: replay {n / run.cpu:>6,.0f} events/s on CPU time ({run.cpu:.2f} s; "
                f"wall {run.wall:.2f} s), peak RSS {run.peak_mb:.0f} MB; json.loads {n / floor.cpu:,.0f} "
                f"events/s ({floor.cpu:.2f} s), peak RSS {floor.peak_mb:.0f} MB; {stats['incidents']} "
                f"incidents, {stats['duplicates']} duplicates, {stats['aws_calls']['dynamodb']:,} DynamoDB "
                f"requests, {stats['slack_calls']:,} Slack calls",
                flush=True,
            )
    return rows


def moto_cost(hours: float) -> dict[str, Any]:
    """The long storm's shape on moto, one change every 20 s for ``hours``: each batch's DynamoDB
    requests and items read, as the deployed ingest path makes them (pipeline, adapter, thread sync)."""
    from datetime import datetime

    from aiops.adapters.dynamodb import DynamoStore
    from aiops.adapters.faults import dependency_faults
    from aiops.local.clock import FixedClock
    from aiops.local.emulator import emulator
    from aiops.local.fakes import LocalChat
    from aiops.pipeline import Pipeline
    from aiops.present.slack_thread import Notifier

    n = int(hours * 3600 / MOTO_STEP.total_seconds()) + long_storm.ALARMS
    lines = long_storm.long_storm(n, step=MOTO_STEP)
    counts = {"requests": 0, "items": 0}

    def before(**_: Any) -> None:
        counts["requests"] += 1

    def after(parsed: dict[str, Any], **_: Any) -> None:
        counts["items"] += len(parsed.get("Items", ())) + (1 if parsed.get("Item") else 0)
        counts["items"] += sum(len(rows) for rows in parsed.get("Responses", {}).values())

    per_batch: list[tuple[datetime, int, int]] = []
    with emulator("bench") as client:
        clock = FixedClock(long_storm.T0)
        store = DynamoStore("bench", clock=clock, client=client)
        notifier = Notifier(
            chat=LocalChat(keep_edits=False),
            messages=store,
            channel_for=lambda i: "#inc-chat-assistant",
            reload=store.get,
            clock=clock,
            since=store.entries_since,
        )
        pipeline = Pipeline(
            catalog=long_storm.catalog(),
            ledger=store,
            incidents=store,
            context=store,
            silences=store,
            notifier=notifier,
            clock=clock,
            faults=dependency_faults(),
        )
        client.meta.events.register("before-call.dynamodb", before)
        client.meta.events.register("after-call.dynamodb", after)
        for i in range(0, len(lines), MOTO_BATCH):
            items = storm.parse_batch(lines, i, "m", MOTO_BATCH)
            first = min(s.time for _, signals in items for s in signals)
            clock.set(max(s.time for _, signals in items for s in signals))
            was = dict(counts)
            pipeline.process(items)
            per_batch.append((first, counts["requests"] - was["requests"], counts["items"] - was["items"]))
        timeline = len(store.timeline(next(iter(store.all_incidents())).id))
    hours_of: dict[int, list[tuple[Any, int, int]]] = {}
    for b in per_batch:  # by the hour of the storm its first event falls in
        hours_of.setdefault(int((b[0] - long_storm.T0) / timedelta(hours=1)), []).append(b)

    def mean(rows: list[tuple[Any, int, int]], k: int) -> float:
        return sum(r[k] for r in rows) / len(rows)

    return {
        "events": len(lines),
        "batches": len(per_batch),
        "timeline": timeline,
        "hours": [(h + 1, len(r), mean(r, 1), mean(r, 2)) for h, r in sorted(hours_of.items())],
    }


def _load() -> str:
    """The machine's load average: CPU time is inflated when other processes share the cores."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min)"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--storm", choices=("long", "wide"), default="long")
    parser.add_argument("--sizes", default="", help="comma-separated event counts (0: none, moto only)")
    parser.add_argument("--emulator", choices=("memory", "moto"), default="memory")
    parser.add_argument("--moto-hours", type=float, default=4.0, help="hours of the storm on moto (0: skip)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(SIZES[args.storm])
    shape = (
        f"{long_storm.ALARMS} alarms of one service flapping into one incident, every tenth event twice"
        if args.storm == "long"
        else f"{storm.ALARMS} distinct alarms across {storm.SERVICES} services; repeats, flaps, duplicates"
    )
    print(
        f"replay benchmark: the {args.storm} storm ({shape}), python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores (one used), emulator {args.emulator}; {_load()}"
    )
    rows = replay_sizes(args.storm, sizes, args.emulator) if sizes != [0] else []
    if rows:
        print()
        print(
            "| events | `aiops replay` events/s (CPU) | us/event | wall | peak RSS | json.loads events/s "
            "| peak RSS |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for n, run, floor, _ in rows:
            print(
                f"| {n:,} | {n / run.cpu:,.0f} ({run.cpu:.1f} s) | {run.cpu / n * 1e6:.0f} | "
                f"{run.wall:.1f} s | {run.peak_mb:.0f} MB | {n / floor.cpu:,.0f} ({floor.cpu:.2f} s) | "
                f"{floor.peak_mb:.0f} MB |"
            )
    by_size = {n: run for n, run, _, _ in rows}
    if args.storm == "long" and 5_000 in by_size and 50_000 in by_size:
        small, big = by_size[5_000], by_size[50_000]
        ratio = (big.cpu / 50_000) / (small.cpu / 5_000)
        rate = 50_000 / big.cpu
        print(
            f"\ntargets at 50,000 events: >= {TARGET_RATE:,} events/s of CPU time, process start included: "
            f"{rate:,.0f} ({'met' if rate >= TARGET_RATE else 'NOT met'}); CPU per event within "
            f"{TARGET_RATIO}x of 5,000 events': {ratio:.2f}x "
            f"({'met' if ratio <= TARGET_RATIO else 'NOT met'}); "
            f"peak RSS <= {TARGET_RSS_MB} MB: {big.peak_mb:.0f} MB "
            f"({'met' if big.peak_mb <= TARGET_RSS_MB else 'NOT met'})"
        )
    print(f"\nafter the replays: {_load()}")
    if args.storm == "long" and args.moto_hours > 0:
        cost = moto_cost(args.moto_hours)
        print(
            f"\nDynamoDB on moto: {cost['events']:,} events over {args.moto_hours:g} hours (one change every "
            f"{MOTO_STEP.seconds} s), {cost['batches']} batches of {MOTO_BATCH}; timeline "
            f"{cost['timeline']:,} entries at the end"
        )
        print("| hour of the storm | batches | DynamoDB requests per batch | items read per batch |")
        print("|---|---:|---:|---:|")
        for hour, count, requests, items in cost["hours"]:
            print(f"| {hour} | {count} | {requests:.1f} | {items:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
