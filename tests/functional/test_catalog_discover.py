"""``aiops catalog discover`` and ``init`` against moto: the proposed catalog validates and owns every alarm.

The stacks are created through moto's CloudFormation (Lambda functions, SSM parameters, stack tags);
moto's CloudFormation has no AWS::CloudWatch::Alarm, so the alarms are made with PutMetricAlarm.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from aiops.account.discover import discover
from aiops.account.init import init_catalog
from aiops.catalog.model import Catalog, Ownership, load_catalog
from aiops.signals import normalize_text
from tests.support.alarm_pack import apply_pack
from tests.support.aws_stubs import Account

EVENTS = Path(__file__).resolve().parents[1] / "events"
SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"


def _stack(service: str) -> str:
    fn = {
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": "arn:aws:iam::123456789012:role/app",
        "Code": {"ZipFile": "def handler(e, c): return e"},
    }
    return json.dumps(
        {
            "Resources": {
                "Api": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {**fn, "FunctionName": f"{service}-api"},
                },
                "Orchestrator": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {**fn, "FunctionName": f"{service}-orchestrator"},
                },
                "Retriever": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {**fn, "FunctionName": f"{service}-retriever"},
                },
                "Prompt": {
                    "Type": "AWS::SSM::Parameter",
                    "Properties": {"Name": f"/llm/{service}/prompt", "Type": "String", "Value": "You are..."},
                },
            }
        }
    )


def _alarm(cw: Any, name: str, namespace: str, metric: str, dims: dict[str, str]) -> None:
    cw.put_metric_alarm(
        AlarmName=name,
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )


@pytest.fixture
def two_services() -> Iterator[dict[str, tuple[str, str]]]:
    """GIVEN two stacks tagged app=<service>, their parameters and alarms.

    Returns alarm -> (service, component), the owner each alarm should get."""
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_role(RoleName="app", AssumeRolePolicyDocument="{}")
        cfn = boto3.client("cloudformation", region_name="us-east-1")
        ssm = boto3.client("ssm", region_name="us-east-1")
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        for service, model in (("chat", SONNET), ("search", HAIKU)):
            cfn.create_stack(
                StackName=f"{service}-prod",
                TemplateBody=_stack(service),
                Tags=[{"Key": "app", "Value": service}],
            )
            ssm.put_parameter(Name=f"/llm/{service}/model-id", Value=model, Type="String")
            ssm.put_parameter(Name=f"/llm/{service}/max-tokens", Value="1024", Type="String")
        cfn.create_stack(
            StackName="unrelated",
            TemplateBody=json.dumps(
                {
                    "Resources": {
                        "P": {
                            "Type": "AWS::SSM::Parameter",
                            "Properties": {"Name": "/other/x", "Type": "String", "Value": "x"},
                        }
                    }
                }
            ),
        )
        owners = {
            # alarm names that do not follow any convention: owned through their metric's dimensions
            "api-5xx-high": ("chat", "api"),
            "orch-errors": ("chat", "orchestrator"),
            "slow-retrieval": ("search", "retriever"),
            # Bedrock alarms: owned through the model parameter's value
            "sonnet-throttles": ("chat", "model"),
            "haiku-latency": ("search", "model"),
            # named after the service
            "search-guardrail-interventions": ("search", "guardrail"),
            # issue 29: named after the service, owned by the family of their metrics (docs/llm-signals.md)
            "chat-output-blocks": ("chat", "guardrail"),
            "chat-kb-throttles": ("chat", "retriever"),
            "chat-agent-errors": ("chat", "orchestrator"),  # an Agents metric names a ModelId too
            "chat-invocation-log-delivery": ("chat", "model"),  # account-wide AWS/Bedrock: no dimension
        }
        guardrails, kbs = "AWS/Bedrock/Guardrails", "AWS/Bedrock/KnowledgeBases"
        _alarm(
            cw,
            "chat-output-blocks",
            guardrails,
            "InvocationsIntervened",
            {"GuardrailContentSource": "Output"},
        )
        _alarm(cw, "chat-kb-throttles", kbs, "Throttles", {"Operation": "Retrieve"})
        _alarm(
            cw,
            "chat-agent-errors",
            "AWS/Bedrock/Agents",
            "InvocationServerErrors",
            {"Operation": "InvokeAgent", "ModelId": SONNET},
        )
        _alarm(
            cw,
            "chat-invocation-log-delivery",
            "AWS/Bedrock",
            "ModelInvocationLogsCloudWatchDeliveryFailure",
            {},
        )
        _alarm(cw, "api-5xx-high", "AWS/Lambda", "Errors", {"FunctionName": "chat-api"})
        _alarm(cw, "orch-errors", "AWS/Lambda", "Errors", {"FunctionName": "chat-orchestrator"})
        _alarm(cw, "slow-retrieval", "AWS/Lambda", "Duration", {"FunctionName": "search-retriever"})
        _alarm(cw, "sonnet-throttles", "AWS/Bedrock", "InvocationThrottles", {"ModelId": SONNET})
        _alarm(cw, "haiku-latency", "AWS/Bedrock", "InvocationLatency", {"ModelId": HAIKU})
        _alarm(
            cw,
            "search-guardrail-interventions",
            "AWS/Bedrock/Guardrails",
            "InvocationsIntervened",
            {"GuardrailArn": "arn:aws:bedrock:us-east-1:123456789012:guardrail/g1"},
        )
        yield owners


def _events_for_alarms() -> list[bytes]:
    """An ALARM state-change event per alarm in the account, shaped as CloudWatch sends it."""
    sample = json.loads((EVENTS / "cloudwatch" / "alarm_metric_alarm.json").read_text())
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    out = []
    for i, alarm in enumerate(cw.describe_alarms()["MetricAlarms"]):
        event = copy.deepcopy(sample)
        event["id"] = f"evt-{i}"
        event["resources"] = [alarm["AlarmArn"]]
        event["detail"]["alarmName"] = alarm["AlarmName"]
        event["detail"]["configuration"]["metrics"] = _metrics_of(dict(alarm))
        out.append(json.dumps(event).encode())
    return out


def _metrics_of(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The alarm's metrics as the state-change event's ``configuration.metrics`` carries them."""

    def metric(m: dict[str, Any]) -> dict[str, Any]:
        dims = {d["Name"]: d["Value"] for d in m.get("Dimensions", [])}
        return {"namespace": m["Namespace"], "name": m["MetricName"], "dimensions": dims}

    if "MetricName" in alarm:
        stat = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
        return [
            {
                "id": "m1",
                "returnData": True,
                "metricStat": {"metric": metric(alarm), "period": 60, "stat": stat},
            }
        ]
    out = []
    for q in alarm["Metrics"]:
        if "MetricStat" in q:
            ms = q["MetricStat"]
            out.append(
                {
                    "id": q["Id"],
                    "returnData": q.get("ReturnData", True),
                    "metricStat": {
                        "metric": metric(ms["Metric"]),
                        "period": ms["Period"],
                        "stat": ms["Stat"],
                    },
                }
            )
        else:
            out.append(
                {
                    "id": q["Id"],
                    "expression": q["Expression"],
                    "label": q.get("Label", q["Id"]),
                    "returnData": q.get("ReturnData", True),
                }
            )
    return out


