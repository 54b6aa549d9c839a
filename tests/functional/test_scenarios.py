"""Every scenario in examples/scenarios/ replayed and scored against its hand-made labels."""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path
from typing import Any

import pytest

from aiops.adapters.sources import parse_catalog
from aiops.adapters.wiring import read_catalog
from aiops.local.provision import load_datapoints
from aiops.local.replay import load_lines, replay
from aiops.signals import normalize
from tests.support.scoring import pairwise_f1, score

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
NAMES = sorted(p.name for p in SCENARIOS.iterdir() if (p / "expected.json").exists())
PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


def _scenario(name: str) -> Any:
    """One scenario's cases run on one xdist worker (`--dist loadgroup`), so they share its replays."""
    return pytest.param(name, marks=pytest.mark.xdist_group(f"scenario-{name}"))


CASES = [_scenario(n) for n in NAMES]


def _run(name: str, lines: list[str] | None = None, emulator: Any = "memory") -> dict[str, Any]:
    """The scenario's report; its own events' replay is made once per emulator and shared (as a copy)."""
    if lines is None:
        report: dict[str, Any] = json.loads(_replayed(name, emulator))
        return report
    return _replay(name, lines, emulator)


@functools.cache
def _replayed(name: str, emulator: str) -> str:
    return json.dumps(_replay(name, load_lines(SCENARIOS / name / "events.jsonl"), emulator))


def _replay(name: str, lines: list[str], emulator: Any) -> dict[str, Any]:
    folder = SCENARIOS / name
    metrics_file = folder / "metrics.jsonl"
    metrics = load_datapoints(load_lines(metrics_file), str(metrics_file)) if metrics_file.exists() else None
    return replay(
        lines,
        read_catalog(folder / "catalog.yaml"),
        metrics=metrics,
        emulator=emulator,
    ).report


def _shape(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            i["service"],
            tuple(sorted(i["signals"])),
            i["root_cause"]["component"],
            i["root_cause"]["change"],
            i["status"],
        )
        for i in report["incidents"]
    )


def test_one_scenario_per_expected_behaviour() -> None:
    assert len(NAMES) >= 10


@pytest.mark.parametrize("name", CASES)
def test_scenario_scores(name: str) -> None:
    expected = json.loads((SCENARIOS / name / "expected.json").read_text())
    got = _run(name)
    result = score(expected, got)
    assert result["grouping_f1"] == 1.0, result
    assert result["incidents"][0] == result["incidents"][1], result
    assert result["root_cause_accuracy"] == 1.0, result
    assert result["unsafe_actions"] == [], result
    if any(PLAYBOOKS.glob("*.yaml")):  # action accuracy counts from the time playbooks exist
        assert result["action_accuracy"] == 1.0, result
    for exp in expected["incidents"]:
        [inc] = [i for i in got["incidents"] if set(i["signals"]) & set(exp["signals"])]
        if "status" in exp:
            assert inc["status"] == exp["status"]
        if "escalations" in exp:  # who was woken, how, and when (the escalation policy)
            pages = [{k: e[k] for k in ("target", "action", "at")} for e in inc["escalations"]]
            assert pages == exp["escalations"], (name, pages)


@pytest.mark.parametrize("emulator", ["memory", "moto"])
@pytest.mark.parametrize(
    "name", [_scenario(n) for n in ("3-bedrock-throttling", "6-flapping", "6b-flapping-hour")]
)
def test_replay_is_byte_identical(name: str, emulator: str) -> None:
    # a second replay from scratch gives the bytes of the first
    again = _replay(name, load_lines(SCENARIOS / name / "events.jsonl"), emulator)
    assert json.dumps(_run(name, emulator=emulator)) == json.dumps(again)


def _time(line: str) -> float:
    return max(s.time for s in normalize(json.loads(line))).timestamp()


