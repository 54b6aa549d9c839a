"""SSM Automation runbooks (schemaVersion 0.3): loaded, checked, and their parameters validated.

The checks are the ones SSM would make before running a document, plus ours: only the actions the
local executor implements, every ``{{ reference }}`` declared, every step target present. Parameter
values are validated exactly as SSM validates them (type, ``allowedPattern`` on each string,
``allowedValues``), so a bad value is refused before anything starts, here and in AWS alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from aiops.errors import AiopsError

SUPPORTED_ACTIONS = frozenset(
    {
        "aws:executeAwsApi",
        "aws:executeScript",
        "aws:branch",
        "aws:assertAwsResourceProperty",
        "aws:waitForAwsResourceProperty",
        "aws:sleep",
        "aws:approve",
    }
)
REFERENCE = re.compile(r"\{\{\s*([A-Za-z0-9_:.]+)\s*\}\}")
RECORD_STEP = "recordCurrent"
"""By convention, the step that reads the value before the change (output ``CurrentValue``)."""
CHANGE_STEP = "change"
"""The step that makes a runbook's change. From it on, every failure and a cancellation go to ``undo``."""
UNDO_STEP = "undo"
"""The step that puts back what ``change`` replaced."""
ParamType = Literal["String", "StringList", "Integer", "Boolean", "MapList", "StringMap"]


