"""Replay benchmark: the storm of ``bench/storm.py`` through ``aiops replay`` end to end, at three sizes.

For 1,000, 10,000 and 50,000 events (500 distinct alarms across 20 services; the rest repeats, flaps and
duplicate deliveries), each size runs ``aiops replay STORM.jsonl --catalog CATALOG.yaml --json`` in a
process of its own, as a user runs it (interpreter start, imports, catalog, provisioning, every event
through the ingest path: normalize, store, Slack rendering, remediation decisions; the JSON report),
and measures its wall time and peak RSS. Beside each, in the same run and measured the same way, a
process that only reads the same file and ``json.loads`` each line: the floor.

Prints a table (events/s and peak RSS) and the figures the README quotes. Not a timed test: it prints.
Run: ``make bench-replay`` (or ``python bench/replay.py [--sizes 1000,10000,50000] [--emulator memory]``).
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from storm import ALARMS, SERVICES, catalog, storm

SIZES = (1_000, 10_000, 50_000)
TARGET_RATE = 2_000
TARGET_RSS_MB = 500
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


def measure(argv: list[str]) -> Measure:
    """Run ``argv``: its wall time, CPU time (user + system: the one core it uses, whatever else the
    machine runs) and peak resident set size."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in SIZES), help="comma-separated event counts"
    )
    parser.add_argument("--emulator", choices=("memory", "moto"), default="memory")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    python = sys.executable
    print(
        f"replay benchmark: the storm ({ALARMS} distinct alarms across {SERVICES} services; repeats, flaps, "
        f"duplicate deliveries), python {sys.version.split()[0]}, {os.cpu_count()} cores (one used), "
        f"emulator {args.emulator}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cat = folder / "catalog.yaml"
        cat.write_text(yaml.safe_dump(catalog().model_dump(mode="json", exclude_defaults=True)))
        rows = []
        for n in sizes:
            events = folder / f"storm-{n}.jsonl"
            events.write_text("\n".join(storm(n)) + "\n")
            cmd = [python, "-c", REPLAY, "replay", str(events), "--catalog", str(cat), "--json"]
            run = measure([*cmd, "--emulator", args.emulator])
            floor = measure([python, "-c", FLOOR, str(events)])
            stats = json.loads(run.stdout)["stats"]
            rows.append((n, run, floor, stats))
            print(
                f"  {n:>6,} events: replay {n / run.cpu:>6,.0f} events/s on CPU time ({run.cpu:.2f} s; wall "
                f"{run.wall:.2f} s), peak RSS {run.peak_mb:.0f} MB; json.loads {n / floor.cpu:,.0f} events/s "
                f"({floor.cpu:.2f} s), peak RSS {floor.peak_mb:.0f} MB; {stats['incidents']} incidents, "
                f"{stats['duplicates']} duplicates, {stats['aws_calls']['dynamodb']:,} DynamoDB requests, "
                f"{stats['slack_calls']:,} Slack calls"
            )
    print()
    print("| events | `aiops replay` events/s (CPU) | wall | peak RSS | json.loads events/s | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, run, floor, _ in rows:
        print(
            f"| {n:,} | {n / run.cpu:,.0f} ({run.cpu:.1f} s) | {run.wall:.1f} s | {run.peak_mb:.0f} MB | "
            f"{n / floor.cpu:,.0f} ({floor.cpu:.2f} s) | {floor.peak_mb:.0f} MB |"
        )
    ok = all(n / r.cpu >= TARGET_RATE and r.peak_mb <= TARGET_RSS_MB for n, r, _, _ in rows if n >= 10_000)
    print(
        f"\ntargets from 10,000 events (>= {TARGET_RATE:,} events/s of CPU time, process start-up "
        f"included; <= {TARGET_RSS_MB} MB): {'met' if ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
