from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops.adapters.config import DEFAULT_CATALOG
from aiops.catalog import UNOWNED, load_catalog
from aiops.errors import CatalogError
from aiops.signals import normalize
from tests.support.events import alarm_event, load_event


@pytest.fixture
def catalog() -> Any:
    return load_catalog(yaml.safe_load(Path(DEFAULT_CATALOG).read_text()))


@pytest.mark.parametrize(
    ("sample", "service", "component"),
    [
        ("cloudwatch/alarm_metric_alarm.json", "chat-assistant", "api"),
        ("cloudwatch/alarm_bedrock_throttles.json", "chat-assistant", "model"),
        ("cloudwatch/alarm_anomaly_detection.json", "chat-assistant", "model"),
        ("changes/parameter_store_change.json", "chat-assistant", "prompt"),
        ("changes/cloudtrail_put_parameter.json", "chat-assistant", "model"),
        ("budgets/sns_actual.json", "chat-assistant", "cost"),
        ("cost-anomaly/eventbridge.json", "chat-assistant", "cost"),
        ("devops-guru/insight_open.json", "chat-assistant", "orchestrator"),
        ("health/bedrock_open.json", UNOWNED, None),
    ],
)
def test_signals_resolve_to_their_component(
    catalog: Any, sample: str, service: str, component: str | None
) -> None:
    [signal] = normalize(load_event(sample))
    owner = catalog.resolve(signal)
    assert (owner.service, owner.component) == (service, component)


def test_first_matching_component_wins(catalog: Any) -> None:
    # An orchestrator alarm on a Bedrock metric: "orchestrator" is listed before "model"
    event = alarm_event(
        "chat-assistant-orch-bedrock",
        "ALARM",
        "2026-11-25T10:00:00Z",
        namespace="AWS/Bedrock",
        metric="InvocationLatency",
        dimensions={"ModelId": "anthropic.claude-3-5-sonnet-x"},
    )
    assert catalog.resolve(normalize(event)[0]).component == "orchestrator"


def test_unmatched_alarm_is_unowned_not_dropped(catalog: Any) -> None:
    owner = catalog.resolve(normalize(alarm_event("billing-db-cpu", "ALARM", "2026-11-25T10:00:00Z"))[0])
    assert (owner.service, owner.component) == (UNOWNED, None)


def test_tag_and_stack_selectors() -> None:
    cat = load_catalog(
        {
            "services": [
                {
                    "name": "s",
                    "components": [
                        {"name": "by-stack", "match": [{"stack": "chat-*"}]},
                        {"name": "by-tag", "match": [{"tag": {"team": "genai"}}]},
                    ],
                }
            ]
        }
    )
    insight = normalize(load_event("devops-guru/insight_open.json"))[0]
    assert cat.resolve(insight).component == "by-stack"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"services": [{"name": "a", "tier": "urgent"}]}, "services.0.tier"),
        (
            {"services": [{"name": "a", "components": [{"name": "x", "depends_on": ["y"]}]}]},
            "unknown component 'y'",
        ),
        ({"services": [{"name": "a"}, {"name": "a"}]}, "duplicate service names: a"),
        ({"services": [{"name": "a", "components": [{"name": "x", "match": [{}]}]}]}, "at least one of"),
        ({"services": [{"name": "a", "colour": "red"}]}, "services.0.colour"),
        ({"services": [{"name": "unowned"}]}, "reserved"),
        ({"services": [{"name": "a", "slos": [{"name": "x", "objective": 120, "sli": {}}]}]}, "objective"),
    ],
)
def test_invalid_catalog_names_the_field(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog(doc, origin="catalog.yaml")
    assert message in str(info.value)
    assert str(info.value).startswith("catalog.yaml: ")
