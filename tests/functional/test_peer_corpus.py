"""`aiops normalize` on other people's events: every file of ../shared/peer-corpus/events/ against its
expected.json (written from the event text and the contract, never from running the tool).

- claimed sources: the first signal has the expected kind, an acceptable status, a resource holding the
  expected substring (or one of them), the exact id where one is given, and every contract field;
  samples marked ``or_error`` may instead give one clean ``error:`` line (naming one of the listed
  fields when a list is given);
- unsupported sources: one ``error:`` line and exit 2, or exit 0 with a JSON list (for
  ``error_or_not_firing``, none of it firing); never a traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiops.cli import main
from tests.support.events import PEER_CORPUS, peer_expected, peer_samples

pytestmark = pytest.mark.peer_corpus  # without it: skipped and counted in the summary; failed under CI

EXPECTED = peer_expected()
CLAIMED: dict[str, dict[str, Any]] = EXPECTED.get("events", {})
UNSUPPORTED: dict[str, str] = EXPECTED.get("unsupported", {})
CONTRACT = ("id", "source", "time", "kind", "status", "resource", "title", "account", "region")


def _run(name: str, capsys: Any) -> tuple[int, str, str]:
    code = main(["normalize", str(PEER_CORPUS / "events" / name)])
    out, err = capsys.readouterr()
    return code, out, err


def _clean_error(out: str, err: str) -> str:
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and len(err) < 1_000
    return err


def _any_of(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def test_every_sample_has_an_expectation() -> None:
    assert peer_samples() == sorted([*CLAIMED, *UNSUPPORTED])
    assert len(peer_samples()) == 59


@pytest.mark.parametrize("name", sorted(CLAIMED))
def test_claimed_sample(name: str, capsys: Any) -> None:
    exp = CLAIMED[name]
    code, out, err = _run(name, capsys)
    if code == 2 and exp.get("or_error"):
        line = _clean_error(out, err)
        if isinstance(exp["or_error"], list):
            assert any(field in line for field in exp["or_error"]), line
        return
    assert (code, err) == (0, ""), err
    signals = json.loads(out)
    assert isinstance(signals, list) and signals
    first = signals[0]
    missing = [f for f in CONTRACT if not isinstance(first.get(f), str)]
    assert missing == [], f"contract fields missing or not text: {missing}"
    assert first["id"] and first["source"] and first["title"] and first["time"].endswith("Z")
    assert first["kind"] == exp["kind"]
    assert first["status"] in _any_of(exp["status"])
    assert any(part in first["resource"] for part in _any_of(exp["resource"])), first["resource"]
    if "id" in exp:
        assert first["id"] == exp["id"]


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_sample(name: str, capsys: Any) -> None:
    code, out, err = _run(name, capsys)
    if code == 2:
        _clean_error(out, err)
        return
    assert (code, err) == (0, "")
    signals = json.loads(out)
    assert isinstance(signals, list)
    if UNSUPPORTED[name] == "error_or_not_firing":
        assert all(s["status"] != "firing" for s in signals)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("superluminar_sqs_raw_budget_actual.json", "budget"),
        ("doc_devopsguru_new_insight_open.json", "insight"),
        ("notifyslack_health_ec2_issue.json", "health"),
    ],
)
def test_console_script_on_samples_that_were_rejected(name: str, kind: str) -> None:
    # GIVEN the installed console script, as a user runs it WHEN it reads a sample issue 13 found
    # rejected THEN it prints the signal and exits 0
    exe = shutil.which("aiops", path=str(Path(sys.executable).parent))
    assert exe is not None
    run = subprocess.run(
        [exe, "normalize", str(PEER_CORPUS / "events" / name)], capture_output=True, text=True, check=False
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert json.loads(run.stdout)[0]["kind"] == kind