def _owners(catalog: Catalog) -> dict[str, tuple[str, str | None]]:
    found = {}
    for raw in _events_for_alarms():
        [signal] = normalize_text(raw, source="test")
        owner: Ownership = catalog.resolve(signal)
        found[signal.resource] = (owner.service, owner.component)
    return found


def test_discover_proposes_a_catalog_that_validates_and_owns_every_alarm(
    two_services: dict[str, tuple[str, str]], tmp_path: Path
) -> None:
    from aiops.account.reader import session_factory
    from aiops.cli import main

    text = discover(session_factory(), "us-east-1", service_tag="app")

    out = tmp_path / "catalog.yaml"
    out.write_text(text)
    assert main(["validate", "--catalog", str(out)]) == 0
    catalog = load_catalog(yaml.safe_load(text))
    assert [s.name for s in catalog.services] == ["chat", "search"]
    assert _owners(catalog) == two_services
    chat = catalog.by_name["chat"]
    assert chat.llm is not None
    assert (chat.llm.prompt_parameter, chat.llm.model_parameter, chat.llm.max_tokens_parameter) == (
        "/llm/chat/prompt",
        "/llm/chat/model-id",
        "/llm/chat/max-tokens",
    )
    deps = {c.name: c.depends_on for c in chat.components}
    assert deps["api"] == ("orchestrator",)
    # chat-output-blocks (a guardrail metric) gives chat a guardrail component, downstream by the shape
    assert set(deps["orchestrator"]) == {"prompt", "retriever", "model", "guardrail"}
    [slo] = chat.slos
    assert slo.sli.total is not None and slo.sli.total.dimensions == {"ModelId": SONNET}
    # every inferred line says where it came from
    for line in text.splitlines():
        if line.strip().startswith("- {") or "depends_on" in line or "_parameter:" in line:
            assert "  # " in line, line


