"""Building the pipeline from configuration: once per cold start, never at import time of the core."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import yaml

from aiops.adapters.cloudwatch import CloudWatchMetrics
from aiops.adapters.config import Config
from aiops.adapters.dynamodb import DynamoStore
from aiops.adapters.remediation import SsmRemediator
from aiops.adapters.slack import SlackChat, UnconfiguredChat, web_client
from aiops.catalog import Catalog, load_catalog
from aiops.incident import Incident
from aiops.links import slack_thread_url
from aiops.notify import Notifier
from aiops.pipeline import Pipeline, Settings
from aiops.playbooks import load_playbooks
from aiops.ports import (
    ChatClient,
    Clock,
    ContextStore,
    IncidentStore,
    MessageStore,
    Pager,
    Remediator,
    RunLedger,
    Scheduler,
    SignalLedger,
    SilenceStore,
)
from aiops.remediate import Remediation
from aiops.runbooks import load_runbooks

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.client import CloudWatchClient
    from mypy_boto3_dynamodb.client import DynamoDBClient


def read_catalog(path: Path) -> Catalog:
    with path.open(encoding="utf-8") as fh:
        return load_catalog(yaml.safe_load(fh), origin=str(path))


class Store(SignalLedger, IncidentStore, ContextStore, SilenceStore, RunLedger, MessageStore, Protocol):
    """Every store port on one table, and the reads of the flush and the Slack app: DynamoStore in
    AWS, its in-memory twin (aiops.local.memory.MemoryStore) in replay."""

    def unsettled_incidents(self) -> list[str]: ...

    def open_incidents(self) -> list[Incident]: ...

    def all_incidents(self) -> list[Incident]: ...


@dataclass
class App:
    pipeline: Pipeline
    store: Store
    chat: ChatClient
    catalog: Catalog
    pager: Pager | None
    remediation: Remediation
    scheduler: Scheduler | None = None


class AppHolder:
    """The app of a Lambda container: built on its first invocation, then reused (never at import)."""

    def __init__(self) -> None:
        self._app: App | None = None

    def get(self) -> App:
        if self._app is None:
            import os

            from aiops.adapters.clock import SystemClock

            self._app = build_app(Config.from_env(os.environ), clock=SystemClock())
        return self._app

    def use(self, prebuilt: App | None) -> None:
        """Hand it an app built elsewhere (demo, replay, tests), or None to build anew."""
        self._app = prebuilt


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
) -> App:
    """The app from ``config``; an explicit client beats the configuration (local runs and tests hand
    in their own Slack and pager stand-ins). With no Slack token, messages wait: nothing is faked."""
    catalog = catalog or read_catalog(config.catalog_file)
    if store is None:
        store = DynamoStore(config.table_name, clock=clock, client=dynamodb)
    if chat is None:
        if config.slack_token is not None:
            chat = SlackChat(web_client(config.slack_token.get_secret_value(), base_url=config.slack_api_url))
        else:
            chat = UnconfiguredChat()

    def channel_for(incident: Incident) -> str:
        service = catalog.service(incident.service)
        return (service.slack_channel if service else None) or config.slack_channel

    notifier = Notifier(
        chat=chat,
        messages=store,
        channel_for=channel_for,
        reload=store.get,
        clock=clock,
        timeline=store.timeline,
        min_interval=config.slack_update_interval,
    )
    if pager is None:
        from aiops.adapters.paging import pager_from

        pager = pager_from(
            config.pagerduty_routes, events_url=config.pagerduty_url, topic_arn=config.pager_topic_arn
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
    remediation = Remediation(
        catalog=catalog,
        playbooks=load_playbooks(config.playbooks_dir),
        runbooks=runbooks,
        remediator=remediator
        or SsmRemediator(document_prefix=config.document_prefix, assume_role_arn=config.automation_role_arn),
        runs=store,
        pager=pager,
        clock=clock,
        dry_run=config.dry_run,
        scheduler=scheduler,
        thread_url=thread_url,
    )
    pipeline = Pipeline(
        catalog=catalog,
        ledger=store,
        incidents=store,
        context=store,
        silences=store,
        notifier=notifier,
        clock=clock,
        metrics=CloudWatchMetrics(cloudwatch),
        remediation=remediation,
        settings=settings,
    )
    return App(
        pipeline=pipeline,
        store=store,
        chat=chat,
        catalog=catalog,
        pager=pager,
        remediation=remediation,
        scheduler=scheduler,
    )
