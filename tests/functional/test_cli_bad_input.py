"""Every command on the bad inputs a newcomer meets in the first hour: one ``error:`` line on stderr,
exit 2, never a traceback. Unreadable input, no AWS credentials, an endpoint out of reach, a missing
folder; a stream that is not JSON Lines, a metrics line without its timestamp, playbooks that cannot be
used. Each runs through the CLI's own ``main``, as the console script does."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pytest

from aiops.cli import main

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "aiops" / "data" / "catalog.yaml"
SCENARIO = ROOT / "examples" / "scenarios" / "1-prompt-regression"
ALARM = {
    "version": "0",
    "id": "evt-1",
    "detail-type": "CloudWatch Alarm State Change",
    "source": "aws.cloudwatch",
    "account": "111122223333",
    "time": "2026-11-25T10:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:cloudwatch:us-east-1:111122223333:alarm:chat-assistant-api-5xx"],
    "detail": {
        "alarmName": "chat-assistant-api-5xx",
        "state": {"value": "ALARM", "reason": "5xx", "timestamp": "2026-11-25T10:00:00.000+0000"},
        "previousState": {"value": "OK", "reason": "", "timestamp": "2026-11-25T09:00:00.000+0000"},
        "configuration": {"metrics": []},
    },
}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _one_error(code: int, err: str) -> str:
    """Exit 2, exactly one ``error:`` line (the last word said), and no traceback."""
    assert code == 2, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:") or ": error: " in line]
    assert len(errors) == 1, err
    return errors[0]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    alarm = json.dumps(ALARM)
    made = {
        "not_utf8": b'{"id": "a\xff"}\n',
        "array": json.dumps([ALARM, ALARM]).encode() + b"\n",
        "not_json": b"this is not JSON\n",
        "broken_json": b'{"version": "0", "id": \n',
        "empty": b"",
        "all_rejected": b'{"source": "my.app", "detail-type": "x"}\n"just a string"\n',
        "metrics_no_time": b'{"namespace": "AWS/Bedrock", "metric": "Invocations", "value": 1}\n',
        "good": alarm.encode() + b"\n",
        "bom": b"\xef\xbb\xbf" + alarm.encode() + b"\n",
    }
    out = {}
    for name, data in made.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(data)
        out[name] = path
    broken = tmp_path / "playbooks"
    broken.mkdir()
    (broken / "rollback.yaml").write_text(
        (ROOT / "playbooks" / "prompt-rollback.yaml").read_text().replace("PromptRollback", "PromptRolback")
    )
    out["bad_playbooks"] = broken
    return out


# -- replay: each kind of bad line is named FILE:LINE, and a stream with nothing replayed is an error ---


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("not_utf8", ":1: not UTF-8: byte 0xff at column 10"),
        ("array", ":1: a JSON array, not an event: replay reads JSON Lines"),
        ("not_json", ":1: not JSON"),
        ("broken_json", ":1: not JSON"),
        ("all_rejected", ":2: expected a JSON object (one event per line), got str"),
    ],
)
def test_replay_names_the_line_and_refuses_a_stream_with_nothing_replayed(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], name: str, said: str
) -> None:
    code, _, err = _run(capsys, "replay", str(files[name]), "--catalog", str(CATALOG))
    assert f"{files[name]}{said}" in err
    assert "aws.sqs" not in err  # the line is blamed, not the SQS body the handler would see
    assert _one_error(code, err).startswith("error: nothing was replayed:")


def test_replay_of_an_empty_stream_says_so(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, _, err = _run(capsys, "replay", str(files["empty"]), "--catalog", str(CATALOG))
    assert _one_error(code, err) == (
        f"error: nothing was replayed: {files['empty']} holds no event "
        "(one JSON event per line, oldest first)"
    )


def test_replay_accepts_a_byte_order_mark_and_reads_standard_input(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(capsys, "replay", str(files["bom"]), "--catalog", str(CATALOG), "--json")
    assert code == 0, err
    with_bom = json.loads(out)
    assert with_bom["stats"]["rejected"] == 0 and with_bom["stats"]["incidents"] == 1
    # the same stream on standard input, without the mark: the same result
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(files["good"].read_bytes())))
    code, out, err = _run(capsys, "replay", "-", "--catalog", str(CATALOG), "--json")
    assert code == 0, err
    assert json.loads(out) == with_bom


def test_replay_metrics_line_without_its_timestamp(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, _, err = _run(
        capsys,
        "replay",
        str(files["good"]),
        "--catalog",
        str(CATALOG),
        "--metrics",
        str(files["metrics_no_time"]),
    )
    assert _one_error(code, err) == (
        f"error: {files['metrics_no_time']}:1: missing 'timestamp' (a datapoint has namespace, metric, "
        "timestamp, value; dimensions and unit are optional)"
    )


def test_replay_with_a_metrics_file_that_is_not_utf8(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, _, err = _run(
        capsys, "replay", str(files["good"]), "--catalog", str(CATALOG), "--metrics", str(files["not_utf8"])
    )
    assert _one_error(code, err) == f"error: {files['not_utf8']}:1: not UTF-8: byte 0xff at column 10"


@pytest.mark.parametrize("option", ["--state", "--metrics"])
def test_replay_with_a_missing_side_file(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], tmp_path: Path, option: str
) -> None:
    missing = tmp_path / "nope.yaml"
    code, _, err = _run(capsys, "replay", str(files["good"]), "--catalog", str(CATALOG), option, str(missing))
    assert str(missing) in _one_error(code, err)


def test_replay_state_that_is_not_utf8(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, _, err = _run(
        capsys, "replay", str(files["good"]), "--catalog", str(CATALOG), "--state", str(files["not_utf8"])
    )
    assert _one_error(code, err) == f"error: {files['not_utf8']}: not UTF-8 (byte 10)"


def test_replay_refuses_a_missing_playbooks_folder(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], tmp_path: Path
) -> None:
    # GIVEN a typo in --playbooks: run without playbooks, the incident would page instead of rolling back
    code, out, err = _run(
        capsys, "replay", str(files["good"]), "--catalog", str(CATALOG), "--playbooks", str(tmp_path / "nope")
    )
    assert out == ""  # THEN nothing ran
    assert f"{tmp_path / 'nope'}: no such directory: no playbook can be read" in err
    assert _one_error(code, err).startswith(f"error: the playbooks in {tmp_path / 'nope'}")


def test_replay_refuses_a_playbook_naming_a_runbook_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, out, err = _run(
        capsys,
        "replay",
        str(files["good"]),
        "--catalog",
        str(CATALOG),
        "--playbooks",
        str(files["bad_playbooks"]),
    )
    assert out == ""
    assert "PromptRolback" in err and "did you mean 'PromptRollback'" in err
    _one_error(code, err)


@pytest.mark.parametrize("which", ["missing", "not_utf8", "folder"])
def test_replay_with_an_unreadable_catalog_or_stream(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], tmp_path: Path, which: str
) -> None:
    bad = {"missing": tmp_path / "nope.yaml", "not_utf8": files["not_utf8"], "folder": tmp_path}[which]
    code, _, err = _run(capsys, "replay", str(files["good"]), "--catalog", str(bad))
    assert str(bad) in _one_error(code, err)
    code, _, err = _run(capsys, "replay", str(tmp_path / "nope.jsonl"), "--catalog", str(CATALOG))
    assert _one_error(code, err).startswith(f"error: cannot read {tmp_path / 'nope.jsonl'}")
    code, _, err = _run(capsys, "replay", str(tmp_path), "--catalog", str(CATALOG))
    assert _one_error(code, err).startswith(f"error: cannot read {tmp_path}: is a directory")


# -- normalize, validate ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["not_utf8", "array", "not_json", "broken_json", "empty"])
def test_normalize(capsys: pytest.CaptureFixture[str], files: dict[str, Path], name: str) -> None:
    code, out, err = _run(capsys, "normalize", str(files[name]))
    assert out == ""
    _one_error(code, err)


def test_normalize_of_a_missing_file_and_of_a_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for path in (tmp_path / "nope.json", tmp_path):
        code, _, err = _run(capsys, "normalize", str(path))
        assert _one_error(code, err).startswith(f"error: cannot read {path}")


@pytest.mark.parametrize("option", ["--catalog", "--playbooks", "--runbooks", "--state"])
def test_validate_on_something_missing_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, option: str
) -> None:
    missing = tmp_path / "nope"
    code, out, err = _run(capsys, "validate", option, str(missing))
    assert out == ""
    assert _one_error(code, err).startswith(f"error: cannot read {missing}: no such")


def test_validate_misspelt_option_prints_validates_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "validate", "--catalgo", "x")
    assert err.startswith("usage: aiops validate ")
    assert _one_error(code, err) == "aiops validate: error: unrecognized arguments: --catalgo x"


def test_validate_json_for_ci(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, out, _ = _run(capsys, "validate", "--playbooks", str(files["bad_playbooks"]), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False and doc["errors"] >= 1
    problem = next(p for p in doc["problems"] if "PromptRolback" in p["message"])
    assert problem["severity"] == "error" and problem["file"].endswith("rollback.yaml")
    assert isinstance(problem["line"], int) and problem["text"].startswith(
        f"{problem['file']}:{problem['line']}: "
    )
    code, out, _ = _run(capsys, "validate", "--json")
    assert code == 0 and json.loads(out)["ok"] is True


# -- the account tools: no credentials, no way to AWS ---------------------------------------------------


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with no AWS configuration at all (and no instance metadata to fall back on)."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> str:
    """Credentials, but every AWS endpoint is a closed port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    return url


