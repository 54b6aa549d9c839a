"""Gather what the maturity practices look at, per region, in as few read-only calls as the APIs allow.

One fact per API (alarms, Bedrock metrics, anomaly detectors, ...). A denied API leaves its fact
empty and records the IAM permission it lacked in ``denied``; the other facts are still gathered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiops.account.errors import AccessDeniedError
from aiops.account.reader import ClientFactory, Reader

BOT_NAMESPACE = "aiops"  # POWERTOOLS_METRICS_NAMESPACE in template.yaml


@dataclass
class RegionFacts:
    region: str
    alarms: list[dict[str, Any]] = field(default_factory=list)
    bedrock_metrics: list[dict[str, Any]] = field(default_factory=list)
    anomaly_detectors: list[dict[str, Any]] = field(default_factory=list)
    dashboards: list[str] = field(default_factory=list)
    bedrock_dashboards: list[str] = field(default_factory=list)
    log_anomaly_detectors: list[dict[str, Any]] = field(default_factory=list)
    invocation_logging: dict[str, Any] = field(default_factory=dict)
    guardrails: list[dict[str, Any]] = field(default_factory=list)
    prompts: list[dict[str, Any]] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)
    trails: list[dict[str, Any]] = field(default_factory=list)
    logging_trails: list[str] = field(default_factory=list)
    devops_guru: dict[str, Any] = field(default_factory=dict)
    bot_stack: dict[str, Any] | None = None
    bot_metrics: list[str] = field(default_factory=list)
    denied: dict[str, str] = field(default_factory=dict)
    """fact name -> the IAM permission that was lacking."""
    failed: dict[str, str] = field(default_factory=dict)
    """fact name -> the error of an API that answered something else than a denial."""


@dataclass
class AccountFacts:
    account: str | None
    regions: list[RegionFacts]
    budgets: list[dict[str, Any]] = field(default_factory=list)
    denied: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)


def _guard(facts: RegionFacts | AccountFacts, name: str, fetch: Callable[[], None]) -> None:
    """Run one fetch; a denial or an API error (e.g. a service not offered in the region) is recorded."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        fetch()
    except AccessDeniedError as exc:
        facts.denied[name] = exc.permission
    except ClientError as exc:
        err = exc.response.get("Error", {})
        facts.failed[name] = f"{err.get('Code', 'error')}: {err.get('Message', '')}".strip()
    except BotoCoreError as exc:
        facts.failed[name] = str(exc)


def gather(
    factory: ClientFactory, regions: list[str], *, stack_name: str, parameter_prefix: str
) -> AccountFacts:
    calls: Counter[str] = Counter()
    account = AccountFacts(account=None, regions=[], calls=calls)
    home = Reader(factory, regions[0], calls)

    def identity() -> None:
        account.account = home.call("sts", "GetCallerIdentity", "sts:GetCallerIdentity")["Account"]

    _guard(account, "account", identity)
    if account.account:  # AWS Budgets is global: one listing for the account, not one per region

        def budgets() -> None:
            for page in home.pages(
                "budgets", "DescribeBudgets", "budgets:ViewBudget", AccountId=account.account
            ):
                account.budgets += page.get("Budgets", [])

        _guard(account, "budgets", budgets)
    for region in regions:
        account.regions.append(_region(Reader(factory, region, calls), stack_name, parameter_prefix))
    return account


def _region(r: Reader, stack_name: str, prefix: str) -> RegionFacts:
    return _Region(r, stack_name, prefix).gather()


