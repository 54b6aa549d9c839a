"""Storm benchmark: 10,000 events (500 distinct alarms across 20 services; the rest repeats, flaps and
duplicate deliveries) through the core with in-memory ports, then the DynamoDB request cost on moto.

Prints events/s, microseconds per event and, as the floor, the time to json-decode the same events;
then DynamoDB requests per new signal and per duplicate. Run: ``make bench`` (or python bench/storm.py).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiops.adapters.runtime import GEN0_THRESHOLD, tune_gc
from aiops.catalog.model import Catalog, load_catalog
from aiops.local.clock import FixedClock
from aiops.local.fakes import LocalChat
from aiops.local.memory import MemoryStore
from aiops.pipeline import Pipeline
from aiops.present.slack_thread import Notifier
from aiops.signals import Deferred, Signal, prepare_sqs_body

SERVICES = 20
ALARMS = 500
EVENTS = 10_000
BATCH = 100
"""The ingest queue's BatchSize in template.yaml: a storm arrives in batches of up to 100 within the
2-second batching window."""
T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
MOTO_EVENTS = 1000
"""The DynamoDB cost runs on the storm's first 1,000 events: moto deep-copies the whole table for every
TransactWriteItems and keeps every copy (its models track all their instances), so its memory grows
with the square of the stream; 3,000 events needed more than 17 GB and were killed on a 24 GB machine.
The first 1,000 hold the storm's costliest part for DynamoDB (its 500 first fires) plus repeats,
flaps and duplicates."""


def catalog() -> Catalog:
    return load_catalog(
        {
            "services": [
                {
                    "name": f"svc{s:02d}",
                    "components": [
                        {
                            "name": "api",
                            "depends_on": ["backend"],
                            "match": [{"alarm_name": f"svc{s:02d}-api-*"}],
                        },
                        {"name": "backend", "match": [{"alarm_name": f"svc{s:02d}-db-*"}]},
                    ],
                }
                for s in range(SERVICES)
            ]
        }
    )


def alarm_event(
    eid: int, name: str, state: str, when: datetime, *, id_prefix: str = "00000000", compact: bool = False
) -> str:
    """A CloudWatch alarm state change of an API Gateway 5XX alarm, as EventBridge delivers it."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return json.dumps(
        {
            "version": "0",
            "id": f"{id_prefix}-0000-4000-8000-{eid:012d}",
            "detail-type": "CloudWatch Alarm State Change",
            "source": "aws.cloudwatch",
            "account": "111122223333",
            "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
            "resources": [f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}"],
            "detail": {
                "alarmName": name,
                "state": {
                    "value": state,
                    "reason": "Threshold Crossed: 1 datapoint [42.0] was greater than 5.0",
                    "reasonData": json.dumps({"version": "1.0", "statistic": "Sum", "threshold": 5.0}),
                    "timestamp": stamp,
                },
                "previousState": {
                    "value": "OK" if state == "ALARM" else "ALARM",
                    "reason": "",
                    "timestamp": stamp,
                },
                "configuration": {
                    "metrics": [
                        {
                            "id": "m1",
                            "metricStat": {
                                "metric": {
                                    "namespace": "AWS/ApiGateway",
                                    "name": "5XXError",
                                    "dimensions": {"ApiName": name},
                                },
                                "period": 60,
                                "stat": "Sum",
                            },
                            "returnData": True,
                        }
                    ]
                },
            },
        },
        separators=(",", ":") if compact else None,
    )


def storm(n_events: int = EVENTS, seed: int = 7) -> list[str]:
    """500 alarms fire once each; the rest are repeats, flaps (OK / ALARM) and duplicate deliveries."""
    rng = random.Random(seed)
    names = [f"svc{a % SERVICES:02d}-{'api' if a % 3 else 'db'}-{a:03d}" for a in range(ALARMS)]
    out: list[str] = []
    eid = 0
    state = dict.fromkeys(names, "OK")
    for a, name in enumerate(names):
        eid += 1
        state[name] = "ALARM"
        out.append(alarm_event(eid, name, "ALARM", T0 + timedelta(seconds=a)))
    clock = T0 + timedelta(seconds=ALARMS)
    while len(out) < n_events:
        clock += timedelta(milliseconds=rng.randint(10, 200))
        roll = rng.random()
        if roll < 0.25:  # duplicate delivery of something already sent
            out.append(rng.choice(out))
            continue
        name = rng.choice(names)
        eid += 1
        flap = roll >= 0.75  # otherwise a repeat while firing (or a fresh ALARM)
        new = ("OK" if state[name] == "ALARM" else "ALARM") if flap else "ALARM"
        state[name] = new
        out.append(alarm_event(eid, name, new, clock))
    return out[:n_events]


def make_pipeline(store: Any, clock: FixedClock, notifier: Notifier | None) -> Pipeline:
    """The pipeline on one store that plays every port (memory or DynamoDB), with no remediation; a
    DynamoDB store's faults are botocore's, as in the deployed stack."""
    from aiops.adapters.faults import dependency_faults

    return Pipeline(
        catalog=catalog(),
        ledger=store,
        incidents=store,
        context=store,
        silences=store,
        notifier=notifier,
        clock=clock,
        faults=dependency_faults(),
    )


