"""`aiops validate`: a linter. Every problem, each as FILE:LINE: PATH: message, asserted word for word."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from aiops.cli import main

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "aiops" / "data" / "catalog.yaml"
GOOD_SERVICE = """\
services:
  - name: chat-assistant
    components:
      - name: api
        depends_on: [orchestrator]
        match: [{alarm_name: "chat-assistant-api-*"}]
      - name: orchestrator
        depends_on: [prompt, model]
        match: [{alarm_name: "chat-assistant-orch-*"}]
      - name: prompt
        match: [{parameter: /llm/chat-assistant/prompt}]
      - name: model
        match: [{dimension: {ModelId: "anthropic.*"}}]
      - name: cost
        match: [{budget_name: "chat-assistant-*"}]
"""
"""A service with the components the shipped playbooks name (model, prompt, cost)."""


def _validate(capsys: Any, *args: str) -> tuple[int, list[str]]:
    code = main(["validate", *args])
    out = capsys.readouterr().out
    return code, out.splitlines()


def _catalog(tmp_path: Path, text: str) -> str:
    path = tmp_path / "catalog.yaml"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_shipped_files_are_clean(capsys: Any) -> None:
    code, out = _validate(capsys, "--catalog", str(CATALOG))
    assert code == 0 and out == ["ok: 4 runbooks, 6 playbooks, 2 services"]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "examples" / "scenarios").iterdir()))
def test_every_example_catalog_is_clean(name: str, capsys: Any) -> None:
    code, out = _validate(capsys, "--catalog", str(ROOT / "examples" / "scenarios" / name / "catalog.yaml"))
    assert code == 0 and out[-1].startswith("ok: "), out


def test_without_catalog_it_checks_the_bundled_one_and_says_so(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("AIOPS_CATALOG_FILE", raising=False)
    code, out = _validate(capsys)
    assert code == 0
    assert out[0] == (
        f"catalog: {CATALOG} (the bundled catalog: pass --catalog or set AIOPS_CATALOG_FILE to check yours)"
    )


def test_without_catalog_it_checks_the_one_the_bot_would_load(
    tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    path = _catalog(tmp_path, "services: []\n")
    monkeypatch.setenv("AIOPS_CATALOG_FILE", path)
    code, out = _validate(capsys)
    assert code == 1
    assert out[:2] == [
        f"catalog: {path} (from AIOPS_CATALOG_FILE)",
        f"{path}:1: the catalog names no service: every signal would go to 'unowned'",
    ]


def test_every_problem_is_reported_with_its_line_and_names(tmp_path: Path, capsys: Any) -> None:
    path = _catalog(
        tmp_path,
        """\
        services:
          - name: chat-assistant
            tier: urgent
            components:
              - name: api
                depend_on: [orchestrator]
                match: [{alarm_name: "chat-assistant-api-*"}]
              - name: orchestrator
                depends_on: [orchestratr]
                match: [{alarm_name: "chat-assistant-orch-*"}]
        """,
    )
    code, out = _validate(capsys, "--catalog", path)
    assert code == 1
    assert out == [
        f"{path}:3: services[chat-assistant].tier: 'urgent' is not one of 'critical', 'high', 'medium' "
        "or 'low'",
        f"{path}:6: services[chat-assistant].components[api]: unknown key 'depend_on' "
        "(did you mean 'depends_on'?)",
        f"{path}:9: services[chat-assistant].components[orchestrator].depends_on: unknown component "
        "'orchestratr' (did you mean 'orchestrator'?)",
        "3 errors, 0 warnings (4 runbooks, 6 playbooks, 0 services checked)",
    ]


def test_a_dependency_cycle_and_a_self_dependency(tmp_path: Path, capsys: Any) -> None:
    path = _catalog(
        tmp_path,
        """\
        services:
          - name: chat
            components:
              - name: api
                depends_on: [orchestrator]
                match: [{alarm_name: "chat-api-*"}]
              - name: orchestrator
                depends_on: [api, orchestrator]
                match: [{alarm_name: "chat-orch-*"}]
        """,
    )
    code, out = _validate(capsys, "--catalog", path)
    assert code == 1
    assert out[:2] == [
        f"{path}:5: services[chat].components[api].depends_on: cycle api -> orchestrator -> api: depends_on "
        "must point downstream, without a loop",
        f"{path}:8: services[chat].components[orchestrator].depends_on: 'orchestrator' depends on itself",
    ]


def test_globs_that_are_malformed_or_cannot_match(tmp_path: Path, capsys: Any) -> None:
    path = _catalog(
        tmp_path,
        """\
        services:
          - name: chat
            components:
              - name: api
                match:
                  - {alarm_name: "chat-[api"}
                  - {alarm_name: "chat-[z-a]"}
                  - {parameter: "/llm/chat prompt"}
                  - {parameter: "llm/chat/prompt"}
        """,
    )
    code, out = _validate(capsys, "--catalog", path)
    assert code == 1
    api = "services[chat].components[api].match"
    assert out[:4] == [
        f"{path}:6: {api}[alarm_name=chat-[api].alarm_name: unclosed '[' in 'chat-[api': fnmatch reads it "
        "as a literal '['; close the class, or write [[] for a literal bracket",
        f"{path}:7: {api}[alarm_name=chat-[z-a]].alarm_name: malformed glob 'chat-[z-a]': the range z-a is "
        "reversed, and fnmatch drops it (write it low to high)",
        f"{path}:8: {api}[parameter=/llm/chat prompt].parameter: '/llm/chat prompt' cannot match: an SSM "
        "parameter name never contains ' '",
        f"{path}:9: {api}[parameter=llm/chat/prompt].parameter: 'llm/chat/prompt' cannot match: an SSM "
        "parameter name with '/' in it starts with '/'",
    ]


def test_two_components_claiming_one_alarm_is_a_warning_naming_both(tmp_path: Path, capsys: Any) -> None:
    path = _catalog(
        tmp_path,
        GOOD_SERVICE
        + """\
  - name: doc-search
    components:
      - name: api
        match: [{alarm_name: "*-api-*"}]
