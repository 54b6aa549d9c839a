"""Where ``aiops incidents`` and ``aiops postmortem`` read from: the deployed stack's table (read-only,
by stack or table name) or a replay's saved state (``--from DIR``). Errors are translated here, once,
into :class:`HistoryError` (the CLI prints one ``error:`` line and exits 2)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from aiops.account.errors import AccessDeniedError, AccountError
from aiops.account.reader import DENIED_CODES
from aiops.incident.model import Incident, TimelineEntry
from aiops.present.ports import MessageRecord

PERMISSIONS = {
    "DescribeStackResource": "cloudformation:DescribeStackResource",
    "Query": "dynamodb:Query",
    "GetItem": "dynamodb:GetItem",
}
"""What ``aiops incidents`` and ``aiops postmortem`` need: a read-only policy with these will do."""


class HistoryError(AccountError):
    """The history cannot be read: no such stack or table, no credentials, a bad option."""


class HistorySource(Protocol):
    """What the history views read (DynamoStore, the twin and a saved replay state all have it)."""

    def history(
        self, since: datetime, until: datetime, *, service: str | None = None, statuses: Sequence[str] = ()
    ) -> list[Incident]: ...

    def get(self, incident_id: str) -> Incident | None: ...

    def timeline(self, incident_id: str) -> list[TimelineEntry]: ...

    def signals_of(self, incident_id: str) -> list[str]: ...

    def message_for(self, incident_id: str) -> MessageRecord | None: ...


_SINCE = re.compile(r"(\d{1,5})([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """``7d``, ``24h``, ``30m``, ``2w``, or a date / time (``2026-11-25``, ``2026-11-25T10:00:00Z``)."""
    m = _SINCE.fullmatch(text.strip())
    if m:
        return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise HistoryError(f"--since {text!r}: expected 7d, 24h, 30m, 2w or a date like 2026-11-25") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=now.tzinfo)


def table_of_stack(client: Any, stack: str, region: str) -> str:
    """The physical name of the stack's ``IncidentTable``."""
    from botocore.exceptions import ClientError

    try:
        resp = client.describe_stack_resource(StackName=stack, LogicalResourceId="IncidentTable")
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") in DENIED_CODES:
            api = "cloudformation:DescribeStackResource"
            raise AccessDeniedError(api, PERMISSIONS["DescribeStackResource"], region) from None
        if error.get("Code") == "ValidationError":
            raise HistoryError(
                f"stack {stack!r} in {region}: no such stack, or it has no IncidentTable "
                "(pass --stack NAME, or --table NAME)"
            ) from None
        raise
    return str(resp["StackResourceDetail"]["PhysicalResourceId"])


@contextmanager
def translated(region: str, what: str) -> Iterator[None]:
    """AWS errors of the reads of ``what`` (``table T in R``) as one clear :class:`HistoryError` (or
    :class:`AccessDeniedError`, naming the permission)."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    try:
        yield
    except NoCredentialsError:
        raise HistoryError(
            "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID (read-only will do)"
        ) from None
    except NoRegionError:
        raise HistoryError("no region: pass --region or set AWS_REGION") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        op = exc.operation_name
        if code in DENIED_CODES:
            raise AccessDeniedError(f"dynamodb:{op}", PERMISSIONS.get(op, f"dynamodb:{op}"), region) from None
        if code == "ResourceNotFoundException":
            raise HistoryError(
                f"{what}: not found, or it has no history index yet (deploy this version of the stack)"
            ) from None
        raise HistoryError(f"{what}: {op}: {code}: {error.get('Message', '')}") from None
    except BotoCoreError as exc:
        raise HistoryError(f"{what}: {exc}") from None


def open_table(
    *, stack: str | None, table: str | None, region: str, session: Any = None
) -> tuple[HistorySource, Callable[[], datetime], str]:
    """A read-only source over the deployed table, its clock (the wall clock) and a label."""
    import boto3

    from aiops.adapters.clock import SystemClock
    from aiops.adapters.dynamodb import DynamoStore

    session = session or boto3.Session()
    with translated(region, f"table {table} in {region}" if table else f"stack {stack} in {region}"):
        name = table or table_of_stack(
            session.client("cloudformation", region_name=region), str(stack), region
        )
    clock = SystemClock()
    store = DynamoStore(name, clock=clock, client=session.client("dynamodb", region_name=region))
    return store, clock.now, f"table {name} in {region}"


def open_saved(folder: Path) -> tuple[HistorySource, Callable[[], datetime], str]:
    from aiops.local.saved_state import SavedHistory, SavedStateError

    try:
        saved = SavedHistory(folder)
    except SavedStateError as exc:
        raise HistoryError(str(exc)) from None
    return saved, saved.now, f"replay state {folder}"
