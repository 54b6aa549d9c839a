"""The layout shows the architecture, and these tests keep it so.

- The core (``aiops/`` outside its edge packages) is pure: no AWS, Slack, HTTP, environment or clock.
- One direction of imports: ``handlers`` -> ``aiops.adapters`` -> core; ``aiops.local`` (the emulator and
  the local drivers) and the CLI stand outside and may use everything, but nothing that Lambda runs
  imports them.
- No import circle, counting imports inside functions and ``if TYPE_CHECKING:`` blocks too: a circle
  that only annotations close is still two modules that cannot be understood apart.
- No module over 400 lines: past that, one job has become two.
- No ``assert`` statement in the bot (``aiops/``, ``handlers/``): ``python -O`` strips them, so a check
  that matters raises a named error instead.
- The Lambda artifact holds no ``aiops/local`` (nor the demo data).
- The core's packages import each other in one direction, written as data in ``core_packages.yaml``.
- No module imports another's ``_private`` name: what two modules share is public, or lives in one.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.architecture  # `make architecture`: run and reported apart from behaviour tests

ROOT = Path(__file__).resolve().parents[2]
AIOPS = ROOT / "aiops"
EDGES = {"adapters", "local", "account"}
"""Packages of ``aiops`` that reach outside the process; ``cli.py`` too."""
FORBIDDEN_MODULES = (
    "boto3",
    "botocore",
    "slack_sdk",
    "slack_bolt",
    "urllib3",
    "requests",
    "httpx",
    "moto",
    "aws_lambda_powertools",
    "os",
    "time",
    "urllib.request",
    "socket",
)
MAX_LINES = 400
PRODUCTION_MUST_NOT_IMPORT = ("aiops.local", "aiops.account", "aiops.cli")
"""What only the CLI, tests and benchmarks use: never imported by what Lambda runs."""


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


SOURCES = sorted([*AIOPS.rglob("*.py"), *(ROOT / "handlers").rglob("*.py")])
MODULES = {_module_name(p): p for p in SOURCES}
CORE = [p for p in SOURCES if p.is_relative_to(AIOPS) and not (EDGES & set(p.parts)) and p.name != "cli.py"]
PRODUCTION = [
    p for p in SOURCES if not ({"local", "account"} & set(p.relative_to(ROOT).parts)) and p.name != "cli.py"
]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """Ids of the nodes under ``if TYPE_CHECKING:`` (imports for annotations only)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _imports(
    path: Path, root: Path = ROOT, modules: dict[str, Path] = MODULES, *, annotations: bool = False
) -> Iterator[tuple[int, str]]:
    """Every module a file imports (line, dotted name), in functions too; with ``annotations``, also
    those imported for type checking only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if annotations else _type_checking_nodes(tree)
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield node.lineno, sub if sub in modules else base


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [
        name
        for _, name in _imports(path)
        if name.split(".")[0] in FORBIDDEN_MODULES
        or name in FORBIDDEN_MODULES
        or name.startswith(("aiops.adapters", *PRODUCTION_MUST_NOT_IMPORT))
        or name.split(".")[0] == "handlers"
    ]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("now", "utcnow", "today")
            and isinstance(node.value, ast.Name)
            and node.value.id in ("datetime", "date")
        ):
            found.append(f"{node.value.id}.{node.attr}()")
    assert found == [], f"{path.name} reaches outside the core: {found}"


@pytest.mark.parametrize("path", PRODUCTION, ids=lambda p: str(p.relative_to(ROOT)))
def test_what_lambda_runs_never_imports_the_local_drivers(path: Path) -> None:
    found = [
        f"{line}: {name}" for line, name in _imports(path) if name.startswith(PRODUCTION_MUST_NOT_IMPORT)
    ]
    assert found == [], f"{path.relative_to(ROOT)} imports what Lambda does not ship: {found}"


def test_adapters_never_import_handlers() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{line}: {name}"
        for p in SOURCES
        if p.is_relative_to(AIOPS / "adapters")
        for line, name in _imports(p)
        if name.split(".")[0] == "handlers"
    ]
    assert found == []


def _cycles(root: Path = ROOT, modules: dict[str, Path] = MODULES) -> list[list[str]]:
    """Strongly connected components of the import graph with more than one module (Tarjan)."""
    graph = {
        m: sorted({n for _, n in _imports(p, root, modules, annotations=True) if n in modules and n != m})
        for m, p in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_circles() -> None:
    assert _cycles() == []


def test_the_cycle_finder_finds_a_circle(tmp_path: Path) -> None:
    # GIVEN a and b importing each other (b lazily, inside a function), c and d through annotations
    pkg = tmp_path / "aiops"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from aiops import b\n")
    (pkg / "b.py").write_text("def f():\n    from aiops.a import x\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from aiops import d\n"
    )
    (pkg / "d.py").write_text("from aiops.c import y\n")
    (pkg / "e.py").write_text("from aiops import a, c\n")
    modules = {_module_name(p, tmp_path): p for p in sorted(pkg.rglob("*.py"))}
    # THEN both circles are found, and e, which only uses them, is in none
    assert sorted(_cycles(tmp_path, modules)) == [["aiops.a", "aiops.b"], ["aiops.c", "aiops.d"]]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_over_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by job"


def _asserts(path: Path) -> list[int]:
    return [
        n.lineno for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Assert)
    ]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_assert_statement_in_the_bot(path: Path) -> None:
    lines = _asserts(path)
    assert not lines, f"{path.relative_to(ROOT)}: assert on line(s) {lines}: gone under python -O"


def test_the_assert_finder_finds_one(tmp_path: Path) -> None:
    planted = tmp_path / "m.py"
    planted.write_text("def f(x):\n    y = x\n    assert y is not None  # narrowing\n    return y\n")
    assert _asserts(planted) == [3]


def test_the_scan_sees_the_core_and_the_edges() -> None:
    core = {str(p.relative_to(AIOPS)) for p in CORE}
    assert core >= {
        "incident/model.py",
        "diagnosis/rootcause.py",
        "diagnosis/impact.py",
        "remediation/decide.py",
    }
    assert any(p.is_relative_to(AIOPS / "pipeline") for p in CORE)
    assert any(p.is_relative_to(AIOPS / "local") for p in SOURCES)
    assert not any(p.is_relative_to(AIOPS / "local") for p in PRODUCTION)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_the_lambda_artifact_holds_no_local_drivers(tmp_path: Path) -> None:
    # WHEN the source part of the SAM build runs (the dependencies part needs the package index)
    subprocess.run(
        ["make", "-s", "-C", str(ROOT), "package-source", f"ARTIFACTS_DIR={tmp_path}"],
        check=True,
        capture_output=True,
    )
    # THEN the artifact has the core, the adapters and the handlers, and nothing of aiops/local
    assert (tmp_path / "aiops" / "pipeline").is_dir()
    assert (tmp_path / "aiops" / "adapters" / "dynamodb").exists() or (
        tmp_path / "aiops" / "adapters" / "dynamodb.py"
    ).exists()
    assert (tmp_path / "handlers" / "ingest.py").is_file()
    assert (tmp_path / "runbooks").is_dir()
    assert not (tmp_path / "aiops" / "local").exists()
    assert not (tmp_path / "aiops" / "account").exists()
    assert not (tmp_path / "aiops" / "cli.py").exists()
    assert not (tmp_path / "aiops" / "data").exists()  # the demo catalog is never read in Lambda
    assert not list(tmp_path.rglob("__pycache__"))


LAYERS_FILE = Path(__file__).with_name("core_packages.yaml")
LAYERS: dict[str, list[str]] = yaml.safe_load(LAYERS_FILE.read_text(encoding="utf-8"))


def _core_package(module: str) -> str | None:
    """``aiops.incident.model`` -> ``incident``; ``aiops.errors`` -> ``errors``; None outside the core."""
    parts = module.split(".")
    if parts[0] != "aiops" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def test_every_core_module_is_in_a_declared_package() -> None:
    loose = [
        str(p.relative_to(AIOPS))
        for p in CORE
        if p != AIOPS / "__init__.py" and _core_package(_module_name(p)) is None
    ]
    assert loose == [], f"core modules in no package of {LAYERS_FILE.name}: {loose}"


def test_core_packages_import_in_the_declared_direction() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{line}: {name}"
        for p in CORE
        if (src := _core_package(_module_name(p))) is not None
        for line, name in _imports(p, annotations=True)
        if (dst := _core_package(name)) is not None and dst != src and dst not in LAYERS[src]
    ]
    assert found == [], f"imports against the direction of {LAYERS_FILE.name}: {found}"


def test_the_declared_direction_has_no_circle() -> None:
    # Every package may only import packages declared before it: the file reads from the ground up.
    seen: set[str] = set()
    for package, allowed in LAYERS.items():
        assert set(allowed) <= seen, f"{package} may import {sorted(set(allowed) - seen)}, declared above it"
        seen.add(package)


KNOWN_PRIVATE_IMPORTS: set[tuple[str, str]] = set()
"""Empty, and to stay so: make a shared name public, or move it."""


def _private_imports(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """``from X import _y`` anywhere in a file (in functions and ``if TYPE_CHECKING:`` too): (line,
    ``X._y``), with a relative ``X`` resolved. Dunders (``__version__``) are not private."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.endswith("__"):
                yield node.lineno, f"{base}.{alias.name}"


