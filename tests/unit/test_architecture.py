"""The core is pure: outside aiops/adapters/ and aiops/cli.py, no AWS, Slack, HTTP, environment or clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

AIOPS = Path(__file__).resolve().parents[2] / "aiops"
FORBIDDEN_MODULES = (
    "boto3",
    "botocore",
    "slack_sdk",
    "slack_bolt",
    "urllib3",
    "requests",
    "httpx",
    "moto",
    "aws_lambda_powertools",
    "os",
    "time",
    "urllib.request",
    "socket",
)
# aiops/account/ reads an AWS account for the maturity and catalog commands: a CLI tool, like cli.py.
CORE = sorted(
    p
    for p in AIOPS.rglob("*.py")
    if "adapters" not in p.parts and "account" not in p.parts and p.name != "cli.py"
)


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(AIOPS)))
def test_core_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [n for n in names if n.split(".")[0] in FORBIDDEN_MODULES or n in FORBIDDEN_MODULES]
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("now", "utcnow", "today")
            and isinstance(node.value, ast.Name)
            and node.value.id in ("datetime", "date")
        ):
            found.append(f"{node.value.id}.{node.attr}()")
    assert found == [], f"{path.name} reaches outside the core: {found}"


def test_the_scan_sees_the_core() -> None:
    assert {p.name for p in CORE} >= {"pipeline.py", "incident.py", "rootcause.py", "impact.py", "decide.py"}
