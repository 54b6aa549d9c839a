"""The demo's emulated account as ``aiops maturity`` reads it: moto, plus what moto does not implement.

Five of the calls the maturity checks make have no moto backend (5.x): CloudWatch
DescribeAnomalyDetectors, Logs ListLogAnomalyDetectors, Bedrock ListGuardrails, Bedrock Agent
ListPrompts and DevOps Guru GetResourceCollection. The emulated account honestly has none of those
resources, so each answers, through a botocore ``before-call`` hook, the API reference's response shape
with nothing in it; every other call goes to moto. (tests/support/aws_stubs.py does the same for the
tests, with state the tests fill in.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

EMPTY: dict[tuple[str, str], dict[str, Any]] = {
    ("cloudwatch", "DescribeAnomalyDetectors"): {"AnomalyDetectors": []},
    ("logs", "ListLogAnomalyDetectors"): {"anomalyDetectors": []},
    ("bedrock", "ListGuardrails"): {"guardrails": []},
    ("bedrock-agent", "ListPrompts"): {"promptSummaries": []},
    ("devops-guru", "GetResourceCollection"): {"ResourceCollection": {}},
}


@dataclass
class _Http:
    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    text: str = ""


def _answer(body: dict[str, Any]) -> Callable[..., tuple[_Http, dict[str, Any]]]:
    def answer(**_: Any) -> tuple[_Http, dict[str, Any]]:
        return _Http(), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}

    return answer


def emulated_account(service: str, region: str) -> Any:
    """A client factory for :func:`aiops.account.assess_account` over the running moto emulator."""
    import boto3

    client = boto3.client(service, region_name=region)  # type: ignore[call-overload]
    hyphenized = client.meta.service_model.service_id.hyphenize()
    for (svc, op), body in EMPTY.items():
        if svc == service:
            client.meta.events.register(f"before-call.{hyphenized}.{op}", _answer(body))
    return client
