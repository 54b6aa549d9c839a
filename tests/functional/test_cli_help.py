"""The command line explains itself: --version, help on every option, an example per command, one set
of exit codes, a quiet end when the reader goes away."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiops import __version__
from aiops.cli import main, parser
from tests.support.events import alarm_event

ROOT = Path(__file__).resolve().parents[2]


def _commands(top: argparse.ArgumentParser, prefix: str = "") -> list[tuple[str, argparse.ArgumentParser]]:
    out = []
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                subs = _commands(sub, f"{prefix}{name} ")
                out += subs or [(f"{prefix}{name}", sub)]
    return out


def test_version(capsys: Any) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out == f"aiops {__version__}\n"


@pytest.mark.parametrize(
    ("name", "command"), _commands(parser()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_command_has_an_example_and_every_option_a_help(
    name: str, command: argparse.ArgumentParser
) -> None:
    assert command.epilog and "example" in command.epilog and f"aiops {name}" in command.epilog
    missing = [a.dest for a in command._actions if not a.help and a.dest != "help"]
    assert missing == [], f"aiops {name}: options without help: {missing}"


def test_the_exit_codes_are_documented_once_for_all(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "exit codes (every command):" in out
    for line in ("  1    aiops validate found errors", "  2    usage or input error", "  141  the reader"):
        assert line in out


def test_a_usage_error_exits_2(capsys: Any) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["replay"])
    assert exc.value.code == 2 and "the following arguments are required" in capsys.readouterr().err


def test_normalize_on_a_stream_says_to_use_replay(tmp_path: Path, capsys: Any) -> None:
    stream = tmp_path / "events.jsonl"
    stream.write_text(json.dumps(alarm_event("a", "ALARM", "2026-11-25T10:00:00Z")) + "\n")
    assert main(["normalize", str(stream)]) == 2
    assert capsys.readouterr().err == (
        f"error: {stream} holds one event per line: normalize reads one event; to run a stream, use "
        f"aiops replay {stream} --catalog CATALOG.yaml\n"
    )
    two = tmp_path / "two.json"
    two.write_text(stream.read_text() * 2)
    assert main(["normalize", str(two)]) == 2
    assert "to run a stream, use aiops replay" in capsys.readouterr().err


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # GIVEN a replay whose JSON is far bigger than a pipe's buffer, read by `head -c 100`
    events = tmp_path / "events.jsonl"
    lines = []
    for n in range(2000):  # each event id is listed in the JSON: about 100 kB
        state = "ALARM" if n % 2 == 0 else "OK"
        lines.append(
            json.dumps(
                alarm_event(
                    f"chat-assistant-api-{n % 40}",
                    state,
                    f"2026-11-25T{10 + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
                )
            )
        )
    events.write_text("\n".join(lines) + "\n")
    catalog = ROOT / "aiops" / "data" / "catalog.yaml"
    script = (
        f"{sys.executable} -m aiops.cli replay {events} --catalog {catalog} --json | head -c 100 >/dev/null; "
        f"{sys.executable} -m aiops.cli replay {events} --catalog {catalog} | head -n 1 >/dev/null"
    )
    # WHEN head stops reading; THEN nothing more is said: no BrokenPipeError, no traceback
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert (
        "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr and "Exception" not in done.stderr
    )
