"""The service catalog (``catalog.yaml``): services, their components and topology, SLOs. Loading is
strict: an unknown key, a wrong type or a bad reference is a CatalogError naming its path."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, NamedTuple

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from aiops.catalog.escalation_policy import Policy, PolicyOverride, policy_for
from aiops.catalog.forecast import ForecastSettings
from aiops.catalog.narrative import NarrativeSettings
from aiops.catalog.placeholders import Filled
from aiops.catalog.signatures import SymptomKind
from aiops.catalog.topology import check_components, check_cross
from aiops.errors import CatalogError
from aiops.signals.model import Deferred, MetricQuery, Signal

UNOWNED = "unowned"
Tier = Literal["critical", "high", "medium", "low"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Selector(_Model):
    """One match selector; every field given must match (glob patterns)."""

    alarm_name: str | None = None
    dimension: dict[str, str] | None = None
    namespace: str | None = None
    parameter: str | None = None
    budget_name: str | None = None
    cost_service: str | None = None
    stack: str | None = None
    tag: dict[str, str] | None = None
    prompt: str | None = None
    """Bedrock Prompt Management prompt id or ARN (an extension of DESIGN.md's selectors)."""

    @model_validator(mode="after")
    def _not_empty(self) -> Selector:
        if not self.model_fields_set:
            raise ValueError("a selector needs at least one of " + ", ".join(type(self).model_fields))
        return self


class Component(_Model):
    name: str
    depends_on: tuple[str, ...] = ()
    match: tuple[Selector, ...] = ()
    produces: tuple[SymptomKind, ...] | None = None  # a change's signature (catalog/signatures.py)


class Business(_Model):
    requests_per_minute: float = Field(ge=0)
    revenue_per_request_usd: float = Field(ge=0)


class Llm(_Model):
    prompt_parameter: Filled[str] = None
    model_parameter: Filled[str] = None
    fallback_model_id: Filled[str] = None
    max_tokens_parameter: Filled[str] = None
    token_cap: Filled[int] = Field(default=None, gt=0, le=200_000)
    """The max-tokens value TokenCap lowers the parameter to."""
    prompt_id: Filled[str] = None


class MetricSpec(_Model):
    namespace: str
    metric: str
    dimensions: dict[str, str] = {}
    stat: str = "Sum"


class LatencySli(_Model):
    """A percentile against a threshold: each minute whose statistic exceeds it is a bad minute."""

    metric: MetricSpec
    threshold_ms: float = Field(gt=0)


class Sli(_Model):
    """Ratio SLIs (availability, quality on a custom metric such as thumbs-down over feedback, or slow
    requests over requests): ``bad`` or ``good`` over ``total``. Latency SLI: ``latency``."""

    bad: MetricSpec | None = None
    total: MetricSpec | None = None
    good: MetricSpec | None = None
    latency: LatencySli | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Sli:
        ratio = self.bad is not None or self.good is not None or self.total is not None
        if self.latency is not None and ratio:
            raise ValueError("an SLI is either a ratio (bad or good over total) or latency, not both")
        if self.latency is None and (self.total is None or (self.bad is None) == (self.good is None)):
            raise ValueError("a ratio SLI needs total and exactly one of bad or good")
        return self


class Slo(_Model):
    name: str
    objective: float = Field(gt=0, lt=100)
    window_days: int = Field(default=30, gt=0, le=90)
    sli: Sli


class Service(_Model):
    name: str
    tier: Tier = "medium"
    slack_channel: str | None = None
    business: Business | None = None
    llm: Llm | None = None
    components: tuple[Component, ...] = ()
    slos: tuple[Slo, ...] = ()
    group_window_minutes: int = Field(default=30, gt=0, le=24 * 60)
    quiet_period_minutes: int = Field(default=0, ge=0, le=24 * 60)
    approvers: tuple[str, ...] = ()
    escalation: PolicyOverride | None = None  # over the catalog's escalation policy (escalation_policy.py)
    forecast: ForecastSettings | None = None  # scheduled projections (catalog/forecast.py), off by default
    global_: bool = Field(
        default=False, validation_alias=AliasChoices("global", "global_")
    )  # one incident everywhere
    narrative: NarrativeSettings | None = None  # a grounded model narrative (catalog/narrative.py), off

    @model_validator(mode="after")
    def _topology(self) -> Service:
        check_components(self.components)  # cross-service depends_on: checked by the catalog
        return self

    @cached_property
    def component_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.components)


