"""The service catalog linted: its schema, topology, selectors and their globs (pure).

Structure and types come from the catalog's own pydantic models (aiops/catalog/model.py); the checks its model
validators make (duplicate names, dangling ``depends_on``, empty selectors, SLI shape, reserved names)
are made here again on the raw data so that every one is reported, each at its line, with more: cycles
and self-dependencies, components no signal can reach, globs that are malformed or cannot match, and
(as warnings) selectors of two components that claim the same alarm.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from aiops.catalog.model import SEVERITY_POLICY_KEYS, UNOWNED, Catalog, Selector
from aiops.lint import globs
from aiops.lint.problems import Problem, did_you_mean
from aiops.lint.schema import named, problems
from aiops.lint.source import Path, Source

SELECTOR_KEYS = tuple(Selector.model_fields)
MAP_FIELDS = ("dimension", "tag")


class _Report:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.found: list[Problem] = []

    def add(self, path: Path, message: str, *, warning: bool = False, key: bool = False) -> None:
        self.found.append(
            Problem(
                self.source.file,
                self.source.line(path, key=key),
                named(path, self.source.data),
                message,
                "warning" if warning else "error",
            )
        )


def lint_catalog(source: Source) -> tuple[list[Problem], Catalog | None]:
    """Every problem of the catalog in ``source``, and the catalog when it has no error."""
    report = _Report(source)
    data = source.data
    if data is None or data == {} or (isinstance(data, dict) and data.get("services") in (None, [])):
        report.add((), "the catalog names no service: every signal would go to 'unowned'")
        if data is None or data == {}:
            return report.found, None
    if not isinstance(data, dict):
        report.add((), f"must be a mapping with a 'services' list, not {type(data).__name__}")
        return report.found, None
    catalog: Catalog | None = None
    value_errors: list[Problem] = []
    structural: list[Problem] = []
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        structural = problems(exc, source, Catalog, skip=frozenset({"value_error"}))
        everything = problems(exc, source, Catalog)
        value_errors = [p for p in everything if p not in structural]
    _services(report, data)
    found = [*source.duplicates, *structural, *report.found]
    if not any(p.severity == "error" for p in report.found):
        found += value_errors  # a model check this linter does not make itself (none today)
    found.sort(key=lambda p: p.lineno or 0)
    errors = any(p.severity == "error" for p in found)
    return found, (catalog if not errors else None)


def _services(report: _Report, data: dict[str, Any]) -> None:
    policy = data.get("severity_policy")
    if isinstance(policy, dict):
        for key in policy:
            if key not in SEVERITY_POLICY_KEYS:
                hint = (
                    did_you_mean(str(key), SEVERITY_POLICY_KEYS)
                    or f" (known: {', '.join(sorted(SEVERITY_POLICY_KEYS))})"
                )
                report.add(("severity_policy", key), f"unknown key {key!r}{hint}", key=True)
    services = data.get("services")
    if not isinstance(services, list):
        return
    seen: dict[str, int] = {}
    others = {
        svc["name"]: {c["name"] for c in svc.get("components") or [] if isinstance(c, dict) and "name" in c}
        for svc in services
        if isinstance(svc, dict) and isinstance(svc.get("name"), str)
    }
    for n, svc in enumerate(services):
        if not isinstance(svc, dict):
            continue
        name = svc.get("name")
        if isinstance(name, str):
            if name in seen:
                where = report.source.line(("services", seen[name]))
                report.add(("services", n, "name"), f"a service named {name!r} is already on line {where}")
            else:
                seen[name] = n
            if name == UNOWNED:
                report.add(
                    ("services", n, "name"), f"{UNOWNED!r} is reserved for signals that match no service"
                )
        _components(report, ("services", n), svc, others)
        _slos(report, ("services", n), svc)
    _overlaps(report, services)


def _cross(dep: str, own: object, others: dict[str, set[Any]]) -> str | None:
    """Why a ``depends_on`` entry that is no local component is no other service (or its component)
    of the catalog either; None when it is one (a cross-service dependency)."""
    service, _, component = dep.partition("/")
    if service not in others or service == own:
        return ""
    if component and component not in others[service]:
        return f": service {service!r} has no component {component!r}"
    return None


def _components(report: _Report, at: Path, svc: dict[str, Any], others: dict[str, set[Any]]) -> None:
    components = svc.get("components")
    if not isinstance(components, list) or not components:
        if components is None or components == []:
            report.add(at, "no components: no signal can belong to this service (add components with match)")
        return
    names = _component_names(report, at, components)
    graph: dict[str, list[str]] = {}
    for n, comp in enumerate(components):
        if not isinstance(comp, dict):
            continue
        here = (*at, "components", n)
        edges = _depends_on(report, here, comp, names, svc.get("name"), others)
        if edges is not None and isinstance(comp.get("name"), str):
            graph[comp["name"]] = edges
        _match(report, here, comp.get("match"))
    for cycle in _cycles(graph):
        first = names[cycle[0]]
        report.add(
            (*at, "components", first, "depends_on"),
            f"cycle {' -> '.join([*cycle, cycle[0]])}: depends_on must point downstream, without a loop",
        )


def _component_names(report: _Report, at: Path, components: list[Any]) -> dict[str, int]:
    """Each component's name and its index, the first of a name kept; a repeated name is reported."""
    names: dict[str, int] = {}
    for n, comp in enumerate(components):
        if not isinstance(comp, dict) or not isinstance(comp.get("name"), str):
            continue
        if comp["name"] in names:
            where = report.source.line((*at, "components", names[comp["name"]]))
            report.add(
                (*at, "components", n, "name"),
                f"a component named {comp['name']!r} is already on line {where}",
            )
        else:
            names[comp["name"]] = n
    return names


