"""Initial AWS state for ``aiops replay`` / ``demo`` on the emulator: what the catalog names, or a state file.

State file (YAML)::

    parameters:                      # SSM String parameters, versions oldest first
      /llm/chat-assistant/prompt: ["You are a helpful assistant.", "You are a concise assistant."]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiops.catalog.model import Catalog, Service
from aiops.errors import AiopsError
from aiops.local.stream import BadLine
from aiops.signals.base import parse_time

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.client import CloudWatchClient
    from mypy_boto3_ssm.client import SSMClient

DEFAULT_MODEL_HISTORY = (
    "anthropic.claude-3-haiku-20240307-v1:0",
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
)
MODEL_CANDIDATES = (
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "amazon.nova-pro-v1:0",
)
DEFAULT_MAX_TOKENS_HISTORY = ("4096", "2048")


class StateError(AiopsError):
    """A state or metrics file is malformed; the message names the file and the line or key."""


def default_state(catalog: Catalog) -> dict[str, list[str]]:
    """The LLM parameters the catalog names, each with a short version history (newest last)."""
    params: dict[str, list[str]] = {}
    for svc in catalog.services:
        llm = svc.llm
        if llm is None:
            continue
        if llm.prompt_parameter:
            params[llm.prompt_parameter] = [
                f"You are the {svc.name} assistant. (prompt v{n})" for n in (1, 2, 3)
            ]
        if llm.model_parameter:
            params[llm.model_parameter] = model_history(svc)
        if llm.max_tokens_parameter:
            params[llm.max_tokens_parameter] = list(DEFAULT_MAX_TOKENS_HISTORY)
    return params


def model_history(service: Service) -> list[str]:
    """A model parameter's history (newest last) for a service, never live on its fallback model: the
    live model is the one the catalog names (its SLO's ``ModelId``, or the model component's exact
    ``ModelId`` selector), else a default other than the fallback; the previous one is another model."""
    fallback = service.llm.fallback_model_id if service.llm else None
    named = [
        spec.dimensions.get("ModelId", "")
        for slo in service.slos
        for spec in (slo.sli.bad, slo.sli.good, slo.sli.total)
        if spec is not None
    ]
    named += [
        (sel.dimension or {}).get("ModelId", "")
        for c in service.components
        if c.name == "model"
        for sel in c.match
    ]
    exact = [m for m in named if m and not any(ch in m for ch in "*?[")]
    live = next((m for m in (*exact, *MODEL_CANDIDATES) if m != fallback), MODEL_CANDIDATES[0])
    previous = next(m for m in (*DEFAULT_MODEL_HISTORY, *MODEL_CANDIDATES) if m != live)
    return [previous, live]


def parameters_of(state: Mapping[str, Any] | None, catalog: Catalog, origin: str) -> dict[str, list[str]]:
    if state is None:
        return default_state(catalog)
    raw = state.get("parameters", {})
    if not isinstance(raw, dict):
        raise StateError(f"{origin}: parameters: must be a mapping of name to a list of versions")
    out: dict[str, list[str]] = {}
    for name, versions in raw.items():
        if (
            not isinstance(versions, list)
            or not versions
            or not all(isinstance(v, str) and v for v in versions)
        ):
            raise StateError(f"{origin}: parameters.{name}: must be a non-empty list of non-empty strings")
        out[str(name)] = list(versions)
    return out


def provision_parameters(ssm: SSMClient, parameters: Mapping[str, list[str]]) -> None:
    for name, versions in parameters.items():
        for value in versions:
            ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)


def load_datapoints(lines: Iterable[str | BadLine], origin: str) -> list[dict[str, Any]]:
    """``--metrics`` lines, validated: namespace, metric, dimensions, timestamp, value, unit. The first
    bad line stops the load as ``ORIGIN:LINE: what is wrong`` (a partial seed would skew the impact)."""
    out = []
    for n, line in enumerate(lines, 1):
        if isinstance(line, BadLine):
            raise StateError(f"{origin}:{n}: {line.reason}")
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except ValueError as exc:
            raise StateError(f"{origin}:{n}: not JSON ({exc})") from None
        if not isinstance(d, dict):
            raise StateError(
                f"{origin}:{n}: expected a JSON object (one datapoint per line), got {type(d).__name__}"
            )
        missing = [k for k in DATAPOINT_FIELDS if k not in d]
        if missing:
            raise StateError(
                f"{origin}:{n}: missing {', '.join(repr(k) for k in missing)} (a datapoint has "
                + ", ".join(DATAPOINT_FIELDS)
                + "; dimensions and unit are optional)"
            )
        try:
            when: datetime = parse_time(d["timestamp"], source=f"{origin}:{n}", field="timestamp")
            out.append(
                {
                    "namespace": str(d["namespace"]),
                    "metric": str(d["metric"]),
                    "dimensions": {str(k): str(v) for k, v in (d.get("dimensions") or {}).items()},
                    "timestamp": when,
                    "value": float(d["value"]),
                    "unit": str(d.get("unit", "None")),
                }
            )
        except AiopsError as exc:
            raise StateError(str(exc)) from None
        except (ValueError, TypeError, AttributeError) as exc:
            raise StateError(f"{origin}:{n}: {exc}") from None
    return out


DATAPOINT_FIELDS = ("namespace", "metric", "timestamp", "value")


def seed_metrics(cloudwatch: CloudWatchClient, datapoints: list[dict[str, Any]]) -> None:
    """PutMetricData, grouped by namespace, within the API's 1,000 datapoints per request."""
    by_ns: dict[str, list[dict[str, Any]]] = {}
    for d in datapoints:
        by_ns.setdefault(d["namespace"], []).append(
            {
                "MetricName": d["metric"],
                "Timestamp": d["timestamp"],
                "Value": d["value"],
                "Unit": d["unit"],
                "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(d["dimensions"].items())],
            }
        )
    for ns, data in by_ns.items():
        for start in range(0, len(data), 1000):
            cloudwatch.put_metric_data(Namespace=ns, MetricData=data[start : start + 1000])  # type: ignore[arg-type]  # built in MetricDatumTypeDef shape