_RESOLVE_CACHE = 50_000
SEVERITY_POLICY_KEYS = frozenset(
    {"1h+5m", "6h+30m", "1d+2h", "3d+6h", "none", "cost_over_budget", "cost", "unknown", "forecast"}
)


class Catalog(_Model):
    services: tuple[Service, ...] = ()
    severity_policy: dict[str, dict[Tier, Literal["SEV1", "SEV2", "SEV3", "SEV4"]]] = {}
    """Overrides of the severity policy (aiops/diagnosis/severity.py); its keys are SEVERITY_POLICY_KEYS."""
    escalation: PolicyOverride | None = None
    unowned_escalation: PolicyOverride | None = None
    """The escalation policy's defaults for every service, and that of ``unowned`` (escalation_policy.py)."""

    @model_validator(mode="after")
    def _unique(self) -> Catalog:
        names = [s.name for s in self.services]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate service names: {', '.join(dupes)}")
        if UNOWNED in names:
            raise ValueError(f"{UNOWNED!r} is reserved for signals that match no service")
        check_cross(self.services)
        unknown = sorted(set(self.severity_policy) - SEVERITY_POLICY_KEYS)
        if unknown:
            raise ValueError(
                f"severity_policy: unknown key(s) {', '.join(unknown)}; known: "
                + ", ".join(sorted(SEVERITY_POLICY_KEYS))
            )
        return self

    @cached_property
    def by_name(self) -> dict[str, Service]:
        return {s.name: s for s in self.services}

    @cached_property
    def selector_fields(self) -> frozenset[str]:
        """The selector keys this catalog uses: facts nobody matches on are never gathered."""
        return frozenset(
            key
            for svc in self.services
            for c in svc.components
            for sel in c.match
            for key in sel.model_fields_set
        )

    @cached_property
    def resolution_cache(self) -> dict[Facts, Ownership]:
        """Facts -> ownership, filled by :meth:`resolve` (a plain attribute: the hot path reads it)."""
        return {}

    @cached_property
    def memo_key(self) -> object:
        """This catalog's key in the resolution memos that events carry (see ``Deferred.memo``)."""
        return object()

    def service(self, name: str) -> Service | None:
        return self.by_name.get(name)

    def escalation_policy(self, name: str) -> Policy:
        svc, default, unowned = self.by_name.get(name), self.escalation, self.unowned_escalation
        over = svc.escalation if svc else None
        return policy_for(owned=svc is not None, catalog_default=default, unowned=unowned, service=over)

    def resolve(self, signal: Signal | Deferred) -> Ownership:
        """The (service, component) a signal belongs to: the first component whose selector matches.

        Resolution depends only on what selectors look at, so it is cached by those facts: a storm of
        repeats resolves each alarm once.
        """
        memo = signal.memo if isinstance(signal, Deferred) else None
        if memo is not None:  # an alarm configuration this catalog resolved already
            owner = memo.get(self.memo_key)
            if isinstance(owner, Ownership):
                return owner
        facts = facts_of(signal, self.selector_fields)
        cache = self.resolution_cache
        found = cache.get(facts)
        if found is None:
            found = self._resolve(facts)
            if len(cache) >= _RESOLVE_CACHE:
                cache.clear()
            cache[facts] = found
        if memo is not None:
            if len(memo) >= 8:
                memo.clear()
            memo[self.memo_key] = found
        return found

    @cached_property
    def matchers(self) -> tuple[tuple[Ownership, tuple[Check, ...]], ...]:
        """Every component's selectors compiled once, in catalog order (the first match wins)."""
        return tuple(
            (Ownership(svc.name, comp.name), tuple(_compile(sel) for sel in comp.match))
            for svc in self.services
            for comp in svc.components
        )

    def _resolve(self, facts: Facts) -> Ownership:
        for owner, checks in self.matchers:
            for check in checks:
                if check(facts):
                    return owner
        return Ownership(UNOWNED, None)


@dataclass(frozen=True, slots=True)
class Ownership:
    service: str
    component: str | None


def load_catalog(data: Mapping[str, Any] | None, *, origin: str = "catalog") -> Catalog:
    """Validate parsed YAML into a :class:`Catalog`; errors name the path of each bad field."""
    try:
        return Catalog.model_validate(data or {})
    except ValidationError as exc:
        raise CatalogError(format_validation_error(exc, origin)) from None


def format_validation_error(exc: ValidationError, origin: str) -> str:
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "(root)"
        lines.append(f"{origin}: {path}: {err['msg']}")
    return "\n".join(lines)


