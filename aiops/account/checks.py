"""One check per practice: a region's facts in, a verdict (status, evidence, fix) out. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiops.account.facts import RegionFacts

Status = Literal["present", "partial", "missing", "unknown"]

PACK = (
    "sam deploy --parameter-overrides AlarmPackServiceName=<service> AlarmPackModelIds={models}"
    " AlarmPackLogGroupName=<app log group> AlarmPackMonthlyBudgetUsd=<usd>  (the aiops alarm pack)"
)


@dataclass
class Verdict:
    status: Status
    evidence: list[str]
    fix: str | None = None


def metric_names(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric name, dimensions) of every metric an alarm reads (single or metric math)."""
    out = []
    if alarm.get("MetricName"):
        dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        out.append((alarm.get("Namespace", ""), alarm["MetricName"], dims))
    for q in alarm.get("Metrics") or []:
        m = (q.get("MetricStat") or {}).get("Metric")
        if m:
            dims = {d["Name"]: d["Value"] for d in m.get("Dimensions", [])}
            out.append((m.get("Namespace", ""), m.get("MetricName", ""), dims))
    return out


def _is_anomaly_alarm(alarm: dict[str, Any]) -> bool:
    return bool(alarm.get("ThresholdMetricId")) and any(
        "ANOMALY_DETECTION_BAND" in (q.get("Expression") or "") for q in alarm.get("Metrics") or []
    )


def models_seen(rf: RegionFacts) -> set[str]:
    """Bedrock model ids with metrics (traffic) or named by an alarm in the region."""
    seen = {d["Value"] for m in rf.bedrock_metrics for d in m.get("Dimensions", []) if d["Name"] == "ModelId"}
    for alarm in rf.alarms:
        seen |= {
            dims["ModelId"]
            for ns, _, dims in metric_names(alarm)
            if ns == "AWS/Bedrock" and "ModelId" in dims
        }
    return seen


def alarm_check(metrics: frozenset[str], what: str) -> Callable[[RegionFacts], Verdict]:
    def check(rf: RegionFacts) -> Verdict:
        models = models_seen(rf)
        covered: dict[str, list[str]] = {}
        for alarm in rf.alarms:
            for ns, name, dims in metric_names(alarm):
                if ns == "AWS/Bedrock" and name in metrics and "ModelId" in dims:
                    covered.setdefault(dims["ModelId"], []).append(alarm["AlarmName"])
        evidence = [f"{m}: {', '.join(sorted(set(a)))}" for m, a in sorted(covered.items())]
        bare = sorted(models - set(covered))
        evidence += [f"{m}: no {what} alarm" for m in bare]
        fix = PACK.format(models=",".join(bare) or "<model ids>")
        if not models:
            return Verdict("missing", ["no Bedrock model seen (no AWS/Bedrock metrics or alarms)"], fix)
        if not bare:
            return Verdict("present", evidence)
        return Verdict("partial" if covered else "missing", evidence, fix)

    return check


def dashboards(rf: RegionFacts) -> Verdict:
    fix = PACK.format(models="<model ids>") + " creates <service>-bedrock"
    if rf.bedrock_dashboards:
        return Verdict("present", [f"dashboard {n} shows AWS/Bedrock" for n in rf.bedrock_dashboards])
    if rf.dashboards:
        return Verdict("partial", [f"{len(rf.dashboards)} dashboard(s), none with AWS/Bedrock metrics"], fix)
    return Verdict("missing", ["no CloudWatch dashboard"], fix)


def invocation_logging(rf: RegionFacts) -> Verdict:
    cfg = rf.invocation_logging
    sinks = [k for k in ("cloudWatchConfig", "s3Config") if cfg.get(k)]
    if sinks and cfg.get("textDataDeliveryEnabled", True):
        return Verdict("present", [f"model invocation logging to {', '.join(sinks)}"])
    fix = (
        f"aws bedrock put-model-invocation-logging-configuration --region {rf.region} --logging-config "
        '\'{"cloudWatchConfig":{"logGroupName":"/aws/bedrock/invocations","roleArn":'
        '"arn:aws:iam::<account>:role/<bedrock-logging-role>"},"textDataDeliveryEnabled":true}\''
    )
    if sinks:
        return Verdict("partial", [f"logging to {', '.join(sinks)} without text data"], fix)
    return Verdict("missing", ["model invocation logging is off"], fix)


def metric_anomaly(rf: RegionFacts) -> Verdict:
    alarms = [
        a["AlarmName"]
        for a in rf.alarms
        if _is_anomaly_alarm(a) and any(ns == "AWS/Bedrock" for ns, _, _ in metric_names(a))
    ]
    detectors = [
        f"{d.get('SingleMetricAnomalyDetector', d).get('MetricName', '?')}"
        for d in rf.anomaly_detectors
        if d.get("SingleMetricAnomalyDetector", d).get("Namespace") == "AWS/Bedrock"
    ]
    fix = PACK.format(models="<model ids>") + " (OutputTokenCount anomaly band per model)"
    if alarms:
        return Verdict("present", [f"anomaly-detection alarm {a}" for a in alarms])
    if detectors:
        return Verdict(
            "partial", [f"detector on AWS/Bedrock {d}, no alarm on its band" for d in detectors], fix
        )
    return Verdict("missing", ["no anomaly detection on AWS/Bedrock metrics"], fix)


