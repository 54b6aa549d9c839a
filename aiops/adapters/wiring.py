"""Building the pipeline from configuration: once per cold start, never at import time of the core."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import yaml

from aiops.adapters.bedrock import BedrockNarrator
from aiops.adapters.cloudwatch import CloudWatchMetrics
from aiops.adapters.config import Config
from aiops.adapters.dynamodb import DynamoStore
from aiops.adapters.faults import dependency_faults
from aiops.adapters.remediation import SsmRemediator
from aiops.adapters.slack import SecretChat, SlackChat, UnconfiguredChat, web_client
from aiops.catalog.model import Catalog, load_catalog
from aiops.errors import AiopsError
from aiops.escalation.ports import Pager, Scheduler
from aiops.incident.links import slack_thread_url
from aiops.incident.model import Incident
from aiops.incident.ports import (
    Clock,
    ContextStore,
    HistoryIndex,
    IncidentStore,
    SignalLedger,
    SilenceStore,
)
from aiops.pipeline import Pipeline, Settings
from aiops.pipeline.narrate import Narrate
from aiops.present.ports import ChatClient, MessageStore, NarrativeLedger, Narrator
from aiops.present.slack_thread import Notifier
from aiops.remediation.playbooks import Playbook, load_playbooks
from aiops.remediation.ports import Remediator, RunLedger
from aiops.remediation.remediate import Remediation
from aiops.remediation.runbooks import load_runbooks

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.client import CloudWatchClient
    from mypy_boto3_dynamodb.client import DynamoDBClient


def read_catalog(path: Path) -> Catalog:
    with path.open(encoding="utf-8") as fh:
        return load_catalog(yaml.safe_load(fh), origin=str(path))


class Store(
    SignalLedger,
    IncidentStore,
    ContextStore,
    SilenceStore,
    RunLedger,
    MessageStore,
    HistoryIndex,
    NarrativeLedger,
    Protocol,
):
    """Every store port on one table, and the reads of the flush and the Slack app: DynamoStore in
    AWS, its in-memory twin (aiops.local.memory.MemoryStore) in replay."""

    def unsettled_incidents(self) -> list[str]: ...

    def open_incidents(self) -> list[Incident]: ...

    def all_incidents(self) -> list[Incident]: ...


class WiringError(AiopsError):
    """The app would run with an in-memory stand-in (``aiops.local``) where Lambda needs the real thing."""


@dataclass
class App:
    pipeline: Pipeline
    store: Store
    chat: ChatClient
    catalog: Catalog
    pager: Pager | None
    remediation: Remediation
    scheduler: Scheduler | None = None
    metrics: CloudWatchMetrics | None = None
    narrator: Narrator | None = None

    def stand_ins(self) -> list[str]:
        """The parts that are local stand-ins (demo, replay and tests wire these; Lambda never may)."""
        parts = {
            "chat": self.chat,
            "pager": self.pager,
            "remediator": self.remediation.remediator,
            "store": self.store,
            "clock": self.pipeline.clock,
        }
        return [
            f"{name}={type(obj).__module__}.{type(obj).__qualname__}"
            for name, obj in parts.items()
            if obj is not None and type(obj).__module__.split(".")[:2] == ["aiops", "local"]
        ]


def refuse_stand_ins(app: App) -> App:
    found = app.stand_ins()
    if found:
        raise WiringError(f"refusing to start with in-memory stand-ins: {', '.join(found)}")
    return app


def build_app(
    config: Config,
    *,
    clock: Clock,
    dynamodb: DynamoDBClient | None = None,
    store: Store | None = None,
    cloudwatch: CloudWatchClient | None = None,
    remediator: Remediator | None = None,
    catalog: Catalog | None = None,
    settings: Settings | None = None,
    chat: ChatClient | None = None,
    pager: Pager | None = None,
    scheduler: Scheduler | None = None,
    playbooks: Sequence[Playbook] | None = None,
    reuse: App | None = None,
    narrator: Narrator | None = None,
) -> App:
    """The app from ``config``; an explicit client beats the configuration (local runs and tests hand
    in their own Slack and pager stand-ins), and ``reuse`` lends its clients to a rebuild. With no Slack
    token, messages wait: nothing is faked."""
    if catalog is None:
        catalog = read_catalog(config.catalog_file) if config.catalog_file else Catalog()
    if reuse is not None:
        if store is None and isinstance(reuse.store, DynamoStore):
            dynamodb = dynamodb or reuse.store.client
        remediator = remediator or reuse.remediation.remediator
        chat = chat or reuse.chat
        pager = pager or reuse.pager
        scheduler = scheduler or reuse.scheduler
        narrator = narrator or reuse.narrator
    if store is None:
        store = DynamoStore(config.table_name, clock=clock, client=dynamodb)
    if chat is None:
        chat = _chat(config, clock)

    def channel_for(incident: Incident) -> str:
        service = catalog.service(incident.service)
        return (service.slack_channel if service else None) or config.slack_channel

    notifier = Notifier(
        chat=chat,
        messages=store,
        channel_for=channel_for,
        reload=store.get,
        clock=clock,
        since=store.entries_since,
        min_interval=config.slack_update_interval,
    )
    if pager is None:
        from aiops.adapters.paging import pager_from

        pager = pager_from(
            config.pagerduty_routes,
            events_url=config.pagerduty_url,
            topic_arn=config.pager_topic_arn,
            secret=config.pagerduty_secret() if config.pagerduty_key_secret_arn else None,
            now=lambda: clock.now().timestamp(),  # PagerDuty's down time follows the app's clock
        )
    if scheduler is None and config.timers_function_arn and config.scheduler_role_arn:
        from aiops.adapters.scheduler import EventBridgeScheduler

        scheduler = EventBridgeScheduler(
            group=config.schedule_group or "default",
            target_arn=config.timers_function_arn,
            role_arn=config.scheduler_role_arn,
        )

    def thread_url(incident_id: str) -> str | None:
        record = store.message_for(incident_id)
        return slack_thread_url(record.channel, record.ts) if record and record.ts else None

    runbooks = load_runbooks(config.runbooks_dir)
    metrics = reuse.metrics if reuse is not None and cloudwatch is None else None
    metrics = metrics or CloudWatchMetrics(cloudwatch)
    remediation = Remediation(
        catalog=catalog,
        playbooks=list(playbooks) if playbooks is not None else load_playbooks(config.playbooks_dir),
        runbooks=runbooks,
        remediator=remediator
        or SsmRemediator(
            document_prefix=config.document_prefix,
            assume_role_arn=config.automation_role_arn,
            kill_switch=config.kill_switch_parameter,
        ),
        runs=store,
        pager=pager,
        clock=clock,
        dry_run=config.dry_run,
        scheduler=scheduler,
        thread_url=thread_url,
    )
    narrate = None
    if any(
        s.narrative is not None and s.narrative.enabled for s in catalog.services
    ):  # opt-in: else no client
        narrator = narrator or BedrockNarrator(endpoint_url=config.bedrock_endpoint_url)
        narrate = Narrate(
            catalog=catalog, narrator=narrator, ledger=store, timeline=store.timeline, clock=clock
        )
    pipeline = Pipeline(
        catalog=catalog,
        ledger=store,
        incidents=store,
        context=store,
        silences=store,
        notifier=notifier,
        clock=clock,
        metrics=metrics,
        remediation=remediation,
        settings=settings,
        history=store,
        narrate=narrate,
        faults=dependency_faults(),
    )
    return App(
        pipeline=pipeline,
        store=store,
        chat=chat,
        catalog=catalog,
        pager=pager,
        remediation=remediation,
        scheduler=scheduler,
        metrics=metrics,
        narrator=narrator,
    )


def _chat(config: Config, clock: Clock) -> ChatClient:
    """The Slack client: a token given outright is used as is; the stack's secret is read lazily and
    re-read after its TTL; with neither, every message waits. The client's holds (a Retry-After, an
    outage) follow the app's clock."""

    def now() -> float:
        return clock.now().timestamp()

    secret = config.slack_secret()
    if secret.value is not None:
        token = secret.get()
        if token is not None:
            return SlackChat(web_client(token.get_secret_value(), base_url=config.slack_api_url), now=now)
    if secret.arn is not None:
        return SecretChat(secret, base_url=config.slack_api_url, now=now)
    return UnconfiguredChat()
