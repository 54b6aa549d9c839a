"""The forecast's events through the pipeline (examples/scenarios/17-19): a warning incident of its own
severity, remediation proposed for approval only, resolved when the projection falls back, and a real
incident once a real symptom joins it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiops.adapters.wiring import read_catalog
from aiops.local.replay import load_lines, replay

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def _run(name: str, catalog: Any = None) -> dict[str, Any]:
    folder = SCENARIOS / name
    report: dict[str, Any] = replay(
        load_lines(folder / "events.jsonl"), catalog or read_catalog(folder / "catalog.yaml")
    ).report
    return report


@pytest.mark.xdist_group("scenario-17-tpm-quota-forecast-falls-back")
def test_a_quota_warning_is_sev4_proposes_the_fallback_and_resolves_itself() -> None:
    [incident] = _run("17-tpm-quota-forecast-falls-back")["incidents"]
    assert incident["severity"] == "SEV4"  # critical tier, yet a warning: the forecast row of the policy
    [action] = incident["actions"]
    assert (action["runbook"], action["status"]) == ("ModelFallback", "pending_approval")
    assert incident["status"] == "resolved" and incident["escalations"] == []


@pytest.mark.xdist_group("scenario-18-tpm-quota-forecast-then-throttles")
def test_a_real_symptom_makes_the_warning_an_incident() -> None:
    [incident] = _run("18-tpm-quota-forecast-then-throttles")["incidents"]
    assert incident["severity"] != "SEV4"
    assert [(a["runbook"], a["status"]) for a in incident["actions"]] == [
        ("ModelFallback", "pending_approval"),
        ("ModelFallback", "running"),
    ]


@pytest.mark.xdist_group("scenario-19-monthly-cost-forecast")
def test_a_cost_warning_proposes_the_token_cap_for_approval_only() -> None:
    [incident] = _run("19-monthly-cost-forecast")["incidents"]
    assert incident["severity"] == "SEV4" and incident["root_cause"]["component"] == "cost"
    [action] = incident["actions"]
    assert (action["runbook"], action["status"]) == ("TokenCap", "pending_approval")


def test_the_catalog_may_say_otherwise_about_a_warnings_severity() -> None:
    import yaml

    from aiops.catalog.model import load_catalog

    folder = SCENARIOS / "17-tpm-quota-forecast-falls-back"
    data = yaml.safe_load((folder / "catalog.yaml").read_text())
    data["severity_policy"] = {"forecast": {"critical": "SEV3"}}
    [incident] = _run(folder.name, load_catalog(data))["incidents"]
    assert incident["severity"] == "SEV3"


def test_an_auto_playbook_on_a_warning_waits_for_approval(tmp_path: Path) -> None:
    # GIVEN the quota warning, and a team that made the forecast's fallback playbook automatic (approval
    # default: auto): on a forecast alone it must still not run unasked
    import shutil

    folder = SCENARIOS / "17-tpm-quota-forecast-falls-back"
    playbooks = tmp_path / "playbooks"
    shutil.copytree(SCENARIOS.parents[1] / "playbooks", playbooks)
    fallback = playbooks / "forecast-quota-fallback.yaml"
    text = fallback.read_text()
    assert "  default: slack\n" in text
    fallback.write_text(text.replace("  default: slack\n", "  default: auto\n"))
    lines = load_lines(folder / "events.jsonl")[:1]
    [incident] = replay(lines, read_catalog(folder / "catalog.yaml"), playbooks_dir=playbooks).report[
        "incidents"
    ]
    assert incident["root_cause"]["component"] == "model"
    [action] = incident["actions"]
    # THEN it waits for approval, and says why
    assert (action["runbook"], action["status"], action["reason"]) == (
        "ModelFallback",
        "pending_approval",
        "a forecast warning: for approval only",
    )
