"""Playbooks, runbooks and replay state files linted (pure: the caller hands in paths to read).

A folder that does not exist or holds no document, ``*.yml`` files the bot would ignore, schema errors
with their lines, every runbook inconsistency, a playbook naming a runbook or a root-cause component
that does not exist, playbook parameters that do not render for a service, unknown keys in a state file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from aiops.catalog.model import Business, Catalog, Llm, Service
from aiops.lint.problems import Problem, Severity, did_you_mean
from aiops.lint.schema import named, problems
from aiops.lint.source import Source, SourceError, parse
from aiops.remediation.decide import check_playbook, derived_warnings
from aiops.remediation.playbooks import Playbook
from aiops.remediation.runbooks import Runbook

STATE_KEYS = ("parameters",)


def read(path: Path) -> Source:
    """A YAML file parsed with its lines; SourceError when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise SourceError(Problem(str(path), None, "", f"cannot read: {reason}")) from None
    return parse(text, str(path))


def _folder(folder: Path, what: str) -> tuple[list[Path], list[Problem]]:
    """The folder's ``*.yaml`` files, and problems: missing folder, none there, ignored ``*.yml``."""
    shown = str(folder)
    if not folder.exists():
        return [], [Problem(shown, None, "", f"no such directory: no {what} can be read")]
    if not folder.is_dir():
        return [], [
            Problem(shown, None, "", f"not a directory: {what}s are read from a directory of *.yaml files")
        ]
    found = [
        Problem(str(p), None, "", f"ignored: only *.yaml files are read (rename it {p.stem}.yaml)")
        for p in sorted(folder.glob("*.yml"))
    ]
    files = sorted(folder.glob("*.yaml"))
    if not files:
        found.append(Problem(shown, None, "", f"holds no {what} (*.yaml)"))
    return files, found


def lint_runbooks(folder: Path) -> tuple[dict[str, Runbook], list[Problem]]:
    files, found = _folder(folder, "runbook")
    out: dict[str, Runbook] = {}
    for path in files:
        try:
            source = read(path)
        except SourceError as exc:
            found.append(exc.problem)
            continue
        found += source.duplicates
        if not isinstance(source.data, dict):
            found.append(
                Problem(
                    str(path), source.line(()), "", "a runbook is a mapping (schemaVersion, mainSteps, ...)"
                )
            )
            continue
        try:
            runbook = Runbook.model_validate(
                {**source.data, "name": path.stem}, context={"every_problem": True}
            )
        except ValidationError as exc:
            found += problems(exc, source, Runbook)
            continue
        inconsistent = runbook.consistency_problems()
        for loc, message in inconsistent:
            found.append(Problem(str(path), source.line(loc), named(loc, source.data), message))
        if not inconsistent:
            out[path.stem] = runbook
    return out, found


def lint_playbooks(
    folder: Path, runbooks: dict[str, Runbook], catalog: Catalog | None
) -> tuple[list[Playbook], list[Problem]]:
    files, found = _folder(folder, "playbook")
    out: list[tuple[Playbook, Source]] = []
    for path in files:
        try:
            source = read(path)
        except SourceError as exc:
            found.append(exc.problem)
            continue
        found += source.duplicates
        try:
            playbook = Playbook.model_validate(source.data)
        except ValidationError as exc:
            found += problems(exc, source, Playbook)
            continue
        out.append((playbook, source))
        found += _references(playbook, source, runbooks, catalog)
    seen: dict[str, str] = {}
    for playbook, source in out:
        if playbook.name in seen:
            found.append(
                Problem(
                    source.file,
                    source.line(("name",)),
                    "name",
                    f"{playbook.name!r} is the name of {seen[playbook.name]} too",
                )
            )
        seen.setdefault(playbook.name, source.file)
    return [p for p, _ in out], found


