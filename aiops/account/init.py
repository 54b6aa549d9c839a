"""``aiops catalog init``: the catalog entry that matches the alarm pack's names (alarm-pack.yaml)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiops.account.llm_signals import AGENT_OPERATIONS, GUARDRAILS, KNOWLEDGE_BASES
from aiops.account.yamlout import Flow, Note, render

BEDROCK = "AWS/Bedrock"


def availability_slo(name: str, model_id: str, comment: str) -> Any:
    def metric(m: str) -> Flow:
        return Flow({"namespace": BEDROCK, "metric": m, "dimensions": {"ModelId": model_id}, "stat": "Sum"})

    return Note(
        {
            "name": name,
            "objective": Note(99.5, "a first objective: tune it to what the service promises"),
            "window_days": 30,
            "sli": {"bad": metric("InvocationServerErrors"), "total": metric("Invocations")},
        },
        comment,
    )


def pack_service(service: str, model_ids: Sequence[str]) -> dict[str, Any]:
    """The service entry; its selectors match the pack's alarms, log anomaly alarm and budget."""
    model_match: list[Any] = [
        Note(
            Flow({"alarm_name": f"{service}-model-*"}),
            "the pack's throttles, errors, latency, tokens, TTFT, OTPS, TPM quota, invocation log alarms",
        )
    ]
    model_match += [Note(Flow({"dimension": {"ModelId": m}}), "AlarmPackModelIds") for m in model_ids]
    mine = f"{service}-*"
    return {
        "name": service,
        "tier": Note("medium", "critical | high | medium | low: set it"),
        "components": [
            {
                "name": "app",
                "depends_on": Flow(["orchestrator"]),
                "match": [Note(Flow({"alarm_name": f"{service}-app-*"}), "the pack's log anomaly alarm")],
            },
            {
                "name": "orchestrator",
                "depends_on": Flow(["retriever", "guardrail", "model"]),
                "match": [
                    Note(Flow({"alarm_name": f"{service}-agent-*"}), "your Agents / AgentCore alarms"),
                    *(
                        Note(
                            Flow({"alarm_name": mine, "dimension": {"Operation": op}}),
                            "Bedrock Agents metrics (before model: they carry a ModelId too)",
                        )
                        for op in AGENT_OPERATIONS
                    ),
                ],
            },
            {
                "name": "retriever",
                "match": [
                    Note(Flow({"alarm_name": f"{service}-retriever-*"}), "your retrieval alarms"),
                    Note(Flow({"alarm_name": mine, "namespace": KNOWLEDGE_BASES}), "Knowledge Base metrics"),
                ],
            },
            {
                "name": "guardrail",
                "match": [
                    Note(Flow({"alarm_name": f"{service}-guardrail-*"}), "the pack's guardrail alarms"),
                    Note(Flow({"alarm_name": mine, "namespace": GUARDRAILS}), "guardrail metrics"),
                ],
            },
            {"name": "model", "match": model_match},
            {
                "name": "cost",
                "match": [
                    Note(
                        Flow({"budget_name": f"{service}-*"}), "the pack's budget <service>-bedrock-monthly"
                    ),
                    Note(Flow({"cost_service": "Amazon Bedrock"}), "Cost Anomaly Detection root causes"),
                ],
            },
        ],
        "slos": [
            availability_slo(
                "availability" if i == 0 else f"availability-{i + 1}",
                m,
                f"model {m} (alarm pack slot {i + 1})",
            )
            for i, m in enumerate(model_ids)
        ],
    }


def init_catalog(service: str, model_ids: Sequence[str]) -> str:
    header = (
        f"Written by `aiops catalog init --service {service}` to match the alarm pack\n"
        f"(sam deploy --parameter-overrides AlarmPackServiceName={service} "
        f"AlarmPackModelIds={','.join(model_ids)}). Check it with `aiops validate --catalog FILE`."
    )
    return render({"services": [pack_service(service, model_ids)]}, header)
