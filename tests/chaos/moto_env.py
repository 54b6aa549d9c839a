"""moto for the chaos harness: one run's AWS, the clients the runs share, and shortcuts through moto.

- :func:`aws`: moto for one run (its backends start empty; its imports and caches are kept).
- :func:`client`: the botocore clients, made once per process and reused by every run (a client costs
  ~15 ms to make, a run makes about twenty): their hooks reach the run under way (:data:`RUN`), whose
  faults answer first, then its SSM Automation. They sign nothing and validate no parameters (moto
  needs neither).
- :func:`cheap_moto`: shortcuts through moto's DynamoDB, where most of a run's time goes otherwise.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from unittest import mock

import boto3

from aiops.local.emulator import LOCAL_ENV, one_request_at_a_time
from tests.support.aws_faults import AwsFaults
from tests.support.fake_ssm import FakeAutomation


class Run(Protocol):
    faults: AwsFaults
    automation: FakeAutomation


RUN: list[Run] = []
"""The run under way in this process (one at a time)."""
_POOL: dict[tuple[int, str], Any] = {}


def client(container: int, service: str) -> Any:
    """The ``container``-th cold start's client of ``service`` (-1: the harness's own, without faults)."""
    key = (container, service)
    if key not in _POOL:
        import botocore
        from botocore.config import Config as BotoConfig

        config = BotoConfig(signature_version=botocore.UNSIGNED, parameter_validation=False)
        made = boto3.client(service, region_name="us-east-1", config=config)  # type: ignore[call-overload]
        events, hyphenized = made.meta.events, made.meta.service_model.service_id.hyphenize()
        if container >= 0:
            events.register_first(f"before-call.{hyphenized}", lambda **kw: RUN[0].faults.before(**kw))
            events.register_first(f"after-call.{hyphenized}", lambda **kw: RUN[0].faults.after(**kw))
        if service == "ssm":
            for name in (
                "StartAutomationExecution",
                "GetAutomationExecution",
                "DescribeAutomationStepExecutions",
            ):
                events.register(f"before-call.ssm.{name}", lambda **kw: RUN[0].automation.answer(**kw))
        _POOL[key] = made
    return _POOL[key]


@contextmanager
def aws() -> Iterator[None]:
    """moto for one run, with dummy credentials (its backends start empty, its imports are kept)."""
    from moto import mock_aws

    saved = {k: os.environ.get(k) for k in LOCAL_ENV}
    os.environ.update(LOCAL_ENV)
    try:
        with mock_aws(), one_request_at_a_time():
            yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactWriteItems",
    }
)


@contextmanager
def cheap_moto() -> Iterator[None]:
    """Shortcuts through moto's DynamoDB, where most of a run's time goes otherwise; what the adapter
    sends and receives is unchanged:

    - TransactWriteItems deep-copies the table once per item of the transaction, to roll back a refused
      one: its conditions are checked first, and only a transaction that will be refused (the rare
      case) is copied, once (every copy is taken before any item is applied, so one is the same);
    - an item operation's answer (already plain JSON data: attribute values, no timestamps or blobs in
      this table) is dumped as JSON, as moto's generic shape-driven serializer would write it;
    - the names of a response class's methods (how moto finds the handler of an action) are listed once
      per class, not once per request;
    - a Query or Scan goes through the table's items as they are stored, without sorting the whole table
      first (a Query sorts what it found by the sort key anyway; a Scan's order is DynamoDB's own
      business, no caller relies on it).
    """
    import copy

    from moto.core import responses
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoResult

    class _OnePerTable:
        def __init__(self) -> None:
            self.made: dict[int, Any] = {}

        def deepcopy(self, value: Any) -> Any:
            if id(value) not in self.made:
                self.made[id(value)] = copy.deepcopy(value)
            return self.made[id(value)]

    transact = models.DynamoDBBackend.transact_write_items
    serialize = DynamoResult.execute_result

    class _NoCopy:
        @staticmethod
        def deepcopy(value: Any) -> Any:
            return value  # nothing will be rolled back (the table has no stream to feed either)

    def once(backend: Any, transact_items: Any) -> None:
        copier = _NoCopy() if _will_apply(backend, transact_items) else _OnePerTable()
        with mock.patch.object(models, "copy", copier):
            transact(backend, transact_items)

    def as_json(result: Any, context: Any) -> Any:
        if context.operation_model.name not in ITEM_OPERATIONS:
            return serialize(result, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(result.result)

    with (
        mock.patch.object(models.DynamoDBBackend, "transact_write_items", once),
        mock.patch.object(DynamoResult, "execute_result", as_json),
        mock.patch.object(responses, "method_names_from_class", _method_names),
        mock.patch.object(Table, "all_items", _stored_items),
    ):
        yield


def _will_apply(backend: Any, transact_items: list[dict[str, Any]]) -> bool:
    """Whether every condition of the transaction holds now (each item is checked against the table as
    it is before the transaction, as DynamoDB does: one transaction touches an item once)."""
    from moto.dynamodb.comparisons import get_filter_expression

    try:
        for entry in transact_items:
            [(kind, op)] = entry.items()
            if kind not in ("ConditionCheck", "Put", "Delete", "Update"):
                return False
            if kind == "Put":
                table = backend.get_table(op["TableName"])
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            condition = op.get("ConditionExpression")
            if condition is None:
                continue
            current = backend.get_item(op["TableName"], key)
            check = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            if not check.expr(current):
                return False
    except Exception:  # anything unexpected: the copying path, as moto does it
        return False
    return True


def _stored_items(table: Any) -> list[Any]:
    if table.range_key_attr:
        return [item for bucket in table.items.values() for item in bucket.values()]
    return list(table.items.values())


@functools.cache
def _method_names(cls: Any) -> list[str]:
    from moto.core.utils import method_names_from_class

    return method_names_from_class(cls)
