"""``aiops catalog discover``: propose a catalog from what an account holds (read only).

Services come from CloudFormation stacks (named by the ``--service-tag`` tag, or by the stack), and
from resources carrying that tag outside stacks; components from what they hold (Lambda functions,
API Gateway APIs, guardrails, knowledge bases, SSM parameters under the prefix, Bedrock model ids
seen in alarms, metrics and model parameters). Each existing alarm is given to one component with
an exact ``alarm_name`` selector; ``depends_on`` comes from the X-Ray service graph where it links
the components, else from the api -> orchestrator -> prompt / retriever / model / guardrail shape.
Every inferred line carries a comment saying where it came from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiops.account.checks import metric_names
from aiops.account.errors import DiscoverError
from aiops.account.init import availability_slo
from aiops.account.llm_signals import component_of
from aiops.account.reader import ClientFactory, Reader
from aiops.account.roles import parameter_role, role_of_function
from aiops.account.yamlout import Flow, Note, render

FALLBACK_PLACEHOLDER = "<a Bedrock model id the app can fall back to>"
TOKEN_CAP_PLACEHOLDER = "<the max-tokens value TokenCap lowers the parameter to>"  # noqa: S105 - not a secret
"""Placeholders (``<...>``) that ``aiops validate`` and the bot refuse until a person fills them: only a
person can tell which model the app may fall back to, and how far its answers may be cut."""
ORDER = ("api", "orchestrator", "retriever", "prompt", "model", "guardrail", "cost")
SHAPE = {"api": ("orchestrator",), "orchestrator": ("prompt", "retriever", "model", "guardrail")}


@dataclass
class Comp:
    match: list[Any] = field(default_factory=list)
    why: list[str] = field(default_factory=list)


@dataclass
class Svc:
    name: str
    origin: str
    functions: dict[str, str] = field(default_factory=dict)  # function -> component
    apis: list[str] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)  # model id -> where seen
    llm: dict[str, Any] = field(default_factory=dict)
    comps: dict[str, Comp] = field(default_factory=dict)

    def comp(self, name: str) -> Comp:
        return self.comps.setdefault(name, Comp())


def _pages(r: Reader, service: str, op: str, perm: str, key: str, **kw: Any) -> Iterator[dict[str, Any]]:
    for page in r.pages(service, op, perm, **kw):
        yield from page.get(key, [])


def discover(
    factory: ClientFactory,
    region: str,
    *,
    service_tag: str | None = None,
    parameter_prefix: str = "/llm/",
    now: datetime | None = None,
    left_out: list[str] | None = None,
) -> str:
    """The proposed catalog as YAML text (with comments). Raises DiscoverError when nothing is found.
    ``left_out`` gets one line per resource found but not proposed, and why (also closing the text)."""
    r = Reader(factory, region)
    skipped: list[str] = [] if left_out is None else left_out
    services: dict[str, Svc] = {}
    by_arn: dict[str, str] = {}
    for stack in _pages(r, "cloudformation", "DescribeStacks", "cloudformation:DescribeStacks", "Stacks"):
        if stack.get("StackStatus", "").startswith("DELETE") or stack.get("ParentId"):
            continue
        tags = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
        if service_tag and service_tag not in tags:
            continue
        name = tags[service_tag] if service_tag else stack["StackName"]
        why = f"tag {service_tag}={name} on stack {stack['StackName']}" if service_tag else "stack name"
        svc = services.setdefault(name, Svc(name, why))
        for res in _pages(
            r,
            "cloudformation",
            "ListStackResources",
            "cloudformation:ListStackResources",
            "StackResourceSummaries",
            StackName=stack["StackName"],
        ):
            _add_resource(
                svc, res["ResourceType"], res.get("PhysicalResourceId", ""), f"stack {stack['StackName']}"
            )
    if service_tag:  # tagged resources outside the stacks
        for res in _pages(
            r,
            "resourcegroupstaggingapi",
            "GetResources",
            "tag:GetResources",
            "ResourceTagMappingList",
            TagFilters=[{"Key": service_tag}],
        ):
            tags = {t["Key"]: t["Value"] for t in res.get("Tags", [])}
            name = tags[service_tag]
            svc = services.setdefault(name, Svc(name, f"tag {service_tag}={name} on resources"))
            kind, ident = _from_arn(res["ResourceARN"])
            by_arn[res["ResourceARN"]] = name
            _add_resource(svc, kind, ident, f"tag {service_tag}={name}")
    if not services:
        raise DiscoverError(
            f"no service found in {region}: no stack" + (f" tagged {service_tag}" if service_tag else "")
        )
    _parameters(r, services, parameter_prefix, skipped)
    alarms = list(_pages(r, "cloudwatch", "DescribeAlarms", "cloudwatch:DescribeAlarms", "MetricAlarms"))
    _assign_alarms(services, alarms, skipped)
    for metric in _pages(
        r, "cloudwatch", "ListMetrics", "cloudwatch:ListMetrics", "Metrics", Namespace="AWS/Bedrock"
    ):
        model = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}.get("ModelId")
        if model and len(services) == 1:  # traffic names no service: only a lone service owns it for sure
            next(iter(services.values())).models.setdefault(model, "AWS/Bedrock metrics")
        elif model and not any(model in svc.models for svc in services.values()):
            skipped.append(
                f"model id {model} (AWS/Bedrock metrics): its traffic names no service, and there are "
                f"{len(services)}: add it to the model component of the service that calls it"
            )
    edges = _xray_edges(r, services, now or datetime.now().astimezone())
    seen: dict[str, int] = {}
    for svc in services.values():
        for m in svc.models:
            seen[m] = seen.get(m, 0) + 1
    shared = {m for m, n in seen.items() if n > 1}  # a ModelId selector would catch the other's alarms
    skipped += [
        f"model id {m}: used by {n} services, so no ModelId selector for it (it would give one service's "
        "alarms to the other): match those alarms by name"
        for m, n in sorted(seen.items())
        if n > 1
    ]
    ordered = sorted(services.values(), key=lambda s: s.name)
    doc = {"services": [_service_doc(s, edges.get(s.name), shared, set(seen), skipped) for s in ordered]}
    header = (
        f"Proposed by `aiops catalog discover` from account resources in {region}.\n"
        "Every inferred line says where it came from; review tiers, SLOs and channels, fill in every\n"
        "<placeholder> (aiops validate refuses the catalog until then), then check it with\n"
        "`aiops validate --catalog FILE`."
    )
    text = render(doc, header)
    if skipped:
        text += "\n# Left out, and why:\n" + "".join(f"#  - {line}\n" for line in skipped)
    return text


def _from_arn(arn: str) -> tuple[str, str]:
    parts = arn.split(":", 5)
    service, rest = parts[2], parts[5] if len(parts) > 5 else ""
    if service == "lambda":
        return "AWS::Lambda::Function", rest.split(":")[1] if ":" in rest else rest
    if service == "apigateway":
        return "AWS::ApiGateway::RestApi", rest.rsplit("/", 1)[-1]
    if service == "ssm":
        return "AWS::SSM::Parameter", rest.removeprefix("parameter")
    if service == "bedrock" and rest.startswith("guardrail/"):
        return "AWS::Bedrock::Guardrail", rest.split("/", 1)[1]
    if service == "bedrock" and rest.startswith("knowledge-base/"):
        return "AWS::Bedrock::KnowledgeBase", rest.split("/", 1)[1]
    return f"{service}:{rest.split('/')[0]}", rest


def _add_resource(svc: Svc, kind: str, ident: str, where: str) -> None:
    if kind == "AWS::Lambda::Function":
        role = role_of_function(ident, svc.name)
        svc.functions[ident] = role
        svc.comp(role).match.append(
            Note(Flow({"dimension": {"FunctionName": ident}}), f"Lambda function, {where}")
        )
    elif kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        svc.apis.append(ident)
        svc.comp("api").why.append(f"API {ident}, {where}")
    elif kind == "AWS::Bedrock::Guardrail":
        svc.comp("guardrail").why.append(f"guardrail {ident}, {where}")
    elif kind == "AWS::Bedrock::KnowledgeBase":
        svc.comp("retriever").why.append(f"knowledge base {ident}, {where}")
    elif kind == "AWS::SSM::Parameter":
        prole = parameter_role(ident)
        if prole and prole not in svc.llm:
            svc.llm[prole] = Note(ident, f"SSM parameter, {where}")


def _parameters(r: Reader, services: dict[str, Svc], prefix: str, skipped: list[str]) -> None:
    base = prefix.rstrip("/") or "/"
    filters = [{"Key": "Path", "Option": "Recursive", "Values": [base]}]
    model_params: dict[str, Svc] = {}
    for p in _pages(
        r, "ssm", "DescribeParameters", "ssm:DescribeParameters", "Parameters", ParameterFilters=filters
    ):
        segments = p["Name"][len(base) :].strip("/").split("/")
        svc = services.get(segments[0]) if len(segments) > 1 else None
        role = parameter_role(p["Name"])
        if svc is None:
            skipped.append(
                f"parameter {p['Name']}: no service {segments[0]!r} was found (services are "
                f"{', '.join(sorted(services))}): parameters are read as {prefix}<service>/..."
                if len(segments) > 1
                else f"parameter {p['Name']}: directly under {prefix}, no <service>/ segment names its owner"
            )
            continue
        if role is None:
            skipped.append(
                f"parameter {p['Name']}: its name says neither prompt, model nor token, so no runbook "
                "acts on it"
            )
            continue
        svc.llm.setdefault(role, Note(p["Name"], f"SSM parameter under {prefix}{svc.name}/"))
        if role in ("model_parameter", "max_tokens_parameter"):
            model_params[p["Name"]] = svc
    names = list(model_params)
    for i in range(0, len(names), 10):  # GetParameters takes up to 10 names
        resp = r.call("ssm", "GetParameters", "ssm:GetParameters", Names=names[i : i + 10])
        for p in resp.get("Parameters", []):
            svc = model_params[p["Name"]]
            if parameter_role(p["Name"]) == "max_tokens_parameter":
                if p["Value"].isdigit() and int(p["Value"]) > 1:
                    cap = int(p["Value"]) // 2
                    svc.llm["token_cap"] = Note(
                        cap, f"half of {p['Name']} ({p['Value']}): what TokenCap lowers it to"
                    )
            else:
                svc.models.setdefault(p["Value"], f"value of {p['Name']}")


def _assign_alarms(services: dict[str, Svc], alarms: list[dict[str, Any]], skipped: list[str]) -> None:
    fn_owner = {fn: (s, role) for s in services.values() for fn, role in s.functions.items()}
    api_owner = {api: s for s in services.values() for api in s.apis}
    for alarm in alarms:
        name = alarm["AlarmName"]
        metrics = metric_names(alarm)
        dims = [d for _, _, d in metrics]
        owner: tuple[Svc, str, str] | None = None
        for d in dims:
            if d.get("FunctionName") in fn_owner:
                s, role = fn_owner[d["FunctionName"]]
                owner = (s, role, f"alarm on Lambda function {d['FunctionName']}")
            elif d.get("ApiName") in api_owner or d.get("ApiId") in api_owner:
                api = d.get("ApiName") or d.get("ApiId") or ""
                owner = (api_owner[api], "api", f"alarm on API {api}")
            if owner:
                break
        prefixed = max(
            (s for s in services.values() if name.startswith(s.name + "-")),
            key=lambda s: len(s.name),
            default=None,
        )
        family = component_of(metrics)  # the LLM-native families (llm_signals.py), before the ModelId rule
        if owner is None and prefixed is not None and family is not None and family != "model":
            owner = (prefixed, family, f"alarm on {family} metrics ({metrics[0][0]})")
        if owner is None:
            model = next((d["ModelId"] for d in dims if "ModelId" in d), None)
            by_model = [s for s in services.values() if model and model in s.models]
            svc = prefixed or (by_model[0] if len(by_model) == 1 else None)
            if svc is None:
                skipped.append(
                    f"alarm {name}: no service owns it (not on a function or API of a service found, "
                    "not named <service>-..., no model id of one service): add a selector for it"
                )
                continue
            if model:
                svc.models.setdefault(model, f"alarm {name}")
                owner = (svc, "model", f"alarm on AWS/Bedrock ModelId {model}")
            elif family == "model":
                owner = (svc, "model", "alarm on account-wide AWS/Bedrock metrics")
            elif any(ns == "AWS/Logs" for ns, _, _ in metrics):
                owner = (svc, "orchestrator", "log anomaly alarm on the app's logs")
            elif "guardrail" in name.lower():
                owner = (svc, "guardrail", "alarm name mentions a guardrail")
            else:
                owner = (svc, "orchestrator", f"alarm name starts with {svc.name}-")
        svc, role, why = owner
        svc.comp(role).match.insert(0, Note(Flow({"alarm_name": name}), why))


def _xray_edges(r: Reader, services: dict[str, Svc], now: datetime) -> dict[str, dict[str, set[str]]]:
    """component -> the components it calls (its ``depends_on``), per service, from the X-Ray service
    graph of the last hour."""
    from aiops.account.errors import AccessDeniedError

    edges: dict[str, dict[str, set[str]]] = {}
    owner = {fn: (s.name, role) for s in services.values() for fn, role in s.functions.items()}
    try:
        nodes = list(
            _pages(
                r,
                "xray",
                "GetServiceGraph",
                "xray:GetServiceGraph",
                "Services",
                StartTime=now - timedelta(hours=1),
                EndTime=now,
            )
        )
    except AccessDeniedError:
        return edges
    by_ref = {n["ReferenceId"]: n.get("Name", "") for n in nodes}
    for n in nodes:
        src = owner.get(n.get("Name", ""))
        for e in n.get("Edges", []):
            dst = owner.get(by_ref.get(e.get("ReferenceId"), ""))
            if src and dst and src[0] == dst[0] and src[1] != dst[1]:
                edges.setdefault(src[0], {}).setdefault(src[1], set()).add(dst[1])
    return edges


def _service_doc(
    s: Svc, traced: dict[str, set[str]] | None, shared: set[str], all_models: set[str], skipped: list[str]
) -> dict[str, Any]:
    if s.llm.get("prompt_parameter"):
        s.comp("prompt").match.append(
            Note(Flow({"parameter": s.llm["prompt_parameter"].value}), "prompt parameter")
        )
    for model, seen in sorted(s.models.items()):
        if model in shared:
            continue
        s.comp("model").match.append(Note(Flow({"dimension": {"ModelId": model}}), f"model id, {seen}"))
    if s.llm.get("model_parameter"):
        s.comp("model").match.append(
            Note(Flow({"parameter": s.llm["model_parameter"].value}), "model parameter")
        )
    s.comp("cost").match += [
        Note(Flow({"budget_name": f"{s.name}-*"}), "budgets named after the service (the alarm pack's)"),
        Note(Flow({"cost_service": "Amazon Bedrock"}), "Cost Anomaly Detection root causes"),
    ]
    for api in s.apis:
        s.comp("api").match.append(Note(Flow({"dimension": {"ApiName": api}}), "API Gateway API"))
    for name, comp in s.comps.items():  # a component found without a selector of its own
        if not comp.match:
            comp.match.append(
                Note(Flow({"alarm_name": f"{s.name}-{name}-*"}), "; ".join(comp.why) or "naming")
            )
    present = [c for c in ORDER if c in s.comps] + sorted(set(s.comps) - set(ORDER))
    comps = []
    for name in present:
        entry: dict[str, Any] = {"name": name}
        if traced:
            deps = sorted(traced.get(name, set()) & set(present))
            why = "X-Ray service graph"
        else:
            deps = [d for d in SHAPE.get(name, ()) if d in present]
            why = "the api -> orchestrator -> prompt / retriever / model / guardrail shape"
            if name == "api" and "orchestrator" not in present:
                deps = [d for d in SHAPE["orchestrator"] if d in present]
        if deps:
            entry["depends_on"] = Note(Flow(deps), why)
        entry["match"] = s.comps[name].match
        comps.append(entry)
    doc: dict[str, Any] = {"name": Note(s.name, s.origin), "tier": Note("medium", "a guess: set it")}
    keys = ("prompt_parameter", "model_parameter", "max_tokens_parameter")
    if all(k in s.llm for k in keys):  # the runbooks need all three (aiops validate checks the playbooks)
        others = sorted(m for m in all_models if m not in s.models)
        fallback = (
            Note(others[0], "another model seen in the account: check that the app can use it")
            if others
            else Note(FALLBACK_PLACEHOLDER, "fill in: ModelFallback switches the model parameter to it")
        )
        doc["llm"] = {
            **{k: s.llm[k] for k in keys},
            "fallback_model_id": fallback,
            "token_cap": s.llm.get(
                "token_cap", Note(TOKEN_CAP_PLACEHOLDER, "fill in: no readable max-tokens value to halve")
            ),
        }
    else:
        found = [k for k in keys if k in s.llm]
        skipped.append(
            f"service {s.name}: no llm block (the runbooks need its prompt, model and max-tokens "
            f"parameters; found {', '.join(found) if found else 'none'}): no runbook can act on it"
        )
    doc["components"] = comps
    if s.models:
        doc["slos"] = [
            availability_slo("availability" if i == 0 else f"availability-{i + 1}", m, f"model id, {seen}")
            for i, (m, seen) in enumerate(sorted(s.models.items()))
        ]
    return doc
