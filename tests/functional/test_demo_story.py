"""`aiops demo`'s Slack payloads tell the incident's story as an on-call engineer reads it the morning
after: the root message, resolved, says what ModelFallback changed and how bad it was at its peak
(not only the calm it ended in), its header no longer says "is ALARM", and the runbook's reply in the
thread says what it changed too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops.cli import main
from aiops.present.terminal_text import plain

ROOT = Path(__file__).resolve().parents[2]
MODEL_PARAMETER = "/llm/chat-assistant/model-id"
SONNET, HAIKU = "anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    import contextlib
    import io

    folder = tmp_path_factory.mktemp("demo")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["demo", "--payloads", str(folder)]) == 0
    return folder, out.getvalue()


def _root_versions(folder: Path) -> list[dict[str, Any]]:
    files = sorted(folder.glob("slack-*-v*.json"), key=lambda p: int(p.stem.rsplit("-v", 1)[1]))
    return [json.loads(p.read_text()) for p in files]


def _replies(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("slack-*.json")) if "-v" not in p.stem]


def _section(message: dict[str, Any], heading: str) -> str:
    for block in message["blocks"]:
        text = block.get("text", {}).get("text", "")
        if block["type"] == "section" and text.startswith(f"*{heading}*"):
            return plain(text)
    raise AssertionError(f"no {heading} section")


def test_the_resolved_root_message_shows_the_change_and_the_peak(demo: tuple[Path, str]) -> None:
    folder, _ = demo
    first, *_, last = _root_versions(folder)
    # the header follows the status: "is ALARM" while it fires, not once it resolved
    assert first["blocks"][0]["text"]["text"].startswith("SEV")
    assert "is ALARM" in first["blocks"][0]["text"]["text"]
    header = last["blocks"][0]["text"]["text"]
    assert header.startswith("Resolved: SEV3 (peak SEV1) Alarm chat-assistant-bedrock-server-errors is OK")
    assert "is ALARM" not in header and "is ALARM" not in last["text"]
    # what the runbook changed: the parameter, before -> after
    actions = _section(last, "Actions")
    assert f"changed {MODEL_PARAMETER}: '{SONNET}' -> '{HAIKU}'" in actions
    # the peak beside the calm it ended in: SEV1, and the dollars the failing requests cost then
    impact = _section(last, "Impact").splitlines()
    assert impact[1].startswith("Now: ") and impact[2].startswith("At its peak (SEV1, 10:00 UTC): ")
    service = yaml.safe_load((ROOT / "aiops" / "data" / "catalog.yaml").read_text())["services"][0]
    failing = 180  # of the scenario's 1,200 requests/min, as its seeded datapoints say
    revenue = failing * service["business"]["revenue_per_request_usd"] * 60
    assert f"${revenue:,.2f}/h at risk ({failing} failing req/min)" in impact[2]
    fields = [plain(f["text"]) for f in last["blocks"][1]["fields"]]
    assert "Severity\nSEV3 (peak SEV1)" in fields


def test_the_runbooks_reply_says_what_it_changed(demo: tuple[Path, str]) -> None:
    folder, _ = demo
    [reply] = [r for r in _replies(folder) if "ModelFallback succeeded" in r["text"]]
    said = plain(reply["blocks"][0]["text"]["text"])
    assert f"changed {MODEL_PARAMETER}: '{SONNET}' -> '{HAIKU}'" in said


def test_the_terminal_headline_carries_the_peak(demo: tuple[Path, str]) -> None:
    _, out = demo
    lines = out.splitlines()
    [head] = [ln for ln in lines if ln.startswith("inc-")]
    assert head.endswith("resolved  SEV3 (peak SEV1 at 10:00: $162.00/h at risk)")
    assert lines[lines.index(head) + 1].strip().startswith("Alarm chat-assistant-bedrock-server-errors is OK")
