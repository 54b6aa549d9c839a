"""`aiops validate`: catalog, playbooks and runbooks, with a precise list of problems."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from aiops.cli import main

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "aiops" / "data" / "catalog.yaml"


def test_shipped_files_are_valid(capsys: Any) -> None:
    assert main(["validate", "--catalog", str(CATALOG)]) == 0
    assert capsys.readouterr().out.startswith("ok: 4 runbooks, 4 playbooks, 2 services")


def test_problems_are_listed_precisely(tmp_path: Path, capsys: Any) -> None:
    playbooks = tmp_path / "playbooks"
    runbooks = tmp_path / "runbooks"
    shutil.copytree(ROOT / "playbooks", playbooks)
    shutil.copytree(ROOT / "runbooks", runbooks)
    (playbooks / "ghost.yaml").write_text(
        "name: ghost\nmatch: {root_cause: [api]}\naction: {runbook: RestartEverything}\n"
    )
    (playbooks / "typo.yaml").write_text(
        "name: typo\nmatch: {root_cause: [model]}\naction:\n  runbook: ModelFallback\n  parameters:\n"
        "    ParameterName: '{{ service.llm.model_parameter }}'\n"
        "    FallbackModelId: '{{ service.llm.fallback }}'\n"
        "    VerifyAlarmNames: '{{ verify_alarms }}'\n"
    )
    (playbooks / "bad.yaml").write_text(
        "name: Bad Name\nmatch: {}\naction: {runbook: TokenCap}\napproval: {default: maybe}\n"
    )
    (runbooks / "Shell.yaml").write_text(
        "schemaVersion: '0.3'\nmainSteps: [{name: s, action: 'aws:runCommand'}]\n"
    )
    code = main(
        ["validate", "--catalog", str(CATALOG), "--playbooks", str(playbooks), "--runbooks", str(runbooks)]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "Shell.yaml: (document): Value error, step s: action aws:runCommand is not supported" in out
    assert "playbook ghost: runbook RestartEverything does not exist" in out
    assert "playbook typo for service chat-assistant: playbook typo: parameter FallbackModelId:" in out
    assert "bad.yaml: name: String should match pattern" in out
    assert "bad.yaml: approval.default: Input should be 'auto', 'slack' or 'never'" in out
