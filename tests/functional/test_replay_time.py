"""Replay judges time as AWS would: a late event never moves the clock back, a verification window
ends when it is due (not when the next event arrives), and the state replay provisions by default
never has a service live on its fallback model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiops.adapters.wiring import read_catalog
from aiops.catalog.model import load_catalog
from aiops.local.provision import default_state
from aiops.local.replay import load_lines, replay
from tests.support.events import alarm_event

SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "2-model-change"
ALARMS = (
    "chat-assistant-bedrock-client-errors",
    "chat-assistant-orch-errors",
    "chat-assistant-api-5xx",
    "chat-assistant-orch-latency",
    "chat-assistant-api-latency",
)


def _cleared(at: str) -> list[str]:
    return [json.dumps(alarm_event(name, "OK", at)) for name in ALARMS]


def _rollback(lines: list[str], emulator: Any = "memory") -> dict[str, Any]:
    report = replay(lines, read_catalog(SCENARIO / "catalog.yaml"), emulator=emulator).report
    [incident] = report["incidents"]
    [action] = [a for a in incident["actions"] if a["runbook"] == "ModelRollback"]
    return dict(action)


@pytest.mark.parametrize("emulator", ["memory", "moto"])
def test_the_alarms_clearing_within_the_window_verify_the_rollback(emulator: str) -> None:
    lines = load_lines(SCENARIO / "events.jsonl") + _cleared("2026-11-25T09:28:00Z")
    assert _rollback(lines, emulator)["status"] == "succeeded"


def test_a_late_event_does_not_move_time_back() -> None:
    # GIVEN the model change's CloudTrail event delivered late, after the alarms it explains (09:26):
    # the rollback starts when it arrives, at 09:26 whatever the event's own time (09:20)
    change, *alarms = load_lines(SCENARIO / "events.jsonl")
    lines = [*alarms, change, *_cleared("2026-11-25T09:33:00Z")]
    # WHEN the alarms clear at 09:33, 7 minutes into the 10-minute window
    action = _rollback(lines)
    # THEN the rollback is verified (it timed out and was undone when the late event moved time back)
    assert action["status"] == "succeeded", action


def test_a_verification_window_ends_when_due_not_at_the_next_event() -> None:
    # GIVEN ModelRollback (a 10-minute verify window) started at about 09:22, and the alarms clearing
    # only at 09:41, 19 minutes later: no event arrives in between
    lines = load_lines(SCENARIO / "events.jsonl") + _cleared("2026-11-25T09:41:00Z")
    action = _rollback(lines)
    # THEN the window closed at its end with the alarms still firing: failed, and undone
    assert action["status"] == "failed", action
    assert action.get("change") in ("undone", None) or "undone" in action["reason"], action


def test_default_provisioning_never_makes_the_fallback_model_live() -> None:
    catalog = load_catalog(
        {
            "services": [
                {
                    "name": f"svc-{i}",
                    "llm": {"model_parameter": f"/llm/{i}/model-id", "fallback_model_id": fallback},
                    "components": [{"name": "model", "match": [{"parameter": f"/llm/{i}/model-id"}]}],
                }
                for i, fallback in enumerate(
                    (
                        "anthropic.claude-3-5-sonnet-20240620-v1:0",
                        "anthropic.claude-3-haiku-20240307-v1:0",
                        "amazon.nova-pro-v1:0",
                    )
                )
            ]
        }
    )
    state = default_state(catalog)
    for i, svc in enumerate(catalog.services):
        history = state[f"/llm/{i}/model-id"]
        assert svc.llm is not None and history[-1] != svc.llm.fallback_model_id
        assert history[0] != history[-1]  # a rollback has somewhere else to go