def test_no_module_imports_a_private_name_of_another() -> None:
    found = {
        (str(p.relative_to(ROOT)), imported): line for p in SOURCES for line, imported in _private_imports(p)
    }
    unexpected = [
        f"{path}:{line}: {imported}"
        for (path, imported), line in found.items()
        if (path, imported) not in KNOWN_PRIVATE_IMPORTS
    ]
    assert unexpected == [], (
        f"private names imported across modules (make the shared name public, or move it): {unexpected}"
    )
    stale = sorted(KNOWN_PRIVATE_IMPORTS - set(found))
    assert stale == [], f"fixed: remove these from KNOWN_PRIVATE_IMPORTS: {stale}"


def test_the_private_import_check_finds_them_however_written(tmp_path: Path) -> None:
    # GIVEN private names imported absolutely, relatively, inside a function and for annotations only
    pkg = tmp_path / "aiops" / "pkg"
    pkg.mkdir(parents=True)
    (tmp_path / "aiops" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("from aiops.pkg.a import _hidden, shown\n")
    (pkg / "a.py").write_text("from __future__ import annotations\n_hidden = 1\nshown = 2\n")
    (pkg / "b.py").write_text("from . import a\nfrom .a import _hidden as h\n")
    (pkg / "c.py").write_text("def f():\n    from aiops.pkg import _internal\n")
    (pkg / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..pkg.a import _T\n"
    )
    (pkg / "e.py").write_text("from aiops.pkg.a import shown\nfrom aiops import __version__\n")
    found = {
        (str(p.relative_to(tmp_path)), imported)
        for p in sorted(pkg.rglob("*.py"))
        for _, imported in _private_imports(p, tmp_path)
    }
    # THEN each is found under the module it came from; public names and dunders are not
    assert found == {
        ("aiops/pkg/__init__.py", "aiops.pkg.a._hidden"),
        ("aiops/pkg/b.py", "aiops.pkg.a._hidden"),
        ("aiops/pkg/c.py", "aiops.pkg._internal"),
        ("aiops/pkg/d.py", "aiops.pkg.a._T"),
    }
