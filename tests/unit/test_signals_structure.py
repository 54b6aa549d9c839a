"""aiops/signals stays small and one-way: no module over 400 lines, no import circle."""

from __future__ import annotations

import ast
from pathlib import Path

SIGNALS = Path(__file__).resolve().parents[2] / "aiops" / "signals"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aiops.signals"):
            found.add(node.module.removeprefix("aiops.signals").lstrip(".") or "")
            if node.module == "aiops.signals":
                found.update(a.name for a in node.names)
    return {m for m in found if m}


def test_no_signals_module_over_400_lines() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in SIGNALS.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}


def test_signals_modules_import_one_way() -> None:
    graph = {p.stem: _imports(p) for p in SIGNALS.glob("*.py") if p.stem != "__init__"}
    seen: set[str] = set()

    def visit(node: str, stack: tuple[str, ...]) -> None:
        assert node not in stack, f"import circle: {' -> '.join((*stack, node))}"
        if node in seen:
            return
        for dep in graph.get(node, ()):
            visit(dep, (*stack, node))
        seen.add(node)

    for module in graph:
        visit(module, ())
    assert "registry" in graph["envelopes"] and "envelopes" not in graph["registry"]