def test_discover_without_a_tag_names_services_after_stacks_and_fails_cleanly_on_nothing(
    two_services: Any, capsys: Any
) -> None:
    from aiops.cli import main

    assert main(["catalog", "discover", "--region", "us-east-1", "--service-tag", "nobody"]) == 2
    assert "no service found" in capsys.readouterr().err
    assert main(["catalog", "discover", "--region", "us-east-1"]) == 0
    names = [s["name"] for s in yaml.safe_load(capsys.readouterr().out)["services"]]
    assert names == ["chat-prod", "search-prod", "unrelated"]


def test_init_matches_the_alarm_packs_names(tmp_path: Path) -> None:
    # GIVEN the pack deployed for chat with two models; WHEN init writes the entry for the same names
    with mock_aws():
        account = Account()
        apply_pack(
            {
                "ServiceName": "chat",
                "ModelIds": f"{SONNET},{HAIKU}",
                "AppLogGroupName": "/app",
                "MonthlyBudgetUsd": "100",
                "ModelTpmQuotas": "400000,200000",
                "InvocationLogGroupName": "/aws/bedrock/invocations",
                "GuardrailArn": "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr1",
            },
            account,
        )
        from aiops.cli import main

        out = tmp_path / "catalog.yaml"
        assert (
            main(
                [
                    "catalog",
                    "init",
                    "--service",
                    "chat",
                    "--model-id",
                    SONNET,
                    "--model-id",
                    HAIKU,
                    "-o",
                    str(out),
                ]
            )
            == 0
        )
        assert main(["validate", "--catalog", str(out)]) == 0
        catalog = load_catalog(yaml.safe_load(out.read_text()))
        owners = _owners(catalog)
    # issue 29: the LLM-native alarms too, the model's and the guardrail's
    pack_model = ("throttles", "server-errors", "latency-p95", "output-tokens")
    llm_model = ("ttft", "otps", "tpm-quota", "cut-by-limit", "log-errors")
    assert owners == {
        **{f"chat-model-{what}-{n}": ("chat", "model") for what in pack_model + llm_model for n in (1, 2)},
        "chat-model-invocation-log-delivery": ("chat", "model"),
        **{
            f"chat-guardrail-{what}": ("chat", "guardrail")
            for what in ("intervened-rate", "latency-p95", "server-errors")
        },
        "chat-app-log-anomalies": ("chat", "app"),
    }
    assert [s.name for s in catalog.by_name["chat"].slos] == ["availability", "availability-2"]


def test_init_refuses_a_name_the_pack_would_refuse(capsys: Any) -> None:
    from aiops.cli import main

    assert main(["catalog", "init", "--service", "Chat Assistant", "--model-id", SONNET]) == 2
    assert "ServiceName" in capsys.readouterr().err


def test_init_text_is_the_catalog_module_output() -> None:
    assert init_catalog("chat", [SONNET]).startswith("# Written by `aiops catalog init --service chat`")


