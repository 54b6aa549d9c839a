"""Maturity checks of the LLM-native signals (docs/llm-signals.md): region facts in, a verdict out. Pure."""

from __future__ import annotations

from aiops.account import checks as c
from aiops.account.checks import Verdict, metric_names
from aiops.account.facts import RegionFacts
from aiops.account.llm_signals import BEDROCK, GUARDRAILS

_QUOTA_FIX = " AlarmPackTpmQuotas=<the TPM quota of each model, in order>"


def ttft_alarms(rf: RegionFacts) -> Verdict:
    """TimeToFirstToken per model: with the pack's output-tokens-per-second band, "slower" vs "longer"."""
    return c.alarm_check(frozenset({"TimeToFirstToken"}), "TimeToFirstToken")(rf)


def quota_alarms(rf: RegionFacts) -> Verdict:
    """EstimatedTPMQuotaUsage per model: the early sign of InvocationThrottles."""
    verdict = c.alarm_check(frozenset({"EstimatedTPMQuotaUsage"}), "TPM quota usage")(rf)
    fix = verdict.fix + _QUOTA_FIX if verdict.fix else None
    return Verdict(verdict.status, verdict.evidence, fix)


def _alarms_on(rf: RegionFacts, namespaces: tuple[str, ...], metrics: frozenset[str]) -> list[str]:
    return sorted(
        {
            a["AlarmName"]
            for a in rf.alarms
            for ns, name, _ in metric_names(a)
            if (not namespaces or ns in namespaces) and name in metrics
        }
    )


def guardrail_alarms(rf: RegionFacts) -> Verdict:
    """An alarm on the guardrail's interventions: a quality signal of the prompt and the model."""
    alarms = _alarms_on(rf, (GUARDRAILS,), frozenset({"InvocationsIntervened"}))
    if alarms:
        return Verdict("present", [f"alarm {a} on {GUARDRAILS} InvocationsIntervened" for a in alarms])
    guards = [str(g.get("guardrailArn") or g.get("arn") or g.get("id") or "?") for g in rf.guardrails]
    if guards:
        return Verdict(
            "missing",
            [f"guardrail {g}: no alarm on its interventions" for g in guards],
            "sam deploy --parameter-overrides AlarmPackServiceName=<service>"
            f" AlarmPackGuardrailArn={guards[0]}",
        )
    return Verdict(
        "missing",
        ["no guardrail, so no intervention rate to watch"],
        "create a guardrail (practice guardrails), then AlarmPackGuardrailArn=<its ARN>",
    )


_DELIVERY = frozenset(
    {"ModelInvocationLogsCloudWatchDeliveryFailure", "ModelInvocationLogsS3DeliveryFailure"}
)
_LOG_QUALITY = frozenset({"ResponsesCutByLimit", "InvocationLogErrors"})


def invocation_log_signals(rf: RegionFacts) -> Verdict:
    """The invocation log as a quality signal: its delivery, cut-by-limit share and error share alarmed."""
    delivery = _alarms_on(rf, (BEDROCK,), _DELIVERY)
    quality = _alarms_on(rf, (), _LOG_QUALITY)
    evidence = [f"delivery alarm {a}" for a in delivery] + [f"invocation log alarm {a}" for a in quality]
    fix = (
        "sam deploy --parameter-overrides AlarmPackServiceName=<service>"
        " AlarmPackInvocationLogGroupName=<the model invocation log group>"
    )
    if delivery and quality:
        return Verdict("present", evidence)
    if delivery or quality:
        missing = "no alarm on the cut-by-limit or error share" if delivery else "no delivery-failure alarm"
        return Verdict("partial", [*evidence, missing], fix)
    return Verdict("missing", ["no alarm on the model invocation log (delivery, cut-by-limit, errors)"], fix)
