"""`--live`: replay and demo send to Slack and PagerDuty only when asked, and say where.

The fakes of the Slack Web API and the PagerDuty Events API run on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aiops.cli import main
from tests.support.fake_pagerduty import FakePagerDuty, start_fake_pagerduty

SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "5-upstream-retriever"
ROUTING_KEY = "0123456789abcdef0123456789abcdef"
REPLAY = [
    "replay",
    str(SCENARIO / "events.jsonl"),
    "--catalog",
    str(SCENARIO / "catalog.yaml"),
    "--metrics",
    str(SCENARIO / "metrics.jsonl"),
    "--json",
]


@pytest.fixture
def fake_pagerduty() -> Iterator[FakePagerDuty]:
    fake = start_fake_pagerduty()
    yield fake
    assert fake.server is not None
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def configured(monkeypatch: Any, fake_slack: Any, fake_pagerduty: FakePagerDuty) -> tuple[Any, FakePagerDuty]:
    """Every variable of a live run set, pointing at the local fakes."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_CHANNEL", "#sandbox")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    monkeypatch.setenv("PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
    monkeypatch.setenv("PAGERDUTY_EVENTS_URL", fake_pagerduty.url)
    return fake_slack, fake_pagerduty


def test_without_live_nothing_is_sent_even_with_the_variables_set(configured: Any, capsys: Any) -> None:
    slack, pagerduty = configured
    assert main(REPLAY) == 0
    out, err = capsys.readouterr()
    assert slack.calls == [] and pagerduty.attempts == 0
    assert err.splitlines()[0] == (
        "replay: Slack and PagerDuty are rendered locally, not sent, although SLACK_BOT_TOKEN and "
        "PAGERDUTY_ROUTING_KEY are set: add --live to send"
    )
    stats = json.loads(out)["stats"]
    assert stats["slack_calls"] > 0 and stats["pagerduty_calls"] == 1  # rendered locally, counted


def test_with_live_it_posts_pages_and_says_where(configured: Any, capsys: Any) -> None:
    slack, pagerduty = configured
    assert main([*REPLAY, "--live"]) == 0
    out, err = capsys.readouterr()
    stats = json.loads(out)["stats"]
    posts = [c for c in slack.calls if c.method in ("chat.postMessage", "chat.update")]
    assert posts and stats["slack_calls"] == len(posts)
    # the root is posted to the channel by name, its edits and replies to the id Slack answered with
    assert {slack.channel_id(c.body["channel"]) for c in posts} == {slack.channel_id("#inc-chat-assistant")}
    assert [e["event_action"] for e in pagerduty.events] == ["trigger"] and stats["pagerduty_calls"] == 1
    lines = err.splitlines()
    assert lines[:2] == [
        f"Slack: posting to https://aiops-test.slack.com/, channel #sandbox (and the channels the catalog "
        f"names), through {slack.url}",
        f"PagerDuty: paging {pagerduty.url}",
    ]
    assert lines[-2:] == [
        f"Slack: {len(posts)} call(s) to https://aiops-test.slack.com/ (#inc-chat-assistant)",
        f"PagerDuty: 1 event(s) sent to {pagerduty.url}",
    ]


def test_live_without_the_variables_is_a_usage_error(monkeypatch: Any, capsys: Any) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_CHANNEL", "PAGERDUTY_ROUTING_KEY", "SLACK_BOT_TOKEN_SECRET_ARN"):
        monkeypatch.delenv(name, raising=False)
    assert main([*REPLAY, "--live"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "error: --live sends to Slack (set SLACK_BOT_TOKEN to a bot token xoxb-... and SLACK_CHANNEL) and to "
        "PagerDuty (set PAGERDUTY_ROUTING_KEY to a 32-character routing key): neither is set\n"
    )


def test_live_with_a_refused_token_stops_before_anything_runs(
    configured: Any, monkeypatch: Any, capsys: Any
) -> None:
    slack, _ = configured
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
    assert main([*REPLAY, "--live"]) == 2
    assert capsys.readouterr().err == "error: Slack refused the bot token: invalid_auth\n"
    assert [c.method for c in slack.calls] == ["auth.test"]


def test_the_demo_renders_locally_unless_live(configured: Any, tmp_path: Path, capsys: Any) -> None:
    slack, _ = configured
    payloads = tmp_path / "payloads"
    payloads.mkdir()
    (payloads / "slack-1.000001-v9.json").write_text("{}")  # from an earlier run: removed
    (payloads / "notes.txt").write_text("mine")  # not ours: kept
    assert main(["demo", "--payloads", str(payloads)]) == 0
    out, err = capsys.readouterr()
    assert slack.calls == []
    assert "rendered locally, not sent" in err
    first_screen = out.splitlines()[:6]
    assert any(
        line.startswith("  impact: availability burning ")
        and "error budget left" in line
        and "/h at risk" in line
        for line in first_screen
    ), first_screen
    assert "Impact unknown" not in out and "*Status*" not in out and ":white_check_mark:" not in out
    assert "The emulated account, as `aiops maturity` reads it:" in out and "Level reached: " in out
    root = sorted(p.name for p in payloads.glob("slack-*-v*.json"))
    assert root[0].endswith("-v0.json") and len(root) >= 2  # the post, then each edit
    assert not (payloads / "slack-1.000001-v9.json").exists() and (payloads / "notes.txt").exists()
    assert main(["demo", "--payloads", str(payloads), "--live"]) == 0
    assert "chat.postMessage" in [c.method for c in slack.calls]