@pytest.fixture
def one_service_and_strays() -> Iterator[None]:
    """GIVEN one stack (chat, one model, no readable max-tokens value), and what belongs to no service
    it can find: an RDS alarm, parameters of a service without a stack, a parameter no runbook uses."""
    with mock_aws():
        boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="app", AssumeRolePolicyDocument="{}"
        )
        boto3.client("cloudformation", region_name="us-east-1").create_stack(
            StackName="chat-prod", TemplateBody=_stack("chat"), Tags=[{"Key": "app", "Value": "chat"}]
        )
        ssm = boto3.client("ssm", region_name="us-east-1")
        ssm.put_parameter(Name="/llm/chat/model-id", Value=SONNET, Type="String")
        ssm.put_parameter(Name="/llm/chat/max-tokens", Value="unlimited", Type="String")
        ssm.put_parameter(Name="/llm/chat/temperature", Value="0.2", Type="String")
        ssm.put_parameter(Name="/llm/ghost/model-id", Value=HAIKU, Type="String")
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        _alarm(cw, "billing-db-cpu", "AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": "billing"})
        _alarm(cw, "sonnet-throttles", "AWS/Bedrock", "InvocationThrottles", {"ModelId": SONNET})
        yield


def test_discover_leaves_placeholders_that_validate_refuses_until_filled(
    one_service_and_strays: None, tmp_path: Path, capsys: Any
) -> None:
    from aiops.cli import main

    out = tmp_path / "catalog.yaml"
    assert main(["catalog", "discover", "--service-tag", "app", "--region", "us-east-1", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "fill in 2 <placeholder>(s) before use" in err
    # WHEN it is checked as written: the two guesses only a person can make are refused, by line
    assert main(["validate", "--catalog", str(out)]) == 1
    said = capsys.readouterr().out
    lines = out.read_text().splitlines()
    for field in ("fallback_model_id", "token_cap"):
        [number] = [n for n, line in enumerate(lines, 1) if line.strip().startswith(f"{field}:")]
        assert f"{out}:{number}: services[chat].llm.{field}: <" in said
        assert "is a placeholder: replace it with the real value" in said
    # AND the bot itself refuses it too: ModelFallback never writes a guess into the live parameter
    from aiops.errors import CatalogError

    with pytest.raises(CatalogError, match="placeholder"):
        load_catalog(yaml.safe_load(out.read_text()))
    # WHEN a person fills them in, it validates
    filled = out.read_text().replace("<a Bedrock model id the app can fall back to>", HAIKU)
    filled = filled.replace('"<the max-tokens value TokenCap lowers the parameter to>"', "512")
    out.write_text(filled)
    assert main(["validate", "--catalog", str(out)]) == 0


def test_discover_lists_what_it_left_out_and_why(
    one_service_and_strays: None, tmp_path: Path, capsys: Any
) -> None:
    from aiops.cli import main

    assert main(["catalog", "discover", "--service-tag", "app", "--region", "us-east-1"]) == 0
    captured = capsys.readouterr()
    left = [line.strip() for line in captured.err.splitlines() if line.startswith("  - ")]
    assert captured.err.startswith(f"left out ({len(left)}):")
    by_subject = {line[2:].split(":", 1)[0]: line for line in left}
    assert set(by_subject) == {
        "alarm billing-db-cpu",
        "parameter /llm/ghost/model-id",
        "parameter /llm/chat/temperature",
    }
    assert "no service owns it" in by_subject["alarm billing-db-cpu"]
    assert "no service 'ghost' was found (services are chat)" in by_subject["parameter /llm/ghost/model-id"]
    assert "neither prompt, model nor token" in by_subject["parameter /llm/chat/temperature"]
    # the catalog keeps the same list, as comments a reviewer reads under it
    assert "# Left out, and why:" in captured.out
    assert all(f"#  - {line[2:]}" in captured.out for line in left)
    assert yaml.safe_load(captured.out)["services"][0]["name"] == "chat"
