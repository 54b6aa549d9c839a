"""Concurrent Lambdas over a shuffled storm against DynamoDB (moto): one incident per group, nothing lost,
one Slack root message per incident."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops.adapters.batch import process_sqs_batch
from aiops.pipeline import Settings
from tests.support.catalogs import DEMO_CATALOG
from tests.support.events import alarm_event, sqs_batch

WORKERS = 8


def _storm() -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
    """Alarms of three services within ten minutes: repeats, flaps, an out-of-order OK, duplicates."""
    rng = random.Random(42)
    events: list[dict[str, Any]] = []
    names = {
        "chat-assistant": [f"chat-assistant-api-{i}" for i in range(6)] + ["chat-assistant-rag-latency"],
        "doc-search": [f"doc-search-api-{i}" for i in range(5)],
        "unowned": [f"billing-db-{i}" for i in range(4)],
    }
    expected: dict[str, set[str]] = {}
    for service, alarms in names.items():
        ids = expected.setdefault(service, set())
        for a, name in enumerate(alarms):
            for k in range(4):  # ALARM, ALARM again, OK, ALARM: a flap
                state = "OK" if k == 2 else "ALARM"
                e = alarm_event(name, state, f"2026-11-25T10:{a:02d}:{k * 10:02d}Z", previous="ALARM")
                events.append(e)
                ids.add(e["id"])
    deliveries = events + rng.sample(events, len(events) // 3)  # a third delivered twice
    rng.shuffle(deliveries)
    return deliveries, expected


def _explain(store: Any, incident: Any, signals: list[str], deliveries: list[dict[str, Any]]) -> str:
    """What became of the events an incident should hold but does not."""
    from aiops.incident.model import fingerprint
    from aiops.signals import normalize

    lines = [f"incident {incident.service} lacks:"]
    expected_ids = {e["id"] for e in deliveries if normalize(e)[0].resource.startswith(incident.service[:4])}
    for event_id in sorted(expected_ids - set(signals)):
        signal = normalize(next(e for e in deliveries if e["id"] == event_id))[0]
        fp = fingerprint(signal)
        seen = store.lookup([signal.id], [fp])[0]
        member = incident.members.get(fp)
        lines.append(
            f"  {signal.resource} {signal.status} {signal.time:%H:%M:%S} claimed={seen.duplicate} "
            f"state={seen.state!r} member={member!r}"
        )
    return "\n".join(lines)


@pytest.mark.parametrize("batch_size", [10, 100])  # 100: the ingest queue's BatchSize
def test_concurrent_storm(make_app: Any, fake_slack: Any, batch_size: int) -> None:
    deliveries, expected = _storm()
    batches = [deliveries[i : i + batch_size] for i in range(0, len(deliveries), batch_size)]
    lock = threading.Lock()
    failures: list[Any] = []
    # Under shuffled delivery an OK can be processed before the other alarms' ALARMs: with no quiet
    # period the incident would resolve, and the next ALARM open a second one. A quiet period is what
    # absorbs reordering, so the true groups are defined with one.
    doc = yaml.safe_load(Path(DEMO_CATALOG).read_text())
    for service in doc["services"]:
        service["quiet_period_minutes"] = 30
    settings = Settings(unowned_quiet_period=timedelta(minutes=30))
    apps = [make_app(settings, own_client=True, catalog_doc=doc) for _ in range(WORKERS)]  # one per Lambda

    def worker(n: int) -> None:
        while True:
            with lock:
                if not batches:
                    return
                batch = batches.pop()
            response, _ = process_sqs_batch(sqs_batch(*batch), apps[n].pipeline)
            retry = [
                b
                for b, r in zip(batch, sqs_batch(*batch)["Records"], strict=True)
                if {"itemIdentifier": r["messageId"]} in response["batchItemFailures"]
            ]
            if retry:  # SQS would redeliver a failed item; so do we
                with lock:
                    failures.append(len(retry))
                    batches.append(retry)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    store = apps[0].store
    incidents = store.all_incidents()
    # exactly one incident per true group
    assert sorted(i.service for i in incidents) == sorted(expected)
    # no signal lost, none counted twice
    for incident in incidents:
        signals = store.signals_of(incident.id)
        assert len(signals) == len(set(signals))
        assert set(signals) == expected[incident.service], _explain(store, incident, signals, deliveries)
    # one root message per incident, whoever posted it
    roots = Counter(m["channel"] for m in fake_slack.roots())
    assert sum(roots.values()) == len(incidents)
    posts = [c.body for c in fake_slack.calls if c.method == "chat.postMessage"]
    assert sum(1 for b in posts if not b.get("thread_ts")) == len(incidents)
    # and every thread reply (the page, ...) exactly once, in its incident's thread
    replies = Counter((b["thread_ts"], b["text"]) for b in posts if b.get("thread_ts"))
    assert replies and set(replies.values()) == {1}
