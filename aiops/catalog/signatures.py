"""The failure-signature table: which kinds of symptom a change of each kind of component can produce.

Data, not code: :data:`DEFAULT_SIGNATURES` ships the defaults by component name; a catalog component
overrides them with ``produces: [...]`` (validated against :data:`SYMPTOM_KINDS`). A change explains a
symptom only when the symptom's kind is in the changed component's row and the failing component is
the changed one or depends on it, transitively (``depends_on``: api depends on orchestrator, a change
of orchestrator can fail api), except the content kinds (:data:`PATH_FREE`):
quality and guardrail interventions are measured wherever answers are checked, and token counts wherever
the model is called (a longer prompt shows on the model's metrics), not where they are made.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Literal

SymptomKind = Literal[
    "client_errors",
    "server_errors",
    "throttles",
    "latency",
    "quality",
    "guardrail",
    "output_tokens",
    "input_tokens",
    "app_errors",
    "cost",
    "insight",
    "other",
]
SYMPTOM_KINDS: tuple[str, ...] = SymptomKind.__args__  # type: ignore[attr-defined]

DEFAULT_SIGNATURES: Mapping[str, tuple[SymptomKind, ...]] = {
    "prompt": ("guardrail", "quality", "output_tokens", "input_tokens", "app_errors"),
    "model": ("client_errors", "latency", "throttles", "quality", "output_tokens"),
    "retriever": ("latency", "app_errors", "server_errors", "quality"),
    "knowledge-base": ("latency", "app_errors", "server_errors", "quality"),
    "index": ("latency", "app_errors", "server_errors", "quality"),
    "guardrail": ("guardrail",),
}
"""What a change of the component of that name can produce (a component not listed produces nothing
until the catalog says what, with ``produces``)."""

PATH_FREE: frozenset[str] = frozenset({"quality", "guardrail", "output_tokens", "input_tokens"})
"""Symptom kinds a change explains on any component of its service (content symptoms)."""

PROVIDER_KINDS: frozenset[str] = frozenset({"server_errors", "throttles"})
"""Bedrock-side failures a provider outage produces (and a model change does not, by itself)."""

TOKEN_KINDS: frozenset[str] = frozenset({"output_tokens", "input_tokens"})

# (kind) <- metric name globs (``Namespace/Metric``), then alarm-name words: first match wins
_BY_METRIC: tuple[tuple[str, SymptomKind], ...] = (
    ("AWS/Bedrock/InvocationClientErrors", "client_errors"),
    ("AWS/Bedrock/InvocationServerErrors", "server_errors"),
    ("AWS/Bedrock/InvocationThrottles", "throttles"),
    ("AWS/Bedrock/OutputTokenCount", "output_tokens"),
    ("AWS/Bedrock/InputTokenCount", "input_tokens"),
    ("AWS/Bedrock/TimeToFirstToken", "latency"),
    ("aiops/InvocationLog/ResponsesCutByLimit", "output_tokens"),  # answers cut: they grew, or the cap fell
    ("AWS/Bedrock/Guardrails/*", "guardrail"),
    ("*/InvocationsIntervened", "guardrail"),
    ("*Latency*", "latency"),
    ("*/Duration", "latency"),
    ("*/p99*", "latency"),
    ("*5XX*", "app_errors"),
    ("*5xx*", "app_errors"),
    ("*/Errors", "app_errors"),
    ("*Error*", "app_errors"),
    ("AWS/Logs/AnomalyCount", "app_errors"),
)
_BY_WORD: tuple[tuple[str, SymptomKind], ...] = (
    ("guardrail", "guardrail"),
    ("intervention", "guardrail"),
    ("quality", "quality"),
    ("feedback", "quality"),
    ("relevance", "quality"),
    ("thumbs", "quality"),
    ("hallucination", "quality"),
    ("client-error", "client_errors"),
    ("server-error", "server_errors"),
    ("throttl", "throttles"),
    ("output-token", "output_tokens"),
    ("cut-by-limit", "output_tokens"),  # the alarm pack's names for the LLM-native signals
    ("ttft", "latency"),
    ("otps", "latency"),
    ("input-token", "input_tokens"),
    ("latency", "latency"),
    ("slow", "latency"),
    ("5xx", "app_errors"),
    ("error", "app_errors"),
)


def classify(kind: str, metric: str, resource: str) -> SymptomKind:
    """The symptom kind of a member: its signal kind, the ``Namespace/Metric`` of its alarm, or the
    words of its alarm name."""
    if kind in ("budget", "cost_anomaly"):
        return "cost"
    if kind == "insight":
        return "insight"
    if kind == "log_anomaly":
        return "app_errors"
    name = resource.lower()
    for word, found in _BY_WORD[:6]:  # content symptoms are named, whatever metric carries them
        if word in name:
            return found
    if metric:
        for pattern, found in _BY_METRIC:
            if fnmatchcase(metric, pattern):
                return found
    for word, found in _BY_WORD:
        if word in name:
            return found
    return "other"


def produces(component: str, override: tuple[str, ...] | None) -> frozenset[str]:
    """The symptom kinds a change of ``component`` can produce: the catalog's, else the default."""
    if override is not None:
        return frozenset(override)
    return frozenset(DEFAULT_SIGNATURES.get(component, ()))
