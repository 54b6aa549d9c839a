"""Canned answers for AWS APIs that moto does not implement, and injected permission denials.

A botocore ``before-call.<service>.<Operation>`` handler that returns ``(http, parsed)`` short-circuits
the request: the client then parses ``parsed`` as if AWS had answered it (a status >= 300 raises the
ClientError AWS would). The product code makes the real boto3 call; only the answer is canned, and it
is shaped as the AWS API reference shows the response.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3


@dataclass
class _Http:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    text: str = ""


def canned(
    client: Any, op: str, response: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """``client``'s ``op`` (CamelCase) answers ``response`` (or ``response(params)``)."""
    service = client.meta.service_model.service_id.hyphenize()

    def answer(params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        body = response(params) if callable(response) else response
        return _Http(200), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}

    client.meta.events.register(f"before-call.{service}.{op}", answer)


def deny(client: Any, op: str, code: str = "AccessDeniedException") -> None:
    """``client``'s ``op`` answers a permission denied, as IAM does."""
    service = client.meta.service_model.service_id.hyphenize()

    def answer(**_: Any) -> tuple[_Http, dict[str, Any]]:
        error = {"Code": code, "Message": f"User is not authorized to perform: {op}"}
        return _Http(400), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}

    client.meta.events.register(f"before-call.{service}.{op}", answer)


@dataclass
class Account:
    """A client factory over moto: each client gets the canned answers for what moto lacks.

    ``state`` holds what those APIs report (empty: a fresh account); tests add to it."""

    anomaly_detectors: list[dict[str, Any]] = field(default_factory=list)
    log_anomaly_detectors: list[dict[str, Any]] = field(default_factory=list)
    guardrails: list[dict[str, Any]] = field(default_factory=list)
    prompts: list[dict[str, Any]] = field(default_factory=list)
    devops_guru_stacks: list[str] = field(default_factory=list)
    denied: set[tuple[str, str]] = field(default_factory=set)
    clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def __call__(self, service: str, region: str) -> Any:
        key = (service, region)
        if key in self.clients:
            return self.clients[key]
        client = boto3.client(service, region_name=region)  # type: ignore[call-overload]
        for svc, op in self.denied:
            if svc == service:
                deny(client, op)  # first: the first handler that answers wins
        # moto: DescribeAnomalyDetectors, ListLogAnomalyDetectors, ListGuardrails, ListPrompts and
        # DevOps Guru are not implemented (moto 5.2): canned, shaped as the API reference.
        if service == "cloudwatch":
            canned(client, "DescribeAnomalyDetectors", lambda _: {"AnomalyDetectors": self.anomaly_detectors})
        elif service == "logs":
            canned(
                client, "ListLogAnomalyDetectors", lambda _: {"anomalyDetectors": self.log_anomaly_detectors}
            )
        elif service == "bedrock":
            canned(client, "ListGuardrails", lambda _: {"guardrails": self.guardrails})
        elif service == "bedrock-agent":
            canned(client, "ListPrompts", lambda _: {"promptSummaries": self.prompts})
        elif service == "devops-guru":
            canned(client, "GetResourceCollection", self._resource_collection)
        self.clients[key] = client
        return client

    def _resource_collection(self, params: dict[str, Any]) -> dict[str, Any]:
        # before-call sees the serialized request: the type is the last segment of the URL path
        if params["url_path"].endswith("/AWS_CLOUD_FORMATION"):
            return {"ResourceCollection": {"CloudFormation": {"StackNames": self.devops_guru_stacks}}}
        return {"ResourceCollection": {"Tags": []}}


def put_composite_alarm(cloudwatch: Any, name: str, rule: str) -> None:
    """A composite alarm in moto's account (moto 5.2 has no PutCompositeAlarm; its backend keeps composite
    alarms as alarms with a rule, and DescribeAlarms lists them under CompositeAlarms)."""
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID

    cloudwatch_backends[DEFAULT_ACCOUNT_ID][cloudwatch.meta.region_name].put_metric_alarm(
        name=name,
        namespace="",
        metric_name="",
        comparison_operator="",
        evaluation_periods=0,
        period=0,
        threshold=0.0,
        statistic="",
        description="",
        dimensions=[],
        alarm_actions=[],
        rule=rule,
    )