""",
    )
    code, out = _validate(capsys, "--catalog", path)
    assert code == 0  # warnings alone
    assert out == [
        f"{path}:19: warning: services[doc-search].components[api].match[alarm_name=*-api-*]: claims what "
        "services[chat-assistant].components[api].match[alarm_name=chat-assistant-api-*] (line 6) claims "
        "already, e.g. alarm_name 'chat-assistant-api-': the first match wins, so those go to "
        "services[chat-assistant].components[api]",
        "0 errors, 1 warning (4 runbooks, 6 playbooks, 2 services checked)",
    ]


def test_a_component_without_a_selector_and_an_empty_catalog(tmp_path: Path, capsys: Any) -> None:
    path = _catalog(tmp_path, GOOD_SERVICE + "      - name: extra\n")
    code, out = _validate(capsys, "--catalog", path)
    assert code == 1
    assert out[0] == (
        f"{path}:16: services[chat-assistant].components[extra]: no match selector: no signal can ever "
        "belong to this component (add match: [...])"
    )
    empty = _catalog(tmp_path, "# nothing yet\n")
    code, out = _validate(capsys, "--catalog", empty)
    assert code == 1
    assert out[0] == f"{empty}: the catalog names no service: every signal would go to 'unowned'"


def test_yaml_syntax_errors_have_a_line_not_a_unicode_string(tmp_path: Path, capsys: Any) -> None:
    path = _catalog(tmp_path, "services:\n  - name: chat\n    tier: [critical\n")
    code, out = _validate(capsys, "--catalog", path)
    assert code == 1
    assert out[0] == f"{path}:4: invalid YAML: expected ',' or ']', but got '<stream end>' (column 1)"


def test_empty_directories_and_ignored_yml(tmp_path: Path, capsys: Any) -> None:
    # (a directory that does not exist is a usage error, exit 2: tests/functional/test_cli_bad_input.py)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "fallback.yml").write_text("name: fallback\n")
    code, out = _validate(capsys, "--catalog", str(CATALOG), "--playbooks", str(empty))
    assert code == 1
    assert out == [
        f"{empty / 'fallback.yml'}: ignored: only *.yaml files are read (rename it fallback.yaml)",
        f"{empty}: holds no playbook (*.yaml)",
        "2 errors, 0 warnings (4 runbooks, 0 playbooks, 2 services checked)",
    ]


def test_playbook_problems_name_file_line_and_what_to_do(tmp_path: Path, capsys: Any) -> None:
    playbooks, runbooks = tmp_path / "playbooks", tmp_path / "runbooks"
    shutil.copytree(ROOT / "playbooks", playbooks)
    shutil.copytree(ROOT / "runbooks", runbooks)
    (playbooks / "ghost.yaml").write_text(
        "name: ghost\nmatch: {root_cause: [modle]}\naction: {runbook: ModelFalback}\n"
    )
    (playbooks / "typo.yaml").write_text(
        "name: typo\nmatch: {root_cause: [model]}\naction:\n  runbook: ModelFallback\n  parameters:\n"
        "    ParameterName: '{{ service.llm.model_parameter }}'\n"
        "    FallbackModelId: '{{ service.llm.fallback }}'\n"
        "    VerifyAlarmNames: '{{ verify_alarms }}'\n"
    )
    (playbooks / "bad.yaml").write_text(
        "name: bad\nmatch: {}\naction: {runbook: TokenCap}\napproval: {default: maybe}\n"
    )
    (runbooks / "Shell.yaml").write_text(
        "schemaVersion: '0.3'\nmainSteps: [{name: s, action: 'aws:runCommand'}]\n"
    )
    code, out = _validate(
        capsys, "--catalog", str(CATALOG), "--playbooks", str(playbooks), "--runbooks", str(runbooks)
    )
    assert code == 1
    assert out == [
        f"{runbooks / 'Shell.yaml'}:2: mainSteps[s].action: action aws:runCommand is not supported "
        "(supported: aws:approve, aws:assertAwsResourceProperty, aws:branch, aws:executeAwsApi, "
        "aws:executeScript, aws:sleep, aws:waitForAwsResourceProperty)",
        f"{playbooks / 'bad.yaml'}:4: approval.default: 'maybe' is not one of 'auto', 'slack' or 'never'",
        f"{playbooks / 'ghost.yaml'}:3: action.runbook: no runbook named 'ModelFalback' (did you mean "
        "'ModelFallback'?)",
        f"{playbooks / 'ghost.yaml'}:2: match.root_cause[modle]: 'modle' names no component of any service "
        "(did you mean 'model'?)",
        f"{playbooks / 'typo.yaml'}:7: action.parameters.FallbackModelId: for service chat-assistant: "
        "service.llm.fallback is undefined: service.llm has no 'fallback' "
        "(did you mean 'fallback_model_id'?)",
        "5 errors, 0 warnings (4 runbooks, 8 playbooks, 2 services checked)",
    ]


def test_unknown_keys_in_a_state_file(tmp_path: Path, capsys: Any) -> None:
    state = tmp_path / "state.yaml"
    state.write_text("paramters:\n  /llm/p: [v1]\nparameters:\n  /llm/q: []\n")
    code, out = _validate(capsys, "--catalog", str(CATALOG), "--state", str(state))
    assert code == 1
    assert out == [
        f"{state}:1: unknown key 'paramters' (did you mean 'parameters'?)",
        f"{state}:4: parameters./llm/q: must be a non-empty list of non-empty strings "
        "(the versions, oldest first)",
        "2 errors, 0 warnings (4 runbooks, 6 playbooks, 2 services checked)",
    ]


def test_replay_refuses_a_catalog_with_the_same_messages(tmp_path: Path, capsys: Any) -> None:
    path = _catalog(tmp_path, "services:\n  - name: chat\n    tier:\n    components:\n      - {name: api}\n")
    events = tmp_path / "events.jsonl"
    events.write_text("")
    code = main(["replay", str(events), "--catalog", path])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        f"{path}:3: services[chat].tier: is empty: expected one of 'critical', 'high', 'medium' or 'low'",
        f"{path}:5: services[chat].components[api]: no match selector: no signal can ever belong to this "
        "component (add match: [...])",
        f"error: {path}: not a usable catalog (the problems above; aiops validate checks it)",
    ]
    assert "services.0" not in err and "<unicode string>" not in err and "NoneType" not in err


def test_a_shipped_playbook_for_a_component_the_catalog_lacks_is_a_warning(
    tmp_path: Path, capsys: Any
) -> None:
    # GIVEN a catalog without a prompt component: the shipped prompt-rollback playbook can never run
    path = _catalog(
        tmp_path,
        GOOD_SERVICE.replace("[prompt, model]", "[model]").replace(
            "      - name: prompt\n        match: [{parameter: /llm/chat-assistant/prompt}]\n", ""
        ),
    )
    code, out = _validate(capsys, "--catalog", path)
    assert code == 0  # not a typo: nothing to fix in the catalog, only to know
    assert out == [
        f"{ROOT / 'playbooks' / 'prompt-rollback.yaml'}:7: warning: match.root_cause[prompt]: 'prompt' "
        "names no component of any service (components: api, cost, model, orchestrator): this playbook "
        "never runs",
        "0 errors, 1 warning (4 runbooks, 6 playbooks, 1 services checked)",
    ]


def test_a_signature_override_names_known_symptom_kinds(tmp_path: Path, capsys: Any) -> None:
    # GIVEN a component whose change signature lists a kind the table does not know
    good = _catalog(
        tmp_path,
        GOOD_SERVICE.replace("      - name: cost\n", "      - name: cost\n        produces: [cost]\n"),
    )
    assert _validate(capsys, "--catalog", good)[0] == 0
    bad = _catalog(
        tmp_path,
        GOOD_SERVICE.replace("      - name: prompt\n", "      - name: prompt\n        produces: [typos]\n"),
    )
    code, out = _validate(capsys, "--catalog", bad)
    # THEN validate names the component, the value and the kinds it may be
    assert code == 1
    assert any("components[prompt].produces[typos]" in line and "client_errors" in line for line in out), out


def test_cross_service_depends_on_is_checked(tmp_path: Path, capsys: Any) -> None:
    upstream = (
        "  - name: kb-search\n    components:\n      - name: index\n        match: [{alarm_name: kb-*}]\n"
    )
    good = GOOD_SERVICE.replace("depends_on: [prompt, model]", "depends_on: [prompt, model, kb-search/index]")
    assert _validate(capsys, "--catalog", _catalog(tmp_path, good + upstream))[0] == 0
    bad = GOOD_SERVICE.replace("depends_on: [prompt, model]", "depends_on: [prompt, model, kb-search/nope]")
    code, out = _validate(capsys, "--catalog", _catalog(tmp_path, bad + upstream))
    assert code == 1 and any("service 'kb-search' has no component 'nope'" in line for line in out), out
    code, out = _validate(capsys, "--catalog", _catalog(tmp_path, bad))  # no such service at all
    assert code == 1 and any("unknown component 'kb-search/nope'" in line for line in out), out


def test_a_bad_narrative_cap_is_reported_at_its_line(tmp_path: Path, capsys: Any) -> None:
    # GIVEN a service whose narrative allows more calls per incident than the setting's bound
    path = _catalog(
        tmp_path,
        GOOD_SERVICE + "    narrative:\n      enabled: true\n      max_calls_per_incident: 30\n",
    )
    code, out = _validate(capsys, "--catalog", path)
    # THEN validate fails, naming the field's path and line
    assert code == 1
    problems = [line for line in out if "narrative" in line]
    assert problems, out
    assert problems == [
        f"{path}:18: services[chat-assistant].narrative.max_calls_per_incident: must be at most 20, not 30"
    ]
