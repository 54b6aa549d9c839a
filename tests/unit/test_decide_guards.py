"""The guards of a fix, each decision whole: which playbook, what status, the exact reason a person reads
in Slack, the exact parameters, and the edges of each window (written against mutmut's survivors,
docs/testing.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import pytest

from aiops.remediation.decide import Decision, Run
from aiops.remediation.playbooks import Playbook
from tests.unit.test_decide import NOW, PLAYBOOKS, _decide, _incident

Status = Literal["start", "pending_approval", "skipped"]
ROLLBACK = next(p for p in PLAYBOOKS if p.name == "prompt-rollback")
PARAMS = {  # the playbook's, and the runbook's optional ones at their defaults
    "ParameterName": "/llm/chat/prompt",
    "VerifyAlarmNames": ["chat-api-5xx"],
    "VerifySeconds": 600,
    "TargetVersion": "",
    "AutomationAssumeRole": "",
}


def _run(ago: timedelta, status: str = "succeeded", runbook: str = "PromptRollback") -> Run:
    return Run(runbook, NOW - ago, status)


def _approval(**update: object) -> Playbook:
    return ROLLBACK.model_copy(update={"approval": ROLLBACK.approval.model_copy(update=update)})


@pytest.mark.parametrize(
    ("history", "enabled", "dry_run", "status", "reason"),
    [
        ([], True, False, "start", ""),
        ([], False, False, "skipped", "automation is disabled (the kill switch parameter is not true)"),
        (
            [_run(timedelta(hours=1), "failed"), _run(timedelta(hours=23, minutes=59), "failed")],
            True,
            False,
            "skipped",
            "circuit breaker open: 2 failed run(s) in 24 h",
        ),
        (
            [_run(timedelta(hours=h)) for h in (2, 5, 9)],
            True,
            False,
            "skipped",
            "daily cap reached: 3 run(s) in 24 h",
        ),
        (
            [_run(timedelta(minutes=10, seconds=59))],
            True,
            False,
            "skipped",
            "cooldown: last run 10 min ago (< 30 min)",
        ),
        (
            [_run(timedelta(minutes=29, seconds=59))],
            True,
            False,
            "skipped",
            "cooldown: last run 29 min ago (< 30 min)",
        ),
        ([], True, True, "skipped", "dry run: would start PromptRollback"),
    ],
    ids=["start", "kill-switch", "circuit-breaker", "daily-cap", "cooldown", "cooldown-edge", "dry-run"],
)
def test_each_guard_decides_whole(
    history: list[Run], enabled: bool, dry_run: bool, status: Status, reason: str
) -> None:
    d = _decide(_incident(), history, enabled=enabled, dry_run=dry_run)
    assert d == Decision(ROLLBACK, status, reason, PARAMS)


def test_the_kill_switch_wins_over_every_other_guard() -> None:
    history = [_run(timedelta(minutes=1), "failed")] * 3
    d = _decide(_incident(), history, enabled=False, dry_run=True)
    assert (d.status, d.reason) == (
        "skipped",
        "automation is disabled (the kill switch parameter is not true)",
    )


def test_the_windows_end_exactly_at_their_length() -> None:
    # a run exactly 24 h ago is out of the day; exactly 30 min ago is out of the cooldown
    day_old = [_run(timedelta(days=1), "failed")] * 2 + [_run(timedelta(days=1))] * 3
    assert _decide(_incident(), day_old).status == "start"
    assert _decide(_incident(), [_run(timedelta(minutes=30))]).status == "start"
    # other runbooks' runs are not this one's history
    other = [_run(timedelta(minutes=1), "failed", runbook="ModelRollback")] * 3
    assert _decide(_incident(), other).status == "start"


def test_one_failure_below_the_breaker_and_two_runs_below_the_cap_still_start() -> None:
    assert _decide(_incident(), [_run(timedelta(hours=2), "failed")]).status == "start"
    assert _decide(_incident(), [_run(timedelta(hours=h)) for h in (2, 5)]).status == "start"


@pytest.mark.parametrize(
    ("approval", "status", "reason"),
    [
        ({"default": "never"}, "skipped", "approval mode is never: a human runs it"),
        ({"by_severity": {"SEV2": "slack"}}, "pending_approval", "waiting for approval in Slack"),
        ({"by_severity": {"SEV1": "slack"}}, "start", ""),
        ({"by_tier": {"critical": "never"}}, "skipped", "approval mode is never: a human runs it"),
        ({"by_tier": {"low": "never"}}, "start", ""),
    ],
)
def test_approval_by_severity_and_tier(approval: dict[str, object], status: Status, reason: str) -> None:
    # the incident is SEV2, its service critical
    playbook = _approval(**approval)
    assert _decide(_incident(), playbooks=[playbook]) == Decision(playbook, status, reason, PARAMS)


def test_a_fix_with_no_alarm_to_verify_by_is_not_started() -> None:
    incident = _incident()
    member = incident.members["fp"].model_copy(update={"component": None})  # no component owns it
    d = _decide(incident.model_copy(update={"members": {"fp": member}}))
    assert d == Decision(
        ROLLBACK, "skipped", "no alarm to verify a fix by", {**PARAMS, "VerifyAlarmNames": []}
    )
