"""`aiops normalize FILE`: the contract of DESIGN.md for every sample and for hostile input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiops.cli import main
from tests.support.events import EVENTS, alarm_event

CONTRACT = {"id", "source", "time", "kind", "status", "resource", "title", "account", "region"}
SAMPLES = sorted(str(p.relative_to(EVENTS)) for p in Path(EVENTS).rglob("*.json"))


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_prints_a_json_list_of_contract_signals(name: str, capsys: Any) -> None:
    assert main(["normalize", str(EVENTS / name)]) == 0
    out, err = capsys.readouterr()
    signals = json.loads(out)
    assert isinstance(signals, list) and signals and err == ""
    for s in signals:
        assert set(s) >= CONTRACT
        assert s["kind"] in {
            "alarm",
            "log_anomaly",
            "insight",
            "health",
            "budget",
            "cost_anomaly",
            "change",
            "automation",
            "forecast",  # issue 29: the bot's own projections (source aiops.forecast), an extension
        }
        assert s["status"] in {"firing", "resolved", "info"}
        assert s["time"].endswith("Z")


def _hostile(tmp_path: Path) -> dict[str, bytes]:
    wrong_type = alarm_event("a", "ALARM", "2026-11-25T10:00:00Z")
    wrong_type["detail"]["state"]["value"] = ["ALARM"]
    no_detail = alarm_event("a", "ALARM", "2026-11-25T10:00:00Z")
    del no_detail["detail"]
    sns = json.loads((EVENTS / "cloudwatch/sns_alarm_notification.json").read_text())
    sns["Records"][0]["Sns"]["Message"] = '{"AlarmName": '
    big = alarm_event("a", "ALARM", "2026-11-25T10:00:00Z", reason="x" * 1_048_576)
    unknown = {
        "id": "1",
        "source": "com.example",
        "detail-type": "x",
        "time": "2026-11-25T10:00:00Z",
        "detail": {},
    }
    return {
        "wrong_type": json.dumps(wrong_type).encode(),
        "missing_detail": json.dumps(no_detail).encode(),
        "broken_json_in_string": json.dumps(sns).encode(),
        "one_megabyte": json.dumps(big).encode(),
        "unknown_source": json.dumps(unknown).encode(),
        "not_json": b"\x00\xff garbage",
        "empty": b"",
    }


@pytest.mark.parametrize(
    "case",
    [
        "wrong_type",
        "missing_detail",
        "broken_json_in_string",
        "one_megabyte",
        "unknown_source",
        "not_json",
        "empty",
    ],
)
def test_hostile_input_gives_one_error_line_and_exit_2(case: str, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / f"{case}.json"
    path.write_bytes(_hostile(tmp_path)[case])
    assert main(["normalize", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert len(err) < 600  # a 1 MB field never reaches the terminal


def test_mentions_in_text_come_out_as_data(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "mention.json"
    path.write_text(
        json.dumps(
            alarm_event(
                "chat-assistant-api-5xx",
                "ALARM",
                "2026-11-25T10:00:00Z",
                reason="<!channel> wake up <https://evil.example|x>",
            )
        )
    )
    assert main(["normalize", str(path)]) == 0
    [signal] = json.loads(capsys.readouterr().out)
    assert signal["alarm"]["reason"] == "<!channel> wake up <https://evil.example|x>"


def test_missing_file(capsys: Any) -> None:
    assert main(["normalize", "/nonexistent/event.json"]) == 2
    assert capsys.readouterr().err.startswith("error: cannot read")


def test_console_script(tmp_path: Path) -> None:
    exe = shutil.which("aiops", path=str(Path(sys.executable).parent))
    assert exe is not None
    ok = subprocess.run(
        [exe, "normalize", str(EVENTS / "health/bedrock_open.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)[0]["kind"] == "health"
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    fail = subprocess.run([exe, "normalize", str(bad)], capture_output=True, text=True, check=False)
    assert fail.returncode == 2 and fail.stderr.startswith("error: ") and fail.stdout == ""
