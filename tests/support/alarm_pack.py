"""Create alarm-pack.yaml's resources in moto, from the template itself.

moto's CloudFormation does not implement AWS::CloudWatch::Alarm, AWS::CloudWatch::AnomalyDetector,
AWS::Logs::LogAnomalyDetector nor AWS::Budgets::Budget (moto 5.2), so this resolves the template's
intrinsic functions and conditions for the given parameters and makes, for each resource, the API
call CloudFormation would make with the same properties: PutMetricAlarm, CreateBudget, PutDashboard,
PutMetricFilter.
The two detector types moto lacks go to the :class:`Account` stub state, shaped as
DescribeAnomalyDetectors / ListLogAnomalyDetectors answer them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
from cfnlint.decode import decode  # type: ignore[import-untyped]

from tests.support.aws_stubs import Account

PACK = Path(__file__).resolve().parents[2] / "alarm-pack.yaml"
ACCOUNT_ID = "123456789012"  # moto's default account


class _Resolver:
    def __init__(self, template: dict[str, Any], params: dict[str, Any], region: str) -> None:
        self.t = template
        self.region = region
        self.params: dict[str, Any] = {}
        for name, spec in template["Parameters"].items():
            value = params.get(name, spec.get("Default"))
            if spec["Type"] == "CommaDelimitedList" and isinstance(value, str):
                value = value.split(",")
            self.params[name] = value
        self.pseudo = {"AWS::Region": region, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws"}
        self.conditions: dict[str, Any] = {}
        for name, cond in template.get(
            "Conditions", {}
        ).items():  # in order: a condition may name an earlier one
            self.conditions[name] = self.value(cond)

    def value(self, node: Any, local: dict[str, Any] | None = None) -> Any:
        if isinstance(node, list):
            return [v for v in (self.value(n, local) for n in node) if v is not _NO]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            [(fn, arg)] = node.items()
            if fn == "Ref":
                if arg == "AWS::NoValue":
                    return _NO
                return self.pseudo.get(arg, self.params.get(arg, arg))
            if fn == "Fn::Sub":
                text, names = (arg, {}) if isinstance(arg, str) else (arg[0], self.value(arg[1]))
                return _sub(text, {**self.pseudo, **self.params, **names})
            if fn == "Fn::Join":
                return arg[0].join(str(v) for v in self.value(arg[1]))
            if fn == "Fn::Split":
                return str(self.value(arg[1])).split(arg[0])
            if fn == "Fn::Select":
                return self.value(arg[1])[int(arg[0])]
            if fn == "Fn::If":
                return self.value(arg[1] if self.conditions[arg[0]] else arg[2])
            if fn == "Fn::Equals":
                a, b = self.value(arg[0]), self.value(arg[1])
                return str(a) == str(b)
            if fn == "Fn::Not":
                return not self.value(arg[0])
            if fn == "Fn::And":
                return all(self.value(a) for a in arg)
            if fn == "Fn::Or":
                return any(self.value(a) for a in arg)
            if fn == "Condition":
                return self.conditions[arg]
            if fn == "Fn::GetAtt":
                logical = arg[0] if isinstance(arg, list) else arg.split(".")[0]
                return _arn(self, logical)
        return {k: v for k, v in ((k, self.value(v)) for k, v in node.items()) if v is not _NO}


_NO = object()


def _sub(text: str, names: dict[str, Any]) -> str:
    for name, value in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = text.replace("${" + name + "}", str(value))
    return text


def _arn(r: _Resolver, logical: str) -> str:
    res = r.t["Resources"][logical]
    name = r.value(res["Properties"].get("DetectorName", logical))
    return f"arn:aws:logs:{r.region}:{ACCOUNT_ID}:anomaly-detector:{name}"


def apply_pack(params: dict[str, Any], account: Account, region: str = "us-east-1") -> list[str]:
    """Create the pack's resources for ``params``; returns the logical ids created."""
    template, errors = decode(str(PACK))
    assert not errors, errors
    r = _Resolver(template, params, region)
    cw = boto3.client("cloudwatch", region_name=region)
    made = []
    for logical, res in template["Resources"].items():
        if "Condition" in res and not r.conditions[res["Condition"]]:
            continue
        props = r.value(res.get("Properties", {}))
        kind = res["Type"]
        if kind == "AWS::CloudWatch::Alarm":
            cw.put_metric_alarm(**props)  # CFN's property names are PutMetricAlarm's
        elif kind == "AWS::CloudWatch::Dashboard":
            cw.put_dashboard(**props)
        elif kind == "AWS::CloudWatch::AnomalyDetector":
            account.anomaly_detectors.append(
                {"SingleMetricAnomalyDetector": props["SingleMetricAnomalyDetector"], "StateValue": "TRAINED"}
            )
        elif kind == "AWS::Logs::LogAnomalyDetector":
            account.log_anomaly_detectors.append(
                {
                    "anomalyDetectorArn": _arn(r, logical),
                    "detectorName": props["DetectorName"],
                    "logGroupArnList": props["LogGroupArnList"],
                    "evaluationFrequency": props["EvaluationFrequency"],
                    "anomalyDetectorStatus": "TRAINING",
                }
            )
        elif kind == "AWS::Budgets::Budget":
            budget = dict(props["Budget"])
            budget["BudgetLimit"] = {**budget["BudgetLimit"], "Amount": str(budget["BudgetLimit"]["Amount"])}
            boto3.client("budgets", region_name="us-east-1").create_budget(
                AccountId=ACCOUNT_ID,
                Budget=budget,
                NotificationsWithSubscribers=props.get("NotificationsWithSubscribers", []),
            )
        elif kind == "AWS::Logs::MetricFilter":
            logs = boto3.client("logs", region_name=region)
            group = props["LogGroupName"]
            if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
                logs.create_log_group(logGroupName=group)
            logs.put_metric_filter(
                logGroupName=group,
                filterName=props["FilterName"],
                filterPattern=props["FilterPattern"],
                metricTransformations=[
                    {
                        "metricName": m["MetricName"],
                        "metricNamespace": m["MetricNamespace"],
                        "metricValue": m["MetricValue"],
                    }
                    for m in props["MetricTransformations"]
                ],
            )
        else:
            raise AssertionError(f"the pack has a {kind} this helper does not create")
        made.append(logical)
    return made
