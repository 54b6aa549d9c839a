"""The LLM-native signals (docs/llm-signals.md) normalize and go to the component an SRE would blame.

The expectations are the docs' table, written first: model metrics (TimeToFirstToken, output tokens per
second, the TPM quota usage, the invocation log's delivery and its metric filters) -> model; guardrail
metrics -> guardrail; Knowledge Base metrics -> retriever; Bedrock Agents metrics -> orchestrator.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from aiops.account.init import init_catalog
from aiops.account.llm_signals import component_of
from aiops.catalog.model import load_catalog
from aiops.signals import normalize
from tests.support.events import load_event

SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"

ROUTES = {
    "cloudwatch/llm_bedrock_ttft.json": "model",
    "cloudwatch/llm_bedrock_otps.json": "model",
    "cloudwatch/llm_bedrock_tpm_quota.json": "model",
    "cloudwatch/llm_invocation_log_delivery.json": "model",
    "cloudwatch/llm_invocation_log_cut_by_limit.json": "model",
    "cloudwatch/llm_guardrail_intervened.json": "guardrail",
    "cloudwatch/llm_guardrail_output_intervened.json": "guardrail",
    "cloudwatch/llm_knowledge_base_throttles.json": "retriever",
    "cloudwatch/llm_agent_server_errors.json": "orchestrator",
}


@pytest.fixture(scope="module")
def init() -> Any:
    return load_catalog(yaml.safe_load(init_catalog("chat-assistant", [SONNET])))


@pytest.mark.parametrize(("sample", "component"), sorted(ROUTES.items()))
def test_the_init_catalog_routes_each_llm_signal(init: Any, sample: str, component: str) -> None:
    [signal] = normalize(load_event(sample))
    assert signal.kind == "alarm" and signal.status == "firing"
    owner = init.resolve(signal)
    assert (owner.service, owner.component) == ("chat-assistant", component)


@pytest.mark.parametrize(("sample", "component"), sorted(ROUTES.items()))
def test_discover_gives_each_llm_signal_the_same_component(sample: str, component: str) -> None:
    [signal] = normalize(load_event(sample))
    assert signal.alarm is not None
    metrics = [(m.namespace, m.name, m.dimensions) for m in signal.alarm.metrics if m.name]
    assert component_of(metrics) == component


def test_an_agents_alarm_goes_to_the_orchestrator_though_it_names_a_model_id(init: Any) -> None:
    # GIVEN an Agents metric carries Operation and ModelId; the model's selector matches ModelId too
    [signal] = normalize(load_event("cloudwatch/llm_agent_server_errors.json"))
    assert signal.alarm is not None and signal.alarm.metrics[0].dimensions["ModelId"] == SONNET
    # THEN the orchestrator, listed before model, takes it
    assert init.resolve(signal).component == "orchestrator"


def test_another_services_guardrail_alarm_is_not_taken_by_this_one(init: Any) -> None:
    # a namespace selector alone would catch every guardrail alarm of the account: init's is scoped
    event = load_event("cloudwatch/llm_guardrail_output_intervened.json")
    event["detail"]["alarmName"] = "billing-bot-guardrail-output-blocks"
    event["resources"] = [
        "arn:aws:cloudwatch:us-east-1:111122223333:alarm:billing-bot-guardrail-output-blocks"
    ]
    [signal] = normalize(event)
    assert init.resolve(signal).service == "unowned"
