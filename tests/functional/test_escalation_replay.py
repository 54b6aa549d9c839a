"""Escalation in ``aiops replay``: timers fire on the stream's clock, so a delayed page shows at its
time; a flapping hour stays calm in Slack and in PagerDuty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiops.adapters.wiring import read_catalog
from aiops.catalog.model import load_catalog
from aiops.local.fakes import LocalChat
from aiops.local.replay import load_lines, replay
from tests.support.events import alarm_event

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
ALARM = "shop-api-5xx"


def _catalog(tier: str) -> Any:
    return load_catalog(
        {
            "services": [
                {
                    "name": "shop",
                    "tier": tier,
                    "components": [{"name": "api", "match": [{"alarm_name": "shop-*"}]}],
                }
            ]
        }
    )


def _ack(time: str) -> str:
    return json.dumps(
        {
            "source": "aiops.human",
            "detail-type": "acknowledge",
            "time": time,
            "detail": {"service": "shop", "user": "U0123ABCD"},
        }
    )


def _pages(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    [incident] = report["incidents"]
    return [(e["target"], e["action"], e["at"]) for e in incident["escalations"]]


def _stream(*lines: Any) -> list[str]:
    return [line if isinstance(line, str) else json.dumps(line) for line in lines]


def test_an_unacknowledged_sev3_pages_after_its_delay_at_its_time() -> None:
    # GIVEN a high-tier service (impact unknown: SEV3): an alarm at 10:00, another at 10:20
    stream = _stream(
        alarm_event(ALARM, "ALARM", "2026-11-25T10:00:00Z"),
        alarm_event("shop-latency", "ALARM", "2026-11-25T10:20:00Z"),
    )
    report = replay(stream, _catalog("high")).report
    # THEN the page went out at 10:15, between the two events, once
    assert _pages(report) == [("pagerduty", "trigger", "2026-11-25T10:15:00Z")]
    [incident] = report["incidents"]
    assert (
        incident["severity"] == "SEV3"
        and "not acknowledged within 15 min" in incident["escalations"][0]["reason"]
    )


def test_an_acknowledged_sev3_does_not_page() -> None:
    stream = _stream(alarm_event(ALARM, "ALARM", "2026-11-25T10:00:00Z"), _ack("2026-11-25T10:05:00Z"))
    result = replay(stream, _catalog("high"))
    assert _pages(result.report) == []
    assert result.report["stats"]["rejected"] == 0
    chat = result.app.chat
    assert isinstance(chat, LocalChat)
    [root] = [p for p in chat.posts if p.thread_ts is None]
    assert "*Acknowledged*" in json.dumps(list(chat.current(root.ts).blocks))  # the Slack button's effect


def test_a_sev4_never_pages() -> None:
    stream = _stream(
        alarm_event(ALARM, "ALARM", "2026-11-25T10:00:00Z"),
        alarm_event("shop-latency", "ALARM", "2026-11-25T10:25:00Z"),
    )
    report = replay(stream, _catalog("low")).report
    [incident] = report["incidents"]
    assert incident["severity"] == "SEV4" and _pages(report) == []


def test_a_flapping_hour_is_one_calm_thread_and_one_page() -> None:
    # GIVEN an alarm flipping every 2-3 minutes for an hour (examples/scenarios/6b-flapping-hour)
    folder = SCENARIOS / "6b-flapping-hour"
    lines = load_lines(folder / "events.jsonl")
    assert len(lines) >= 24
    result = replay(lines, read_catalog(folder / "catalog.yaml"))
    chat = result.app.chat
    assert isinstance(chat, LocalChat)
    # THEN one root message, at most 3 replies in its thread
    roots = [p for p in chat.posts if p.thread_ts is None]
    assert len(roots) == 1
    replies = [p for p in chat.posts if p.thread_ts == roots[0].ts]
    assert len(replies) <= 3, [r.message.text for r in replies]
    # and the root message counts the cycles and shows the last change instead
    text = json.dumps(list(chat.current(roots[0].ts).blocks))
    assert "reopened 12x" in text and "last change: resolved at 2026-11-25T11:03:00Z" in text
    # and at most one trigger and one resolve reached the pager
    pages = [(e["action"]) for e in result.report["incidents"][0]["escalations"]]
    assert pages.count("trigger") <= 1 and pages.count("resolve") <= 1
    assert pages == ["trigger", "resolve"]
