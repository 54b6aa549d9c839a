"""The LLM-native signal families: which AWS metrics each is, and the component it belongs to.

One table read by ``aiops catalog init`` (the selectors it writes), ``aiops catalog discover`` (the
component an existing alarm goes to) and ``aiops maturity`` (the practices it checks). Names and
dimensions are the AWS documentation's (docs/llm-signals.md lists the pages); a family whose
namespace or dimensions the documentation does not give (Bedrock Agents' namespace, AgentCore
runtime dimensions) is matched by what is documented (the ``Operation`` dimension values) or by
the alarm's name, never by a guessed name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BEDROCK = "AWS/Bedrock"
GUARDRAILS = "AWS/Bedrock/Guardrails"
KNOWLEDGE_BASES = "AWS/Bedrock/KnowledgeBases"
INVOCATION_LOG = "aiops/InvocationLog"
"""The alarm pack's namespace for its invocation log metric filters (parameter InvocationLogNamespace)."""
AGENT_OPERATIONS = ("InvokeAgent", "InvokeInlineAgent")
"""The documented values of the Bedrock Agents metrics' ``Operation`` dimension."""


@dataclass(frozen=True)
class Family:
    name: str
    component: str
    namespace: str
    metrics: tuple[str, ...]


FAMILIES = (
    Family(
        "model-latency",
        "model",
        BEDROCK,
        ("TimeToFirstToken", "InvocationLatency", "OutputTokenCount"),
    ),
    Family("model-quota", "model", BEDROCK, ("EstimatedTPMQuotaUsage", "InvocationThrottles")),
    Family(
        "invocation-log-delivery",
        "model",
        BEDROCK,
        ("ModelInvocationLogsCloudWatchDeliveryFailure", "ModelInvocationLogsS3DeliveryFailure"),
    ),
    Family(
        "guardrail",
        "guardrail",
        GUARDRAILS,
        ("InvocationsIntervened", "Invocations", "InvocationLatency", "InvocationServerErrors"),
    ),
    Family(
        "invocation-log",
        "model",
        INVOCATION_LOG,
        ("LoggedInvocations", "ResponsesCutByLimit", "InvocationLogErrors", "InvocationLogErrorsByCode"),
    ),
    Family(
        "knowledge-base",
        "retriever",
        KNOWLEDGE_BASES,
        ("Invocations", "ClientErrors", "ServerErrors", "Throttles"),
    ),
)

_BY_NAMESPACE = {GUARDRAILS: "guardrail", KNOWLEDGE_BASES: "retriever"}


def component_of(metrics: Iterable[tuple[str, str, dict[str, str]]]) -> str | None:
    """The component an alarm's metrics (namespace, name, dimensions) belong to, or None.

    Guardrail metrics go to ``guardrail``, Knowledge Base metrics to ``retriever``, Bedrock Agents
    metrics (``Operation`` InvokeAgent / InvokeInlineAgent, with or without ModelId) to
    ``orchestrator``, the other ``AWS/Bedrock`` metrics (per ModelId, or account-wide like the
    invocation log delivery) and the pack's invocation log metrics to ``model``.
    """
    found: str | None = None
    for namespace, _, dims in metrics:
        if dims.get("Operation") in AGENT_OPERATIONS:
            return "orchestrator"
        if namespace in _BY_NAMESPACE:
            return _BY_NAMESPACE[namespace]
        if namespace in (BEDROCK, INVOCATION_LOG) and found is None:
            found = "model"
    return found