def _depends_on(
    report: _Report,
    here: Path,
    comp: dict[str, Any],
    names: dict[str, int],
    service: Any,
    others: dict[str, set[Any]],
) -> list[str] | None:
    """The component's ``depends_on`` checked (itself, an unknown name); the edges it adds to the
    service's graph (the components it depends on, in this service), or None when it is not a list."""
    deps = comp.get("depends_on") or []
    if not isinstance(deps, list):
        return None
    for d in deps:
        if not isinstance(d, str):
            continue
        if d == comp.get("name"):
            report.add((*here, "depends_on"), f"{d!r} depends on itself")
        elif d not in names and (why := _cross(d, service, others)) is not None:
            hint = why or did_you_mean(d, names) or f" (components: {', '.join(names)})"
            report.add((*here, "depends_on"), f"unknown component {d!r}{hint}")
    return [d for d in deps if isinstance(d, str) and d in names and d != comp.get("name")]


def _match(report: _Report, here: Path, match: Any) -> None:
    if match is None or match == []:
        report.add(here, "no match selector: no signal can ever belong to this component (add match: [...])")
    elif isinstance(match, list):
        for k, sel in enumerate(match):
            _selector(report, (*here, "match", k), sel)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle of the dependency graph once, starting at its first component in catalog order."""
    order = list(graph)
    out: list[list[str]] = []
    seen_sets: set[frozenset[str]] = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in graph.get(node, []):
            if nxt == start:
                key = frozenset(path)
                if key not in seen_sets:
                    seen_sets.add(key)
                    out.append(list(path))
            elif nxt not in path and order.index(nxt) > order.index(start):
                walk(start, nxt, [*path, nxt])

    for start in order:
        walk(start, start, [start])
    return out


def _selector(report: _Report, at: Path, sel: Any) -> None:
    if not isinstance(sel, dict):
        return
    if not sel:
        report.add(at, f"an empty selector matches nothing: give at least one of {', '.join(SELECTOR_KEYS)}")
        return
    for key, value in sel.items():
        if key in MAP_FIELDS and isinstance(value, dict):
            if not value:
                report.add((*at, key), f"an empty {key} map matches nothing")
            for k, v in value.items():
                if isinstance(v, str):
                    _glob(report, (*at, key, k), key, v)
        elif isinstance(value, str) and key in SELECTOR_KEYS:
            _glob(report, (*at, key), key, value)


def _glob(report: _Report, at: Path, field: str, pattern: str) -> None:
    why = globs.malformed(pattern) or globs.cannot_match(field, pattern)
    if why:
        report.add(at, why)


def _slos(report: _Report, at: Path, svc: dict[str, Any]) -> None:
    slos = svc.get("slos")
    if not isinstance(slos, list):
        return
    names: set[str] = set()
    for n, slo in enumerate(slos):
        if not isinstance(slo, dict):
            continue
        if isinstance(slo.get("name"), str):
            if slo["name"] in names:
                report.add((*at, "slos", n, "name"), f"another SLO of this service is named {slo['name']!r}")
            names.add(slo["name"])
        sli = slo.get("sli")
        if not isinstance(sli, dict):
            continue
        ratio = [k for k in ("bad", "good", "total") if sli.get(k) is not None]
        if sli.get("latency") is not None and ratio:
            report.add(
                (*at, "slos", n, "sli"),
                "an SLI is either a ratio (bad or good over total) or latency, not both",
            )
        elif sli.get("latency") is None and ("total" not in ratio or ("bad" in ratio) == ("good" in ratio)):
            report.add((*at, "slos", n, "sli"), "a ratio SLI needs total and exactly one of bad or good")


def _overlaps(report: _Report, services: list[Any]) -> None:
    """Warn where a later component's selector claims what an earlier one's does: the first wins."""
    owners: list[tuple[Path, str, dict[str, Any]]] = []
    for s, svc in enumerate(services):
        if not isinstance(svc, dict) or not isinstance(svc.get("components"), list):
            continue
        for c, comp in enumerate(svc["components"]):
            if not isinstance(comp, dict) or not isinstance(comp.get("match"), list):
                continue
            for k, sel in enumerate(comp["match"]):
                if isinstance(sel, dict) and sel and _well_formed(sel):
                    owners.append((("services", s, "components", c, "match", k), f"{s}/{c}", sel))
    for i, (later, owner, sel) in enumerate(owners):
        for earlier, first_owner, first in owners[:i]:
            if first_owner == owner:
                continue
            example = _both(first, sel)
            if example is None:
                continue
            winner = named(earlier[:4], report.source.data)
            report.add(
                later,
                f"claims what {named(earlier, report.source.data)} (line {report.source.line(earlier)}) "
                f"claims already, e.g. {example}: the first match wins, so those go to {winner}",
                warning=True,
            )
            break


def _well_formed(sel: dict[str, Any]) -> bool:
    for key, value in sel.items():
        values = list(value.values()) if isinstance(value, dict) else [value]
        if key not in SELECTOR_KEYS or not all(isinstance(v, str) and not globs.malformed(v) for v in values):
            return False
    return True


def _both(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """An example both selectors match, when they constrain the same facts; else None."""
    if set(a) != set(b):
        return None
    examples = []
    for key in a:
        if key in MAP_FIELDS:
            if set(a[key]) != set(b[key]):
                return None
            for k in a[key]:
                found = globs.common(a[key][k], b[key][k])
                if found is None:
                    return None
                examples.append(f"{key} {k}={found!r}")
        else:
            found = globs.common(a[key], b[key])
            if found is None:
                return None
            examples.append(f"{key} {found!r}")
    return ", ".join(examples)
