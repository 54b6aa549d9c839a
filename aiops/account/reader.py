"""Read-only, counted, paginated API calls, with a permission denied translated once, here.

Every call names the IAM permission it needs, so a denial becomes an :class:`AccessDeniedError`
carrying that permission (the report then says which one the credentials lacked).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from aiops.account.errors import AccessDeniedError, CredentialsError, UnreachableError

DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"}
)
CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AuthFailure",
    }
)
"""Answers that mean the credentials themselves are unusable: no call of the run can succeed."""

ClientFactory = Callable[[str, str], Any]
"""(service, region) -> a boto3 client."""


def session_factory(session: Any = None) -> ClientFactory:
    """Clients of a boto3 Session (default: a new one from the environment), one per service and region."""
    cache: dict[tuple[str, str], Any] = {}

    def make(service: str, region: str) -> Any:
        key = (service, region)
        if key not in cache:
            nonlocal session
            if session is None:
                import boto3

                session = boto3.Session()
            cache[key] = session.client(service, region_name=region)
        return cache[key]

    return make


def _snake(op: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in op).lstrip("_")


class Reader:
    """Calls of one region; ``calls`` counts the requests sent, by ``service:Operation``."""

    def __init__(self, factory: ClientFactory, region: str, calls: Counter[str] | None = None) -> None:
        self.factory = factory
        self.region = region
        self.calls: Counter[str] = calls if calls is not None else Counter()

    def call(self, service: str, op: str, permission: str, **params: Any) -> dict[str, Any]:
        """One request of ``op`` (CamelCase, as in the API reference)."""
        try:
            client = self.factory(service, self.region)
            self.calls[f"{service}:{op}"] += 1
            response: dict[str, Any] = getattr(client, _snake(op))(**params)
        except Exception as exc:
            raise self._translated(exc, f"{service}:{op}", permission) from None
        return response

    def pages(self, service: str, op: str, permission: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of ``op`` through boto3's paginator (each page is one counted request)."""
        try:
            client = self.factory(service, self.region)
            paginator = client.get_paginator(_snake(op))
            for page in paginator.paginate(**params):
                self.calls[f"{service}:{op}"] += 1
                yield page
        except Exception as exc:
            self.calls[f"{service}:{op}"] += 1
            raise self._translated(exc, f"{service}:{op}", permission) from None

    def _translated(self, exc: Exception, api: str, permission: str) -> Exception:
        """The error to raise for ``exc``: a denial, unusable credentials or an endpoint out of reach as
        an ``AccountError`` (the last two stop the command: nothing can be read); anything else as it was."""
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            CredentialRetrievalError,
            EndpointConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
            ProfileNotFound,
            ReadTimeoutError,
        )

        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code")
            if code in DENIED_CODES:
                return AccessDeniedError(api, permission, self.region)
            if code in CREDENTIAL_CODES:
                message = exc.response.get("Error", {}).get("Message", "")
                return CredentialsError(self.region, f"{code}: {message}".rstrip(": "))
            return exc
        if isinstance(
            exc, NoCredentialsError | PartialCredentialsError | CredentialRetrievalError | ProfileNotFound
        ):
            return CredentialsError(self.region, str(exc))
        if isinstance(
            exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError
        ):
            return UnreachableError(self.region, str(exc))
        return exc
