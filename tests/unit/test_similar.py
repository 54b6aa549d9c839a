"""The signature of an incident and how "seen before" reads (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiops.incident.model import Incident, Member, RootCause
from aiops.incident.signature import signature_of
from aiops.incident.similar import PastIncident, Similar, similar_text

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _member(resource: str, metric: str, *, fired: bool = True, kind: str = "alarm") -> Member:
    return Member(
        fingerprint=resource, kind=kind, resource=resource, component="api", title=resource,
        status="firing", first_seen=T0, last_change=T0, fired_at=T0 if fired else None, metric=metric,
    )  # fmt: skip


def _incident(*members: Member, change_kind: str | None = "prompt", component: str = "prompt") -> Incident:
    return Incident(
        id="inc-000000000001", service="chat", title="t", opened_at=T0, last_activity_at=T0,
        members={m.fingerprint: m for m in members},
        root_cause=RootCause(component=component, summary="s", change="e", change_kind=change_kind),
    )  # fmt: skip


def test_the_signature_is_component_change_kind_and_the_failing_metric_families() -> None:
    a = _incident(_member("api-5xx", "AWS/ApiGateway/5XXError"), _member("orch-lat", "AWS/Lambda/Duration"))
    b = _incident(_member("other-lat", "AWS/Bedrock/InvocationLatency"), _member("x-err", "App/Errors"))
    assert signature_of(a) == signature_of(b)  # the same families, whichever alarms carry them
    sig = signature_of(a)
    assert sig is not None and sig.label == "prompt · prompt change · errors+latency"
    assert signature_of(_incident(_member("api-5xx", "AWS/ApiGateway/5XXError"))) != sig
    assert signature_of(_incident(*a.members.values(), change_kind=None)) != sig
    assert signature_of(_incident(*a.members.values(), component="model")) != sig
    # a member that never fired, and evidence, are not failing symptoms
    assert (
        signature_of(
            a.model_copy(update={"members": {**a.members, "q": _member("q", "x/Throttles", fired=False)}})
        )
        == sig
    )
    assert signature_of(a.model_copy(update={"root_cause": None})) is None


def test_seen_before_reads_as_a_person_would_say_it() -> None:
    last = PastIncident(
        id="inc-1",
        service="chat",
        opened_at=datetime(2026, 11, 28, tzinfo=UTC),
        outcome="PromptRollback, verified",
    )
    other = PastIncident(id="inc-2", service="search", opened_at=T0)
    assert similar_text(Similar(signature="k", label="l", count=3, last=last)) == (
        "seen 3 times in 30 days; last on Nov 28: PromptRollback, verified"
    )
    assert similar_text(
        Similar(signature="k", label="l", count=50, capped=True, last=last, others=(other,))
    ) == ("seen 50+ times in 30 days; last on Nov 28: PromptRollback, verified; also on search")
    assert (
        similar_text(Similar(signature="k", label="l", last=other, others=(other,)))
        == "last on search on Nov 25"
    )
    assert similar_text(Similar(signature="k", label="l")) == ""


def test_recall_reads_the_signature_again_whenever_its_inputs_move() -> None:
    # GIVEN one incident as a storm moves it: members flipping, one joining, one firing first, the
    # root cause changing; WHEN recall reads its signature after each change (with its memo)
    from aiops.pipeline.recall import Recall

    recall = Recall(history=None)  # type: ignore[arg-type]
    lat, err = _member("orch-lat", "AWS/Lambda/Duration"), _member("api-5xx", "AWS/ApiGateway/5XXError")
    quiet = _member("q", "x/Throttles", fired=False)
    steps = [_incident(lat)]
    steps.append(steps[-1].model_copy(update={"members": {**steps[-1].members, "orch-lat": lat.model_copy(
        update={"status": "resolved"})}}))  # fmt: skip
    steps.append(steps[-1].model_copy(update={"members": {**steps[-1].members, "q": quiet}}))
    steps.append(steps[-1].model_copy(update={"members": {**steps[-1].members, "q": quiet.model_copy(
        update={"fired_at": T0})}}))  # fmt: skip
    steps.append(steps[-1].model_copy(update={"members": {**steps[-1].members, "api-5xx": err}}))
    steps.append(_incident(*steps[-1].members.values(), component="model"))
    steps.append(steps[-1].model_copy(update={"root_cause": None}))
    # THEN each is what signature_of says of it, and they are not all the same
    seen = [recall.signature(s) for s in steps]
    assert seen == [signature_of(s) for s in steps]
    assert len({s.label if s else None for s in seen}) == 5
