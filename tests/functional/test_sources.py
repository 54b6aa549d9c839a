"""The operator's catalog and playbooks from SSM Parameter Store or S3 (moto), re-read when they change."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import yaml

from aiops.adapters.dynamodb import DynamoStore
from aiops.adapters.holder import AppHolder
from aiops.adapters.sources import DocumentSource, OperatorConfig, SourceError
from tests.support.catalogs import DEMO_CATALOG

CATALOG = DEMO_CATALOG.read_text()
OTHER = yaml.safe_dump({"services": [{"name": "search", "tier": "high"}]})
PLAYBOOK = {
    "name": "search-fallback",
    "priority": 5,
    "match": {"root_cause": ["model"]},
    "action": {"runbook": "ModelFallback", "parameters": {}},
}


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ssm(aws: Any) -> Any:
    return boto3.client("ssm", region_name="us-east-1")


def test_ssm_catalog_is_reread_after_max_age_when_its_version_changes(ssm: Any) -> None:
    ssm.put_parameter(Name="/aiops/prod/catalog", Value=CATALOG, Type="String", Tier="Advanced")
    ticks = Ticks()
    op = OperatorConfig("/aiops/prod/catalog", None, max_age=60, ssm=ssm, monotonic=ticks)
    first = op.current()
    assert [s.name for s in first.catalog.services] == ["chat-assistant", "doc-search"]
    assert first.playbooks is None
    # WHEN the operator puts a new version, THEN a container sees it once max_age has passed
    ssm.put_parameter(Name="/aiops/prod/catalog", Value=OTHER, Type="String", Overwrite=True)
    ticks.now += 30
    assert op.current() == first
    ticks.now += 31
    second = op.current()
    assert [s.name for s in second.catalog.services] == ["search"] and second.version != first.version


def test_a_bad_new_version_keeps_the_last_good_one_and_a_bad_first_one_refuses(ssm: Any) -> None:
    ssm.put_parameter(Name="/aiops/prod/catalog", Value=CATALOG, Type="String", Tier="Advanced")
    ticks = Ticks()
    op = OperatorConfig("/aiops/prod/catalog", None, max_age=0, ssm=ssm, monotonic=ticks)
    good = op.current()
    ssm.put_parameter(
        Name="/aiops/prod/catalog", Value="services: [{tier: critical}]", Type="String", Overwrite=True
    )
    ticks.now += 1
    assert op.current() == good  # a running container keeps routing as before
    # a cold start on that version refuses, naming the location and what is wrong
    with pytest.raises(SourceError, match=r"/aiops/prod/catalog \(version 2\).*name"):
        OperatorConfig("/aiops/prod/catalog", None, ssm=ssm).current()
    with pytest.raises(SourceError, match="cannot be read: ParameterNotFound"):
        OperatorConfig("/aiops/missing", None, ssm=ssm).current()


def test_s3_documents_are_fetched_again_only_when_their_etag_changes(aws: Any) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="ops-config")
    s3.put_object(Bucket="ops-config", Key="aiops/catalog.yaml", Body=CATALOG.encode())
    s3.put_object(Bucket="ops-config", Key="aiops/playbooks.yaml", Body=yaml.safe_dump([PLAYBOOK]).encode())
    bodies = []
    s3.meta.events.register("after-call.s3.GetObject", lambda parsed, **_: bodies.append("Body" in parsed))
    ticks = Ticks()
    op = OperatorConfig(
        "s3://ops-config/aiops/catalog.yaml",
        "s3://ops-config/aiops/playbooks.yaml",
        max_age=0,
        s3=s3,
        monotonic=ticks,
    )
    first = op.current()
    assert first.playbooks is not None and [p.name for p in first.playbooks] == ["search-fallback"]
    ticks.now += 1
    assert op.current() == first
    assert bodies == [True, True, False, False]  # the second look was a 304 each: nothing downloaded
    s3.put_object(Bucket="ops-config", Key="aiops/catalog.yaml", Body=OTHER.encode())
    ticks.now += 1
    assert [s.name for s in op.current().catalog.services] == ["search"]


def test_a_location_that_is_neither_kind_is_refused() -> None:
    with pytest.raises(SourceError, match="expected an SSM parameter name"):
        DocumentSource("catalog.yaml")


def test_a_container_rebuilds_its_app_when_the_catalog_changes(
    ssm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ssm.put_parameter(Name="/aiops/prod/catalog", Value=CATALOG, Type="String", Tier="Advanced")
    monkeypatch.setenv("AIOPS_TABLE", "aiops-test")
    monkeypatch.setenv("AIOPS_CATALOG_LOCATION", "/aiops/prod/catalog")
    monkeypatch.setenv("AIOPS_REFRESH_SECONDS", "0")
    holder = AppHolder()
    before = holder.get()
    assert holder.get() is before  # unchanged: the same app
    ssm.put_parameter(Name="/aiops/prod/catalog", Value=OTHER, Type="String", Overwrite=True)
    after = holder.get()
    assert after is not before and [s.name for s in after.catalog.services] == ["search"]
    assert isinstance(after.store, DynamoStore) and isinstance(before.store, DynamoStore)
    assert after.store.client is before.store.client  # the rebuild keeps the container's clients
    assert after.chat is before.chat
