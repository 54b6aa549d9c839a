"""Deciding remediation (pure): which playbook, with which parameters, and whether the guards allow it.

The first playbook (by priority) whose match fits decides; an incident gets at most one action per
playbook. Guards, in order: the global kill switch, the circuit breaker (failed runs of the runbook on
the service within a day), the daily cap, the cooldown, the approval mode, dry run; a root cause the
ranking is not sure of (``abstain``) waits for approval instead of starting. Parameters are
rendered from the catalog and the incident's identifiers, then validated against the runbook.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any, Literal

from aiops.catalog.model import Service
from aiops.errors import AiopsError
from aiops.incident.model import Incident
from aiops.remediation.playbooks import SEVERITY_RANK, Playbook, render_parameters
from aiops.remediation.runbooks import Runbook

SAFE_ALARM_NAME = re.compile(r"^[A-Za-z0-9 _.:/#+=@-]{1,255}$")
"""Alarm names passed to a runbook: identifiers only; anything else is refused, never escaped."""
TOKEN_CAP_FLOOR = 256
"""A derived token cap never goes below this many tokens (answers would be cut mid-sentence)."""
LiveValue = Callable[[str], "str | None"]
"""Reads the live value of an SSM parameter a runbook acts on (None when it cannot be read)."""


@dataclass(frozen=True)
class Run:
    """A past run of a runbook on a service (the guards' memory)."""

    runbook: str
    started_at: datetime
    status: str


@dataclass(frozen=True)
class Decision:
    playbook: Playbook
    status: Literal["start", "pending_approval", "skipped"]
    reason: str
    parameters: Mapping[str, Any]


def matches(playbook: Playbook, incident: Incident) -> bool:
    m = playbook.match
    rc = incident.root_cause
    if m.root_cause and (rc is None or rc.component not in m.root_cause):
        return False
    change = rc.change if rc else None
    if (m.change == "required" and not change) or (m.change == "absent" and change):
        return False
    if m.change_kinds and change and (rc is None or rc.change_kind not in m.change_kinds):
        return False
    firing = [mem for mem in incident.members.values() if mem.status == "firing" and mem.role == "symptom"]
    if m.kinds and not any(mem.kind in m.kinds for mem in firing):
        return False
    if m.metrics and not any(
        mem.metric and any(fnmatchcase(mem.metric, g) for g in m.metrics) for mem in firing
    ):
        return False
    return not (m.min_severity and SEVERITY_RANK[incident.severity] > SEVERITY_RANK[m.min_severity])


def as_open(incident: Incident) -> Incident | None:
    """The incident to decide on: itself while open; as it was while open when its signals calmed it
    before a decision deferred by failures could be made (no action yet, its resolution not yet held:
    chaos finding 2), its symptoms that fired this episode firing again; None otherwise (a fix ran, a
    human resolved it, or it was long over)."""
    if incident.status == "open":
        return incident
    held = incident.settled_at is not None and incident.settled_at >= (
        incident.resolved_at or incident.settled_at
    )
    if incident.actions or incident.mitigated_at is None or held:
        return None
    fired = {
        fp: m.model_copy(update={"status": "firing"})
        for fp, m in incident.members.items()
        if m.role == "symptom" and m.fired_at is not None and m.status != "firing"
    }
    if not fired:
        return None
    return incident.model_copy(update={"status": "open", "members": {**incident.members, **fired}})


def verify_alarms(incident: Incident) -> list[str]:
    """The incident's firing alarms the catalog owns (a component matched them), as safe identifiers."""
    names = sorted(
        {
            m.resource
            for m in incident.members.values()
            if m.kind in ("alarm", "log_anomaly") and m.status == "firing" and m.component
        }
    )
    return [n for n in names if SAFE_ALARM_NAME.fullmatch(n)]


def token_cap_for(service: Service, live: LiveValue | None) -> tuple[int | None, str]:
    """The cap TokenCap sets: the catalog's ``llm.token_cap``, else half the live max-tokens value
    (never below TOKEN_CAP_FLOOR, never raising it), with a note saying how it was derived."""
    llm = service.llm
    if llm is None or llm.max_tokens_parameter is None:
        return None, ""
    if llm.token_cap is not None:
        return llm.token_cap, ""
    raw = live(llm.max_tokens_parameter) if live is not None else None
    try:
        current = int(str(raw).strip())
    except ValueError:
        return None, f"no llm.token_cap, and the live max-tokens of {llm.max_tokens_parameter} is unreadable"
    cap = max(TOKEN_CAP_FLOOR, current // 2)
    if cap >= current:
        return None, f"no llm.token_cap, and the live max-tokens {current} is at the floor {TOKEN_CAP_FLOOR}"
    return cap, f"cap derived: half the live max-tokens {current} (no llm.token_cap; floor {TOKEN_CAP_FLOOR})"


def _uses_token_cap(playbook: Playbook) -> bool:
    return any("token_cap" in str(v) for v in playbook.action.parameters.values())


def context_for(
    incident: Incident, service: Service, playbook: Playbook, *, token_cap: int | None = None
) -> dict[str, Any]:
    """What templates may see: the catalog entry and the incident's identifiers, no event text; and
    ``token_cap``, the cap a TokenCap would set (see :func:`token_cap_for`)."""
    rc = incident.root_cause
    return {
        "service": service.model_dump(mode="json"),
        "incident": {
            "id": incident.id,
            "service": incident.service,
            "severity": incident.severity,
            "root_cause": {"component": rc.component if rc else None, "change": rc.change if rc else None},
        },
        "verify_alarms": verify_alarms(incident),
        "verify_seconds": playbook.verify.seconds,
        "token_cap": token_cap,
    }


def parameters_for(
    incident: Incident,
    service: Service,
    playbook: Playbook,
    runbook: Runbook,
    live: LiveValue | None,
) -> tuple[dict[str, Any], str]:
    """The playbook's parameters rendered and validated against its runbook, and a note on anything
    derived (the token cap); AiopsError, naming the note, when they are refused."""
    cap, note = token_cap_for(service, live) if _uses_token_cap(playbook) else (None, "")
    try:
        params = runbook.validate_parameters(
            render_parameters(playbook, context_for(incident, service, playbook, token_cap=cap))
        )
    except AiopsError as exc:
        raise AiopsError(f"{exc}; {note}" if note else str(exc)) from None
    return params, note


def derived_warnings(playbook: Playbook, service: Service) -> list[str]:
    """What a playbook will derive at run time instead of reading from the catalog (for validate)."""
    llm = service.llm
    if _uses_token_cap(playbook) and llm is not None and llm.max_tokens_parameter and llm.token_cap is None:
        return [
            f"no llm.token_cap: {playbook.action.runbook} will cap {llm.max_tokens_parameter} at half its "
            f"live value (never below {TOKEN_CAP_FLOOR}); set llm.token_cap to choose the cap"
        ]
    return []


def check_playbook(playbook: Playbook, runbooks: Mapping[str, Runbook], service: Service) -> str | None:
    """Why the playbook could not run for ``service`` (static check), or None when it could."""
    runbook = runbooks.get(playbook.action.runbook)
    if runbook is None:
        return f"runbook {playbook.action.runbook} does not exist"
    sample = Incident(
        id="inc-validate",
        service=service.name,
        title="validate",
        opened_at=datetime(2026, 1, 1),
        last_activity_at=datetime(2026, 1, 1),
    )
    cap, _ = token_cap_for(service, lambda _name: "4096") if _uses_token_cap(playbook) else (None, "")
    context = context_for(sample, service, playbook, token_cap=cap)
    context["verify_alarms"] = ["example-alarm"]
    try:
        runbook.validate_parameters(render_parameters(playbook, context))
    except AiopsError as exc:
        return str(exc)
    return None


def decide(
    incident: Incident,
    service: Service | None,
    playbooks: Sequence[Playbook],
    runbooks: Mapping[str, Runbook],
    history: Sequence[Run],
    now: datetime,
    *,
    automation_enabled: bool,
    dry_run: bool = False,
    live: LiveValue | None = None,
) -> Decision | None:
    """The decision for the first playbook that fits and has not acted on this incident yet.
    ``live`` reads a parameter's live value, only when a parameter is derived from it (the token cap)."""
    if service is None or incident.status != "open":
        return None
    if incident.root_cause is not None and incident.root_cause.cause == "upstream":
        return None  # another service's incident is the cause: its own remediation is the fix
    done = {a.playbook for a in incident.actions}
    playbook = next((p for p in playbooks if matches(p, incident)), None)
    if playbook is None or playbook.name in done:
        return None
    runbook = runbooks.get(playbook.action.runbook)
    if runbook is None:
        return Decision(playbook, "skipped", f"runbook {playbook.action.runbook} is not installed", {})
    try:
        params, note = parameters_for(incident, service, playbook, runbook, live)
    except AiopsError as exc:
        return Decision(playbook, "skipped", f"parameters refused: {exc}", {})
    decision = _guarded(
        incident, service, playbook, runbook, params, history, now, automation_enabled, dry_run
    )
    if note:
        return Decision(decision.playbook, decision.status, f"{decision.reason}; {note}".lstrip("; "), params)
    return decision


def _guarded(
    incident: Incident,
    service: Service,
    playbook: Playbook,
    runbook: Runbook,
    params: Mapping[str, Any],
    history: Sequence[Run],
    now: datetime,
    automation_enabled: bool,
    dry_run: bool,
) -> Decision:
    """The guards, in order, over a playbook whose parameters were accepted."""
    g = playbook.guards
    day = [r for r in history if r.runbook == runbook.name and now - r.started_at < timedelta(days=1)]
    if not automation_enabled:
        return Decision(
            playbook, "skipped", "automation is disabled (the kill switch parameter is not true)", params
        )
    failures = sum(r.status == "failed" for r in day)
    if failures >= g.circuit_breaker_failures:
        return Decision(
            playbook, "skipped", f"circuit breaker open: {failures} failed run(s) in 24 h", params
        )
    if len(day) >= g.max_runs_per_day:
        return Decision(playbook, "skipped", f"daily cap reached: {len(day)} run(s) in 24 h", params)
    recent = [r for r in day if now - r.started_at < timedelta(minutes=g.cooldown_minutes)]
    if recent:
        return Decision(
            playbook,
            "skipped",
            f"cooldown: last run {int((now - recent[-1].started_at).seconds // 60)}"
            f" min ago (< {g.cooldown_minutes} min)",
            params,
        )
    mode = playbook.approval.mode(incident.severity, service.tier)
    if mode == "never":
        return Decision(playbook, "skipped", "approval mode is never: a human runs it", params)
    if dry_run or g.dry_run:
        return Decision(playbook, "skipped", f"dry run: would start {runbook.name}", params)
    if mode == "slack":  # parameters are rendered again when someone approves
        return Decision(playbook, "pending_approval", "waiting for approval in Slack", params)
    if incident.is_warning:  # a projection, not an outage: a human decides
        return Decision(playbook, "pending_approval", "a forecast warning: for approval only", params)
    rc = incident.root_cause
    if rc is not None and rc.abstain:  # the ranking is not sure: a human decides (docs/root-cause.md)
        return Decision(
            playbook,
            "pending_approval",
            f"not sure of the root cause; would decide: {rc.decider}"[:500],
            params,
        )
    if "VerifyAlarmNames" in params and not params["VerifyAlarmNames"]:
        return Decision(playbook, "skipped", "no alarm to verify a fix by", params)
    return Decision(playbook, "start", "", params)
