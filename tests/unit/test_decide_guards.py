"""The guards of a fix, each decision whole: which playbook, what status, the exact reason a person reads
in Slack, the exact parameters, and the edges of each window (written against mutmut's survivors,
docs/testing.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import pytest

from aiops.catalog.model import Service, load_catalog
from aiops.incident.model import Incident
from aiops.remediation.decide import (
    Decision,
    Run,
    _uses_token_cap,
    context_for,
    decide,
    derived_warnings,
    matches,
    parameters_for,
    token_cap_for,
)
from aiops.remediation.playbooks import Playbook
from aiops.remediation.runbooks import Parameter, Runbook
from tests.unit.test_decide import NOW, PLAYBOOKS, RUNBOOKS, SERVICE, _decide, _incident

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


# -- which playbook fits: each filter of a match, alone --------------------------------------------------

FALLBACK = next(p for p in PLAYBOOKS if p.name == "model-fallback")
TOKEN_CAP = next(p for p in PLAYBOOKS if p.name == "token-cap")


def _member(incident: Incident, **update: object) -> Incident:
    member = incident.members["fp"].model_copy(update=update)
    return incident.model_copy(update={"members": {"fp": member}})


def _match(**update: object) -> Playbook:
    return ROLLBACK.model_copy(update={"match": ROLLBACK.match.model_copy(update=update)})


def test_each_filter_of_a_match_alone_keeps_a_playbook_from_fitting() -> None:
    prompt_change = _incident()
    assert matches(ROLLBACK, prompt_change)
    # a change of another kind than the playbook rolls back (a prompt, not a parameter)
    rc = prompt_change.root_cause
    assert rc is not None
    other_kind = prompt_change.model_copy(
        update={"root_cause": rc.model_copy(update={"change_kind": "prompt"})}
    )
    assert not matches(ROLLBACK, other_kind)
    # a fallback is for a model failing with no change: a change points at a rollback instead
    throttled_after_change = _incident("model", "chg-2", metric="AWS/Bedrock/InvocationThrottles")
    assert not matches(FALLBACK, throttled_after_change)
    assert matches(FALLBACK, _incident("model", None, metric="AWS/Bedrock/InvocationThrottles"))
    # the symptom must be of a kind the playbook names, and its metric one the playbook names
    assert not matches(_match(kinds=("budget",)), prompt_change)
    assert matches(_match(kinds=("alarm",)), prompt_change)
    assert not matches(_match(metrics=("AWS/Bedrock/*",)), prompt_change)
    assert matches(_match(metrics=("AWS/ApiGateway/*",)), prompt_change)
    assert not matches(_match(metrics=("AWS/ApiGateway/*",)), _member(prompt_change, metric=None))


def test_only_firing_symptoms_count_for_a_match() -> None:
    by_metric = _match(metrics=("AWS/ApiGateway/*",))
    assert not matches(by_metric, _member(_incident(), status="ok"))  # the symptom cleared
    assert not matches(by_metric, _member(_incident(), role="context"))  # firing, but not a symptom


def test_min_severity_is_inclusive() -> None:
    # the incident is SEV2: a playbook for SEV2 and worse fits it, one for SEV1 only does not
    assert matches(_match(min_severity="SEV2"), _incident())
    assert not matches(_match(min_severity="SEV1"), _incident())


def test_a_playbook_without_a_root_cause_filter_fits_an_incident_without_a_root_cause() -> None:
    unranked = _incident().model_copy(update={"root_cause": None})
    assert matches(_match(root_cause=(), change="any", change_kinds=()), unranked)
    assert not matches(_match(root_cause=(), change="required", change_kinds=()), unranked)
    assert decide(unranked, SERVICE, PLAYBOOKS, RUNBOOKS, [], NOW, automation_enabled=True) is None


def test_an_upstream_root_cause_is_left_to_the_other_services_incident() -> None:
    incident = _incident()
    rc = incident.root_cause
    assert rc is not None
    upstream = incident.model_copy(update={"root_cause": rc.model_copy(update={"cause": "upstream"})})
    assert _decide(upstream) is None


def test_decide_starts_by_default_it_is_not_a_dry_run() -> None:
    d = decide(_incident(), SERVICE, PLAYBOOKS, RUNBOOKS, [], NOW, automation_enabled=True)
    assert d == Decision(ROLLBACK, "start", "", PARAMS)


# -- what a playbook is rendered from ---------------------------------------------------------------------


def test_a_template_sees_the_catalog_entry_and_the_incidents_identifiers_only() -> None:
    incident = _member(_incident(), kind="log_anomaly", resource="chat-api-errors")
    assert context_for(incident, SERVICE, ROLLBACK, token_cap=512) == {
        "service": SERVICE.model_dump(mode="json"),
        "incident": {
            "id": "inc-1",
            "service": "chat",
            "severity": "SEV2",
            "root_cause": {"component": "prompt", "change": "chg-1"},
        },
        "verify_alarms": ["chat-api-errors"],  # a log anomaly verifies a fix like an alarm
        "verify_seconds": 600,
        "token_cap": 512,
    }
    unranked = _incident().model_copy(update={"root_cause": None})
    assert context_for(unranked, SERVICE, ROLLBACK)["incident"]["root_cause"] == {
        "component": None,
        "change": None,
    }
    assert isinstance(context_for(unranked, SERVICE, ROLLBACK)["service"]["tier"], str)


def _llm(**llm: object) -> Service:
    doc = {"services": [{"name": "chat", "tier": "critical", "llm": llm}]}
    return load_catalog(doc).services[0]


def test_the_token_cap_comes_from_the_catalog_or_half_the_live_value() -> None:
    no_cap = _llm(max_tokens_parameter="/llm/chat/max-tokens")
    live = {"/llm/chat/max-tokens": "2049"}.get
    derived = "cap derived: half the live max-tokens 2049 (no llm.token_cap; floor 256)"
    assert token_cap_for(no_cap, live) == (1024, derived)  # 2049 // 2: a whole number of tokens
    assert token_cap_for(no_cap, None) == (
        None,
        "no llm.token_cap, and the live max-tokens of /llm/chat/max-tokens is unreadable",
    )
    assert token_cap_for(_llm(prompt_parameter="/llm/chat/prompt"), live) == (None, "")  # nothing to cap
    services = load_catalog({"services": [{"name": "plain"}]}).services
    assert token_cap_for(services[0], live) == (None, "")  # no llm block at all


def test_only_a_playbook_that_renders_the_token_cap_reads_the_live_value() -> None:
    assert _uses_token_cap(TOKEN_CAP) and not _uses_token_cap(ROLLBACK)
    no_cap = _llm(prompt_parameter="/llm/chat/prompt", max_tokens_parameter="/llm/chat/max-tokens")
    # a rollback on a service whose cap would be derived: nothing derived, nothing read, no note
    read: list[str] = []

    def live(name: str) -> str | None:
        read.append(name)
        return "4096"

    assert parameters_for(_incident(), no_cap, ROLLBACK, RUNBOOKS["PromptRollback"], live) == (PARAMS, "")
    assert read == []
    params, note = parameters_for(_incident(), no_cap, TOKEN_CAP, RUNBOOKS["TokenCap"], live)
    assert (params["MaxTokens"], note) == (
        "2048",
        "cap derived: half the live max-tokens 4096 (no llm.token_cap; floor 256)",
    )
    assert read == ["/llm/chat/max-tokens"]


def test_refused_parameters_say_why_and_what_was_derived() -> None:
    no_cap = _llm(max_tokens_parameter="/llm/chat/max-tokens")
    budget = _incident("cost", None, kind="budget", alarm="chat-monthly")
    at_floor = "no llm.token_cap, and the live max-tokens 200 is at the floor 256"
    d = decide(budget, no_cap, [TOKEN_CAP], RUNBOOKS, [], NOW, automation_enabled=True, live=lambda _: "200")
    assert d == Decision(
        TOKEN_CAP,
        "skipped",
        "parameters refused: TokenCap: parameter MaxTokens: 'None' does not match ^[1-9][0-9]{0,5}$; "
        + at_floor,
        {},
    )
    # without a note, the runbook's word alone (a service with no prompt parameter renders none)
    no_prompt = _llm(max_tokens_parameter="/llm/chat/max-tokens")
    d = decide(_incident(), no_prompt, [ROLLBACK], RUNBOOKS, [], NOW, automation_enabled=True)
    assert d == Decision(
        ROLLBACK,
        "skipped",
        "parameters refused: PromptRollback: parameter ParameterName: must be a string",
        {},
    )


def test_a_playbook_whose_runbook_is_not_installed_is_skipped_saying_so() -> None:
    assert _decide(_incident(), playbooks=[ROLLBACK]) == Decision(ROLLBACK, "start", "", PARAMS)
    d = decide(_incident(), SERVICE, [ROLLBACK], {}, [], NOW, automation_enabled=True)
    assert d == Decision(ROLLBACK, "skipped", "runbook PromptRollback is not installed", {})


def test_validate_warns_of_a_cap_it_will_derive_at_run_time() -> None:
    no_cap = _llm(max_tokens_parameter="/llm/chat/max-tokens")
    assert derived_warnings(TOKEN_CAP, no_cap) == [
        "no llm.token_cap: TokenCap will cap /llm/chat/max-tokens at half its live value (never below 256); "
        "set llm.token_cap to choose the cap"
    ]
    assert derived_warnings(TOKEN_CAP, SERVICE) == []  # the catalog names its cap
    assert derived_warnings(ROLLBACK, no_cap) == []
    assert derived_warnings(TOKEN_CAP, load_catalog({"services": [{"name": "plain"}]}).services[0]) == []


def test_validate_checks_a_derived_cap_with_a_live_value_it_cannot_read_yet() -> None:
    # `aiops validate` runs before any live value exists: it checks the derived cap with an example one
    from aiops.remediation.decide import check_playbook

    no_cap = _llm(max_tokens_parameter="/llm/chat/max-tokens")
    assert check_playbook(TOKEN_CAP, RUNBOOKS, no_cap) is None
    assert check_playbook(TOKEN_CAP, RUNBOOKS, SERVICE) is None
    assert check_playbook(TOKEN_CAP, {}, SERVICE) == "runbook TokenCap does not exist"


def test_a_forecast_warning_is_proposed_for_approval_only() -> None:
    # a projection, not an outage: even an automatic playbook waits for a human
    warning = _member(_incident(), kind="forecast")
    assert warning.is_warning
    any_kind = _match(kinds=())
    assert _decide(warning, playbooks=[any_kind]) == Decision(
        any_kind,
        "pending_approval",
        "a forecast warning: for approval only",
        {**PARAMS, "VerifyAlarmNames": []},
    )


def test_an_unsure_root_cause_waits_with_its_decider_cut_to_500_characters() -> None:
    incident = _incident()
    rc = incident.root_cause
    assert rc is not None
    unsure = incident.model_copy(
        update={"root_cause": rc.model_copy(update={"abstain": True, "decider": "x" * 600})}
    )
    reason = ("not sure of the root cause; would decide: " + "x" * 600)[:500]
    assert _decide(unsure) == Decision(ROLLBACK, "pending_approval", reason, PARAMS)


def test_a_long_cooldown_counts_whole_minutes() -> None:
    slow = ROLLBACK.model_copy(
        update={"guards": ROLLBACK.guards.model_copy(update={"cooldown_minutes": 240})}
    )
    d = _decide(_incident(), [_run(timedelta(minutes=200, seconds=30))], playbooks=[slow])
    assert d == Decision(slow, "skipped", "cooldown: last run 200 min ago (< 240 min)", PARAMS)


def test_a_started_fix_with_a_derived_cap_says_only_how_it_was_derived() -> None:
    # token-cap set to start on its own: its reason is the note alone, no leading separator
    no_cap = _llm(max_tokens_parameter="/llm/chat/max-tokens")
    auto = TOKEN_CAP.model_copy(
        update={"approval": TOKEN_CAP.approval.model_copy(update={"default": "auto"})}
    )
    budget = _incident("cost", None, kind="budget", alarm="chat-monthly")
    alarm = _incident().members["fp"].model_copy(update={"fingerprint": "fp2"})  # a symptom to verify by
    budget = budget.model_copy(update={"members": {**budget.members, "fp2": alarm}})
    d = decide(budget, no_cap, [auto], RUNBOOKS, [], NOW, automation_enabled=True, live=lambda _: "4096")
    assert d is not None
    assert (d.status, d.reason) == (
        "start",
        "cap derived: half the live max-tokens 4096 (no llm.token_cap; floor 256)",
    )


def _with_parameter(name: str, template: str, pattern: str) -> tuple[Playbook, dict[str, Runbook]]:
    runbook = RUNBOOKS["PromptRollback"]
    spec = Parameter(type="String", allowed_pattern=pattern)
    runbooks = {
        "PromptRollback": runbook.model_copy(update={"parameters": {**runbook.parameters, name: spec}})
    }
    action = ROLLBACK.action.model_copy(update={"parameters": {**ROLLBACK.action.parameters, name: template}})
    return ROLLBACK.model_copy(update={"action": action}), runbooks


def test_validate_renders_a_sample_incident_with_an_id_and_an_alarm_that_look_real() -> None:
    # a runbook that takes the incident id, or the first alarm to verify by, validates as it will run
    from aiops.remediation.decide import check_playbook

    by_id, runbooks = _with_parameter("IncidentId", "{{ incident.id }}", r"^[a-z0-9-]{1,64}$")
    assert check_playbook(by_id, runbooks, SERVICE) is None
    by_alarm, runbooks = _with_parameter("FirstAlarm", "{{ verify_alarms[0] }}", r"^[A-Za-z0-9_.-]{1,255}$")
    assert check_playbook(by_alarm, runbooks, SERVICE) is None