@pytest.mark.parametrize("name", CASES)
def test_duplicated_and_shuffled_within_a_minute_gives_the_same_incidents(name: str) -> None:
    lines = load_lines(SCENARIOS / name / "events.jsonl")
    rng = random.Random(name)
    buckets: dict[int, list[str]] = {}
    for line in lines + lines:  # every event delivered twice
        buckets.setdefault(int(_time(line) // 60), []).append(line)
    shuffled = []
    for key in sorted(buckets):
        bucket = buckets[key]
        rng.shuffle(bucket)
        shuffled += bucket
    assert _shape(_run(name, shuffled)) == _shape(_run(name))


def test_pairwise_f1_can_fail() -> None:
    a = [{"signals": ["1", "2"]}, {"signals": ["3"]}]
    assert pairwise_f1(a, a) == 1.0
    assert pairwise_f1(a, [{"signals": ["1"]}, {"signals": ["2", "3"]}]) == 0.0
    assert pairwise_f1(a, [{"signals": ["1", "2", "3"]}]) == 0.5


@pytest.mark.parametrize("name", [_scenario(n) for n in NAMES if (SCENARIOS / n / "metrics.jsonl").exists()])
def test_scenarios_with_metrics_show_a_measured_impact(name: str) -> None:
    [incident] = _run(name)["incidents"]
    impact = incident["impact"]
    assert impact["status"] == "known" and impact["slo"] == "availability"
    assert impact["burn_rates"]["5m"] > 1.0  # the incident's errors burn faster than budget
    assert 0 < impact["budget_remaining_pct"] <= 100
    assert impact["revenue_at_risk_usd_per_hour"] > 0


@pytest.mark.xdist_group("scenario-4-cost-runaway")
def test_cost_scenario_shows_the_forecast_against_the_budget() -> None:
    [incident] = _run("4-cost-runaway")["incidents"]
    cost = incident["impact"]["cost"]
    assert cost["forecast_usd"] > cost["limit_usd"] and cost["overrun_usd"] > 0
    assert cost["anomaly_impact_usd"] > 0


@pytest.mark.parametrize("name", CASES)
def test_the_twins_replay_as_moto_does(name: str) -> None:
    # GIVEN the scenario replayed on the in-memory twins (the default) and on moto
    memory, moto = _run(name), _run(name, emulator="moto")
    # THEN the reports are the same, to the DynamoDB requests the deployed bot would make
    assert json.dumps(memory, indent=1) == json.dumps(moto, indent=1)


def test_an_incident_replaced_after_going_quiet_still_resolves() -> None:
    # GIVEN an incident whose alarm cleared (mitigated: the service's quiet period is an hour), and, past
    # the group window, another alarm of the service opening a second incident (the service's current
    # one from there on). (The flush runs after the replay, so on the in-memory store; the DynamoDB side
    # of a save after the pointer moved on is test_store_contract's ..._replaced_as_current_still_resolves.)
    from datetime import UTC, datetime

    from tests.support.events import alarm_event

    folder = SCENARIOS / "10-resolution"
    catalog = (
        (folder / "catalog.yaml").read_text().replace("quiet_period_minutes: 0", "quiet_period_minutes: 60")
    )
    lines = [
        json.dumps(alarm_event("chat-assistant-api-5xx", "ALARM", "2026-11-25T10:00:00Z")),
        json.dumps(alarm_event("chat-assistant-api-5xx", "OK", "2026-11-25T10:05:00Z")),
        json.dumps(alarm_event("chat-assistant-orch-errors", "ALARM", "2026-11-25T10:50:00Z")),
    ]
    result = replay(lines, parse_catalog(catalog, "catalog.yaml"))
    first, second = sorted(result.app.store.all_incidents(), key=lambda i: i.opened_at)
    assert (first.status, second.status) == ("mitigated", "open")
    # WHEN the flush runs after the first one's quiet period
    clock: Any = result.app.pipeline.clock
    clock.set(datetime(2026, 11, 25, 11, 10, tzinfo=UTC))
    result.app.pipeline.tick([first.id, second.id])
    # THEN it resolves, and the second, still firing, stays open
    assert result.report["stats"]["rejected"] == 0
    assert [
        (i.id, i.status) for i in sorted(result.app.store.all_incidents(), key=lambda i: i.opened_at)
    ] == [
        (first.id, "resolved"),
        (second.id, "open"),
    ]