def _references(
    playbook: Playbook, source: Source, runbooks: dict[str, Runbook], catalog: Catalog | None
) -> list[Problem]:
    found = []

    def add(path: tuple[str | int, ...], message: str, *, warning: bool = False) -> None:
        severity: Severity = "warning" if warning else "error"
        found.append(Problem(source.file, source.line(path), named(path, source.data), message, severity))

    runbook = playbook.action.runbook
    if runbooks and runbook not in runbooks:
        hint = did_you_mean(runbook, runbooks) or f" (runbooks: {', '.join(sorted(runbooks))})"
        add(("action", "runbook"), f"no runbook named {runbook!r}{hint}")
    if catalog is not None:
        components = {c for svc in catalog.services for c in svc.component_names}
        for n, name in enumerate(playbook.match.root_cause):
            if name in components:
                continue
            # A near miss is a typo: an error. Otherwise the catalog just has no such component (the
            # shipped playbooks with a catalog without, say, a prompt): the playbook never runs, a warning.
            hint = did_you_mean(name, components)
            listed = f" (components: {', '.join(sorted(components))}): this playbook never runs"
            add(
                ("match", "root_cause", n),
                f"{name!r} names no component of any service{hint or listed}",
                warning=not hint,
            )
        if runbook in runbooks:
            for service in catalog.services:
                if service.llm is None:
                    continue
                why = check_playbook(playbook, runbooks, service)
                if why:
                    param, message = _parameter(playbook, why, runbook)
                    add(("action", "parameters", *param), f"for service {service.name}: {message}")
                derived = [k for k, v in playbook.action.parameters.items() if "token_cap" in str(v)]
                for note in derived_warnings(playbook, service):
                    add(
                        ("action", "parameters", *derived[:1]),
                        f"for service {service.name}: {note}",
                        warning=True,
                    )
    return found


_NO_ATTRIBUTE = re.compile(r"has no attribute '(\w+)'")
CONTEXT: dict[str, type[BaseModel]] = {"service": Service, "service.llm": Llm, "service.business": Business}


def _parameter(playbook: Playbook, why: str, runbook: str) -> tuple[tuple[str, ...], str]:
    """The parameter check_playbook's message is about, and the message without what the path says
    (playbook, runbook and parameter names); an undefined name with a did-you-mean."""
    for prefix in (f"playbook {playbook.name}: ", f"{runbook}: "):
        why = why.removeprefix(prefix)
    model: Any
    for name, value in playbook.action.parameters.items():
        if why.startswith((f"parameter {name}: ", f"parameter {name} ")):
            message = why.removeprefix(f"parameter {name}: ")
            missing = _NO_ATTRIBUTE.search(message)
            if missing and isinstance(value, str):
                used = re.search(rf"([\w.]+)\.{missing.group(1)}\b", value)
                model = CONTEXT.get(used.group(1)) if used else None
                if used and model is not None:
                    hint = did_you_mean(missing.group(1), model.model_fields)
                    message = (
                        f"{used.group(0)} is undefined: {used.group(1)} has no {missing.group(1)!r}{hint}"
                    )
            return (name,), message
    return (), why


def lint_state(path: Path) -> list[Problem]:
    """A replay ``--state`` file: ``parameters: {name: [versions, oldest first]}`` and nothing else."""
    try:
        source = read(path)
    except SourceError as exc:
        return [exc.problem]
    found = list(source.duplicates)
    data: Any = source.data
    file = str(path)
    if data is None:
        return [*found, Problem(file, None, "", "empty: a state file gives parameters: {name: [versions]}")]
    if not isinstance(data, dict):
        return [
            *found,
            Problem(file, source.line(()), "", "must be a mapping: parameters: {name: [versions]}"),
        ]
    for key in data:
        if key not in STATE_KEYS:
            hint = did_you_mean(str(key), STATE_KEYS) or f" (known: {', '.join(STATE_KEYS)})"
            found.append(Problem(file, source.line((key,), key=True), "", f"unknown key {key!r}{hint}"))
    params = data.get("parameters")
    if params is not None and not isinstance(params, dict):
        found.append(
            Problem(file, source.line(("parameters",)), "parameters", "must be a mapping of name to versions")
        )
    elif isinstance(params, dict):
        for name, versions in params.items():
            ok = isinstance(versions, list) and versions and all(isinstance(v, str) and v for v in versions)
            if not ok:
                found.append(
                    Problem(
                        file,
                        source.line(("parameters", name)),
                        f"parameters.{name}",
                        "must be a non-empty list of non-empty strings (the versions, oldest first)",
                    )
                )
    return found
