"""``aiops maturity`` against moto: an empty account, the alarm pack, a partial account, a denial.

moto lacks DescribeAnomalyDetectors, ListLogAnomalyDetectors, ListGuardrails, ListPrompts and DevOps
Guru: tests/support/aws_stubs.Account answers those from its state (shaped as the API reference);
everything else is moto.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aiops.account import assess_account, render_text
from aiops.account.maturity import MaturityReport
from tests.support.alarm_pack import apply_pack
from tests.support.aws_stubs import Account

SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"


@pytest.fixture
def account() -> Iterator[Account]:
    with mock_aws():
        yield Account()


def _status(report: MaturityReport) -> dict[str, str]:
    return {a.practice: a.status for a in report.practices}


def _by_id(report: MaturityReport, pid: str) -> Any:
    return next(a for a in report.practices if a.practice == pid)


def test_an_empty_account_is_level_0_with_every_gap_and_its_fix(account: Account) -> None:
    report = assess_account(factory=account, regions=["us-east-1"])

    assert report.level == 0
    assert report.scores == {1: 0.0, 2: 0.0, 3: 0.0}
    assert set(_status(report).values()) == {"missing"}
    assert len(report.practices) == 19  # 15, and issue 29's four LLM-native practices at level 2
    for a in report.practices:
        assert a.fix, a.practice
        assert a.evidence, a.practice
    assert "AlarmPackModelIds" in _by_id(report, "throttle-alarms").fix
    assert (
        "aws bedrock put-model-invocation-logging-configuration --region us-east-1"
        in _by_id(report, "invocation-logging").fix
    )
    assert "aws cloudtrail create-trail" in _by_id(report, "audit-trail").fix
    assert "aws devops-guru update-resource-collection" in _by_id(report, "devops-guru").fix
    assert "AlarmPackMonthlyBudgetUsd" in _by_id(report, "budgets").fix
    text = render_text(report)
    assert "Level reached: 0" in text and "\033[" not in text


def test_the_alarm_pack_makes_its_level_1_and_2_practices_present(account: Account) -> None:
    # GIVEN the pack deployed for two models, a log group and a budget (same definitions, via boto3)
    made = apply_pack(
        {
            "ServiceName": "chat-assistant",
            "ModelIds": f"{SONNET},{HAIKU}",
            "AppLogGroupName": "/aws/lambda/chat-assistant",
            "MonthlyBudgetUsd": "500",
            "NotificationTopicArn": "arn:aws:sns:us-east-1:123456789012:aiops-notifications",
        },
        account,
    )
    assert "ThrottlesAlarm3" not in made and "BedrockBudget" in made  # two of the three model slots

    report = assess_account(factory=account, regions=["us-east-1"])

    status = _status(report)
    provided = [
        "latency-alarms",
        "error-alarms",
        "throttle-alarms",
        "token-alarms",
        "dashboard",
        "budgets",
        "metric-anomaly-detection",
        "log-anomaly-detection",
    ]
    assert {p: status[p] for p in provided} == dict.fromkeys(provided, "present")
    # what the pack does not do stays a gap
    for gap in ("invocation-logging", "guardrails", "prompt-versioning", "audit-trail", "devops-guru"):
        assert status[gap] == "missing"
    throttles = _by_id(report, "throttle-alarms")
    assert f"{SONNET}: chat-assistant-model-throttles-1" in throttles.evidence
    assert f"{HAIKU}: chat-assistant-model-throttles-2" in throttles.evidence
    assert "chat-assistant-bedrock" in " ".join(_by_id(report, "dashboard").evidence)
    assert report.scores[1] == round(6 / 7, 2)
    assert report.level == 1


def test_the_alarm_packs_llm_signals_make_their_practices_present(account: Account) -> None:
    # GIVEN the pack with a TPM quota per model, the invocation log group and the guardrail
    guardrail = "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr1"
    account.guardrails.append(
        {"id": "gr1", "arn": guardrail, "name": "chat", "status": "READY", "version": "3"}
    )
    made = apply_pack(
        {
            "ServiceName": "chat-assistant",
            "ModelIds": f"{SONNET},{HAIKU}",
            "ModelTpmQuotas": "400000,0",
            "InvocationLogGroupName": "/aws/bedrock/invocations",
            "GuardrailArn": guardrail,
            "GuardrailVersion": "3",
        },
        account,
    )
    # a quota of 0 is "unknown": no quota alarm on the second model
    assert "TpmQuotaAlarm1" in made and "TpmQuotaAlarm2" not in made
    assert {"CutByLimitFilter", "ErrorsFilter", "GuardrailIntervenedAlarm"} <= set(made)

    report = assess_account(factory=account, regions=["us-east-1"])

    status = _status(report)
    assert status["ttft-alarms"] == "present"
    assert status["guardrail-alarms"] == "present"
    assert status["invocation-log-signals"] == "present"
    # the second model has no quota alarm, and the report says which and how to add it
    quota = _by_id(report, "quota-alarms")
    assert quota.status == "partial"
    assert f"{HAIKU}: no TPM quota usage alarm" in quota.evidence
    assert "AlarmPackTpmQuotas=" in (quota.fix or "")


def test_the_pack_without_its_llm_signals_is_the_pack_as_it_was(account: Account) -> None:
    made = apply_pack({"ServiceName": "chat-assistant", "ModelIds": SONNET, "LlmSignals": "false"}, account)
    assert sorted(made) == [
        "Dashboard",
        "LatencyAlarm1",
        "OutputTokensAlarm1",
        "OutputTokensDetector1",
        "ServerErrorsAlarm1",
        "ThrottlesAlarm1",
    ]
    status = _status(assess_account(factory=account, regions=["us-east-1"]))
    assert status["ttft-alarms"] == status["quota-alarms"] == status["invocation-log-signals"] == "missing"


def test_a_partial_account_reports_exactly_what_it_has(account: Account) -> None:
    # GIVEN one throttle alarm on one of two models with traffic, a trail that is not logging,
    # invocation logging on, one prompt parameter and one guardrail
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    for model in (SONNET, HAIKU):
        cw.put_metric_data(
            Namespace="AWS/Bedrock",
            MetricData=[
                {"MetricName": "Invocations", "Dimensions": [{"Name": "ModelId", "Value": model}], "Value": 1}
            ],
        )
    cw.put_metric_alarm(
        AlarmName="chat-throttles",
        Namespace="AWS/Bedrock",
        MetricName="InvocationThrottles",
        Dimensions=[{"Name": "ModelId", "Value": SONNET}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
    )
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="trail-bucket")
    boto3.client("cloudtrail", region_name="us-east-1").create_trail(
        Name="audit", S3BucketName="trail-bucket"
    )
    boto3.client("bedrock", region_name="us-east-1").put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {
                "logGroupName": "/aws/bedrock",
                "roleArn": "arn:aws:iam::123456789012:role/x",
            },
            "textDataDeliveryEnabled": True,
        }
    )
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name="/llm/chat/prompt", Value="v1", Type="String")
    ssm.put_parameter(Name="/llm/chat/prompt", Value="v2", Type="String", Overwrite=True)
    account.guardrails.append(
        {
            "id": "gr1",
            "arn": "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr1",
            "name": "chat-guardrail",
            "status": "READY",
            "version": "DRAFT",
        }
    )

    report = assess_account(factory=account, regions=["us-east-1"])

    status = _status(report)
    assert status == {
        "latency-alarms": "missing",
        "error-alarms": "missing",
        "throttle-alarms": "partial",
        "token-alarms": "missing",
        "dashboard": "missing",
        "invocation-logging": "present",
        "budgets": "missing",
        "metric-anomaly-detection": "missing",
        "log-anomaly-detection": "missing",
        "guardrails": "present",
        "ttft-alarms": "missing",
        "quota-alarms": "missing",
        "guardrail-alarms": "missing",
        "invocation-log-signals": "missing",
        "prompt-versioning": "present",
        "audit-trail": "partial",
        "devops-guru": "missing",
        "incident-bot": "missing",
        "bot-metrics": "missing",
    }
    # a guardrail nobody watches: the fix names it
    guard = _by_id(report, "guardrail-alarms")
    assert guard.evidence == [
        "guardrail arn:aws:bedrock:us-east-1:123456789012:guardrail/gr1: no alarm on its interventions"
    ]
    assert "AlarmPackGuardrailArn=arn:aws:bedrock:us-east-1:123456789012:guardrail/gr1" in (guard.fix or "")
    throttles = _by_id(report, "throttle-alarms")
    assert throttles.evidence == [f"{SONNET}: chat-throttles", f"{HAIKU}: no throttle alarm"]
    assert f"AlarmPackModelIds={HAIKU}" in throttles.fix
    assert _by_id(report, "prompt-versioning").evidence == ["parameter /llm/chat/prompt (version 2)"]
    assert _by_id(report, "audit-trail").evidence == ["trail audit is not logging"]
    assert report.scores[1] == round(1.5 / 7, 2) and report.level == 0


def test_a_denied_api_makes_its_practice_unknown_naming_the_permission(account: Account) -> None:
    # GIVEN credentials without cloudtrail:DescribeTrails, and a budget the rest can still see
    account.denied.add(("cloudtrail", "DescribeTrails"))
    boto3.client("budgets", region_name="us-east-1").create_budget(
        AccountId="123456789012",
        Budget={
            "BudgetName": "all",
            "BudgetLimit": {"Amount": "10", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
    )

    report = assess_account(factory=account, regions=["us-east-1"])

    trail = _by_id(report, "audit-trail")
    assert trail.status == "unknown"
    assert trail.permissions == ["cloudtrail:DescribeTrails"]
    assert "access denied: needs cloudtrail:DescribeTrails" in trail.evidence
    assert _by_id(report, "budgets").status == "present"
    assert [a.practice for a in report.practices if a.status == "unknown"] == ["audit-trail"]
    doc = report.to_json()
    level2 = next(lv for lv in doc["levels"] if lv["level"] == 2)
    assert next(p for p in level2["practices"] if p["practice"] == "audit-trail")["permissions"] == [
        "cloudtrail:DescribeTrails"
    ]
    json.dumps(doc)


def test_unauthorized_operation_on_a_paginated_api_is_a_denial_too(account: Account) -> None:
    account.denied.add(("cloudwatch", "DescribeAlarms"))
    report = assess_account(factory=account, regions=["us-east-1"])
    for pid in ("latency-alarms", "error-alarms", "throttle-alarms", "token-alarms"):
        assert _by_id(report, pid).permissions == ["cloudwatch:DescribeAlarms"]


def test_every_region_is_read_and_a_gap_in_one_makes_the_practice_partial(account: Account) -> None:
    boto3.client("bedrock", region_name="us-east-1").put_model_invocation_logging_configuration(
        loggingConfig={"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": True}
    )
    report = assess_account(factory=account, regions=["us-east-1", "eu-west-1"])
    logging = _by_id(report, "invocation-logging")
    assert logging.status == "partial"
    assert logging.evidence == [
        "us-east-1: model invocation logging to s3Config",
        "eu-west-1: model invocation logging is off",
    ]
    assert "--region eu-west-1" in logging.fix
    assert report.calls["cloudwatch:DescribeAlarms"] == 2  # one page per region
    assert report.calls["budgets:DescribeBudgets"] == 1  # global: once


def test_the_cli_prints_json(account: Account, capsys: Any, monkeypatch: Any) -> None:
    from aiops.cli import main

    # the CLI builds its clients from the environment's session; here they are the stubbed moto ones
    monkeypatch.setattr("aiops.account.maturity.session_factory", lambda session=None: account)
    assert main(["maturity", "--region", "us-east-1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["level"] == 0 and doc["account"] == "123456789012"
    assert [lv["level"] for lv in doc["levels"]] == [1, 2, 3]
