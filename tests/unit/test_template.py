"""What cfn-lint cannot see in template.yaml: a deploy must reinstall edited runbooks.

CloudFormation calls a custom resource again only when its properties change. The installer's code
package holds runbooks/, and with AutoPublishAlias SAM publishes a new function version (its logical
id carries the package's hash) whenever that package changes; the custom resource names that version,
so an edited runbook changes the resource and is installed on the next ``sam deploy``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfnlint.decode import decode  # type: ignore[import-untyped]

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def _resources() -> dict[str, Any]:
    template, errors = decode(str(TEMPLATE))
    assert not errors and template is not None
    resources: dict[str, Any] = template["Resources"]
    return resources


def test_runbooks_are_reinstalled_when_the_installer_package_changes() -> None:
    resources = _resources()
    installer = resources["RunbooksInstallerFunction"]["Properties"]
    assert installer["AutoPublishAlias"]
    runbooks = resources["Runbooks"]["Properties"]
    assert runbooks["CodeVersion"] == {"Ref": "RunbooksInstallerFunction.Version"}
    assert runbooks["ServiceToken"] == {"Ref": "RunbooksInstallerFunction.Alias"}


def test_the_installer_package_holds_the_runbooks() -> None:
    installer = _resources()["RunbooksInstallerFunction"]
    assert installer["Properties"]["CodeUri"] == "."
    assert sorted(p.stem for p in (TEMPLATE.parent / "runbooks").glob("*.yaml"))


def test_the_indexes_are_the_ones_the_adapter_queries() -> None:
    from aiops.adapters.dynamodb import HISTORY_INDEX, UNSETTLED_INDEX

    table = _resources()["IncidentTable"]["Properties"]
    # the emulator's table (create_table) uses these same definitions; history added by issue 27
    assert table["GlobalSecondaryIndexes"] == [UNSETTLED_INDEX, HISTORY_INDEX]
    for index in table["GlobalSecondaryIndexes"]:
        keys = {k["AttributeName"] for k in index["KeySchema"]}
        assert keys <= {d["AttributeName"] for d in table["AttributeDefinitions"]}


def test_no_deployed_function_may_scan_the_table() -> None:
    # the flush and /aiops read the sparse index; a Scan of the whole table is for local tools only
    assert "dynamodb:Scan" not in TEMPLATE.read_text(encoding="utf-8")


def test_every_function_that_builds_the_app_may_page_and_keep_timers() -> None:
    # GIVEN the escalation block: one managed policy attached to the roles SAM makes
    resources = _resources()
    functions = {  # the forecast pass builds no app: it puts events, the pipeline pages
        name
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function"
        and name not in ("RunbooksInstallerFunction", "ForecastFunction")
    }
    roles = {ref["Ref"] for ref in resources["EscalationPolicy"]["Properties"]["Roles"]}
    assert roles == {f"{name}Role" for name in functions}
    assert "TimersFunction" in functions
    # and the ARN the timers are told to invoke is the timers function's own name
    timers = resources["TimersFunction"]["Properties"]
    assert timers["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-timers"}
    assert TEMPLATE.read_text(encoding="utf-8").count(":function:${AWS::StackName}-timers") == 2
    assert resources["PagerTopic"]["Properties"]["KmsMasterKeyId"]


def test_the_layer_is_built_from_the_pinned_requirements_only() -> None:
    import re
    import tomllib

    makefile = (TEMPLATE.parent / "Makefile").read_text(encoding="utf-8")
    layer = makefile.split("build-DependenciesLayer:", 1)[1].split("\n\n", 1)[0]
    assert "--require-hashes -r requirements.txt" in layer and "--no-deps" in layer
    functions = makefile.split("build-TimersFunction:", 1)[1].split("\n\n", 1)[0]
    assert "pip" not in functions  # the functions' packages are source only
    pins = dict(
        re.findall(r"^([a-z0-9-]+)==(\S+) \\$", (TEMPLATE.parent / "requirements.txt").read_text(), re.M)
    )
    hashes = (TEMPLATE.parent / "requirements.txt").read_text().count("--hash=sha256:")
    assert hashes == len(pins)
    pyproject = tomllib.loads((TEMPLATE.parent / "pyproject.toml").read_text())
    for dep in pyproject["project"]["dependencies"]:
        name = re.split(r"[<>=\[ ]", dep)[0].lower().replace("_", "-")
        assert name in pins, f"{name} is a runtime dependency but not pinned in requirements.txt"
    resources = _resources()
    assert resources["DependenciesLayer"]["Type"] == "AWS::Serverless::LayerVersion"
    assert "moto" not in pins and "pytest" not in pins
