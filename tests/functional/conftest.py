from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops.adapters.config import Config
from aiops.adapters.wiring import App, build_app
from aiops.catalog.model import load_catalog
from aiops.local.fakes import LocalPager
from aiops.local.timers import LocalScheduler
from aiops.pipeline import Settings
from tests.support.catalogs import DEMO_CATALOG


@pytest.fixture
def catalog() -> Any:
    return load_catalog(yaml.safe_load(Path(DEMO_CATALOG).read_text()))


@pytest.fixture
def make_app(aws: Any, fake_slack: Any, clock: Any, catalog: Any) -> Any:
    """Build an App as a Lambda cold start would, against moto and the fake Slack API."""

    def make(
        settings: Settings | None = None,
        *,
        own_client: bool = False,
        catalog_doc: Any = None,
        remediator: Any = None,
    ) -> App:
        """``own_client``: a DynamoDB client of its own, as a separate Lambda container has."""
        import boto3

        client = boto3.client("dynamodb", region_name="us-east-1") if own_client else aws
        config = Config.from_env(
            {
                "SLACK_BOT_TOKEN": "xoxb-test-token",
                "SLACK_API_URL": fake_slack.url,
                "SLACK_CHANNEL": "#fallback",
            },
            table_name="aiops-test",
        )
        cat = load_catalog(catalog_doc) if catalog_doc is not None else catalog
        return build_app(
            config,
            clock=clock,
            dynamodb=client,
            catalog=cat,
            settings=settings,
            remediator=remediator,
            pager=LocalPager(),
            scheduler=LocalScheduler(),
        )

    return make


@pytest.fixture
def ingest(make_app: Any, clock: Any) -> Any:
    """handlers.ingest.handler wired to the emulator and the fake Slack; returns (handler, app)."""
    from handlers import ingest as module

    app = make_app()
    module.use(app)

    def invoke(event: dict[str, Any], context: Any) -> Any:
        """As Lambda would: invoked at (or after) the time of the events it is handed."""
        import json

        from aiops.signals.base import parse_time

        times = []
        for record in event.get("Records", []):
            try:
                times.append(parse_time(json.loads(record["body"])["time"], source="t", field="time"))
            except Exception:  # a malformed record carries no time
                continue
        if times:
            clock.set(max([clock.now(), *times]))
        return module.handler(event, context)

    yield invoke, app
    module.use(None)


@pytest.fixture
def lambda_context() -> Any:
    from aiops.local.lambda_events import LambdaContext

    return LambdaContext()
