"""`aiops replay`: the JSON contract of DESIGN.md, the options, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiops.cli import main

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
INCIDENT_KEYS = {
    "id",
    "service",
    "status",
    "severity",
    "signals",
    "root_cause",
    "impact",
    "actions",
    "escalations",
}


def _replay(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(["replay", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract(capsys: Any) -> None:
    d = SCENARIOS / "3-bedrock-throttling"
    code, out, _ = _replay(
        capsys,
        str(d / "events.jsonl"),
        "--catalog",
        str(d / "catalog.yaml"),
        "--metrics",
        str(d / "metrics.jsonl"),
        "--json",
    )
    assert code == 0
    report = json.loads(out)
    [incident] = report["incidents"]
    assert set(incident) >= INCIDENT_KEYS
    assert incident["status"] in {"open", "mitigated", "resolved"}
    assert incident["severity"] in {"SEV1", "SEV2", "SEV3", "SEV4"}
    assert set(incident["root_cause"]) >= {"component", "summary", "change"}
    assert set(incident["impact"]) >= {
        "slo",
        "burn_rate",
        "budget_remaining_pct",
        "revenue_at_risk_usd_per_hour",
    }
    stats = report["stats"]
    assert set(stats) >= {
        "events",
        "signals",
        "duplicates",
        "incidents",
        "aws_calls",
        "slack_calls",
        "pagerduty_calls",
    }
    assert set(stats["aws_calls"]) >= {"dynamodb", "ssm", "cloudwatch"}
    assert stats["aws_calls"]["dynamodb"] > 0  # the pipeline's own calls are counted (not the seeding)


def test_state_file_and_human_output(tmp_path: Path, capsys: Any) -> None:
    d = SCENARIOS / "10-resolution"
    state = tmp_path / "state.yaml"
    state.write_text("parameters:\n  /llm/chat-assistant/prompt: [one, two]\n")
    code, out, _ = _replay(
        capsys, str(d / "events.jsonl"), "--catalog", str(d / "catalog.yaml"), "--state", str(state)
    )
    assert code == 0
    assert "1 incident(s)" in out and "resolved" in out and "--- #inc-chat-assistant" in out and "↳" in out


def test_bad_inputs_exit_2_with_one_line(tmp_path: Path, capsys: Any) -> None:
    d = SCENARIOS / "10-resolution"
    bad_metrics = tmp_path / "m.jsonl"
    bad_metrics.write_text('{"namespace": "AWS/Bedrock"}\n')
    bad_state = tmp_path / "s.yaml"
    bad_state.write_text("parameters:\n  /x: []\n")
    bad_catalog = tmp_path / "c.yaml"
    bad_catalog.write_text("services: [{name: a, tier: urgent}]\n")
    for args in (["--metrics", str(bad_metrics)], ["--state", str(bad_state)]):
        code, out, err = _replay(capsys, str(d / "events.jsonl"), "--catalog", str(d / "catalog.yaml"), *args)
        assert code == 2 and out == "" and err.startswith("error: ") and err.count("\n") == 1, err
    code, _, err = _replay(capsys, str(d / "events.jsonl"), "--catalog", str(bad_catalog))
    assert code == 2  # the linter's messages (tests/functional/test_cli_validate.py)
    assert err.startswith(f"{bad_catalog}:1: services[a].tier: 'urgent' is not one of ")


def test_a_rejected_line_is_counted_not_fatal(tmp_path: Path, capsys: Any) -> None:
    d = SCENARIOS / "10-resolution"
    events = tmp_path / "e.jsonl"
    events.write_text("{broken\n" + (d / "events.jsonl").read_text())
    code, out, _ = _replay(capsys, str(events), "--catalog", str(d / "catalog.yaml"), "--json")
    assert code == 0
    assert json.loads(out)["stats"]["rejected"] == 1


def test_a_rejected_event_is_named_by_line_and_field(tmp_path: Path, capsys: Any) -> None:
    # GIVEN the resolution scenario with one malformed alarm event put in as its third line
    d = SCENARIOS / "10-resolution"
    good = (d / "events.jsonl").read_text().splitlines()
    bad = json.loads(good[0])
    bad["id"] = "bad-event-1"
    bad["detail"]["state"]["value"] = 42
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join([*good[:2], json.dumps(bad), *good[2:]]) + "\n")
    # WHEN it is replayed, and the good lines alone
    code, out, err = _replay(capsys, str(events), "--catalog", str(d / "catalog.yaml"), "--json")
    _, clean, _ = _replay(capsys, str(d / "events.jsonl"), "--catalog", str(d / "catalog.yaml"), "--json")
    # THEN stderr names the file, the line, the source and the field; --json lists it
    assert code == 0
    message = "aws.cloudwatch: detail.state.value: Input should be 'ALARM', 'OK' or 'INSUFFICIENT_DATA'"
    assert err.splitlines()[0] == f"{events}:3: {message}"
    stats = json.loads(out)["stats"]
    assert stats["rejected"] == 1
    assert stats["rejected_events"] == [{"line": 3, "id": "bad-event-1", "error": message}]
    # and the good events give the same incidents as without it
    assert json.loads(out)["incidents"] == json.loads(clean)["incidents"]


def test_a_line_that_is_not_json_is_named_too(tmp_path: Path, capsys: Any) -> None:
    d = SCENARIOS / "10-resolution"
    events = tmp_path / "e.jsonl"
    events.write_text("\n" + "{broken\n" + (d / "events.jsonl").read_text())
    code, out, err = _replay(capsys, str(events), "--catalog", str(d / "catalog.yaml"), "--json")
    assert code == 0
    [rejected] = json.loads(out)["stats"]["rejected_events"]
    assert rejected["line"] == 2 and rejected["id"] is None  # the blank first line counts
    # the line is named as what it is (not JSON), not as the SQS body the handler would parse
    assert err.startswith(f"{events}:2: not JSON: (Expecting property name")


def test_an_event_out_of_order_beyond_a_minute_is_a_warning(tmp_path: Path, capsys: Any) -> None:
    d = SCENARIOS / "10-resolution"
    lines = (d / "events.jsonl").read_text().splitlines()
    events = tmp_path / "e.jsonl"
    events.write_text("\n".join([lines[-1], *lines[:-1]]) + "\n")  # the last event first
    code, out, err = _replay(capsys, str(events), "--catalog", str(d / "catalog.yaml"), "--json")
    assert code == 0
    [warning] = [ln for ln in err.splitlines() if ln.startswith("warning:")]
    assert warning.startswith(f"warning: {events}:2: event time ")
    assert "before line 1's" in warning
    assert json.loads(out)["stats"]["out_of_order"] == len(lines) - 1


def test_impact_unknown_names_the_metric_and_suggests_metrics(capsys: Any) -> None:
    d = SCENARIOS / "3-bedrock-throttling"
    code, out, _ = _replay(capsys, str(d / "events.jsonl"), "--catalog", str(d / "catalog.yaml"), "--json")
    assert code == 0
    [incident] = json.loads(out)["incidents"]
    assert incident["impact"]["reason"] == (
        "no datapoints of AWS/Bedrock Invocations {ModelId=anthropic.claude-3-5-sonnet-20240620-v1:0} (Sum), "
        "the total of SLO availability; replay: seed them with --metrics METRICS.jsonl"
    )


def test_the_json_carries_times_timeline_and_what_a_runbook_changed(tmp_path: Path, capsys: Any) -> None:
    d = SCENARIOS / "1-prompt-regression"
    state = tmp_path / "state.yaml"
    state.write_text("parameters:\n  /llm/chat-assistant/prompt: [good prompt, bad prompt]\n")
    code, out, _ = _replay(
        capsys, str(d / "events.jsonl"), "--catalog", str(d / "catalog.yaml"), "--state", str(state), "--json"
    )
    assert code == 0
    [incident] = json.loads(out)["incidents"]
    assert incident["title"].startswith("Alarm ") and incident["opened_at"].endswith("Z")
    assert set(incident) >= {"mitigated_at", "resolved_at"}
    kinds = [e["kind"] for e in incident["timeline"]]
    assert kinds[0] == "signal" and "action" in kinds
    assert all(set(e) == {"at", "kind", "text", "actor"} for e in incident["timeline"])
    [action] = incident["actions"]
    assert action["runbook"] == "PromptRollback"
    assert action["changes"] == [
        {
            "step": "change",
            "parameter": "/llm/chat-assistant/prompt",
            "before": "bad prompt",
            "before_version": 2,
            "after": "good prompt",
            "after_version": 3,
        }
    ]