class RunbookError(AiopsError):
    """A runbook document or a parameter value is invalid; the message names the document and field."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


class Parameter(_Model):
    type: ParamType
    description: str = ""
    default: Any = None
    allowed_pattern: str | None = Field(default=None, alias="allowedPattern")
    allowed_values: list[Any] | None = Field(default=None, alias="allowedValues")


class Output(_Model):
    name: str = Field(alias="Name")
    selector: str = Field(alias="Selector")
    type: str = Field(default="String", alias="Type")


class Step(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9_]{1,128}$")
    action: str
    inputs: dict[str, Any] = {}
    outputs: list[Output] = []
    max_attempts: int = Field(default=1, ge=1, le=10, alias="maxAttempts")
    timeout_seconds: int | str | None = Field(default=None, alias="timeoutSeconds")
    on_failure: str = Field(default="Abort", alias="onFailure")
    on_cancel: str = Field(default="Abort", alias="onCancel")
    is_end: bool = Field(default=False, alias="isEnd")
    next_step: str | None = Field(default=None, alias="nextStep")
    is_critical: bool = Field(default=True, alias="isCritical")


class Runbook(_Model):
    name: str = ""
    description: str = ""
    schema_version: Literal["0.3"] = Field(alias="schemaVersion")
    assume_role: str = Field(default="", alias="assumeRole")
    parameters: dict[str, Parameter] = {}
    main_steps: list[Step] = Field(alias="mainSteps", min_length=1)
    outputs: list[str] = []

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Runbook:
        if isinstance(info.context, dict) and info.context.get("every_problem"):
            return self  # the linter asks consistency_problems() for all of them
        found = self.consistency_problems()
        if found:
            loc, message = found[0]
            raise ValueError(
                f"step {self.main_steps[int(loc[1])].name}: {message}"
                if loc[:1] == ("mainSteps",)
                else message
            )
        return self

    def consistency_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every inconsistency (location, message): unknown actions and step targets, undeclared
        references, outputs naming no step output. SSM refuses such a document; so do we."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        names = [s.name for s in self.main_steps]
        outputs = {f"{s.name}.{o.name}" for s in self.main_steps for o in s.outputs}
        for i, step in enumerate(self.main_steps):
            found += self._step_problems(i, step, names, outputs)
        for ref in _references(self.assume_role):
            problem = self._reference(ref, outputs)
            if problem:
                found.append((("assumeRole",), problem))
        for n, out in enumerate(self.outputs):
            if out not in outputs:
                found.append((("outputs", n), f"{out} names no step output"))
        if not found:
            found += self._undo_path_problems()
        return found

    def _step_problems(
        self, i: int, step: Step, names: list[str], outputs: set[str]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        """One step's: its name unique, its action supported, where it goes known, what it references
        declared."""
        at: tuple[str | int, ...] = ("mainSteps", i)
        found: list[tuple[tuple[str | int, ...], str]] = []
        if names.index(step.name) != i:
            found.append(((*at, "name"), f"another step is named {step.name!r}: step names must be unique"))
        if step.action not in SUPPORTED_ACTIONS:
            found.append(
                (
                    (*at, "action"),
                    f"action {step.action} is not supported "
                    f"(supported: {', '.join(sorted(SUPPORTED_ACTIONS))})",
                )
            )
        targets, bad = _targets(at, step)
        found += bad
        found += [((*at, key), f"goes to unknown step {t!r}") for key, t in targets if t not in names]
        for ref in _references(step.inputs) + _references(step.timeout_seconds):
            problem = self._reference(ref, outputs)
            if problem:
                found.append(((*at, "inputs"), problem))
        return found

    def _undo_path_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """A runbook that changes something (a ``change`` step) puts it back on every way out but success:
        ``change`` and every step it leads to, up to ``undo``, go to ``undo`` when cancelled, and every
        step after ``change`` goes to ``undo`` when it fails (``change`` failing changed nothing)."""
        names = [s.name for s in self.main_steps]
        if CHANGE_STEP not in names:
            return []
        change_at: tuple[str | int, ...] = ("mainSteps", names.index(CHANGE_STEP), "name")
        if UNDO_STEP not in names:
            return [(change_at, f"a runbook that makes a change needs an {UNDO_STEP} step")]
        found: list[tuple[tuple[str | int, ...], str]] = []
        goto = f"step:{UNDO_STEP}"
        seen: set[str] = set()
        todo = [CHANGE_STEP]
        while todo:
            step = self.step(todo.pop())
            if step.name in seen or step.name == UNDO_STEP:
                continue
            seen.add(step.name)
            at: tuple[str | int, ...] = ("mainSteps", names.index(step.name))
            if step.on_cancel != goto:
                found.append(((*at, "onCancel"), f"comes after the change, so it needs onCancel: {goto}"))
            if step.name != CHANGE_STEP and step.action != "aws:branch" and step.on_failure != goto:
                found.append(((*at, "onFailure"), f"comes after the change, so it needs onFailure: {goto}"))
            todo += self._successors(step, names)
        return found

    @staticmethod
    def _successors(step: Step, names: list[str]) -> list[str]:
        if step.action == "aws:branch":
            out = [str(c.get("NextStep", "")) for c in step.inputs.get("Choices", [])]
            return out + ([str(step.inputs["Default"])] if "Default" in step.inputs else [])
        if step.is_end:
            return []
        if step.next_step:
            return [step.next_step]
        i = names.index(step.name)
        return names[i + 1 : i + 2]

    def _reference(self, ref: str, outputs: set[str]) -> str | None:
        if ref.startswith(("automation:", "global:")):
            return None
        if "." in ref:
            return None if ref in outputs else f"{{{{ {ref} }}}} names no step output"
        return None if ref in self.parameters else f"{{{{ {ref} }}}} is not a declared parameter"

    def step(self, name: str) -> Step:
        for s in self.main_steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def validate_parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters SSM would run with (defaults filled in), or RunbookError naming the bad one."""
        unknown = sorted(set(values) - set(self.parameters))
        if unknown:
            raise RunbookError(f"{self.name}: unknown parameter(s): {', '.join(unknown)}")
        out: dict[str, Any] = {}
        for name, spec in self.parameters.items():
            if name in values:
                value = values[name]
            elif spec.default is not None:
                value = spec.default
            else:
                raise RunbookError(f"{self.name}: parameter {name} is required")
            out[name] = _check(self.name, name, spec, value)
        return out


