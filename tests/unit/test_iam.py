"""A static check of least privilege: every AWS API the code of a function can call is allowed by that
function's role, every action its role grants is one its code can call, and every "*" resource in the
template says why in a comment.

What a function's code can call: the modules reachable from its handler (every import, in functions too,
but not those for annotations), and in each the boto3 client methods it calls on the services it makes
clients for (``boto3.client("ssm")``, or annotated with ``mypy_boto3_ssm``), plus the AWS calls of the
library functions it uses (Powertools' ``get_secret``, bolt's Lambda adapter). Module reachability is an
over-approximation: EXEMPT names what a function's module graph reaches but its code never runs, and why.
"""

from __future__ import annotations

import ast
import fnmatch
from collections import deque
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.cfn import ROOT, TEMPLATE, Stack, stack
from tests.unit.test_architecture import MODULES, _imports

SERVICES = (
    "dynamodb",
    "ssm",
    "cloudwatch",
    "secretsmanager",
    "s3",
    "lambda",
    "sns",
    "scheduler",
    "events",
    "service-quotas",
    "bedrock-runtime",
)
"""The services the code may call; a new one makes this test ask for its IAM prefix."""
IAM_PREFIX = {"service-quotas": "servicequotas", "bedrock-runtime": "bedrock"}
"""boto3 service names whose IAM action prefix differs."""
LIBRARY_CALLS = {
    ("aws_lambda_powertools.utilities.parameters", "get_secret"): {"secretsmanager:GetSecretValue"},
    # bolt's lazy listeners: LambdaLazyListenerRunner invokes the function itself (Event invocation)
    ("slack_bolt.adapter.aws_lambda", "SlackRequestHandler"): {"lambda:InvokeFunction"},
}
IAM_ACTIONS = {
    # DynamoDB authorizes a transaction item by item: no TransactWriteItems action exists; the actions
    # are those of the items the code builds (TRANSACT_ITEMS)
    "dynamodb:TransactWriteItems": set(),
    "dynamodb:TransactGetItems": {"dynamodb:GetItem"},
    # SsmRemediator passes the remediation role as AutomationAssumeRole: SSM checks iam:PassRole on it
    "ssm:StartAutomationExecution": {"ssm:StartAutomationExecution", "iam:PassRole"},
    # a schedule's target names the role EventBridge Scheduler invokes the timers function with
    "scheduler:CreateSchedule": {"scheduler:CreateSchedule", "iam:PassRole"},
    "scheduler:UpdateSchedule": {"scheduler:UpdateSchedule", "iam:PassRole"},
    # Bedrock authorizes Converse (and its stream) as InvokeModel (and InvokeModelWithResponseStream)
    "bedrock:Converse": {"bedrock:InvokeModel"},
    "bedrock:ConverseStream": {"bedrock:InvokeModelWithResponseStream"},
}
TRANSACT_ITEMS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
"""A TransactWriteItems item's kind (its key in the item dict) and the action IAM checks for it."""
EXEMPT: dict[tuple[str, str], str] = {
    # DynamoStore's local-only methods (aiops demo, replay, tests): no deployed function scans or
    # creates the table (tests/unit/test_template.py forbids dynamodb:Scan in the template).
    **{
        (fn, "dynamodb:Scan"): "DynamoStore.all_incidents: local tools only"
        for fn in (
            "IngestFunction",
            "AutomationFunction",
            "FlushFunction",
            "SlackAppFunction",
            "TimersFunction",
            "PagerDutyWebhookFunction",
        )
    },
    **{
        (fn, "dynamodb:CreateTable"): "create_table: the emulator's table only"
        for fn in (
            "IngestFunction",
            "AutomationFunction",
            "FlushFunction",
            "SlackAppFunction",
            "TimersFunction",
            "PagerDutyWebhookFunction",
        )
    },
    # A timer decides escalation again (Pipeline.on_timer -> Escalator.fired): it pages and keeps timers,
    # it never starts or finishes a run and assesses no impact.
    ("TimersFunction", "ssm:StartAutomationExecution"): "on_timer never remediates",
    ("TimersFunction", "ssm:DescribeAutomationStepExecutions"): "on_timer never finishes a run",
    ("TimersFunction", "cloudwatch:GetMetricData"): "on_timer assesses no impact",
    # The flush settles, repairs and notifies (Pipeline.tick): it starts what a failure left recorded
    # and settles runs from SSM's record, but assesses no impact.
    ("FlushFunction", "cloudwatch:GetMetricData"): "tick assesses no impact",
    # Only the flush asks SSM for an execution's record (Remediation.repair); the others hear of a run's
    # end from its status event (or never).
    **{
        (fn, "ssm:GetAutomationExecution"): "only the flush settles runs from SSM's record"
        for fn in (
            "IngestFunction",
            "AutomationFunction",
            "SlackAppFunction",
            "TimersFunction",
            "PagerDutyWebhookFunction",
        )
    },
    # SSM's status events (the automation function) only finish runs; they never start one.
    ("AutomationFunction", "ssm:StartAutomationExecution"): "on_automation never starts a run",
    ("AutomationFunction", "cloudwatch:GetMetricData"): "on_automation assesses no impact",
    # Clicks approve, acknowledge, resolve and silence: they never read an execution's steps or metrics.
    ("SlackAppFunction", "ssm:DescribeAutomationStepExecutions"): "clicks never finish a run",
    ("SlackAppFunction", "cloudwatch:GetMetricData"): "clicks assess no impact",
    # PagerDuty's webhook acknowledges or records a resolve (Pipeline.on_pager -> HumanActions): it
    # escalates and notifies, never starts or finishes a run, and assesses no impact.
    ("PagerDutyWebhookFunction", "ssm:StartAutomationExecution"): "on_pager never remediates",
    ("PagerDutyWebhookFunction", "ssm:DescribeAutomationStepExecutions"): "on_pager never finishes a run",
    ("PagerDutyWebhookFunction", "cloudwatch:GetMetricData"): "on_pager assesses no impact",
    # The forecast pass reads the catalog's location from Config (whose module reaches the secrets
    # reader): it reads metrics, quotas and the catalog, and never a secret.
    ("ForecastFunction", "secretsmanager:GetSecretValue"): "the forecast pass reads no secret",
    # The narrative (issue 27) is asked in Pipeline._act, which only batches (ingest) and the flush run;
    # BedrockNarrator only calls converse (the client's other operations are never reached).
    **{
        (fn, "bedrock:InvokeModel"): "only batches and the flush narrate (Pipeline._act)"
        for fn in (
            "AutomationFunction",
            "SlackAppFunction",
            "TimersFunction",
            "PagerDutyWebhookFunction",
        )
    },
    # Ingest starts runs; SSM reports their ends to the automation function, never to ingest.
    ("IngestFunction", "ssm:DescribeAutomationStepExecutions"): "SsmRemediator.poll returns nothing",
}


