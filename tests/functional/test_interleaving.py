"""Three Lambda containers interleaved on one alarm, forced deterministically (issue 23): the incident is
open while any member fires, whoever wrote the member's newest state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiops.adapters.batch import process_sqs_batch
from tests.support.events import alarm_event, sqs_batch

NAME = "chat-assistant-api-5xx"


def test_an_ok_folded_on_stale_state_does_not_leave_a_firing_incident_mitigated(
    make_app: Any, fake_slack: Any, clock: Any
) -> None:
    # GIVEN three containers with their own DynamoDB clients, and container A opened the incident
    a, b, c = (make_app(own_client=True) for _ in range(3))
    first = alarm_event(NAME, "ALARM", "2026-11-25T10:03:10Z", previous="OK")
    ok = alarm_event(NAME, "OK", "2026-11-25T10:03:20Z", previous="ALARM")
    again = alarm_event(NAME, "ALARM", "2026-11-25T10:03:30Z", previous="OK")
    clock.set(datetime(2026, 11, 25, 10, 3, 35, tzinfo=UTC))
    process_sqs_batch(sqs_batch(first), a.pipeline)
    [opened] = a.store.all_incidents()
    assert opened.status == "open"

    # WHEN B has read the alarm's state for its OK (10:03:20), C processes the ALARM of 10:03:30 from
    # start to end (a repeat of a firing member), and only then does B fold its OK and record it
    lookup = b.store.lookup
    interleaved: list[Any] = []

    def lookup_then_c_runs(*args: Any, **kwargs: Any) -> Any:
        found = lookup(*args, **kwargs)
        if not interleaved:
            interleaved.append(process_sqs_batch(sqs_batch(again, start=1), c.pipeline))
        return found

    b.store.lookup = lookup_then_c_runs
    response, _ = process_sqs_batch(sqs_batch(ok, start=2), b.pipeline)

    # THEN B's record of the OK lost the race and was redone on fresh state; the member's newest state
    # (firing since 10:03:30, written by C) decides: the incident is open, not mitigated
    assert interleaved and response == {"batchItemFailures": []}
    [incident] = a.store.all_incidents()
    [member] = incident.members.values()
    assert (member.status, member.last_change) == ("firing", datetime(2026, 11, 25, 10, 3, 30, tzinfo=UTC))
    assert incident.status == "open", [(e.kind, e.text) for e in a.store.timeline(incident.id)]
    assert incident.mitigated_at is None
    # and a flush half an hour later neither resolves it nor finds it quiet
    clock.set(datetime(2026, 11, 25, 10, 35, tzinfo=UTC))
    [flushed] = a.pipeline.tick([incident.id])
    assert flushed.status == "open"
