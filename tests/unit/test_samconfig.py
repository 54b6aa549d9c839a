"""The first deploy with the defaults: samconfig.toml's parameters on the packaged template (the SAM
transform, as `sam deploy` runs it) pass cfn-lint; they reserve no concurrency (a new account's quota of
10 leaves none to reserve, and any reservation fails the deploy); the stack is named as `aiops maturity`
looks for it; `sam deploy` needs no answer; `--guided`'s two Function URL questions are named."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.support.cfn import ROOT, stack, transformed

SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
DEPLOY = SAMCONFIG["default"]["deploy"]["parameters"]
OVERRIDES = dict(part.split("=", 1) for part in shlex.split(DEPLOY.get("parameter_overrides", "")))
IAM_TYPES = {
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::User",
    "AWS::IAM::Group",
}
IAM_NAMES = {"RoleName", "ManagedPolicyName", "PolicyName", "UserName", "GroupName"}


def test_the_stack_is_the_one_aiops_maturity_looks_for() -> None:
    import argparse

    from aiops.cli import parser

    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    maturity = sub.choices["maturity"].parse_args([])
    assert DEPLOY["stack_name"] == SAMCONFIG["default"]["global"]["parameters"]["stack_name"]
    assert DEPLOY["stack_name"] == maturity.stack_name == "aiops"


def test_samconfig_overrides_only_parameters_the_template_has() -> None:
    template = json.loads(json.dumps(transformed()))
    assert OVERRIDES, "samconfig.toml sets the safe parameters explicitly"
    assert set(OVERRIDES) <= set(template["Parameters"])
    assert OVERRIDES["AutomationMode"] == "dry-run"  # decide and show; start nothing until turned on


def test_no_reserved_concurrency_with_the_defaults() -> None:
    # GIVEN the stack as samconfig.toml deploys it (and as the template's own defaults give it)
    for parameters in (OVERRIDES, {}):
        s = stack(DEPLOY["stack_name"], parameters)
        for name, res in s.resources.items():
            if res["Type"] != "AWS::Lambda::Function":
                continue
            # THEN no function reserves concurrency
            assert "ReservedConcurrentExecutions" not in s.resolve(res["Properties"]), name
    # AND the parameter says how to bound it
    described = transformed()["Parameters"]
    for parameter in ("SlackAppConcurrency", "PagerDutyWebhookConcurrency"):
        assert described[parameter]["Default"] == 0
        assert "quota" in described[parameter]["Description"]


def test_sam_deploy_asks_nothing() -> None:
    # every capability the packaged template needs is granted up front (else: "Requires capabilities")
    resources: dict[str, Any] = transformed()["Resources"]
    needed = set()
    if any(r["Type"] in IAM_TYPES for r in resources.values()):
        needed.add("CAPABILITY_IAM")
    if any(r["Type"] in IAM_TYPES and IAM_NAMES & set(r.get("Properties", {})) for r in resources.values()):
        needed.add("CAPABILITY_NAMED_IAM")
    if any(r["Type"] == "AWS::CloudFormation::Stack" for r in resources.values()):
        needed.add("CAPABILITY_AUTO_EXPAND")  # the alarm pack, a nested application
    assert needed and needed <= set(DEPLOY["capabilities"].split())
    assert DEPLOY["resolve_s3"] is True  # no bucket to name
    assert DEPLOY["confirm_changeset"] is False  # no "Deploy this changeset? [y/N]"


def test_the_guided_deploys_function_url_questions_are_answered_where_people_read() -> None:
    # `sam deploy --guided` asks "<Function> Function Url has no authentication. Is this okay? [y/N]" for
    # each public Function URL; N aborts with "Security Constraints Not Satisfied!"
    public = sorted(
        str(r["Properties"]["TargetFunctionArn"]["Ref"])
        for r in transformed()["Resources"].values()
        if r["Type"] == "AWS::Lambda::Url" and r["Properties"]["AuthType"] == "NONE"
    )
    assert public == ["PagerDutyWebhookFunction", "SlackAppFunction"]
    for page in (ROOT / "samconfig.toml", ROOT / "README.md"):
        text = page.read_text(encoding="utf-8")
        assert "Is this okay?" in text, page
        for function in public:
            assert function in text, (page, function)


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("packaged") / "packaged.json"
    path.write_text(json.dumps(transformed()), encoding="utf-8")
    return path


def test_cfn_lint_passes_the_packaged_template_with_samconfigs_parameters(packaged: Path) -> None:
    from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]
    from cfnlint.context.parameters import ParameterSet  # type: ignore[import-untyped]

    matches = lint(
        packaged.read_text(encoding="utf-8"),
        config=ManualArgs(parameters=[ParameterSet(source="samconfig.toml", parameters=OVERRIDES)]),
    )
    assert [str(m) for m in matches] == []
