"""The three-level LLM observability model: each practice judged from the gathered facts (pure).

1 Foundational: Bedrock metric alarms (latency, errors, throttles, tokens), a dashboard, budgets,
  model invocation logging. 2 Proactive: metric and log anomaly detection, guardrails, versioned
  prompts, an audit trail of changes, the LLM-native signals (TimeToFirstToken, TPM quota usage,
  guardrail interventions, the invocation log's delivery and quality). 3 AIOps: DevOps Guru
  coverage, this bot deployed, its own metrics.

A practice is ``present``, ``partial``, ``missing`` or ``unknown`` (an API it needs was denied or
failed); every one that is not present carries the fix: the alarm-pack parameter, or the AWS setting
with its CLI command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aiops.account import checks as c
from aiops.account import llm_checks as llm
from aiops.account.checks import Status, Verdict
from aiops.account.facts import AccountFacts, RegionFacts

LEVELS = {1: "Foundational", 2: "Proactive", 3: "AIOps"}
PASS_SCORE = 0.75
"""A level is reached when its score (present 1, partial 0.5) is at least this, and so are the ones below."""


@dataclass
class Assessment:
    practice: str
    level: int
    title: str
    status: Status
    evidence: list[str] = field(default_factory=list)
    fix: str | None = None
    permissions: list[str] = field(default_factory=list)
    """IAM permissions that were lacking (status unknown)."""


def _merge(verdicts: list[tuple[str, Verdict]]) -> Verdict:
    """Regions combined: present only where every region has it; evidence and fixes region by region."""
    statuses = {v.status for _, v in verdicts}
    many = len(verdicts) > 1
    evidence = [f"{r}: {e}" if many else e for r, v in verdicts for e in v.evidence]
    fixes = list(dict.fromkeys(v.fix for _, v in verdicts if v.fix))
    status: Status
    if statuses == {"present"}:
        status = "present"
    elif statuses <= {"missing"}:
        status = "missing"
    else:
        status = "partial"
    return Verdict(status, evidence, "\n".join(fixes) or None)


def assess(
    facts: AccountFacts, *, stack_name: str = "aiops", parameter_prefix: str = "/llm/"
) -> list[Assessment]:
    regional: list[tuple[str, int, str, tuple[str, ...], Callable[[RegionFacts], Verdict]]] = [
        (
            "latency-alarms",
            1,
            "Alarms on InvocationLatency per model",
            ("alarms",),
            c.alarm_check(frozenset({"InvocationLatency"}), "latency"),
        ),
        (
            "error-alarms",
            1,
            "Alarms on server/client errors per model",
            ("alarms",),
            c.alarm_check(frozenset({"InvocationServerErrors", "InvocationClientErrors"}), "error"),
        ),
        (
            "throttle-alarms",
            1,
            "Alarms on InvocationThrottles per model",
            ("alarms",),
            c.alarm_check(frozenset({"InvocationThrottles"}), "throttle"),
        ),
        (
            "token-alarms",
            1,
            "Alarms on input/output token counts per model",
            ("alarms",),
            c.alarm_check(frozenset({"InputTokenCount", "OutputTokenCount"}), "token"),
        ),
        ("dashboard", 1, "A dashboard of the Bedrock metrics", ("dashboards",), c.dashboards),
        (
            "invocation-logging",
            1,
            "Bedrock model invocation logging",
            ("invocation_logging",),
            c.invocation_logging,
        ),
        (
            "metric-anomaly-detection",
            2,
            "Anomaly detection on Bedrock metrics",
            ("alarms", "anomaly_detectors"),
            c.metric_anomaly,
        ),
        (
            "log-anomaly-detection",
            2,
            "Log anomaly detection with an alarm",
            ("log_anomaly_detectors", "alarms"),
            c.log_anomaly,
        ),
        ("guardrails", 2, "Bedrock guardrails", ("guardrails",), c.guardrails),
        (
            "ttft-alarms",
            2,
            "TimeToFirstToken alarms per model (slower model vs longer answers)",
            ("alarms",),
            llm.ttft_alarms,
        ),
        (
            "quota-alarms",
            2,
            "Tokens-per-minute quota usage alarms per model (EstimatedTPMQuotaUsage)",
            ("alarms",),
            llm.quota_alarms,
        ),
        (
            "guardrail-alarms",
            2,
            "Guardrail intervention alarms (InvocationsIntervened)",
            ("alarms", "guardrails"),
            llm.guardrail_alarms,
        ),
        (
            "invocation-log-signals",
            2,
            "Invocation log delivery, cut-by-limit and error-share alarms",
            ("alarms",),
            llm.invocation_log_signals,
        ),
        (
            "prompt-versioning",
            2,
            "Versioned prompts (SSM parameters or Prompt Management)",
            ("parameters", "prompts"),
            lambda rf: c.prompt_versioning(rf, parameter_prefix),
        ),
        ("audit-trail", 2, "CloudTrail audit trail of model and prompt changes", ("trails",), c.audit_trail),
        ("devops-guru", 3, "DevOps Guru resource coverage", ("devops_guru",), c.devops_guru),
        (
            "incident-bot",
            3,
            f"This bot's stack ({stack_name})",
            ("bot_stack",),
            lambda rf: c.bot_stack(rf, stack_name),
        ),
        (
            "bot-metrics",
            3,
            "The bot's self-metrics (noise reduction, remediation)",
            ("metrics",),
            c.bot_metrics,
        ),
    ]
    out: list[Assessment] = []
    for pid, level, title, needs, check in regional[:6]:
        out.append(_judge(facts, pid, level, title, needs, check))
    out.append(_budgets(facts))
    for pid, level, title, needs, check in regional[6:]:
        out.append(_judge(facts, pid, level, title, needs, check))
    return out


def _judge(
    facts: AccountFacts,
    pid: str,
    level: int,
    title: str,
    needs: Iterable[str],
    check: Callable[[RegionFacts], Verdict],
) -> Assessment:
    verdicts: list[tuple[str, Verdict]] = []
    lacking: list[str] = []
    for rf in facts.regions:
        denied = [rf.denied[n] for n in needs if n in rf.denied]
        failed = [f"{n}: {rf.failed[n]}" for n in needs if n in rf.failed]
        verdict = check(rf)
        # a denied source only makes the practice unknown when the others do not already show it
        if (denied or failed) and verdict.status != "present":
            lacking += denied
            verdicts.append((rf.region, Verdict("unknown", [*verdict.evidence, *failed], verdict.fix)))
        else:
            verdicts.append((rf.region, verdict))
    if any(v.status == "unknown" for _, v in verdicts):
        many = len(verdicts) > 1
        evidence = [f"{r}: {e}" if many else e for r, v in verdicts for e in v.evidence]
        lack = list(dict.fromkeys(lacking))
        if lack:
            evidence.append("access denied: needs " + ", ".join(lack))
        return Assessment(pid, level, title, "unknown", evidence, None, lack)
    merged = _merge(verdicts)
    return Assessment(pid, level, title, merged.status, merged.evidence, merged.fix)


def _budgets(facts: AccountFacts) -> Assessment:
    title = "AWS Budgets for cost visibility"
    lack = [facts.denied[k] for k in ("account", "budgets") if k in facts.denied]
    if lack or "budgets" in facts.failed:
        evidence = [f"access denied: needs {', '.join(lack)}"] if lack else [facts.failed["budgets"]]
        return Assessment("budgets", 1, title, "unknown", evidence, None, lack)
    cost = [b for b in facts.budgets if b.get("BudgetType") == "COST"]
    if cost:
        evidence = [
            f"budget {b['BudgetName']} {b.get('BudgetLimit', {}).get('Amount', '?')} "
            f"{b.get('BudgetLimit', {}).get('Unit', '')} {b.get('TimeUnit', '').lower()}".rstrip()
            for b in cost
        ]
        return Assessment("budgets", 1, title, "present", evidence)
    return Assessment(
        "budgets",
        1,
        title,
        "missing",
        ["no cost budget"],
        "sam deploy --parameter-overrides AlarmPackServiceName=<service> AlarmPackMonthlyBudgetUsd=<usd>",
    )


def scores(assessments: list[Assessment]) -> dict[int, float]:
    out = {}
    for level in LEVELS:
        mine = [a for a in assessments if a.level == level]
        points = sum(1.0 if a.status == "present" else 0.5 if a.status == "partial" else 0.0 for a in mine)
        out[level] = round(points / len(mine), 2) if mine else 0.0
    return out


def level_reached(level_scores: dict[int, float]) -> int:
    reached = 0
    for level in sorted(level_scores):
        if level_scores[level] < PASS_SCORE:
            break
        reached = level
    return reached
