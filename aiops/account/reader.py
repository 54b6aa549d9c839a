"""Read-only, counted, paginated API calls, with a permission denied translated once, here.

Every call names the IAM permission it needs, so a denial becomes an :class:`AccessDeniedError`
carrying that permission (the report then says which one the credentials lacked).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from aiops.account.errors import AccessDeniedError

DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"}
)

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
        from botocore.exceptions import ClientError

        client = self.factory(service, self.region)
        self.calls[f"{service}:{op}"] += 1
        try:
            response: dict[str, Any] = getattr(client, _snake(op))(**params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in DENIED_CODES:
                raise AccessDeniedError(f"{service}:{op}", permission, self.region) from None
            raise
        return response

    def pages(self, service: str, op: str, permission: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of ``op`` through boto3's paginator (each page is one counted request)."""
        from botocore.exceptions import ClientError

        client = self.factory(service, self.region)
        paginator = client.get_paginator(_snake(op))
        try:
            for page in paginator.paginate(**params):
                self.calls[f"{service}:{op}"] += 1
                yield page
        except ClientError as exc:
            self.calls[f"{service}:{op}"] += 1
            if exc.response.get("Error", {}).get("Code") in DENIED_CODES:
                raise AccessDeniedError(f"{service}:{op}", permission, self.region) from None
            raise
