"""A human approves or denies a fix waiting in Slack, on the in-memory store and a recording remediator:
the first click wins, the parameters are rendered again at approval time, the kill switch still stops
it, every end is on the timeline under the person's name, and the person reads exactly what happened
(written against mutmut's survivors, docs/mutation.md)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from aiops.catalog.model import load_catalog
from aiops.errors import TransientError
from aiops.incident.model import Action, Incident
from aiops.remediation.playbooks import Playbook
from aiops.remediation.remediate import AUTOMATION_OFF, client_token
from tests.unit.test_decide import NOW, PLAYBOOKS, SERVICE
from tests.unit.test_remediate_start import PARAMS, World

APPROVED_AT = NOW + timedelta(minutes=3)
ROLLBACK = next(p for p in PLAYBOOKS if p.name == "prompt-rollback")
BY_SLACK = ROLLBACK.model_copy(update={"approval": ROLLBACK.approval.model_copy(update={"default": "slack"})})
WAITING = Action(
    playbook="prompt-rollback",
    runbook="PromptRollback",
    status="pending_approval",
    reason="waiting for approval in Slack",
    parameters=PARAMS,
    decided_at=NOW,
)
NOTHING = "nothing waits for approval there (already approved or decided)"


@pytest.fixture
def world() -> World:
    """An incident whose prompt rollback waits for approval, three minutes later."""
    world = World(playbooks=[BY_SLACK])
    world.open()
    world.after_change()
    assert world.action() == WAITING
    world.clock.set(APPROVED_AT)
    return world


def approve(world: World, user: str = "U1") -> str:
    return world.remediation.approve("inc-1", "prompt-rollback", user, world.update)


def deny(world: World, user: str = "U2") -> str:
    return world.remediation.deny("inc-1", "prompt-rollback", user, world.update)


def test_an_approval_starts_the_fix_under_the_approvers_name(world: World) -> None:
    assert approve(world) == "PromptRollback started"
    assert world.remediator.started == [("PromptRollback", PARAMS, client_token("inc-1", "prompt-rollback"))]
    assert world.action() == Action(
        playbook="prompt-rollback",
        runbook="PromptRollback",
        status="running",
        reason="approved by U1",  # not "started automatically": a person started it
        parameters=PARAMS,
        execution_id="exec-1",
        decided_at=NOW,
        approved_by="U1",
        requested_at=APPROVED_AT,
    )
    assert world.timeline() == [
        ("action:prompt-rollback", "PromptRollback waits for approval in Slack", "aiops"),
        ("approved:prompt-rollback", "PromptRollback approved by U1", "U1"),
        ("started:exec-1", "PromptRollback started (exec-1)", "aiops"),
    ]
    assert [e.at for e in world.store.timeline("inc-1") if e.kind == "action"][1:] == [APPROVED_AT] * 2
    (note,) = world.pager.changes
    assert note.service == "chat"


def test_the_second_click_changes_nothing(world: World) -> None:
    approve(world)
    assert approve(world, "U3") == NOTHING
    assert deny(world) == "nothing waits for approval there"
    assert len(world.remediator.started) == 1
    assert world.action().approved_by == "U1"


def test_a_denial_skips_the_fix_under_the_deniers_name_and_pages(world: World) -> None:
    assert deny(world) == "skipped: denied by U2"
    assert world.action() == WAITING.model_copy(
        update={"status": "skipped", "reason": "denied by U2", "ended_at": APPROVED_AT}
    )
    assert world.timeline()[1:] == [("skipped:prompt-rollback", "PromptRollback skipped: denied by U2", "U2")]
    assert [(p.action, p.severity) for p in world.pager.pages] == [("trigger", "SEV2")]
    assert approve(world) == NOTHING
    assert world.remediator.started == []


def test_a_denial_cannot_stop_an_approved_start_in_flight(world: World) -> None:
    # approved, and SSM did not answer yet: the start is recorded; a late "deny" is not a kill switch
    world.remediator.fail = TransientError("throttled")
    assert approve(world) == "PromptRollback approved: starting it failed for now, it is retried shortly"
    assert deny(world) == "nothing waits for approval there"
    assert (world.action().status, world.action().execution_id) == ("running", None)


def test_the_kill_switch_off_at_approval_time_starts_nothing_and_says_so(world: World) -> None:
    world.remediator.enabled = False
    assert approve(world) == f"PromptRollback not started: {AUTOMATION_OFF}"
    assert world.remediator.started == []
    assert world.action() == Action(
        playbook="prompt-rollback",
        runbook="PromptRollback",
        status="skipped",
        reason=AUTOMATION_OFF,
        parameters=PARAMS,
        decided_at=NOW,
        approved_by="U1",
        requested_at=APPROVED_AT,
        ended_at=APPROVED_AT,
    )
    assert [(p.action, p.severity) for p in world.pager.pages] == [("trigger", "SEV2")]


def test_a_refused_start_after_approval_fails_and_pages(world: World) -> None:
    world.remediator.fail = ValueError("AccessDenied")
    assert approve(world) == "failed: could not start: ValueError"
    assert world.action().status == "failed"
    assert [(p.action, p.severity) for p in world.pager.pages] == [("trigger", "SEV2")]


def test_an_approval_is_rendered_with_the_alarms_firing_when_it_is_given(world: World) -> None:
    # the alarm that fired at decision time cleared; another symptom fires now: verify by that one
    incident = world.current()
    cleared = incident.members["fp"].model_copy(update={"status": "ok"})
    firing = cleared.model_copy(
        update={
            "fingerprint": "fp2",
            "resource": "chat-api-latency",
            "status": "firing",
            "metric": "AWS/ApiGateway/Latency",
        }
    )
    _replace(world, incident.model_copy(update={"members": {"fp": cleared, "fp2": firing}}))
    assert approve(world) == "PromptRollback started"
    assert world.action().parameters == {**PARAMS, "VerifyAlarmNames": ["chat-api-latency"]}


def test_an_approval_with_no_alarm_left_to_verify_by_fails(world: World) -> None:
    incident = world.current()
    cleared = incident.members["fp"].model_copy(update={"status": "ok"})
    _replace(world, incident.model_copy(update={"members": {"fp": cleared}}))
    assert approve(world) == "failed: could not start: no alarm to verify a fix by"
    assert world.remediator.started == []
    assert world.action() == WAITING.model_copy(
        update={
            "status": "failed",
            "reason": "could not start: no alarm to verify a fix by",
            "ended_at": APPROVED_AT,
        }
    )
    assert world.timeline()[-1] == (
        "failed:prompt-rollback",
        "PromptRollback failed: could not start: no alarm to verify a fix by",
        "aiops",
    )


def test_an_approval_for_a_playbook_since_removed_fails(world: World) -> None:
    world.remediation.approvals.playbooks = []
    assert approve(world) == "failed: the playbook is gone"
    assert world.action().status == "failed" and world.remediator.started == []


def test_an_approval_for_a_runbook_since_removed_fails(world: World) -> None:
    world.remediation.approvals.runbooks = {}
    assert approve(world) == "failed: the playbook is gone"


def test_an_approval_without_a_remediator_fails(world: World) -> None:
    world.remediation.approvals.remediator = None
    assert approve(world) == "failed: the playbook is gone"


def test_an_approval_for_a_service_since_removed_fails(world: World) -> None:
    _replace(world, world.current().model_copy(update={"service": "gone"}))
    assert approve(world) == "failed: the playbook is gone"


def test_an_approval_the_store_cannot_record_says_try_again(world: World) -> None:
    def broken(incident_id: str, change: object) -> Incident:
        raise TransientError("DynamoDB throttled")

    said = world.remediation.approve("inc-1", "prompt-rollback", "U1", broken)
    assert said == "the approval could not be recorded now: try again in a minute"
    assert world.action() == WAITING and world.remediator.started == []


def test_an_unreadable_live_value_at_approval_time_is_tried_again(world: World) -> None:
    # a transient read while rendering is not a refusal of the fix: the click is to be repeated
    def unreadable(name: str) -> str | None:
        raise TransientError("GetParameter throttled")

    world.remediation.approvals.playbooks = [_token_cap_by_slack()]
    world.remediation.approvals.catalog = load_catalog(  # no llm.token_cap: the cap is the live one halved
        {
            "services": [
                {"name": "chat", "tier": "critical", "llm": {"max_tokens_parameter": "/llm/chat/max-tokens"}}
            ]
        }
    )
    world.remediator.parameter_value = unreadable  # type: ignore[method-assign]
    _replace(world, world.current().model_copy(update={"actions": (_waiting_token_cap(),)}))
    said = world.remediation.approve("inc-1", "token-cap", "U1", world.update)
    assert said == "the approval could not be recorded now: try again in a minute"
    assert world.action().status == "pending_approval"


def test_nothing_waits_for_a_playbook_never_proposed(world: World) -> None:
    assert world.remediation.approve("inc-1", "model-rollback", "U1", world.update) == NOTHING
    assert world.remediation.deny("inc-1", "model-rollback", "U1", world.update) == (
        "nothing waits for approval there"
    )
    assert world.action() == WAITING


def test_an_approval_lost_to_another_click_in_between_starts_nothing(world: World) -> None:
    # this click read the action waiting; another click denied it before this one was recorded
    real = world.update
    calls = 0

    def racing(incident_id: str, change: object) -> Incident:
        nonlocal calls
        calls += 1
        if calls == 2:
            deny(world)
        return real(incident_id, change)  # type: ignore[arg-type]

    said = world.remediation.approve("inc-1", "prompt-rollback", "U1", racing)
    assert said == NOTHING
    assert world.remediator.started == [] and world.action().status == "skipped"


def test_an_approval_dated_by_the_newest_event_when_the_clock_lags(world: World) -> None:
    world.clock.set(NOW - timedelta(minutes=1))
    approve(world)
    assert world.action().requested_at == NOW
    assert [e.at for e in world.store.timeline("inc-1") if e.key == "approved:prompt-rollback"] == [NOW]


def _replace(world: World, incident: Incident) -> None:
    world.update("inc-1", lambda inc: (incident.model_copy(update={"version": inc.version}), []))


def _token_cap_by_slack() -> Playbook:
    token_cap = next(p for p in PLAYBOOKS if p.name == "token-cap")
    return token_cap.model_copy(
        update={"approval": token_cap.approval.model_copy(update={"default": "slack"})}
    )


def _waiting_token_cap() -> Action:
    return Action(
        playbook="token-cap", runbook="TokenCap", status="pending_approval", parameters={}, decided_at=NOW
    )


def _paging_after_15_min() -> World:
    """A SEV2 that pages only when no one acts within 15 min: waiting for approval pages nothing yet."""
    doc = {
        "services": [{**SERVICE.model_dump(mode="json", exclude_none=True), "escalation": {"SEV2": "15m"}}]
    }
    world = World(playbooks=[BY_SLACK], catalog=load_catalog(doc))
    world.open()
    world.after_change()
    assert world.action() == WAITING and world.pager.pages == []
    world.clock.set(NOW + 16 * timedelta(minutes=1))
    return world


def _why_paged(world: World) -> list[str]:
    return [str(p.details["why_paged"]) for p in world.pager.pages]


def test_a_denial_escalates_at_once_saying_it_was_denied() -> None:
    world = _paging_after_15_min()
    assert deny(world) == "skipped: denied by U2"
    assert _why_paged(world) == [
        "the automatic fix was skipped: denied by U2; not acknowledged within 15 min"
    ]


def test_an_approval_stopped_by_the_kill_switch_escalates_at_once() -> None:
    world = _paging_after_15_min()
    world.remediator.enabled = False
    assert approve(world) == f"PromptRollback not started: {AUTOMATION_OFF}"
    assert _why_paged(world) == [
        f"the automatic fix was skipped: {AUTOMATION_OFF}; not acknowledged within 15 min"
    ]


def test_a_failed_approval_logs_why_with_the_incident(world: World, caplog: pytest.LogCaptureFixture) -> None:
    def broken(incident_id: str, change: object) -> Incident:
        raise TransientError("DynamoDB throttled")

    world.remediator.fail = TransientError("throttled")
    with caplog.at_level(logging.WARNING, logger="aiops.remediation"):
        world.remediation.approve("inc-1", "prompt-rollback", "U1", broken)
    records = [
        (r.levelname, r.getMessage(), getattr(r, "incident_id", ""), bool(r.exc_info)) for r in caplog.records
    ]
    assert records == [("ERROR", "remediation.approve_failed", "inc-1", True)]


def test_a_start_that_raises_after_approval_is_logged_and_retried(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    def failing_start(incident: Incident, action: Action, update: object) -> Incident:
        raise TransientError("the store lost the start's write")

    world.remediation.approvals.start = failing_start
    with caplog.at_level(logging.WARNING, logger="aiops.remediation"):
        said = approve(world)
    assert said == "PromptRollback approved: starting it failed for now, it is retried shortly"
    records = [
        (r.levelname, r.getMessage(), getattr(r, "incident_id", ""), bool(r.exc_info)) for r in caplog.records
    ]
    assert records == [("ERROR", "remediation.start_deferred", "inc-1", True)]


def test_a_start_another_click_recorded_for_a_playbook_since_removed_is_failed(world: World) -> None:
    # this click read the action waiting and finds the playbook gone; meanwhile another click's approval
    # recorded the start (not started yet): it must not start a playbook no longer installed
    world.remediation.approvals.playbooks = []
    real = world.update
    calls = 0

    def racing(incident_id: str, change: Any) -> Incident:
        nonlocal calls
        calls += 1
        if calls == 2:
            real(incident_id, lambda inc: (_approved_elsewhere(inc), []))
        return real(incident_id, change)

    said = world.remediation.approve("inc-1", "prompt-rollback", "U1", racing)
    assert said == "failed: the playbook is gone"
    assert world.action().status == "failed" and world.remediator.started == []


def _approved_elsewhere(incident: Incident) -> Incident:
    (action,) = incident.actions
    running = action.model_copy(update={"status": "running", "approved_by": "U9", "requested_at": NOW})
    return incident.model_copy(update={"actions": (running,)})