def _targets(
    at: tuple[str | int, ...], step: Step
) -> tuple[list[tuple[str, str]], list[tuple[tuple[str | int, ...], str]]]:
    """The steps a step may go to (the key that says so, the step's name), and what is wrong with its
    ``onFailure`` and ``onCancel``."""
    targets = [("nextStep", step.next_step)] if step.next_step else []
    found: list[tuple[tuple[str | int, ...], str]] = []
    if step.on_failure.startswith("step:"):
        targets.append(("onFailure", step.on_failure[5:]))
    elif step.on_failure not in ("Abort", "Continue"):
        found.append(((*at, "onFailure"), "onFailure must be Abort, Continue or step:NAME"))
    if step.on_cancel.startswith("step:"):
        targets.append(("onCancel", step.on_cancel[5:]))
    elif step.on_cancel != "Abort":
        found.append(((*at, "onCancel"), "onCancel must be Abort or step:NAME"))
    if step.action == "aws:branch":
        targets += [("inputs", c.get("NextStep", "")) for c in step.inputs.get("Choices", [])]
        targets += [("inputs", step.inputs["Default"])] if "Default" in step.inputs else []
    return targets, found


def _references(node: Any) -> list[str]:
    """Every ``{{ reference }}`` in a document node."""
    found: list[str] = []

    def walk(n: Any) -> None:
        if isinstance(n, str):
            found.extend(REFERENCE.findall(n))
        elif isinstance(n, dict):
            for v in n.values():
                walk(v)
        elif isinstance(n, list):
            for v in n:
                walk(v)

    walk(node)
    return found


def _check(doc: str, name: str, spec: Parameter, value: Any) -> Any:
    where = f"{doc}: parameter {name}"
    if spec.type == "Integer":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | str)
            or not str(value).lstrip("-").isdigit()
        ):
            raise RunbookError(f"{where}: must be an integer")
        value = int(value)
    elif spec.type == "StringList":
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise RunbookError(f"{where}: must be a list of strings")
        value = list(value)
    elif spec.type == "Boolean":
        if not isinstance(value, bool):
            raise RunbookError(f"{where}: must be true or false")
    elif spec.type == "String" and not isinstance(value, str):
        raise RunbookError(f"{where}: must be a string")
    if spec.allowed_pattern is not None:
        strings = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        for item in strings:
            if re.fullmatch(spec.allowed_pattern, item) is None:
                shown = item if len(item) <= 60 else item[:59] + "…"
                raise RunbookError(f"{where}: {shown!r} does not match {spec.allowed_pattern}")
    if spec.allowed_values is not None and value not in spec.allowed_values:
        raise RunbookError(f"{where}: {value!r} is not one of {spec.allowed_values}")
    return value


def safe_load(text: str) -> Any:
    """``yaml.safe_load``, by libyaml's parser when PyYAML has it (a replay starts by reading every
    runbook and playbook, twice: ten times faster). A document libyaml refuses is read again by the
    pure-Python parser, so the error says exactly what it always said."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)  # noqa: S506 - the C twin of SafeLoader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def load_runbook(path: Path) -> Runbook:
    try:
        doc = safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RunbookError(f"{path}: {exc}") from None
    try:
        return Runbook.model_validate({**(doc or {}), "name": path.stem})
    except ValidationError as exc:
        problems = [
            f"{path.name}: {'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise RunbookError("\n".join(problems)) from None


def load_runbooks(folder: Path) -> dict[str, Runbook]:
    """Every ``*.yaml`` in ``folder``, by name (the file name is the runbook's name)."""
    runbooks, problems = read_runbooks(folder)
    if problems:
        raise RunbookError("\n".join(problems))
    return runbooks


def read_runbooks(folder: Path) -> tuple[dict[str, Runbook], list[str]]:
    """The runbooks that load, and a line per problem in the others."""
    out: dict[str, Runbook] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            out[path.stem] = load_runbook(path)
        except RunbookError as exc:
            problems.extend(str(exc).splitlines())
    return out, problems