ACCOUNT_COMMANDS = [
    ("maturity", "--region", "us-east-1"),
    ("maturity", "--region", "us-east-1", "--json"),
    ("catalog", "discover", "--region", "us-east-1"),
]


@pytest.mark.parametrize("argv", ACCOUNT_COMMANDS, ids=" ".join)
def test_account_commands_without_credentials(
    capsys: pytest.CaptureFixture[str], no_credentials: None, argv: tuple[str, ...]
) -> None:
    code, out, err = _run(capsys, *argv)
    assert out == ""  # no report of nothing but "unknown"
    assert _one_error(code, err).startswith("error: no usable AWS credentials (Unable to locate credentials)")


@pytest.mark.parametrize("argv", ACCOUNT_COMMANDS, ids=" ".join)
def test_account_commands_with_the_endpoint_out_of_reach(
    capsys: pytest.CaptureFixture[str], unreachable: str, argv: tuple[str, ...]
) -> None:
    code, out, err = _run(capsys, *argv)
    assert out == ""
    assert _one_error(code, err).startswith(
        f'error: cannot reach AWS in us-east-1: Could not connect to the endpoint URL: "{unreachable}'
    )


@pytest.mark.parametrize("argv", ACCOUNT_COMMANDS, ids=" ".join)
def test_account_commands_with_a_profile_that_does_not_exist(
    capsys: pytest.CaptureFixture[str],
    no_credentials: None,
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "prod-typo")
    code, out, err = _run(capsys, *argv)
    assert out == ""
    assert "The config profile (prod-typo) could not be found" in _one_error(code, err)


def test_catalog_output_into_a_missing_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "nope" / "catalog.yaml"
    code, _, err = _run(
        capsys, "catalog", "init", "--service", "chat-assistant", "--model-id", "m", "-o", str(target)
    )
    assert _one_error(code, err).startswith(f"error: cannot write {target}")


def test_demo_payloads_into_a_file_not_a_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _run(capsys, "demo", "--payloads", str(blocker / "demo"))
    assert str(blocker) in _one_error(code, err)
