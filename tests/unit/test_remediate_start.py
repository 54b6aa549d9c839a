"""The start path of a fix, on the in-memory store and a recording remediator: decide once, record the
start before it is made, start it with the incident's client token, read the kill switch first every
time, retry a transient failure with the same token until the deadline, and say so on the timeline and
PagerDuty's. Each case asserts the action whole (written against mutmut's survivors, docs/mutation.md)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import pytest

from aiops.catalog.model import Catalog
from aiops.errors import TransientError
from aiops.incident.model import Action, Incident, Timer
from aiops.local.clock import FixedClock
from aiops.local.fakes import LocalPager
from aiops.local.memory import MemoryStore
from aiops.pipeline.update import Updater
from aiops.remediation.decide import Run
from aiops.remediation.playbooks import Playbook
from aiops.remediation.ports import ExecutionUpdate, RunOutcome
from aiops.remediation.remediate import AUTOMATION_OFF, START_DEADLINE, Remediation, client_token
from tests.unit.test_decide import CATALOG, NOW, PLAYBOOKS, RUNBOOKS, _incident

TOKEN = client_token("inc-1", "prompt-rollback")
PARAMS = {  # prompt-rollback's, rendered for the incident (test_decide_guards.PARAMS)
    "ParameterName": "/llm/chat/prompt",
    "VerifyAlarmNames": ["chat-api-5xx"],
    "VerifySeconds": 600,
    "TargetVersion": "",
    "AutomationAssumeRole": "",
}
DISABLED = "automation is disabled (the kill switch parameter is not true)"


class Remediator:
    """The Remediator port, recording: what was started with which token, the switch as set."""

    def __init__(self) -> None:
        self.enabled = True
        self.started: list[tuple[str, dict[str, Any], str]] = []
        self.switch_reads = 0
        self.fail: Exception | None = None
        self.live: dict[str, str] = {}
        self.finished: list[ExecutionUpdate] = []
        self.statuses: dict[str, ExecutionUpdate] = {}

    def start(self, runbook: str, parameters: Mapping[str, Any], client_token: str) -> str:
        if self.fail is not None:
            raise self.fail
        self.started.append((runbook, dict(parameters), client_token))
        return f"exec-{len(self.started)}"

    def poll(self) -> list[ExecutionUpdate]:
        out, self.finished = self.finished, []
        return out

    def status(self, execution_id: str) -> ExecutionUpdate | None:
        return self.statuses.get(execution_id)

    def automation_enabled(self) -> bool:
        self.switch_reads += 1
        return self.enabled

    def parameter_value(self, name: str) -> str | None:
        return self.live.get(name)

    def outcome(self, execution_id: str) -> RunOutcome:
        return RunOutcome(changed=True, undone=False)


class Scheduler:
    def __init__(self) -> None:
        self.scheduled: list[tuple[str, str]] = []

    def schedule(self, timer: Timer, incident_id: str) -> None:
        self.scheduled.append((timer.name, incident_id))

    def cancel(self, name: str) -> None:
        pass


class World:
    def __init__(
        self,
        *,
        dry_run: bool = False,
        remediator: bool = True,
        playbooks: Sequence[Playbook] = PLAYBOOKS,
        catalog: Catalog = CATALOG,
    ) -> None:
        self.clock = FixedClock(NOW)
        self.store = MemoryStore()
        self.update = Updater(self.store, retries=3)
        self.remediator = Remediator()
        self.pager = LocalPager()
        self.scheduler = Scheduler()
        options: dict[str, Any] = {"dry_run": True} if dry_run else {}  # the default is to act
        self.remediation = Remediation(
            catalog=catalog,
            playbooks=playbooks,
            runbooks=RUNBOOKS,
            remediator=self.remediator if remediator else None,
            runs=self.store,
            pager=self.pager,
            clock=self.clock,
            scheduler=self.scheduler,
            thread_url=lambda incident_id: f"https://slack.example/{incident_id}",
            **options,
        )

    def open(self, incident: Incident | None = None) -> Incident:
        return self.store.create(incident or _incident())

    def after_change(self, incident: Incident | None = None) -> Incident:
        return self.remediation.after_change(incident or self.current(), self.update)

    def current(self) -> Incident:
        found = self.store.get("inc-1")
        assert found is not None
        return found

    def action(self) -> Action:
        (action,) = self.current().actions
        return action

    def timeline(self) -> list[tuple[str, str, str]]:
        return [(e.key, e.text, e.actor) for e in self.store.timeline("inc-1") if e.kind == "action"]


@pytest.fixture
def world() -> World:
    return World()


def test_a_fitting_fix_starts_once_with_the_incidents_token_and_is_announced(world: World) -> None:
    world.open()
    world.after_change()
    assert world.remediator.started == [("PromptRollback", PARAMS, TOKEN)]
    assert world.action() == Action(
        playbook="prompt-rollback",
        runbook="PromptRollback",
        status="running",
        reason="started automatically",
        parameters=PARAMS,
        execution_id="exec-1",
        decided_at=NOW,
        requested_at=NOW,
    )
    assert world.timeline() == [("action:prompt-rollback", "PromptRollback started (exec-1)", "aiops")]
    assert world.store.runs("chat", NOW - timedelta(days=1)) == [Run("PromptRollback", NOW, "running")]
    assert world.store.executions["exec-1"][2:] == ("inc-1", "prompt-rollback")
    (note,) = world.pager.changes  # the run is a change event on the service's PagerDuty timeline
    assert note.service == "chat"
    # a second change of the incident decides nothing again and starts nothing again
    world.clock.set(NOW + timedelta(minutes=1))
    world.after_change()
    assert len(world.remediator.started) == 1
    assert world.remediator.switch_reads == 2  # read to decide and to start, once each


def test_the_token_is_the_incident_and_playbooks_own() -> None:
    # uuid5(NAMESPACE_URL, "aiops:inc-1:prompt-rollback"): pinned, since a token that changed between
    # versions would let an upgrade start a recorded fix a second time
    assert client_token("inc-1", "prompt-rollback") == "b84d44fc-9f49-5432-8f30-35de3a051201"
    assert client_token("inc-1", "prompt-rollback") == TOKEN
    assert client_token("inc-2", "prompt-rollback") != TOKEN
    assert client_token("inc-1", "model-rollback") != TOKEN


def test_the_kill_switch_off_when_deciding_skips_the_fix_and_says_why(world: World) -> None:
    world.remediator.enabled = False
    world.open()
    world.after_change()
    assert world.remediator.started == []
    assert world.action() == Action(
        playbook="prompt-rollback",
        runbook="PromptRollback",
        status="skipped",
        reason=DISABLED,
        parameters=PARAMS,
        decided_at=NOW,
    )
    assert world.timeline() == [("action:prompt-rollback", f"PromptRollback skipped: {DISABLED}", "aiops")]


def test_the_kill_switch_turned_off_after_the_decision_stops_the_recorded_start(world: World) -> None:
    # the start is recorded, SSM is unreachable, then an operator turns automation off: the flush's
    # retry reads the switch again and starts nothing
    world.open()
    world.remediator.fail = TransientError("ssm unreachable")
    world.after_change()
    assert world.action().status == "running" and world.action().execution_id is None
    world.remediator.fail = None
    world.remediator.enabled = False
    world.clock.set(NOW + timedelta(minutes=2))
    world.remediation.repair(world.current(), world.update)
    assert world.remediator.started == []
    assert world.action() == Action(
        playbook="prompt-rollback",
        runbook="PromptRollback",
        status="skipped",
        reason=AUTOMATION_OFF,
        parameters=PARAMS,
        decided_at=NOW,
        requested_at=NOW,
        ended_at=NOW + timedelta(minutes=2),
    )
    assert world.timeline() == [
        ("skipped:prompt-rollback", f"PromptRollback skipped: {AUTOMATION_OFF}", "aiops")
    ]


def test_a_transient_start_failure_is_retried_with_the_same_token_until_the_deadline(world: World) -> None:
    world.open()
    world.remediator.fail = TransientError("throttled")
    world.after_change()
    pending = world.action()
    assert (pending.status, pending.reason, pending.execution_id) == ("running", "starting", None)
    assert world.timeline() == []  # a start is announced once it started
    # just inside the deadline: still pending, still retried
    world.clock.set(NOW + START_DEADLINE - timedelta(seconds=1))
    world.remediation.repair(world.current(), world.update)
    assert world.action() == pending
    # SSM answers again: the same token, so at most one execution whatever reached SSM before
    world.remediator.fail = None
    world.remediation.repair(world.current(), world.update)
    assert world.remediator.started == [("PromptRollback", PARAMS, TOKEN)]
    assert world.action().execution_id == "exec-1"


def test_a_start_failing_transiently_until_the_deadline_fails_the_action(world: World) -> None:
    world.open()
    world.remediator.fail = TransientError("throttled")
    world.after_change()
    world.clock.set(NOW + START_DEADLINE)  # exactly at it: no more retries
    repaired = world.remediation.repair(world.current(), world.update)
    assert repaired == world.current()
    assert world.action() == Action(
        playbook="prompt-rollback",
        runbook="PromptRollback",
        status="failed",
        reason="could not start: throttled",
        parameters=PARAMS,
        decided_at=NOW,
        requested_at=NOW,
        ended_at=NOW + START_DEADLINE,
    )
    assert world.timeline() == [
        ("failed:prompt-rollback", "PromptRollback failed: could not start: throttled", "aiops")
    ]


def test_a_refused_start_fails_the_action_at_once_and_pages(world: World) -> None:
    world.open()
    world.remediator.fail = ValueError("bad document")
    world.after_change()
    assert world.action() == Action(
        playbook="prompt-rollback",
        runbook="PromptRollback",
        status="failed",
        reason="could not start: ValueError",  # the exception's name, never its (untrusted) text
        parameters=PARAMS,
        decided_at=NOW,
        requested_at=NOW,
        ended_at=NOW,
    )
    assert [(p.action, p.severity) for p in world.pager.pages] == [("trigger", "SEV2")]


def test_a_failing_decision_is_deferred_and_the_escalation_still_runs(world: World) -> None:
    world.open()
    world.remediator.automation_enabled = _raise  # type: ignore[method-assign]
    incident = world.after_change()
    assert incident.actions == () and world.remediator.started == []
    assert world.pager.pages == []  # a fix may still come: no page yet
    # the flush's repair logs the same failure and returns the incident as it was
    assert world.remediation.repair(world.current(), world.update) == world.current()
    # ten minutes on, still undecided: the escalation that runs regardless pages
    world.clock.set(NOW + timedelta(minutes=10))
    world.after_change()
    assert [(p.action, p.severity) for p in world.pager.pages] == [("trigger", "SEV2")]


def _raise() -> bool:
    raise TransientError("GetParameter throttled")


def test_dry_run_decides_and_records_but_never_starts() -> None:
    world = World(dry_run=True)
    world.open()
    world.after_change()
    assert world.remediator.started == []
    assert (world.action().status, world.action().reason) == (
        "skipped",
        "dry run: would start PromptRollback",
    )


def test_the_guards_read_the_services_runs_of_the_last_day(world: World) -> None:
    for ago, execution in ((timedelta(hours=23, minutes=59), "e-1"), (timedelta(hours=1), "e-2")):
        run = Run("PromptRollback", NOW - ago, "failed")
        world.store.record_run(
            "chat", run, execution_id=execution, incident_id="old", playbook="prompt-rollback"
        )
    world.open()
    world.after_change()
    assert (world.action().status, world.action().reason) == (
        "skipped",
        "circuit breaker open: 2 failed run(s) in 24 h",
    )


def test_a_run_older_than_a_day_does_not_count(world: World) -> None:
    for ago, execution in ((timedelta(days=1, seconds=1), "e-1"), (timedelta(hours=1), "e-2")):
        run = Run("PromptRollback", NOW - ago, "failed")
        world.store.record_run(
            "chat", run, execution_id=execution, incident_id="old", playbook="prompt-rollback"
        )
    world.open()
    world.after_change()
    assert world.action().status == "running"


def test_the_token_cap_is_derived_from_the_live_value() -> None:
    # token-cap on a service without llm.token_cap halves the live max-tokens (read through the port)
    from aiops.catalog.model import load_catalog

    catalog = load_catalog(
        {
            "services": [
                {
                    "name": "chat",
                    "tier": "low",
                    "llm": {"max_tokens_parameter": "/llm/chat/max-tokens"},
                }
            ]
        }
    )
    world = World()
    world.remediation = Remediation(
        catalog=catalog,
        playbooks=PLAYBOOKS,
        runbooks=RUNBOOKS,
        remediator=world.remediator,
        runs=world.store,
        pager=world.pager,
        clock=world.clock,
    )
    world.remediator.live["/llm/chat/max-tokens"] = "2048"
    world.open(_incident("cost", None, kind="budget", alarm="chat-monthly"))
    world.after_change()
    assert world.action().playbook == "token-cap"
    assert world.action().parameters["MaxTokens"] == "1024"  # the playbook renders it as a string


@pytest.mark.parametrize("status", ["mitigated", "resolved"])
def test_nothing_is_decided_for_an_incident_that_is_not_open(world: World, status: str) -> None:
    world.open(_incident().model_copy(update={"status": status}))
    world.after_change()
    assert world.current().actions == ()
    assert world.remediator.switch_reads == 0


def test_nothing_is_decided_for_a_service_outside_the_catalog(world: World) -> None:
    world.open(_incident().model_copy(update={"service": "unknown"}))
    world.after_change()
    assert world.current().actions == () and world.remediator.switch_reads == 0


def test_without_a_remediator_nothing_is_decided_or_started() -> None:
    world = World(remediator=False)
    incident = world.open()
    assert world.remediation.remediate(incident, world.update) == incident  # no read, no error
    world.after_change()
    assert world.current().actions == ()


def test_a_start_asked_of_a_remediation_without_a_remediator_is_refused_naming_the_runbook(
    world: World,
) -> None:
    from aiops.errors import NotConfiguredError

    # GIVEN an action recorded by a remediation that could start it, then one that cannot (no remediator)
    world.open()
    world.after_change()
    action = world.action()
    bare = World(remediator=False)
    with pytest.raises(NotConfiguredError) as refused:
        bare.remediation.start(world.current(), action, bare.update)
    assert str(refused.value) == "start PromptRollback: this Remediation has no remediator"


def test_a_fix_no_playbook_fits_reads_nothing(world: World) -> None:
    incident = _incident("retriever", None)
    assert not world.remediation.fits(incident)
    assert world.remediation.fits(_incident())
    opened = world.open(incident)
    assert world.remediation.remediate(opened, world.update) == opened
    assert world.current().actions == () and world.remediator.switch_reads == 0


def test_a_lagging_clock_never_dates_the_decision_before_the_newest_event(world: World) -> None:
    world.clock.set(NOW - timedelta(minutes=5))
    world.open()
    world.after_change()
    assert (world.action().decided_at, world.action().requested_at) == (NOW, NOW)


def test_a_fix_waiting_for_approval_says_so_on_the_timeline() -> None:
    world = World()
    rollback = next(p for p in PLAYBOOKS if p.name == "prompt-rollback")
    slack = rollback.model_copy(
        update={"approval": rollback.approval.model_copy(update={"default": "slack"})}
    )
    world = World(playbooks=[slack])
    world.open()
    world.after_change()
    assert world.action() == Action(
        playbook="prompt-rollback",
        runbook="PromptRollback",
        status="pending_approval",
        reason="waiting for approval in Slack",
        parameters=PARAMS,
        decided_at=NOW,
    )
    assert world.timeline() == [
        ("action:prompt-rollback", "PromptRollback waits for approval in Slack", "aiops")
    ]


def test_another_workers_decision_is_kept(world: World) -> None:
    # the incident as this worker read it has no action; the stored one has another worker's
    world.open()
    stale = world.current()
    world.after_change()
    first = world.action()
    world.remediation._decide(stale, world.update)
    assert world.current().actions == (first,)


def test_settling_only_pending_leaves_a_recorded_start_alone(world: World) -> None:
    world.open()
    world.remediator.fail = TransientError("throttled")
    world.after_change()
    _, changed = world.remediation.settle(
        "inc-1", "prompt-rollback", "skipped", "denied by U1", world.update, only_pending=True, actor="U1"
    )
    assert not changed and world.action().status == "running"
    _, changed = world.remediation.settle(
        "inc-1", "prompt-rollback", "skipped", "denied by U1", world.update, actor="U1"
    )
    assert changed
    assert world.timeline() == [("skipped:prompt-rollback", "PromptRollback skipped: denied by U1", "U1")]


def test_a_finished_run_reaches_its_action_through_poll_and_finished(world: World) -> None:
    world.open()
    world.after_change()
    world.remediator.finished = [ExecutionUpdate("exec-1", "succeeded")]
    (incident,) = world.remediation.poll(world.update)
    assert incident.actions[0].status == "succeeded"
    assert world.remediation.finished("exec-9", "failed", "x", world.update) is None


def test_what_is_deferred_is_logged_with_the_incident_and_its_cause(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # the operator's view of a failure left for later: the event name, the incident, the traceback
    world.open()
    world.remediator.fail = TransientError("throttled")
    with caplog.at_level(logging.WARNING, logger="aiops.remediation"):
        world.after_change()
        world.remediator.fail = ValueError("refused")
        world.clock.set(NOW + timedelta(minutes=1))
        world.remediation.repair(world.current(), world.update)
    assert _records(caplog) == [
        ("WARNING", "remediation.start_pending", "inc-1", "throttled", False),
        ("ERROR", "remediation.start_failed", "inc-1", None, True),
    ]


def test_a_decision_or_settlement_that_fails_is_logged_with_its_traceback(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    incident = world.open()
    world.remediator.automation_enabled = _raise  # type: ignore[method-assign]
    world.remediator.status = _unreadable  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="aiops.remediation"):
        world.remediation.after_change(incident, world.update)
        world.remediation.repair(incident, world.update)
    assert _records(caplog) == [
        ("WARNING", "remediation.deferred", "inc-1", None, True),
        ("WARNING", "remediation.deferred", "inc-1", None, True),
    ]
    # settling reads SSM only for a run with an execution id: one to settle, and its read fails
    world.remediator.automation_enabled = lambda: True  # type: ignore[method-assign]
    world.after_change()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="aiops.remediation"):
        world.remediation.repair(world.current(), world.update)
    assert _records(caplog) == [("WARNING", "remediation.settle_deferred", "inc-1", None, True)]


def _unreadable(execution_id: str) -> ExecutionUpdate | None:
    raise TransientError("GetAutomationExecution throttled")


def _records(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str, str | None, bool]]:
    return [
        (
            r.levelname,
            r.getMessage(),
            getattr(r, "incident_id", ""),
            getattr(r, "error", None),
            bool(r.exc_info),
        )
        for r in caplog.records
        if r.name.startswith("aiops.remediation")
    ]


def test_the_flush_settles_a_run_whose_end_was_lost_from_ssms_record(world: World) -> None:
    world.open()
    world.after_change()
    world.remediator.statuses["exec-1"] = ExecutionUpdate("exec-1", "failed", "Step verify failed")
    world.clock.set(NOW + timedelta(minutes=20))
    repaired = world.remediation.repair(world.current(), world.update)
    assert repaired.actions[0].status == "failed"
    assert repaired == world.current()


def test_a_finished_run_ends_its_action_with_what_ssm_said(world: World) -> None:
    world.open()
    world.after_change()
    world.clock.set(NOW + timedelta(minutes=12))
    ended = world.remediation.finished("exec-1", "failed", "Step verify failed", world.update)
    assert ended is not None and ended == world.current()
    action = ended.actions[0]
    assert (action.status, action.ended_at, action.change) == (
        "failed",
        NOW + timedelta(minutes=12),
        "still_applied",
    )
    assert "Step verify failed" in action.reason


def test_an_approved_starts_deadline_runs_from_the_approval_not_the_decision() -> None:
    world = World()
    approved_at = NOW + timedelta(minutes=8)
    action = Action(
        playbook="prompt-rollback",
        runbook="PromptRollback",
        status="running",
        reason="approved by U1",
        parameters=PARAMS,
        decided_at=NOW,
        approved_by="U1",
        requested_at=approved_at,
    )
    world.open(_incident(actions=(action,)))
    world.remediator.fail = TransientError("throttled")
    world.clock.set(
        NOW + START_DEADLINE + timedelta(minutes=1)
    )  # 11 min after the decision, 3 after approval
    world.remediation.repair(world.current(), world.update)
    assert (world.action().status, world.action().execution_id) == ("running", None)
    world.remediator.fail = None
    world.remediation.repair(world.current(), world.update)
    assert world.store.runs("chat", NOW) == [Run("PromptRollback", approved_at, "running")]
    assert world.timeline() == [("started:exec-1", "PromptRollback started (exec-1)", "aiops")]


def test_a_start_records_its_execution_on_its_own_action_only(world: World) -> None:
    other = {"parameters": {}, "decided_at": NOW}
    actions = (
        Action(playbook="token-cap", runbook="TokenCap", status="failed", **other),
        Action(playbook="model-rollback", runbook="ModelRollback", status="running", **other),
        Action(playbook="prompt-rollback", runbook="PromptRollback", status="running", **other),
    )
    incident = world.open(_incident(actions=actions))
    world.remediation.start(incident, actions[2], world.update)
    assert [(a.playbook, a.execution_id) for a in world.current().actions] == [
        ("token-cap", None),
        ("model-rollback", None),
        ("prompt-rollback", "exec-1"),
    ]


def test_settling_nothing_says_so_exactly(world: World) -> None:
    world.open()
    _, changed = world.remediation.settle("inc-1", "prompt-rollback", "skipped", "x", world.update)
    assert changed is False


def test_the_page_links_the_thread_and_its_timer_is_scheduled(world: World) -> None:
    # a SEV3 no playbook fits: its page waits 15 min on a timer, and links the incident's Slack thread
    world.open(_incident("retriever", None).model_copy(update={"severity": "SEV3"}))
    world.after_change()
    assert world.scheduler.scheduled == [(world.current().timers[0].name, "inc-1")]
    world.clock.set(NOW + timedelta(minutes=15))
    world.after_change()
    (page,) = world.pager.pages
    assert ("https://slack.example/inc-1", "Slack thread") in page.links


def test_a_resolution_settles_at_once_only_when_a_human_resolved_it(world: World) -> None:
    resolved = _incident().model_copy(update={"status": "resolved", "resolved_at": NOW})
    world.open(resolved)
    held = world.remediation.after_change(world.current(), world.update)
    assert held.settled_at is None and held.timers  # calm for the hold first
    by_hand = world.remediation.after_change(world.current(), world.update, settle_now=True)
    assert by_hand.settled_at == NOW