def log_anomaly(rf: RegionFacts) -> Verdict:
    detectors = [d.get("detectorName", d.get("anomalyDetectorArn", "?")) for d in rf.log_anomaly_detectors]
    alarms = [
        a["AlarmName"]
        for a in rf.alarms
        if any(ns == "AWS/Logs" and name == "AnomalyCount" for ns, name, _ in metric_names(a))
    ]
    fix = (
        "sam deploy --parameter-overrides AlarmPackServiceName=<service>"
        " AlarmPackLogGroupName=<app log group>"
    )
    evidence = [f"log anomaly detector {d}" for d in detectors] + [f"AnomalyCount alarm {a}" for a in alarms]
    if detectors and alarms:
        return Verdict("present", evidence)
    if detectors:
        return Verdict("partial", [*evidence, "no alarm on AWS/Logs AnomalyCount"], fix)
    return Verdict("missing", ["no log anomaly detector"], fix)


def guardrails(rf: RegionFacts) -> Verdict:
    if rf.guardrails:
        return Verdict("present", [f"guardrail {g.get('name', g.get('id'))}" for g in rf.guardrails])
    return Verdict(
        "missing",
        ["no Bedrock guardrail"],
        f"aws bedrock create-guardrail --region {rf.region} --name <service>-guardrail "
        "--blocked-input-messaging 'Sorry, I cannot help with that.' "
        "--blocked-outputs-messaging 'Sorry, I cannot help with that.' "
        "--content-policy-config "
        "'filtersConfig=[{type=PROMPT_ATTACK,inputStrength=HIGH,outputStrength=NONE}]'",
    )


def prompt_versioning(rf: RegionFacts, prefix: str) -> Verdict:
    prompts = [p for p in rf.parameters if "prompt" in p["Name"].rsplit("/", 1)[-1].lower()]
    evidence = [f"parameter {p['Name']} (version {p.get('Version', '?')})" for p in prompts]
    evidence += [f"Bedrock prompt {p.get('name', p.get('id'))}" for p in rf.prompts]
    fix = (
        f"aws ssm put-parameter --region {rf.region} --type String"
        f" --name {prefix.rstrip('/')}/<service>/prompt "
        "--value file://prompt.txt  (or Bedrock Prompt Management: aws bedrock-agent create-prompt-version)"
    )
    if evidence:
        return Verdict("present", evidence)
    if rf.parameters:
        return Verdict("partial", [f"{len(rf.parameters)} parameter(s) under {prefix}, none a prompt"], fix)
    return Verdict("missing", [f"no prompt parameter under {prefix} and no Bedrock prompt"], fix)


def audit_trail(rf: RegionFacts) -> Verdict:
    fix = (
        "aws cloudtrail create-trail --name aiops-audit --s3-bucket-name <bucket> --is-multi-region-trail"
        " && aws cloudtrail start-logging --name aiops-audit"
    )
    if rf.logging_trails:
        return Verdict("present", [f"trail {t} is logging" for t in rf.logging_trails])
    if rf.trails:
        return Verdict("partial", [f"trail {t['Name']} is not logging" for t in rf.trails], fix)
    return Verdict("missing", ["no CloudTrail trail"], fix)


def devops_guru(rf: RegionFacts) -> Verdict:
    stacks = rf.devops_guru.get("stacks", [])
    tags = rf.devops_guru.get("tags", [])
    evidence = [f"stacks: {', '.join(stacks)}"] if stacks else []
    evidence += [f"tag {t.get('AppBoundaryKey')}: {', '.join(t.get('TagValues', []))}" for t in tags]
    if evidence:
        return Verdict("present", evidence)
    return Verdict(
        "missing",
        ["DevOps Guru covers no resources"],
        f"aws devops-guru update-resource-collection --region {rf.region} --action ADD "
        '--resource-collection \'{"CloudFormation":{"StackNames":["*"]}}\'',
    )


def bot_stack(rf: RegionFacts, stack: str) -> Verdict:
    s = rf.bot_stack
    if s and s.get("StackStatus", "").endswith("_COMPLETE") and "ROLLBACK" not in s.get("StackStatus", ""):
        return Verdict("present", [f"stack {s['StackName']} {s['StackStatus']}"])
    fix = (  # samconfig.toml names the stack aiops; another name is given on the command line
        f"make build deploy  (AWS_REGION={rf.region}; README: the first deploy, step by step)"
        if stack == "aiops"
        else f"make build && .venv-sam/bin/sam deploy --stack-name {stack} --region {rf.region}"
    )
    if s:
        return Verdict("partial", [f"stack {s['StackName']} {s.get('StackStatus')}"], fix)
    return Verdict("missing", [f"no stack {stack}"], fix)


_SELF = {"Signals": "noise reduction", "Duplicates": "noise reduction", "RunbookResults": "remediation"}


def bot_metrics(rf: RegionFacts) -> Verdict:
    have = [m for m in _SELF if m in rf.bot_metrics]
    fix = (
        "deploy the bot and let its EventBridge rules route alarms to it:"
        " it then emits aiops/Signals and aiops/RunbookResults"
    )
    if len(have) == len(_SELF):
        return Verdict("present", [f"aiops/{m} ({_SELF[m]})" for m in have])
    if have:
        return Verdict(
            "partial", [f"aiops/{m}" for m in have] + [f"no aiops/{m}" for m in _SELF if m not in have], fix
        )
    return Verdict("missing", ["no aiops self-metrics (the bot has processed no signal)"], fix)
