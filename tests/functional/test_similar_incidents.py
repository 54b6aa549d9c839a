"""Similar incidents: "seen before" from the history index, in Slack and in the page, at a bounded cost.

An on-call engineer paged for the second time in a week should read, in the root message and in the
page, that this was seen before, when, and what fixed it then, with a link to that thread.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aiops.adapters.dynamodb import DynamoStore
from aiops.cli import main
from aiops.incident.model import Action, Incident, Member, RootCause
from aiops.incident.signature import signature_of
from aiops.local.clock import FixedClock
from aiops.local.memory import MemoryStore
from tests.support.fake_pagerduty import FakePagerDuty, start_fake_pagerduty
from tests.support.recurring import write_recurring

ROUTING_KEY = "0123456789abcdef0123456789abcdef"
CATALOG = Path(__file__).resolve().parents[2] / "aiops" / "data" / "catalog.yaml"
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def fake_pagerduty() -> Iterator[FakePagerDuty]:
    fake = start_fake_pagerduty()
    yield fake
    assert fake.server is not None
    fake.server.shutdown()
    fake.server.server_close()


def test_the_second_of_two_incidents_a_week_apart_links_to_the_first_in_slack_and_the_page(
    tmp_path: Path, fake_slack: Any, fake_pagerduty: FakePagerDuty, monkeypatch: Any, capsys: Any
) -> None:
    # GIVEN the demo's Bedrock server-error incident, fixed by ModelFallback, and the same a week later
    events, metrics = write_recurring(tmp_path)
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_CHANNEL": "#sandbox",
        "SLACK_API_URL": fake_slack.url,
        "PAGERDUTY_ROUTING_KEY": ROUTING_KEY,
        "PAGERDUTY_EVENTS_URL": fake_pagerduty.url,
    }.items():
        monkeypatch.setenv(name, value)
    # WHEN it is replayed on the DynamoDB adapter (moto), posting to Slack and paging for real
    code = main(
        ["replay", str(events), "--catalog", str(CATALOG), "--metrics", str(metrics), "--emulator", "moto",
         "--state-out", str(tmp_path / "state"), "--live", "--json"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    first, second = json.loads(out)["incidents"]
    # THEN the second's root message says it was seen before, what fixed it, and links the first thread
    channel = fake_slack.channel_id("#inc-chat-assistant")
    roots = {m["metadata"]["event_payload"]["incident_id"]: m for m in fake_slack.roots()}
    first_thread = f"https://slack.com/archives/{channel}/p{roots[first['id']]['ts'].replace('.', '')}"
    [line] = [b for b in roots[second["id"]]["blocks"] if b.get("block_id") == "aiops_similar"]
    assert line["elements"][0]["text"] == (
        ":repeat: Seen once in 30 days; last on Nov 25: ModelFallback, verified "
        f"(<{first_thread}|{first['id']}>)"
    )
    assert not [b for b in roots[first["id"]]["blocks"] if b.get("block_id") == "aiops_similar"]
    # AND the page of the second (its fallback failed this time) says so too, with the link
    [trigger] = [e for e in fake_pagerduty.events if e["event_action"] == "trigger"]
    assert trigger["dedup_key"] == second["id"]
    details = trigger["payload"]["custom_details"]
    assert details["similar"] == "seen once in 30 days; last on Nov 25: ModelFallback, verified"
    assert details["similar_last"] == {
        "id": first["id"],
        "service": "chat-assistant",
        "outcome": "ModelFallback, verified",
    }
    assert {"href": first_thread, "text": f"Last time: {first['id']} (ModelFallback, verified)"} in trigger[
        "links"
    ]
    # AND incidents show has it
    assert main(["incidents", "show", second["id"], "--from", str(tmp_path / "state"), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["similar"]
    assert (
        shown["count"] == 1
        and shown["last"]["id"] == first["id"]
        and shown["last"]["thread_url"] == first_thread
    )


def _past(n: int, service: str, opened: datetime) -> Incident:
    member = Member(
        fingerprint=f"fp{n}", kind="alarm", resource="chat-api-5xx", component="prompt", title="t",
        status="resolved", first_seen=opened, last_change=opened, fired_at=opened,
        metric="AWS/ApiGateway/5XXError",
    )  # fmt: skip
    return Incident(
        id=f"inc-{n:012x}", service=service, title="t", opened_at=opened, last_activity_at=opened,
        status="resolved", resolved_at=opened + timedelta(minutes=30),
        members={member.fingerprint: member},
        root_cause=RootCause(component="prompt", summary="changed", change="e", change_kind="parameter"),
        actions=(Action(playbook="p", runbook="PromptRollback", status="succeeded", decided_at=opened),),
    )  # fmt: skip


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: Any, aws: Any) -> Iterator[tuple[Any, FixedClock, Any]]:
    clock = FixedClock(T0)
    if request.param == "memory":
        twin = MemoryStore(clock)
        yield twin, clock, lambda: twin.requests
        return
    dynamo = DynamoStore("aiops-test", clock=clock, client=aws)
    sent: list[str] = []
    aws.meta.events.register("before-call.dynamodb", lambda model, **_: sent.append(model.name))
    yield dynamo, clock, lambda: len(sent)


@pytest.mark.parametrize("history", [0, 5, 400])
def test_the_lookup_costs_the_same_few_requests_however_long_the_history(store: Any, history: int) -> None:
    # GIVEN `history` past incidents with the same signature over the last 30 days, half of them on
    # the same service, each filed as the pipeline files them
    db, _clock, requests = store
    now = T0
    for n in range(history):
        past = _past(n + 1, "chat" if n % 2 else "search", now - timedelta(hours=1 + n))
        db.create(past)
        db.save(past.model_copy(update={"version": 1}), [])
        sig = signature_of(past)
        assert sig is not None
        db.index(sig.key, past, previous=None)
    current = _past(99999, "chat", now)
    sig = signature_of(current)
    assert sig is not None
    # WHEN the new incident's look-alikes are looked up
    before = requests()
    same, others, capped = db.similar(sig.key, "chat", now - timedelta(days=30), now, exclude=current.id)
    # THEN two Queries and, when any is found, one batch read: never more, never a scan
    assert requests() - before == (3 if history else 2)
    assert len(same) == min(history // 2, 50) and capped == (history // 2 >= 50)
    if history:
        assert same[0].id == "inc-000000000002" and same[0].outcome == "PromptRollback, verified"
        assert [o.service for o in others] == ["search"] * min(3, (history + 1) // 2)
        assert others[0].outcome == "PromptRollback, verified"
        assert all(a.opened_at > b.opened_at for a, b in itertools.pairwise(same))


def test_a_changed_signature_moves_the_incident_to_its_new_row(store: Any) -> None:
    db, _, _ = store
    past = _past(1, "chat", T0 - timedelta(days=1))
    db.index("old", past, previous=None)
    db.index("new", past, previous="old")
    assert db.similar("old", "chat", T0 - timedelta(days=30), T0, exclude="x") == ([], [], False)
    assert [p.id for p in db.similar("new", "chat", T0 - timedelta(days=30), T0, exclude="x")[0]] == [past.id]
    # AND the incident itself is never its own look-alike, nor one older than the window
    assert db.similar("new", "chat", T0 - timedelta(days=30), T0, exclude=past.id)[0] == []
    assert db.similar("new", "chat", T0 - timedelta(hours=1), T0, exclude="x")[0] == []


def test_an_incident_whose_opening_moved_earlier_counts_once(store: Any) -> None:
    # GIVEN an incident filed, then filed again after an older event moved its opening earlier
    db, _, _ = store
    past = _past(1, "chat", T0 - timedelta(days=1))
    db.index("sig", past, previous=None)
    db.index("sig", past.model_copy(update={"opened_at": T0 - timedelta(days=1, minutes=5)}), previous="sig")
    same, _, _ = db.similar("sig", "chat", T0 - timedelta(days=30), T0, exclude="x")
    assert [(p.id, p.opened_at) for p in same] == [(past.id, T0 - timedelta(days=1))]  # the newest row
