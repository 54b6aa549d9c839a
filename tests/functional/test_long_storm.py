"""A long flapping storm through the ingest handler on moto: each batch costs DynamoDB the same in the
storm's last hour as in its first (issue 25), however old the incident has grown."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.events import alarm_event, sqs_batch

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
ALARMS = [f"chat-assistant-api-{n:02d}" for n in range(12)]
STEP = timedelta(seconds=20)
HOURS = 3
BATCH = 10
"""Events per SQS batch: a batch covers 200 s of the storm, so each hour is 18 batches."""


@dataclass
class DynamoReads:
    """Requests and items read, counted on the client's own botocore events (nothing is mocked)."""

    requests: int = 0
    items: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        self.requests += 1
        self.by_operation[model.name] = self.by_operation.get(model.name, 0) + 1

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        self.items += len(parsed.get("Items", ())) + (1 if parsed.get("Item") else 0)
        self.items += sum(len(rows) for rows in parsed.get("Responses", {}).values())


def storm() -> list[dict[str, Any]]:
    """Every alarm fires at once, then one random alarm changes state every 20 s for three hours;
    every tenth event is delivered twice."""
    rng = random.Random(25)
    firing = dict.fromkeys(ALARMS, False)
    out: list[dict[str, Any]] = []
    at = T0
    for n in range(int(HOURS * 3600 / STEP.total_seconds())):
        name = ALARMS[n] if n < len(ALARMS) else rng.choice(ALARMS)
        at = T0 + timedelta(seconds=n) if n < len(ALARMS) else at + STEP
        firing[name] = not firing[name]
        state = "ALARM" if firing[name] else "OK"
        event = alarm_event(name, state, at.strftime("%Y-%m-%dT%H:%M:%SZ"), event_id=f"storm-{n:05d}")
        out.append(event)
        if n % 10 == 9:
            out.append(event)  # delivered twice
    return out


def test_a_long_flapping_storm_costs_each_batch_the_same_in_its_last_hour_as_in_its_first(
    ingest: Any, lambda_context: Any, aws: Any, fake_slack: Any
) -> None:
    handler, app = ingest
    reads = DynamoReads()
    reads.attach(aws)
    events = storm()
    per_batch: list[tuple[datetime, int, int, int]] = []  # (time of its first event, requests, items, size)
    # WHEN three hours of a flapping storm arrive as SQS batches of ten, as Lambda is invoked with them
    for start in range(0, len(events), BATCH):
        chunk = events[start : start + BATCH]
        before = (reads.requests, reads.items)
        assert handler(sqs_batch(*chunk, start=start), lambda_context) == {"batchItemFailures": []}
        first = datetime.fromisoformat(chunk[0]["time"].replace("Z", "+00:00"))
        per_batch.append((first, reads.requests - before[0], reads.items - before[1], len(chunk)))
    # THEN it is one open, flapping incident that absorbed every event once
    [incident] = app.store.all_incidents()
    assert incident.status == "open" and incident.flapping
    assert len(app.store.signals_of(incident.id)) == len({e["id"] for e in events})
    # and its timeline is bounded: the flapping alarms' changes are folded, one entry per 10 minutes each
    timeline = app.store.timeline(incident.id)
    print(f"\n{len(events)} events, {len(timeline)} timeline entries")
    assert len(timeline) <= len(ALARMS) * (6 * HOURS + 1) + 5 * len(ALARMS) + 10
    # AND a batch in the storm's last hour costs DynamoDB what one in its first hour cost (within 10%):
    # requests and items read, though the incident is hours older. Compared: whole batches of ten, the
    # one that opened the incident aside (it creates the incident and posts the root message, once).
    end = per_batch[-1][0]
    whole = [b for n, b in enumerate(per_batch) if n > 0 and b[3] == BATCH]
    first_hour = [b for b in whole if b[0] < T0 + timedelta(hours=1)]
    last_hour = [b for b in whole if b[0] >= end - timedelta(hours=1) + STEP * BATCH]
    assert len(first_hour) >= 15 and len(last_hour) >= 15

    def mean(values: list[int]) -> float:
        return sum(values) / len(values)

    requests = (mean([b[1] for b in first_hour]), mean([b[1] for b in last_hour]))
    items = (mean([b[2] for b in first_hour]), mean([b[2] for b in last_hour]))
    print(f"\nopening batch: {per_batch[0][1]} requests, {per_batch[0][2]} items read")
    print(f"per batch, first hour -> last hour: requests {requests}, items read {items}")
    assert abs(requests[1] - requests[0]) <= 0.10 * requests[0], requests
    assert abs(items[1] - items[0]) <= 0.10 * items[0], items
    # the sync read what was new, never the history: no batch read as many items as the timeline holds
    assert max(b[2] for b in last_hour) < len(timeline)
    assert len(fake_slack.roots()) == 1
