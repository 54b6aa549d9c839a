"""The catalog's topology: ``depends_on`` within a service, across services, and where an incident
belongs (service, account, region; or the service alone when the catalog declares it ``global``).

``depends_on`` names, for each entry, a component of the same service; an entry that is no component
of it names another service of the catalog (``kb-search``) or one of its components
(``kb-search/retriever``): a cross-service dependency. An old catalog's entries are all local, and
keep their meaning. ``Service._topology`` checks the local side, ``Catalog`` the cross-service side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol


class _Component(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def depends_on(self) -> tuple[str, ...]: ...


class _Service(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def components(self) -> Sequence[_Component]: ...


def check_components(components: Sequence[_Component]) -> None:
    """Duplicate component names (a ValueError naming them); a ``depends_on`` entry that is no local
    component is left to the catalog (it may name another service)."""
    names = [c.name for c in components]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate component names: {', '.join(dupes)}")


def external(service: _Service) -> dict[str, list[tuple[str, str | None]]]:
    """Each component's cross-service dependencies: (service, component or None)."""
    local = {c.name for c in service.components}
    out: dict[str, list[tuple[str, str | None]]] = {}
    for c in service.components:
        for dep in c.depends_on:
            if dep in local:
                continue
            svc, _, comp = dep.partition("/")
            out.setdefault(c.name, []).append((svc, comp or None))
    return out


def check_cross(services: Iterable[_Service]) -> None:
    """Every non-local ``depends_on`` entry names a service of the catalog (and one of its components),
    never the service itself."""
    by_name: Mapping[str, _Service] = {s.name: s for s in services}
    for s in by_name.values():
        for component, deps in external(s).items():
            for svc, comp in deps:
                target = by_name.get(svc)
                where = f"service {s.name!r}: component {component!r} depends_on"
                spelled = f"{svc}/{comp}" if comp else svc
                if target is None or target is s:
                    raise ValueError(f"{where} unknown component {spelled!r} (nor another service)")
                if comp is not None and comp not in {c.name for c in target.components}:
                    raise ValueError(f"{where} {spelled!r}: service {svc!r} has no component {comp!r}")


def scope_key(service: str, account: str, region: str, *, is_global: bool) -> str:
    """The identity an incident's service pointer is kept under: the service in one account and
    region, or the service alone when it is global (or the signal says neither)."""
    if is_global or not (account or region):
        return service
    return f"{service}|{account}|{region}"
