"""``aiops validate``: a linter for the catalog, the playbooks, the runbooks and replay state files.

Every problem, not the first: each as ``FILE:LINE: PATH: message``, with list items named
(``services[chat-assistant].components[api]``), and what to do where it can tell (``did you mean``).
Errors make ``aiops validate`` exit 1; warnings alone do not. :func:`load_catalog_file` is the catalog
loader of ``aiops replay`` and ``aiops demo``: it refuses a catalog with the same messages.

Pure: it reads the paths it is handed and nothing else (no environment: the caller picks the defaults).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aiops.catalog.model import Catalog
from aiops.errors import CatalogError
from aiops.lint.catalog import lint_catalog
from aiops.lint.documents import lint_playbooks, lint_runbooks, lint_state, read
from aiops.lint.problems import Problem
from aiops.lint.source import SourceError


@dataclass
class LintResult:
    problems: list[Problem] = field(default_factory=list)
    runbooks: int = 0
    playbooks: int = 0
    services: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def summary(self) -> str:
        counts = f"{self.runbooks} runbooks, {self.playbooks} playbooks, {self.services} services"
        if not self.problems:
            return f"ok: {counts}"
        e, w = len(self.errors), len(self.warnings)
        return f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)} ({counts} checked)"


def check_catalog(path: Path) -> tuple[list[Problem], Catalog | None]:
    try:
        source = read(path)
    except SourceError as exc:
        return [exc.problem], None
    return lint_catalog(source)


def lint(*, catalog: Path | None, playbooks: Path, runbooks: Path, state: Path | None = None) -> LintResult:
    result = LintResult()
    loaded: Catalog | None = None
    if catalog is not None:
        found, loaded = check_catalog(catalog)
        result.problems += found
        result.services = len(loaded.services) if loaded else 0
    books, found = lint_runbooks(runbooks)
    result.problems += found
    result.runbooks = len(books)
    plays, found = lint_playbooks(playbooks, books, loaded)
    result.problems += found
    result.playbooks = len(plays)
    if state is not None:
        result.problems += lint_state(state)
    return result


def load_catalog_file(path: Path) -> Catalog:
    """The catalog at ``path``; CatalogError listing every error as ``aiops validate`` does."""
    found, catalog = check_catalog(path)
    errors = [p for p in found if p.severity == "error"]
    if catalog is None or errors:
        lines = [p.text() for p in errors] or [f"{path}: not a valid catalog"]
        raise CatalogError("\n".join(lines))
    return catalog


__all__ = ["LintResult", "Problem", "check_catalog", "lint", "load_catalog_file"]