class _Region:
    """One region's facts: one method per API, each run under :func:`_guard` by :meth:`gather`."""

    def __init__(self, r: Reader, stack_name: str, prefix: str) -> None:
        self.r = r
        self.stack_name = stack_name
        self.prefix = prefix
        self.f = RegionFacts(region=r.region)

    def alarms(self) -> None:
        for page in self.r.pages(
            "cloudwatch", "DescribeAlarms", "cloudwatch:DescribeAlarms", AlarmTypes=["MetricAlarm"]
        ):
            self.f.alarms += page.get("MetricAlarms", [])

    def metrics(self) -> None:
        for page in self.r.pages(
            "cloudwatch", "ListMetrics", "cloudwatch:ListMetrics", Namespace="AWS/Bedrock"
        ):
            self.f.bedrock_metrics += page.get("Metrics", [])
        for page in self.r.pages(
            "cloudwatch", "ListMetrics", "cloudwatch:ListMetrics", Namespace=BOT_NAMESPACE
        ):
            self.f.bot_metrics += sorted(
                {m["MetricName"] for m in page.get("Metrics", [])} - set(self.f.bot_metrics)
            )

    def detectors(self) -> None:
        for page in self.r.pages(
            "cloudwatch", "DescribeAnomalyDetectors", "cloudwatch:DescribeAnomalyDetectors"
        ):
            self.f.anomaly_detectors += page.get("AnomalyDetectors", [])

    def dashboards(self) -> None:
        for page in self.r.pages("cloudwatch", "ListDashboards", "cloudwatch:ListDashboards"):
            self.f.dashboards += [d["DashboardName"] for d in page.get("DashboardEntries", [])]
        for name in self.f.dashboards:  # one GetDashboard each, until one shows Bedrock metrics
            body = self.r.call("cloudwatch", "GetDashboard", "cloudwatch:GetDashboard", DashboardName=name)
            if "AWS/Bedrock" in body.get("DashboardBody", ""):
                self.f.bedrock_dashboards.append(name)
                break

    def log_detectors(self) -> None:
        for page in self.r.pages("logs", "ListLogAnomalyDetectors", "logs:ListLogAnomalyDetectors"):
            self.f.log_anomaly_detectors += page.get("anomalyDetectors", [])

    def invocation_logging(self) -> None:
        self.f.invocation_logging = (
            self.r.call(
                "bedrock",
                "GetModelInvocationLoggingConfiguration",
                "bedrock:GetModelInvocationLoggingConfiguration",
            ).get("loggingConfig")
            or {}
        )

    def guardrails(self) -> None:
        for page in self.r.pages("bedrock", "ListGuardrails", "bedrock:ListGuardrails"):
            self.f.guardrails += page.get("guardrails", [])

    def prompts(self) -> None:
        for page in self.r.pages("bedrock-agent", "ListPrompts", "bedrock:ListPrompts"):
            self.f.prompts += page.get("promptSummaries", [])

    def parameters(self) -> None:
        filters = [{"Key": "Path", "Option": "Recursive", "Values": [self.prefix.rstrip("/") or "/"]}]
        for page in self.r.pages(
            "ssm", "DescribeParameters", "ssm:DescribeParameters", ParameterFilters=filters
        ):
            self.f.parameters += page.get("Parameters", [])

    def trails(self) -> None:
        # not paginated; shadow trails are the multi-region trails of other home regions
        self.f.trails = self.r.call(
            "cloudtrail", "DescribeTrails", "cloudtrail:DescribeTrails", includeShadowTrails=True
        ).get("trailList", [])
        for trail in self.f.trails:  # one GetTrailStatus each, until one is logging
            status = self.r.call(
                "cloudtrail", "GetTrailStatus", "cloudtrail:GetTrailStatus", Name=trail["TrailARN"]
            )
            if status.get("IsLogging"):
                self.f.logging_trails.append(trail["Name"])
                break

    def devops_guru(self) -> None:
        stacks: list[str] = []
        tags: list[dict[str, Any]] = []
        for kind in ("AWS_CLOUD_FORMATION", "AWS_TAGS"):
            for page in self.r.pages(
                "devops-guru",
                "GetResourceCollection",
                "devops-guru:GetResourceCollection",
                ResourceCollectionType=kind,
            ):
                rc = page.get("ResourceCollection", {})
                stacks += rc.get("CloudFormation", {}).get("StackNames", [])
                tags += rc.get("Tags", [])
        self.f.devops_guru = {"stacks": stacks, "tags": tags}

    def bot_stack(self) -> None:
        from botocore.exceptions import ClientError

        try:
            stacks = self.r.call(
                "cloudformation", "DescribeStacks", "cloudformation:DescribeStacks", StackName=self.stack_name
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ValidationError":  # no such stack
                return
            raise
        self.f.bot_stack = (stacks.get("Stacks") or [None])[0]

    def gather(self) -> RegionFacts:
        for name, fetch in (
            ("alarms", self.alarms),
            ("metrics", self.metrics),
            ("anomaly_detectors", self.detectors),
            ("dashboards", self.dashboards),
            ("log_anomaly_detectors", self.log_detectors),
            ("invocation_logging", self.invocation_logging),
            ("guardrails", self.guardrails),
            ("prompts", self.prompts),
            ("parameters", self.parameters),
            ("trails", self.trails),
            ("devops_guru", self.devops_guru),
            ("bot_stack", self.bot_stack),
        ):
            _guard(self.f, name, fetch)
        return self.f
