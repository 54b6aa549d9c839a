from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from aiops.catalog.model import UNOWNED, Facts, Selector, _compile, load_catalog
from aiops.errors import CatalogError
from aiops.signals import normalize
from tests.support.catalogs import DEMO_CATALOG
from tests.support.events import alarm_event, load_event


@pytest.fixture
def catalog() -> Any:
    return load_catalog(yaml.safe_load(Path(DEMO_CATALOG).read_text()))


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


def test_old_catalogs_load_unchanged_and_cross_service_dependencies_resolve() -> None:
    from aiops.catalog.topology import external

    cat = load_catalog(
        {
            "services": [
                {
                    "name": "chat",
                    "components": [
                        {"name": "api", "depends_on": ["retriever"]},
                        {"name": "retriever", "depends_on": ["kb-search", "kb-search/index"]},
                    ],
                },
                {"name": "kb-search", "global": True, "components": [{"name": "index"}]},
            ]
        }
    )
    chat = cat.by_name["chat"]
    assert external(chat) == {"retriever": [("kb-search", None), ("kb-search", "index")]}
    assert cat.by_name["kb-search"].global_ and not chat.global_


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"services": [{"name": "a", "tier": "urgent"}]}, "services.0.tier"),
        (
            {"services": [{"name": "a", "components": [{"name": "x", "depends_on": ["y"]}]}]},
            "unknown component 'y'",
        ),
        ({"services": [{"name": "a"}, {"name": "a"}]}, "duplicate service names: a"),
        (
            {
                "services": [
                    {"name": "a", "components": [{"name": "x", "depends_on": ["b/z"]}]},
                    {"name": "b"},
                ]
            },
            "'b/z': service 'b' has no component 'z'",
        ),
        (
            {"services": [{"name": "a", "components": [{"name": "x", "depends_on": ["a"]}]}]},
            "unknown component 'a'",
        ),
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


# --- compiled selectors against a plain reading of "every field given must match (glob)" ---------

_WORD = st.text(alphabet="ab*?[]!-", max_size=4)
_PAIRS = st.dictionaries(st.sampled_from(["k", "m"]), _WORD, max_size=2)


def _reference(sel: Selector, f: Facts) -> bool:
    def any_glob(values: tuple[str, ...], pattern: str | None) -> bool:
        return pattern is not None and any(fnmatchcase(v, pattern) for v in values)

    def dims(candidates: Any, wanted: dict[str, str]) -> bool:
        return any(
            all(k in dict(p) and fnmatchcase(dict(p)[k], v) for k, v in wanted.items()) for p in candidates
        )

    checks = []
    for field, values in (
        ("alarm_name", f.alarm_names),
        ("namespace", f.namespaces),
        ("parameter", f.parameters),
        ("prompt", f.prompts),
        ("budget_name", f.budget_names),
        ("cost_service", f.cost_services),
        ("stack", f.stacks),
    ):
        if getattr(sel, field) is not None:
            checks.append(any_glob(values, getattr(sel, field)))
    if sel.dimension is not None:
        checks.append(dims(f.dimensions, sel.dimension))
    if sel.tag is not None:
        checks.append(f.tags is not None and dims((f.tags,), sel.tag))
    return bool(checks) and all(checks)


@settings(max_examples=400, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "alarm_name": _WORD,
            "namespace": _WORD,
            "stack": _WORD,
            "dimension": _PAIRS,
            "tag": _PAIRS,
        },
    ),
    st.builds(
        Facts,
        alarm_names=st.lists(_WORD, max_size=3).map(tuple),
        namespaces=st.lists(_WORD, max_size=2).map(tuple),
        stacks=st.lists(_WORD, max_size=2).map(tuple),
        dimensions=st.lists(_PAIRS.map(lambda d: tuple(sorted(d.items()))), max_size=2).map(tuple),
        tags=st.none() | _PAIRS.map(lambda d: tuple(sorted(d.items()))),
    ),
)
def test_compiled_selectors_match_exactly_as_globs_do(fields: dict[str, Any], facts: Facts) -> None:
    if not fields:
        fields = {"alarm_name": "*"}
    sel = Selector.model_validate(fields)
    assert _compile(sel)(facts) == _reference(sel, facts)
