"""Declarative playbooks: when to run which runbook, with which parameters, guards and approval.

Parameters are Jinja2 templates rendered in a sandbox from the catalog (``service``) and the incident's
identifiers (``incident``, ``verify_alarms``), never from event text (no titles, reasons, descriptions).
A template that is exactly ``{{ expression }}`` keeps the expression's type (a list stays a list).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from jinja2 import Undefined
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aiops.catalog.model import Tier
from aiops.errors import AiopsError
from aiops.incident.model import Severity
from aiops.remediation.runbooks import safe_load
from aiops.signals.model import Kind

Mode = Literal["auto", "slack", "never"]
SEVERITY_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}
WHOLE = re.compile(r"^\{\{(.*)\}\}$", re.DOTALL)


class PlaybookError(AiopsError):
    """A playbook is invalid, or its parameters do not render; the message names file and field."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Match(_Model):
    root_cause: tuple[str, ...] = ()
    """The incident's root-cause component is one of these."""
    change: Literal["required", "absent", "any"] = "any"
    """Whether the root cause must (or must not) be a change."""
    change_kinds: tuple[Literal["parameter", "prompt"], ...] = ()
    kinds: tuple[Kind, ...] = ()
    """The incident has a firing member of one of these kinds."""
    metrics: tuple[str, ...] = ()
    """Globs over ``Namespace/MetricName`` of the incident's firing alarms."""
    min_severity: Severity | None = None


class Action(_Model):
    runbook: str
    parameters: dict[str, Any] = {}


class Approval(_Model):
    default: Mode = "auto"
    by_severity: dict[Severity, Mode] = {}
    by_tier: dict[Tier, Mode] = {}

    def mode(self, severity: str, tier: str) -> Mode:
        for key, mode in self.by_severity.items():
            if key == severity:
                return mode
        for key_tier, mode in self.by_tier.items():
            if key_tier == tier:
                return mode
        return self.default


class Guards(_Model):
    cooldown_minutes: int = Field(default=30, ge=0)
    max_runs_per_day: int = Field(default=3, ge=1)
    circuit_breaker_failures: int = Field(default=2, ge=1)
    """Failed runs of this runbook on the service within a day after which it stops trying."""
    dry_run: bool = False


class Verify(_Model):
    alarms: Literal["symptoms"] = "symptoms"
    """The incident's firing alarms that the catalog owns."""
    seconds: Literal[60, 120, 300, 600, 900, 1800, 3600] = 600
    on_failure: Literal["escalate", "none"] = "escalate"


class Playbook(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    description: str = ""
    priority: int = 100
    match: Match
    action: Action
    approval: Approval = Approval()
    guards: Guards = Guards()
    verify: Verify = Verify()

    @field_validator("action")
    @classmethod
    def _templates_parse(cls, action: Action) -> Action:
        for name, value in action.parameters.items():
            if isinstance(value, str):
                try:
                    _compile(value)
                except Exception as exc:
                    raise ValueError(f"parameter {name}: template does not parse: {exc}") from None
        return action


@lru_cache(maxsize=1)
def _env() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@lru_cache(maxsize=256)
def _compile(template: str) -> Any:
    whole = WHOLE.match(template.strip())
    if whole and "{{" not in whole.group(1) and "}}" not in whole.group(1):
        return ("expr", _env().compile_expression(whole.group(1).strip(), undefined_to_none=False))
    return ("text", _env().from_string(template))


def render_parameters(playbook: Playbook, context: Mapping[str, Any]) -> dict[str, Any]:
    """The runbook parameters for ``context``; PlaybookError naming the parameter when one fails."""
    out: dict[str, Any] = {}
    for name, value in playbook.action.parameters.items():
        if not isinstance(value, str):
            out[name] = value
            continue
        kind, compiled = _compile(value)
        try:
            value = compiled(**context) if kind == "expr" else compiled.render(**context)
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()  # StrictUndefined: says what is undefined
        except Exception as exc:
            raise PlaybookError(f"playbook {playbook.name}: parameter {name}: {exc}") from None
        out[name] = value
    return out


def load_playbooks(folder: Path) -> list[Playbook]:
    """Every ``*.yaml`` in ``folder``, ordered by priority then name; PlaybookError lists every problem."""
    playbooks, problems = read_playbooks(folder)
    if problems:
        raise PlaybookError("\n".join(problems))
    return playbooks


def read_playbooks(folder: Path) -> tuple[list[Playbook], list[str]]:
    """The playbooks that load, and a line per problem in the others."""
    docs: list[tuple[str, Any]] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            docs.append((path.name, safe_load(path.read_text(encoding="utf-8"))))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{path.name}: {exc}")
    out, more = _validate(docs)
    return out, problems + more


def parse_playbooks(data: Any, *, origin: str = "playbooks") -> list[Playbook]:
    """Playbooks from one parsed YAML document (a list of playbooks, or ``{playbooks: [...]}``), as an
    operator keeps them in SSM or S3; PlaybookError lists every problem."""
    items = data.get("playbooks") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise PlaybookError(f"{origin}: expected a list of playbooks (or playbooks: [...])")
    out, problems = _validate([(f"{origin}[{i}]", item) for i, item in enumerate(items)])
    if problems:
        raise PlaybookError("\n".join(problems))
    return out


def _validate(docs: list[tuple[str, Any]]) -> tuple[list[Playbook], list[str]]:
    out: list[Playbook] = []
    problems: list[str] = []
    for where, doc in docs:
        try:
            out.append(Playbook.model_validate(doc))
        except ValidationError as exc:
            problems += [
                f"{where}: {'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}"
                for e in exc.errors()
            ]
    names = [p.name for p in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        problems.append(f"duplicate playbook names: {', '.join(dupes)}")
    return sorted(out, key=lambda p: (p.priority, p.name)), problems
