"""The labelled scenario set (examples/labelled/, written label-first; ``build.py`` there writes it):
each replayed and scored on grouping, root cause, change, actions and unsafe actions; the table is
printed (``pytest -s``, or in the captured output of a failure)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from aiops.adapters.wiring import read_catalog
from aiops.local.replay import load_lines, replay
from tests.support.scoring import RAN, score_labelled

LABELLED = Path(__file__).resolve().parents[2] / "examples" / "labelled"
NAMES = sorted(p.name for p in LABELLED.iterdir() if (p / "expected.json").exists())
CLASSES = (
    "two changes",
    "provider outage",
    "devops guru",
    "slow burn",
    "cost runaway",
    "ambiguous",
    "shared services",
    "two regions",
)


def _label(name: str) -> dict[str, Any]:
    label: dict[str, Any] = json.loads((LABELLED / name / "expected.json").read_text())
    return label


@functools.cache
def _report(name: str) -> str:
    folder = LABELLED / name
    catalog = LABELLED / _label(name).get("catalog", "catalog.yaml")
    return json.dumps(replay(load_lines(folder / "events.jsonl"), read_catalog(catalog)).report)


def _scored(name: str) -> dict[str, Any]:
    return score_labelled(_label(name), json.loads(_report(name)))


def test_every_class_has_two_labelled_scenarios_with_a_note() -> None:
    labels = [_label(n) for n in NAMES]
    for cls in CLASSES:
        assert sum(label["class"] == cls for label in labels) >= 2, cls
    assert all(len(label["note"]) > 60 for label in labels)


def test_the_table(capsys: Any) -> None:
    rows = [(n, _label(n)["class"], _scored(n)) for n in NAMES]
    with capsys.disabled():
        print(f"\n{'scenario':42} {'class':16} group  root  change actions unsafe")
        for name, cls, s in rows:
            print(
                f"{name:42} {cls:16} {s['grouping_f1']:.2f}  {s['root_cause']:.2f}  {s['change']:.2f}"
                f"   {s['actions']:.2f}    {','.join(s['unsafe_actions']) or '-'}"
            )
        n = len(rows)
        print(
            f"{'all ' + str(n):59} {sum(r[2]['grouping_f1'] for r in rows) / n:.2f}  "
            f"{sum(r[2]['root_cause'] for r in rows) / n:.2f}  {sum(r[2]['change'] for r in rows) / n:.2f}"
            f"   {sum(r[2]['actions'] for r in rows) / n:.2f}    "
            f"{sum(len(r[2]['unsafe_actions']) for r in rows)} unsafe"
        )
    assert all(not s["unsafe_actions"] for _, _, s in rows), [
        (n, s) for n, _, s in rows if s["unsafe_actions"]
    ]


@pytest.mark.parametrize("name", NAMES)
def test_labelled_scenario(name: str) -> None:
    s = _scored(name)
    assert s["unsafe_actions"] == [], s
    assert s["grouping_f1"] == 1.0 and s["incidents"][0] == s["incidents"][1], s
    assert (s["root_cause"], s["change"], s["actions"]) == (1.0, 1.0, 1.0), s


@pytest.mark.parametrize("name", [n for n in NAMES if _label(n)["class"] == "ambiguous"])
def test_an_ambiguous_scenario_starts_nothing_and_says_what_would_decide(name: str) -> None:
    for incident in json.loads(_report(name))["incidents"]:
        assert not [a for a in incident["actions"] if a["status"] in RAN]
        assert incident["root_cause"]["abstain"] and incident["root_cause"]["decider"]
        assert all(a["status"] == "pending_approval" for a in incident["actions"])


def test_a_dependent_incident_links_to_the_upstream_thread_and_runs_nothing() -> None:
    # GIVEN kb-search's index failing, and two services that depend on it answering 5XX a minute later
    from aiops.local.fakes import LocalChat

    name = "shared-kb-search-errors-two-dependents"
    chat = LocalChat()
    result = replay(
        load_lines(LABELLED / name / "events.jsonl"),
        read_catalog(LABELLED / "shared" / "catalog.yaml"),
        chat=chat,
    )
    by_service = {i.service: i for i in result.app.store.all_incidents()}
    upstream = by_service["kb-search"]
    [up_root] = [p for p in chat.posts if p.thread_ts is None and p.key and p.key.incident_id == upstream.id]
    thread = f"https://slack.com/app_redirect?channel={up_root.channel.lstrip('#')}"
    for service in ("chat-assistant", "doc-qa"):
        incident = by_service[service]
        # THEN each dependent names kb-search's incident as its cause, runs nothing of its own ...
        assert incident.root_cause is not None and incident.root_cause.cause == "upstream"
        assert incident.root_cause.upstream == upstream.id
        assert incident.actions == ()
        # ... and its Slack root links to kb-search's thread
        [root] = [p for p in chat.posts if p.thread_ts is None and p.key and p.key.incident_id == incident.id]
        shown = root.edits[-1] if root.edits else root.message
        said = [
            e["text"]
            for b in shown.blocks
            if b["type"] == "context"
            for e in b["elements"]
            if "Caused upstream" in e["text"]
        ]
        assert said and f"<{thread}|{upstream.id}>" in said[0], said
