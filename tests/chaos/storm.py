"""The chaos storm: three services failing at once, one per way an incident ends.

- ``chat-assistant``: a prompt change, then a guardrail symptom: PromptRollback starts by itself, SSM
  reports success, the incident is mitigated, then the alarm clears and it resolves.
- ``cost-bot``: a budget alert and a token alarm: TokenCap waits for an approval in Slack; the on-call
  approves it, it runs, the incident is mitigated.
- ``doc-search``: an upstream retriever and the api downstream: no runbook fits, it pages; every alarm
  clears, the flush resolves it after its quiet period, and so resolves the page.

Some events are delivered twice (EventBridge delivers at least once), a little later. The storm is as
small as these paths allow (13 deliveries): each run of the chaos tier replays it, 90 times.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.events import alarm_event

ROOT = Path(__file__).resolve().parents[2]
CATALOG = Path(__file__).resolve().parent / "catalog.yaml"
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
APPROVER = "U0ONCALL"
APPROVES_AFTER = timedelta(minutes=2)
"""The on-call looks at Slack two minutes in (once the token alarm, the fix's verification, has joined
the cost incident)."""


def _at(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def change_event(seconds: int) -> dict[str, Any]:
    line = (
        (ROOT / "examples" / "scenarios" / "1-prompt-regression" / "events.jsonl").read_text().splitlines()[0]
    )
    event: dict[str, Any] = json.loads(line)
    event.update(id="18000000-0000-4000-8000-000000000001", time=_at(seconds))
    return event


def budget_note(seconds: int) -> dict[str, Any]:
    line = (ROOT / "examples" / "scenarios" / "4-cost-runaway" / "events.jsonl").read_text().splitlines()[0]
    note: dict[str, Any] = json.loads(line)
    note.update(
        MessageId="18000000-0000-4000-8000-000000000002",
        Timestamp=_at(seconds).replace("Z", ".000Z"),
        Message=note["Message"].replace("chat-assistant-monthly", "cost-bot-monthly"),
        Subject=note["Subject"].replace("chat-assistant-monthly", "cost-bot-monthly"),
    )
    return note


def alarm(name: str, state: str, seconds: int, previous: str | None = None) -> dict[str, Any]:
    return alarm_event(name, state, _at(seconds), previous=previous)


def storm() -> list[tuple[datetime, dict[str, Any]]]:
    """(delivery time, event) in delivery order: the same for every run."""
    guardrail = "chat-assistant-guardrail-interventions"
    docs = ["doc-search-rag-latency", "doc-search-api-latency"]
    events: list[tuple[int, dict[str, Any]]] = [(10, change_event(10)), (30, budget_note(30))]
    events += [(45 + 10 * i, alarm(name, "ALARM", 45 + 10 * i)) for i, name in enumerate(docs)]
    events += [(60, alarm(guardrail, "ALARM", 60)), (100, alarm("cost-bot-output-tokens", "ALARM", 100))]
    events += [(110 + 5 * i, alarm(name, "OK", 110 + 5 * i)) for i, name in enumerate(docs)]
    events += [(180, alarm(guardrail, "OK", 180))]
    twice = [events[0], events[1], events[2], events[-1]]
    events += [(t + 25, e) for t, e in twice]  # delivered again, a little later
    events.sort(key=lambda te: te[0])
    return [(T0 + timedelta(seconds=t), e) for t, e in events]


def signal_ids(events: list[tuple[datetime, dict[str, Any]]]) -> dict[str, set[str]]:
    """The ids each service's incident must absorb (changes explain; they are not members)."""
    out: dict[str, set[str]] = {}
    for _, e in events:
        if "MessageId" in e:
            out.setdefault("cost-bot", set()).add(e["MessageId"])
        elif e["source"] == "aws.cloudwatch":
            name = e["detail"]["alarmName"]
            service = next(s for s in ("chat-assistant", "cost-bot", "doc-search") if name.startswith(s))
            out.setdefault(service, set()).add(e["id"])
    return out
