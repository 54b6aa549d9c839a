"""One incident's row stays within DynamoDB's 400 KB item limit however many alarms join it (issue 23,
item 5): past a cap, members are summarised, then only counted.

The storm runs through the real pipeline on the in-memory store (moto's TransactWriteItems copies the
whole table per call: 500 alarms take minutes there), and the incident it made is written and read
back through the real DynamoDB adapter on moto, which enforces the item limit as DynamoDB does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiops.incident.model import FULL_MEMBERS, MAX_MEMBERS
from aiops.present.slack_blocks import incident_message
from aiops.signals import normalize
from tests.support.events import alarm_event
from tests.unit.test_pipeline import World

ITEM_LIMIT = 400 * 1024
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _name(i: int) -> str:
    return f"chat-api-{i:04d}-" + "x" * 236  # 250 characters (CloudWatch allows 255)


def _alarms(first: int, last: int, state: str = "ALARM", offset: int = 0) -> list[Any]:
    return [
        (
            f"m{i}-{state}-{offset}",
            normalize(
                alarm_event(
                    _name(i), state, (T0 + timedelta(seconds=i + offset)).strftime("%Y-%m-%dT%H:%M:%SZ")
                )
            ),
        )
        for i in range(first, last)
    ]


def _row_bytes(aws: Any, incident_id: str) -> int:
    item = aws.get_item(TableName="aiops-test", Key={"pk": {"S": f"INC#{incident_id}"}, "sk": {"S": "META"}})
    return sum(len(k) + len(str(v).encode()) for k, v in item["Item"].items())


def test_five_hundred_alarms_with_long_names_fit_one_row_and_are_each_counted_once(
    make_app: Any, aws: Any
) -> None:
    # GIVEN one service's 500 alarms, each with a 250-character name, firing within ten minutes, in
    # batches of 100 (the ingest queue's batch size), and then the last 200 of them firing again
    world = World()
    world.clock.set(T0 + timedelta(minutes=9))
    for start in range(0, 500, 100):
        assert world.pipeline.process(_alarms(start, start + 100)).failed == set()
    world.pipeline.process(_alarms(300, 500, "OK", offset=1))
    world.pipeline.process(_alarms(300, 500, offset=2))
    [incident] = world.store.all_incidents()
    # THEN every alarm is counted once: the first ones kept in full, the next summarised, the rest counted
    assert (len(incident.members), incident.more_members, incident.member_count) == (MAX_MEMBERS, 200, 500)
    kept = sorted(incident.members.values(), key=lambda m: m.first_seen)
    assert all(m.title and m.url for m in kept[:FULL_MEMBERS])
    assert all(not m.title and not m.url and m.resource for m in kept[FULL_MEMBERS:])
    assert "500 source(s), 300 firing" in str(incident_message(incident).blocks)
    # WHEN the incident is written through the DynamoDB adapter on moto (DynamoDB's 400 KB limit)
    app = make_app()
    app.store.create(incident.model_copy(update={"version": 0}))
    saved = app.store.save(app.store.get(incident.id), [])
    # THEN it fits, and reads back whole
    size = _row_bytes(aws, incident.id)
    print(f"incident row: {size} bytes")
    assert size < ITEM_LIMIT
    assert app.store.get(incident.id) == saved