def _function_handlers(s: Stack) -> dict[str, str]:
    return {
        name: res["Properties"]["Handler"].rsplit(".", 1)[0]
        for name, res in s.resources.items()
        if res["Type"] == "AWS::Lambda::Function"
    }


def _reachable(module: str) -> set[str]:
    seen, todo = {module}, deque([module])
    while todo:
        for _, name in _imports(MODULES[todo.popleft()]):
            if name in MODULES and name not in seen and not name.startswith(("aiops.local", "aiops.account")):
                seen.add(name)
                todo.append(name)
    return seen


@cache
def _operations(service: str) -> dict[str, str]:
    """boto3 method name -> API operation name, for one service."""
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(op): op for op in model.operation_names}


def _services(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        client = (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "client"
        )
        if client and isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            found.add(str(node.args[0].value))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mypy_boto3_"):
            found.add((node.module or "").split(".")[0].removeprefix("mypy_boto3_"))
    return found


def _calls(path: Path) -> set[str]:
    """IAM actions of the AWS calls one module makes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    ops: dict[str, set[str]] = {}
    services = _services(tree)
    for service in services:
        assert service in SERVICES, f"{path}: a client for {service}: add it to SERVICES"
        for method, op in _operations(service).items():
            ops.setdefault(method, set()).add(f"{IAM_PREFIX.get(service, service)}:{op}")
    actions: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in ops:
                actions |= ops[node.func.attr]
            for arg in node.args:  # an operation named by a string: get_paginator("query"), _items("scan")
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value in ops:
                    actions |= ops[arg.value]
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                actions |= LIBRARY_CALLS.get((node.module or "", alias.name), set())
        if isinstance(node, ast.Dict) and "dynamodb" in services:
            for key in node.keys:  # {"Put": {...}}: an item of a transaction this module builds
                if isinstance(key, ast.Constant) and key.value in TRANSACT_ITEMS:
                    actions.add(TRANSACT_ITEMS[key.value])
    out: set[str] = set()
    for action in actions:
        out |= IAM_ACTIONS.get(action, {action})
    return out


def code_actions(handler_module: str) -> set[str]:
    return set().union(*(_calls(MODULES[m]) for m in _reachable(handler_module)))


CONFIGS = {
    # the operator's catalog and playbooks in SSM, or in S3: the code reads one kind or the other
    "ssm": {"CatalogLocation": "/aiops/prod/catalog", "PlaybooksLocation": "/aiops/prod/playbooks"},
    "s3": {"CatalogLocation": "s3://ops-config/catalog.yaml", "PlaybooksLocation": "s3://ops-config/pb.yaml"},
    # the narrative on (NarrativeModelId): the batches and the flush may invoke that model
    "narrative": {"NarrativeModelId": "anthropic.claude-3-5-haiku-20241022-v1:0"},
}


def _documents(s: Stack, role: str) -> list[dict[str, Any]]:
    props = s.resources[role]["Properties"]
    docs = [p["PolicyDocument"] for p in props.get("Policies", [])]
    for arn in props.get("ManagedPolicyArns", []):
        ref = arn.get("Ref") if isinstance(arn, dict) else None
        if ref is None and isinstance(arn, dict) and "Fn::If" in arn:  # a conditional managed policy
            chosen = s.resolve(arn)
            ref = chosen.strip("<>") if isinstance(chosen, str) and chosen.startswith("<") else None
        if ref in s.resources:
            docs.append(s.resources[ref]["Properties"]["PolicyDocument"])
    for res in s.resources.values():  # managed policies that attach themselves to the role (Roles: [...])
        if res["Type"] == "AWS::IAM::ManagedPolicy" and {"Ref": role} in res["Properties"].get("Roles", []):
            docs.append(res["Properties"]["PolicyDocument"])
    return [s.resolve(d) for d in docs]  # AWS managed ones (logs, X-Ray, SQS polling) are not the code's


def granted(s: Stack, function: str) -> set[str]:
    role = s.resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    out: set[str] = set()
    for doc in _documents(s, role):
        for st in doc["Statement"]:
            if st["Effect"] == "Allow":
                out |= set([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
    return out


def _allows(grants: set[str], action: str) -> bool:
    return any(fnmatch.fnmatch(action.lower(), g.lower()) for g in grants)


FUNCTIONS = sorted(_function_handlers(stack("prod")))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_call_the_code_makes_is_allowed_by_its_role(function: str) -> None:
    handler = _function_handlers(stack("prod"))[function]
    needed = code_actions(handler)
    allowed = set().union(*(granted(stack("prod", p), function) for p in CONFIGS.values()))
    missing = sorted(a for a in needed if not _allows(allowed, a) and (function, a) not in EXEMPT)
    assert missing == [], f"{function} ({handler}) calls what its role does not allow: {missing}"
    stale = sorted(a for (f, a) in EXEMPT if f == function and (a not in needed or _allows(allowed, a)))
    assert stale == [], f"EXEMPT entries of {function} that are no longer needed: {stale}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_action_a_role_grants_is_one_its_code_calls(function: str) -> None:
    needed = code_actions(_function_handlers(stack("prod"))[function])
    allowed = set().union(*(granted(stack("prod", p), function) for p in CONFIGS.values()))
    unused = sorted(g for g in allowed if not any(fnmatch.fnmatch(a.lower(), g.lower()) for a in needed))
    assert unused == [], f"{function}'s role grants what its code never calls: {unused}"


def test_the_check_sees_the_calls_it_must() -> None:
    ingest = code_actions("handlers.ingest")
    assert {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "cloudwatch:GetMetricData",
        "ssm:StartAutomationExecution",
        "ssm:GetParameter",
        "secretsmanager:GetSecretValue",
        "s3:GetObject",
    } <= ingest
    assert "lambda:InvokeFunction" in code_actions("handlers.slack_app")
    # the webhook reaches what a page and its timers need, through the app its first notice builds
    assert {"scheduler:DeleteSchedule", "sns:Publish", "dynamodb:UpdateItem"} <= code_actions(
        "handlers.pagerduty_webhook"
    )
    assert "ssm:DescribeAutomationStepExecutions" in code_actions("handlers.automation")
    assert {"ssm:CreateDocument", "ssm:DeleteDocument"} <= code_actions("handlers.runbooks_installer")


def _star_statements(node: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every Allow statement with a "*" resource, anywhere in the template (roles, managed policies, key,
    bucket, queue and topic policies), with where it is."""
    found = []
    if isinstance(node, dict):
        resource = node.get("Resource")
        star = resource == "*" or (isinstance(resource, list) and "*" in resource)
        if node.get("Effect") == "Allow" and "Action" in node and star:
            found.append((path, node))
        for key, value in node.items():
            found += _star_statements(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _star_statements(value, f"{path}[{i}]")
    return found


def test_every_star_resource_says_why_in_a_comment() -> None:
    from cfnlint.decode import decode  # type: ignore[import-untyped]

    template, errors = decode(str(TEMPLATE))
    assert not errors
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    stars = _star_statements(template["Resources"])
    assert len(stars) >= 3
    for where, st in stars:
        text = lines[st.start_mark.line - 1 : st.end_mark.line + 1]
        comments = [
            ln.split("#", 1)[1].strip() for ln in text if "#" in ln and not ln.strip().startswith('"')
        ]
        assert any(len(c) > 15 for c in comments), f"{where}: a '*' resource with no comment saying why"


def test_no_deployed_role_mutates_on_star() -> None:
    reads = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Head", "Lookup", "Search")
    s = stack("prod", CONFIGS["ssm"])
    for name, res in s.resources.items():
        if res["Type"] != "AWS::IAM::Role":
            continue
        for doc in _documents(s, name):
            for st in doc["Statement"]:
                if st["Effect"] != "Allow" or st.get("Resource") != "*":
                    continue
                actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
                mutating = [a for a in actions if not a.split(":", 1)[1].startswith(reads)]
                assert mutating == [], f"{name}: {mutating} on '*'"


def test_the_handlers_are_the_templates() -> None:
    assert set(_function_handlers(stack("prod")).values()) == {
        f"handlers.{p.stem}" for p in (ROOT / "handlers").glob("*.py") if p.stem != "__init__"
    }


def test_transactions_are_granted_the_item_kinds_the_code_builds_only() -> None:
    # the product code's transactions put and update items; none deletes or only checks one
    ingest = code_actions("handlers.ingest")
    assert {"dynamodb:PutItem", "dynamodb:UpdateItem"} <= ingest
    assert not {"dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"} & ingest


NO_LLM_PARAMETERS = ("TimersFunction", "PagerDutyWebhookFunction", "AutomationFunction")
"""Functions that escalate, record what people did or finish runs: none renders a runbook's parameters."""


@pytest.mark.parametrize("function", NO_LLM_PARAMETERS)
def test_functions_that_render_no_runbook_read_no_llm_parameter(function: str) -> None:
    s = stack("prod", CONFIGS["s3"])
    role = s.resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    managed = [
        a.get("Ref")
        for a in s.resources[role]["Properties"].get("ManagedPolicyArns", [])
        if isinstance(a, dict)
    ]
    assert "LlmParametersRead" not in managed
    assert not _allows(granted(s, function), "ssm:GetParameter")


def _wildcards(node: Any) -> bool:
    """Whether a statement's resource names anything by a wildcard: "*" or a prefix ending in "*"."""
    if isinstance(node, str):
        return "*" in node
    if isinstance(node, list):
        return any(_wildcards(v) for v in node)
    if isinstance(node, dict):
        return any(_wildcards(v) for k, v in node.items() if k not in ("Condition",))
    return False


def test_every_wildcard_resource_of_a_role_says_why_in_a_comment() -> None:
    """Prefix wildcards too (``parameter/llm/*``, ``automation-execution/*``): each says why it is one."""
    from cfnlint.decode import decode

    template, errors = decode(str(TEMPLATE))
    assert not errors
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    missing = []
    for name, res in template["Resources"].items():
        if res["Type"] not in ("AWS::Serverless::Function", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy"):
            continue
        for where, st in _statements(res["Properties"], name):
            if st.get("Effect") != "Allow" or not _wildcards(st.get("Resource")):
                continue
            text = lines[max(0, st.start_mark.line - 2) : st.end_mark.line + 1]
            comments = [
                ln.split("#", 1)[1].strip() for ln in text if "#" in ln and not ln.strip().startswith('"')
            ]
            if not any(len(c) > 15 for c in comments):
                missing.append(where)
    assert missing == [], f"wildcard resources with no comment saying why: {missing}"


def _statements(node: Any, path: str) -> list[tuple[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "Effect" in node and "Action" in node:
            found.append((f"{path}/{node.get('Sid', node.get('Action'))}", node))
        for key, value in node.items():
            found += _statements(value, f"{path}/{key}")
    elif isinstance(node, list):
        for value in node:
            found += _statements(value, path)
    return found
