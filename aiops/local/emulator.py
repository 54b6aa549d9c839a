"""The embedded AWS emulator (moto, in-process) for ``aiops demo``, ``aiops replay`` and tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

LOCAL_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_SERVICE_NAME": "aiops",
}


@contextmanager
def one_request_at_a_time() -> Iterator[None]:
    """Serialize the requests moto serves, as each AWS request is atomic in the real service.

    moto's backends are not thread-safe: its ``TransactWriteItems`` deep-copies the whole table to roll
    back a failed condition, so a request from another thread mutates the table mid-copy ("dictionary
    changed size during iteration") or is wiped by the rollback. Locking each request, not each batch,
    keeps every interleaving between two requests possible, as in AWS.
    """
    from moto.core.models import botocore_stubber

    lock = threading.RLock()
    process = botocore_stubber.process_request

    def atomic(request: Any) -> Any:
        with lock:
            return process(request)

    botocore_stubber.process_request = atomic  # type: ignore[method-assign]
    try:
        yield
    finally:
        del botocore_stubber.process_request  # the class's own method again


@contextmanager
def emulator(table_name: str = "aiops") -> Iterator[DynamoDBClient]:
    """Start moto, point boto3 at it with dummy credentials, and create the table."""
    try:
        from moto import mock_aws
    except ImportError as exc:  # pragma: no cover - a packaging error, not a runtime condition
        raise SystemExit("the local emulator needs moto: pip install 'aiops[local]'") from exc
    import boto3

    from aiops.adapters.dynamodb import create_table

    saved = {k: os.environ.get(k) for k in LOCAL_ENV}
    os.environ.update(LOCAL_ENV)
    try:
        with mock_aws(), one_request_at_a_time():
            client = boto3.client("dynamodb", region_name=LOCAL_ENV["AWS_DEFAULT_REGION"])
            create_table(client, table_name)
            yield client
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
