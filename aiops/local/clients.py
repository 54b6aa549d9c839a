"""What the in-memory AWS twins share: botocore's error shape, and counting the calls made through them.

The twins (:mod:`aiops.local.ssm`, :mod:`aiops.local.cloudwatch`) answer the boto3 client methods the bot
and the shipped runbooks call, with boto3's response shapes and botocore's :class:`ClientError`, so the
production adapters (``automation_enabled``, ``CloudWatchMetrics``) and the local runbook executor run on
them unchanged. An operation a twin does not implement answers ``UnsupportedOperation`` (a ClientError:
a runbook step fails, as it would on an API the role may not call); ``--emulator moto`` has more APIs.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from botocore.exceptions import ClientError


def client_error(cls: type[ClientError], code: str, message: str, operation: str) -> ClientError:
    """A ClientError (or a modeled subclass) as botocore raises it from an AWS error response."""
    return cls({"Error": {"Code": code, "Message": message}}, operation)


def modeled(code: str) -> type[ClientError]:
    """A modeled error class, like ``client.exceptions.ParameterNotFound``."""
    return type(code, (ClientError,), {})


class Twin:
    """Base of the twins: an operation it lacks is a ClientError naming it, not an AttributeError."""

    service = "aws"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not name.islower():
            raise AttributeError(name)
        operation = "".join(part.title() for part in name.split("_"))

        def unsupported(**_: Any) -> Any:
            raise client_error(
                ClientError,
                "UnsupportedOperation",
                f"{self.service} {operation} is not emulated in memory (use --emulator moto)",
                operation,
            )

        return unsupported


class Counted:
    """A client whose API calls are counted by service: what ``stats.aws_calls`` reports.

    Works over a twin or a real boto3 client. Only method calls count; ``exceptions`` and ``meta`` pass.
    """

    PASS = frozenset({"exceptions", "meta", "service"})

    def __init__(self, client: Any, counts: MutableMapping[str, int], service: str) -> None:
        self._client = client
        self._counts = counts
        self._service = service

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name in self.PASS or name.startswith("_") or not callable(attr):
            return attr
        return self._counted(attr)

    def _counted(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self._counts[self._service] = self._counts.get(self._service, 0) + 1
            return method(*args, **kwargs)

        return call
