"""TokenCap without a configured cap: half the live max-tokens value, said in the action's reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops.catalog.model import load_catalog
from aiops.local.replay import load_lines, replay

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "scenarios" / "4-cost-runaway"


def _cost_replay(live_history: list[str], *, token_cap: int | None) -> dict[str, Any]:
    doc = yaml.safe_load((SCENARIO / "catalog.yaml").read_text())
    llm = doc["services"][0]["llm"]
    llm.pop("token_cap", None)
    if token_cap is not None:
        llm["token_cap"] = token_cap
    catalog = load_catalog(doc)
    parameters = {
        llm["prompt_parameter"]: ["v1", "v2"],
        llm["model_parameter"]: ["anthropic.claude-3-5-sonnet-20240620-v1:0"],
        llm["max_tokens_parameter"]: live_history,
    }
    result = replay(load_lines(SCENARIO / "events.jsonl"), catalog, parameters=parameters)
    [incident] = result.report["incidents"]
    [action] = incident["actions"]
    assert action["runbook"] == "TokenCap"
    return dict(action)


def test_a_cost_runaway_without_a_configured_cap_caps_at_half_the_live_value() -> None:
    # GIVEN a catalog with a max-tokens parameter but no llm.token_cap, live at 3000
    action = _cost_replay(["8192", "3000"], token_cap=None)
    # THEN TokenCap waits for approval with half the live value, and says it derived it
    assert action["status"] == "pending_approval"
    assert action["parameters"]["MaxTokens"] == "1500"
    assert "cap derived: half the live max-tokens 3000" in action["reason"]


def test_a_configured_cap_wins_over_the_live_value() -> None:
    action = _cost_replay(["8192", "3000"], token_cap=900)
    assert (action["status"], action["parameters"]["MaxTokens"]) == ("pending_approval", "900")
    assert "derived" not in action["reason"]


@pytest.mark.parametrize(
    ("live", "why"),
    [("256", "is at the floor 256"), ("not-a-number", "is unreadable")],
)
def test_no_cap_below_the_floor_or_from_an_unreadable_value(live: str, why: str) -> None:
    action = _cost_replay([live], token_cap=None)
    assert action["status"] == "skipped"
    assert why in action["reason"] and "no llm.token_cap" in action["reason"]


def test_validate_warns_that_the_cap_is_derived(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aiops.cli import main

    doc = yaml.safe_load((SCENARIO / "catalog.yaml").read_text())
    del doc["services"][0]["llm"]["token_cap"]
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump(doc))
    assert main(["validate", "--catalog", str(catalog)]) == 0  # a warning alone passes
    out = capsys.readouterr().out
    assert (
        f"{ROOT / 'playbooks' / 'token-cap.yaml'}:13: warning: action.parameters.MaxTokens: for service "
        "chat-assistant: no llm.token_cap: TokenCap will cap /llm/chat-assistant/max-tokens at half its "
        "live value (never below 256); set llm.token_cap to choose the cap\n"
    ) in out
