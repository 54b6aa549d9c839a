"""What a discovered resource is, from its name: a Lambda function's component, an SSM parameter's role
in the catalog's ``llm`` section. A guess, and ``aiops catalog discover`` comments it as one."""

from __future__ import annotations

_ROLE_WORDS = (
    ("api", ("api", "gateway", "frontend", "http")),
    ("retriever", ("retriev", "rag", "search", "index", "embed", "kb")),
    ("guardrail", ("guardrail", "moderat")),
)


def role_of_function(name: str, service: str = "") -> str:
    low = name.lower().replace(service.lower(), "") if service else name.lower()
    for role, words in _ROLE_WORDS:
        if any(w in low for w in words):
            return role
    return "orchestrator"


def parameter_role(name: str) -> str | None:
    leaf = name.rsplit("/", 1)[-1].lower()
    if "prompt" in leaf:
        return "prompt_parameter"
    if "token" in leaf:
        return "max_tokens_parameter"
    if "model" in leaf:
        return "model_parameter"
    return None