def parse_batch(
    lines: list[str], start: int, prefix: str, batch: int
) -> list[tuple[str, list[Signal | Deferred]]]:
    """One SQS batch as the ingest handler parses it: each body through ``prepare_sqs_body``."""
    out = []
    for k, line in enumerate(lines[start : start + batch]):
        message_id = f"{prefix}{start + k}"
        out.append((message_id, prepare_sqs_body(line, message_id)))
    return out


def run_core(lines: list[str], *, notify: bool, batch: int = BATCH) -> tuple[float, Pipeline, MemoryStore]:
    store = MemoryStore()
    clock = FixedClock(T0)
    chat = LocalChat()
    notifier = (
        Notifier(chat=chat, messages=store, channel_for=lambda i: "#c", reload=store.get, clock=clock)
        if (notify)
        else None
    )
    pipeline = make_pipeline(store, clock, notifier)
    gc.collect()
    start = time.perf_counter()
    for i in range(0, len(lines), batch):
        items = parse_batch(lines, i, "m", batch)
        clock.set(max(s.time for _, signals in items for s in signals))
        pipeline.process(items)
    return time.perf_counter() - start, pipeline, store


@dataclass
class Runs:
    runs: list[float]
    incidents: int
    recorded: int


def best_of(lines: list[str], repeat: int, *, notify: bool, batch: int) -> Runs:
    out = Runs([], 0, 0)
    for _ in range(repeat):
        elapsed, _, store = run_core(lines, notify=notify, batch=batch)
        out.runs.append(elapsed)
        out.incidents, out.recorded = len(store.incidents), len(store.events)
    return out


def decode_floor(lines: list[str]) -> float:
    start = time.perf_counter()
    for line in lines:
        json.loads(line)
    return time.perf_counter() - start


def dynamodb_cost(lines: list[str], batch: int = BATCH) -> dict[str, float]:
    """DynamoDB requests per new signal (first pass) and per duplicate (the same stream again), on moto."""
    from aiops.adapters.dynamodb import DynamoStore
    from aiops.local.app import CallCounter
    from aiops.local.emulator import emulator

    with emulator("bench") as client:
        clock = FixedClock(T0)
        store = DynamoStore("bench", clock=clock, client=client)
        pipeline = make_pipeline(store, clock, None)
        counter = CallCounter()
        counter.attach(client, "dynamodb")
        counter.on = True
        new = dup = 0
        for i in range(0, len(lines), batch):
            items = parse_batch(lines, i, "m", batch)
            clock.set(max(s.time for _, signals in items for s in signals))
            result = pipeline.process(items)
            new += result.recorded
            dup += result.duplicates
        first = counter.counts["dynamodb"]
        counter.counts["dynamodb"] = 0
        again = 0
        for i in range(0, len(lines), batch):
            items = parse_batch(lines, i, "r", batch)
            again += pipeline.process(items).duplicates
        second = counter.counts["dynamodb"]
    return {
        "new_signals": new,
        "duplicates_in_stream": dup,
        "requests_first_pass": first,
        "per_new_signal": first / max(new, 1),
        "redelivered": again,
        "requests_redelivery": second,
        "per_duplicate": second / max(again, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=BATCH, help="SQS batch size (template.yaml: 100)")
    parser.add_argument(
        "--moto-events",
        type=int,
        default=MOTO_EVENTS,
        help=f"events for the DynamoDB cost run (default {MOTO_EVENTS}; see MOTO_EVENTS)",
    )
    args = parser.parse_args()
    lines = storm(args.events)
    print(
        f"storm: {len(lines)} events, {ALARMS} distinct alarms across {SERVICES} services, "
        f"batches of {args.batch}; python {sys.version.split()[0]}, pid {os.getpid()}; collector as "
        f"deployed (handlers/ingest.py: tune_gc, generation-0 threshold {GEN0_THRESHOLD:,})"
    )
    floor = min(decode_floor(lines) for _ in range(args.repeat))
    rate, per = len(lines) / floor, floor / len(lines) * 1e6
    print(f"floor (json.loads only): {rate:,.0f} events/s, {per:.1f} us/event")
    default_gc = best_of(lines, args.repeat, notify=False, batch=args.batch)
    tune_gc()  # what handlers/ingest.py does at cold start
    for notify in (False, True):
        elapsed = best_of(lines, args.repeat, notify=notify, batch=args.batch)
        best, median = min(elapsed.runs), statistics.median(elapsed.runs)
        label = "core + Slack rendering" if notify else "core (normalize, dedup, correlate, rank)"
        print(
            f"{label}: {len(lines) / best:,.0f} events/s best, {len(lines) / median:,.0f} median; "
            f"{best / len(lines) * 1e6:.1f} us/event; {elapsed.incidents} incidents, "
            f"{elapsed.recorded} distinct events recorded"
        )
    best = min(default_gc.runs)
    print(
        f"core with CPython's default collector settings (no tune_gc): {len(lines) / best:,.0f} events/s "
        f"best, {best / len(lines) * 1e6:.1f} us/event"
    )
    cost = dynamodb_cost(lines[: args.moto_events], args.batch)
    print(
        f"dynamodb on moto ({args.moto_events} events): {cost['per_new_signal']:.2f} requests per new "
        f"signal ({cost['requests_first_pass']} for {cost['new_signals']} new, "
        f"{cost['duplicates_in_stream']} duplicates in the stream); {cost['per_duplicate']:.2f} per "
        f"duplicate on redelivery ({cost['requests_redelivery']} for {cost['redelivered']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