# --- matching -------------------------------------------------------------------------------------


Pairs = tuple[tuple[str, str], ...]


def _pairs(mapping: Mapping[str, str]) -> Pairs:
    return tuple(sorted(mapping.items()))


class Facts(NamedTuple):
    """What selectors can look at in a signal, gathered once; hashable, so resolution can be cached."""

    alarm_names: tuple[str, ...] = ()
    dimensions: tuple[Pairs, ...] = ()
    namespaces: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()
    budget_names: tuple[str, ...] = ()
    cost_services: tuple[str, ...] = ()
    stacks: tuple[str, ...] = ()
    tags: Pairs | None = None


_ALL_FIELDS = frozenset(Selector.model_fields)


def facts_of(signal: Signal | Deferred, wanted: frozenset[str] = _ALL_FIELDS) -> Facts:
    """The facts of ``signal`` that selectors on ``wanted`` keys look at."""
    if isinstance(signal, Deferred):
        return _alarm_facts(signal.alarm_names, signal.metrics, signal.tags, wanted)
    if signal.alarm is not None:
        a = signal.alarm
        return _alarm_facts((a.name, *a.children) if a.children else (a.name,), a.metrics, a.tags, wanted)
    if signal.insight is not None:
        i = signal.insight
        metrics = [m for an in i.anomalies for m in an.metrics]
        return Facts(
            dimensions=tuple(_pairs(m.dimensions) for m in metrics),
            namespaces=tuple(m.namespace for m in metrics),
            stacks=i.stacks,
            tags=_pairs(i.tags),
        )
    if signal.change is not None:
        c = signal.change
        if c.target_kind == "parameter":
            return Facts(parameters=(c.target,))
        return Facts(prompts=(c.target,))
    if signal.budget is not None:
        return Facts(budget_names=(signal.budget.budget_name,))
    if signal.cost is not None:
        return Facts(cost_services=tuple(rc.service for rc in signal.cost.root_causes if rc.service))
    return Facts()


def _alarm_facts(
    names: tuple[str, ...], metrics: Sequence[MetricQuery], tags: Mapping[str, str], wanted: frozenset[str]
) -> Facts:
    if "dimension" not in wanted and "namespace" not in wanted:
        return Facts(alarm_names=names, tags=_pairs(tags) if "tag" in wanted else None)
    named = [m for m in metrics if m.name]
    return Facts(
        alarm_names=names,
        dimensions=tuple(_pairs(m.dimensions) for m in named),
        namespaces=tuple(m.namespace for m in named),
        tags=_pairs(tags),
    )


Check = Callable[[Facts], bool]


def _globber(pattern: str) -> Callable[[str], object]:
    """fnmatchcase's own translation, compiled once per selector instead of looked up per call."""
    return re.compile(fnmatch.translate(pattern)).match


def _any_of(attr: str, pattern: str) -> Check:
    match = _globber(pattern)

    def check(f: Facts) -> bool:
        return any(match(v) for v in getattr(f, attr))

    return check


def _dims_of(wanted: Mapping[str, str]) -> Callable[[Sequence[Pairs]], bool]:
    """Whether any of the dimension sets has every wanted key, its value matching the glob."""
    patterns = [(k, _globber(p)) for k, p in wanted.items()]

    def check(candidates: Sequence[Pairs]) -> bool:
        for pairs in candidates:
            dims = dict(pairs)
            if all(k in dims and match(dims[k]) for k, match in patterns):
                return True
        return False

    return check


_GLOBS = {
    "alarm_name": "alarm_names",
    "namespace": "namespaces",
    "parameter": "parameters",
    "prompt": "prompts",
    "budget_name": "budget_names",
    "cost_service": "cost_services",
    "stack": "stacks",
}


def _compile(sel: Selector) -> Check:
    """One selector as a predicate over facts: every field it gives must match (glob patterns)."""
    checks: list[Check] = []
    for field, attr in _GLOBS.items():
        pattern = getattr(sel, field)
        if pattern is not None:
            checks.append(_any_of(attr, pattern))
    if sel.dimension is not None:
        dims = _dims_of(sel.dimension)
        checks.append(lambda f: dims(f.dimensions))
    if sel.tag is not None:
        tags = _dims_of(sel.tag)
        checks.append(lambda f: f.tags is not None and tags((f.tags,)))
    if not checks:
        return lambda f: False
    if len(checks) == 1:
        return checks[0]
    return lambda f: all(check(f) for check in checks)
