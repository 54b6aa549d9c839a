"""Root-cause ranking: candidates scored against evidence and counter-evidence, each rule naming its
evidence; changes ruled out by onset and signature; the provider; cost runaways; abstaining."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiops.catalog.model import load_catalog
from aiops.diagnosis.rootcause import ABSTAIN_MARGIN, rank, root_cause_of
from aiops.incident.model import Incident, Member
from aiops.signals.model import ChangeInfo, Signal

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
COMPONENTS: list[dict[str, Any]] = [
    {"name": "api", "depends_on": ["orchestrator"], "match": [{"alarm_name": "chat-api-*"}]},
    {"name": "orchestrator", "depends_on": ["prompt", "retriever", "model", "guardrail"]},
    {"name": "prompt", "match": [{"parameter": "/llm/chat/prompt"}]},
    {"name": "retriever", "match": [{"alarm_name": "chat-rag-*"}]},
    {"name": "model", "match": [{"parameter": "/llm/chat/model-id"}]},
    {"name": "guardrail", "match": [{"alarm_name": "chat-guardrail-*"}]},
    {"name": "cost", "match": [{"budget_name": "chat-*"}]},
]


def _service(components: list[dict[str, Any]] = COMPONENTS) -> Any:
    return load_catalog({"services": [{"name": "chat", "components": components}]}).services[0]


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _member(
    resource: str,
    component: str,
    onset: float,
    *,
    metric: str = "",
    kind: str = "alarm",
    delivered: float | None = None,
    model_id: str = "",
    status: str = "firing",
) -> Member:
    fired = _at(delivered if delivered is not None else onset)
    return Member(
        fingerprint=f"fp-{resource}",
        kind=kind,
        resource=resource,
        component=component,
        title=resource,
        status=status,
        first_seen=fired,
        last_change=fired,
        fired_at=fired,
        onset=_at(onset),
        metric=metric,
        model_id=model_id,
        role="evidence" if kind == "health" else "symptom",
    )


def _incident(*members: Member) -> Incident:
    return Incident(
        id="inc-000000000001",
        service="chat",
        region="us-east-1",
        title="t",
        opened_at=T0,
        last_activity_at=_at(30),
        members={m.fingerprint: m for m in members},
    )


def _change(component: str, minutes: float, change_id: str) -> tuple[Signal, str]:
    target = f"/llm/chat/{'model-id' if component == 'model' else component}"
    signal = Signal(
        id=change_id,
        source="aws.ssm",
        time=_at(minutes),
        kind="change",
        status="info",
        resource=target,
        title=f"{target} changed",
        change=ChangeInfo(target_kind="parameter", target=target, operation="Update"),
    )
    return signal, component


BEDROCK_CLIENT = "AWS/Bedrock/InvocationClientErrors"
BEDROCK_SERVER = "AWS/Bedrock/InvocationServerErrors"


def test_a_change_after_the_onset_is_ruled_out_with_the_times() -> None:
    # GIVEN guardrail interventions whose first breaching datapoint is 10:02, delivered at 10:06,
    # and a prompt change at 10:05
    incident = _incident(_member("chat-guardrail-interventions", "guardrail", 2, delivered=6))
    ranked = rank(incident, _service(), [_change("prompt", 5, "chg-prompt")])
    # THEN the change is ruled out, saying the symptom began before it
    [change] = [h for h in ranked if h.change]
    assert change.ruled_out and change.confidence == 0.0
    assert "came after the symptoms began" in change.against[-1] and "from 10:02" in change.against[-1]
    assert ranked[0].component == "guardrail" and not ranked[0].change
    rc = root_cause_of(ranked)
    assert rc is not None and rc.change is None and "ruled out" in rc.why


def test_a_model_change_does_not_explain_a_slow_retriever() -> None:
    incident = _incident(
        _member("chat-rag-latency", "retriever", 5, metric="AWS/Lambda/Duration"),
        _member("chat-api-latency", "api", 7, metric="AWS/ApiGateway/Latency"),
    )
    ranked = rank(incident, _service(), [_change("model", 0, "chg-model")])
    assert ranked[0].component == "retriever" and ranked[0].change is None
    [change] = [h for h in ranked if h.change]
    assert change.ruled_out and "cannot produce" in change.against[-1]
    # the leader names its evidence and its rule
    assert any("chat-rag-latency" in e for e in ranked[0].evidence)
    assert "topology +0.50" in ranked[0].rule


def test_a_prompt_edited_after_a_failing_model_change_is_not_the_cause() -> None:
    incident = _incident(
        _member("chat-bedrock-client-errors", "model", 3, metric=BEDROCK_CLIENT, model_id="new-model"),
        _member("chat-api-5xx", "api", 4, metric="AWS/ApiGateway/5XXError"),
    )
    ranked = rank(
        incident, _service(), [_change("model", 1, "chg-model"), _change("prompt", 6, "chg-prompt")]
    )
    assert ranked[0].change == "chg-model" and ranked[0].cause == "change"
    prompt = next(h for h in ranked if h.change == "chg-prompt")
    assert prompt.ruled_out
    rc = root_cause_of(ranked)
    assert rc is not None and not rc.abstain


def test_an_open_bedrock_health_issue_makes_the_provider_the_cause_not_the_prompt_change() -> None:
    health = _member("arn:aws:health:us-east-1::event/BEDROCK/X", "model", 3, kind="health", delivered=8)
    incident = _incident(
        _member("chat-bedrock-server-errors", "model", 3, metric=BEDROCK_SERVER),
        _member("chat-api-5xx", "api", 4, metric="AWS/ApiGateway/5XXError"),
        health,
    )
    ranked = rank(incident, _service(), [_change("prompt", 0, "chg-prompt")])
    assert ranked[0].cause == "provider" and ranked[0].component == "model" and ranked[0].change is None
    assert any("AWS Health" in e for e in ranked[0].evidence)
    prompt = next(h for h in ranked if h.change == "chg-prompt")
    assert prompt.ruled_out and "failure starts at model" in prompt.against[-1]


def test_an_open_bedrock_health_issue_counts_against_a_change_it_would_explain() -> None:
    # GIVEN only api errors after a prompt change, while AWS Health reports Bedrock failing
    incident = _incident(
        _member("chat-api-5xx", "api", 4, metric="AWS/ApiGateway/5XXError"),
        _member("arn:aws:health:us-east-1::event/BEDROCK/X", "model", 3, kind="health", delivered=8),
    )
    ranked = rank(incident, _service(), [_change("prompt", 0, "chg-prompt")])
    prompt = next(h for h in ranked if h.change == "chg-prompt")
    assert "provider-explains" in prompt.rule and any("AWS Health" in a for a in prompt.against)
    # THEN whatever leads, nothing may act on its own
    rc = root_cause_of(ranked)
    assert rc is not None and rc.abstain


def test_server_errors_on_several_model_ids_are_the_provider_without_health() -> None:
    incident = _incident(
        _member("chat-bedrock-server-errors-a", "model", 3, metric=BEDROCK_SERVER, model_id="a"),
        _member("chat-bedrock-server-errors-b", "model", 3, metric=BEDROCK_SERVER, model_id="b"),
    )
    [top, *_] = rank(incident, _service())
    assert top.cause == "provider" and any("2 model ids" in e for e in top.evidence)


def test_two_changes_that_both_fit_make_it_abstain_and_say_what_would_decide() -> None:
    incident = _incident(_member("chat-answer-quality", "api", 8, metric="Custom/Quality"))
    ranked = rank(
        incident, _service(), [_change("prompt", 3, "chg-prompt"), _change("model", 4, "chg-model")]
    )
    rc = root_cause_of(ranked)
    assert rc is not None and rc.abstain
    assert abs(ranked[0].confidence - ranked[1].confidence) < ABSTAIN_MARGIN
    assert "version" in rc.decider and "not sure" in rc.why


def test_one_fitting_change_does_not_abstain() -> None:
    incident = _incident(_member("chat-bedrock-client-errors", "model", 3, metric=BEDROCK_CLIENT))
    rc = root_cause_of(rank(incident, _service(), [_change("model", 1, "chg-model")]))
    assert rc is not None and rc.change == "chg-model" and not rc.abstain and rc.decider == ""


def test_a_cost_runaway_is_a_cost_cause_not_a_model_fault() -> None:
    incident = _incident(
        _member("chat-monthly", "cost", 0, kind="budget"),
        _member("chat-bedrock-output-tokens", "model", 2, metric="AWS/Bedrock/OutputTokenCount"),
    )
    ranked = rank(incident, _service())
    assert ranked[0].component == "cost" and ranked[0].cause == "cost"
    model = next(h for h in ranked if h.component == "model")
    assert "tokens-only" in model.rule and model.against


def test_the_catalog_overrides_the_signature_of_a_component() -> None:
    # GIVEN a team whose model changes are known to show up as server errors (say, a custom gateway)
    components = [dict(c) for c in COMPONENTS]
    components[4] = {**components[4], "produces": ["server_errors"]}
    incident = _incident(_member("chat-bedrock-server-errors", "model", 3, metric=BEDROCK_SERVER))
    default = rank(incident, _service(), [_change("model", 1, "chg-model")])
    overridden = rank(incident, _service(components), [_change("model", 1, "chg-model")])
    assert next(h for h in default if h.change).ruled_out
    assert overridden[0].change == "chg-model"


def test_a_symptom_begun_before_the_change_counts_against_it_and_it_abstains() -> None:
    incident = _incident(
        _member("chat-bedrock-client-errors", "model", 1, metric=BEDROCK_CLIENT),
        _member("chat-bedrock-latency", "model", 6, metric="AWS/Bedrock/InvocationLatency"),
    )
    ranked = rank(incident, _service(), [_change("model", 4, "chg-model")])
    assert ranked[0].change == "chg-model" and any("began before the change" in a for a in ranked[0].against)
    rc = root_cause_of(ranked)
    assert rc is not None and rc.abstain and "began before the change" in rc.decider


def test_every_standing_hypothesis_names_evidence_and_its_rules() -> None:
    incident = _incident(
        _member("chat-rag-latency", "retriever", 5, metric="AWS/Lambda/Duration"),
        _member("chat-api-5xx", "api", 6, metric="AWS/ApiGateway/5XXError"),
    )
    for h in rank(incident, _service(), [_change("prompt", 1, "chg-prompt")]):
        assert h.rule
        assert h.evidence or h.ruled_out
        assert h.against or not h.ruled_out


def test_a_failing_upstream_service_is_the_cause_and_a_change_it_explains_is_not() -> None:
    from aiops.diagnosis.rootcause import Upstream

    # GIVEN the retriever depending on kb-search, whose incident fires since 10:02, and a model change
    # at 09:50 that could explain the orchestrator's latency
    components = [dict(c) for c in COMPONENTS]
    components[3] = {**components[3], "depends_on": ["kb-search"]}
    service = load_catalog(
        {"services": [{"name": "chat", "components": components}, {"name": "kb-search"}]}
    ).by_name["chat"]
    incident = _incident(_member("chat-orch-latency", "orchestrator", 3, metric="AWS/Lambda/Duration"))
    up = Upstream("retriever", "kb-search", "inc-0000000000aa", _at(2), "index is failing")
    ranked = rank(incident, service, [_change("model", -10, "chg-model")], upstream=[up])
    # THEN the upstream incident leads, named, and the change is contradicted by it
    assert ranked[0].cause == "upstream" and "inc-0000000000aa" in ranked[0].evidence[0]
    change = next(h for h in ranked if h.change)
    assert "upstream-explains" in change.rule
    rc = root_cause_of(ranked)
    assert rc is not None and rc.cause == "upstream" and not rc.abstain
