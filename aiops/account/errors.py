"""Errors of the account tools. The context (API, IAM permission, region) travels on the exception."""

from __future__ import annotations

from aiops.errors import AiopsError


class AccountError(AiopsError):
    """Base class of the errors raised on purpose by ``aiops.account``."""


class AccessDeniedError(AccountError):
    """An API answered AccessDenied (or AccessDeniedException / UnauthorizedOperation)."""

    def __init__(self, api: str, permission: str, region: str) -> None:
        self.api = api
        self.permission = permission
        self.region = region
        super().__init__(f"{api} in {region}: access denied (needs {permission})")


class DiscoverError(AccountError):
    """The account holds nothing a catalog can be proposed from, or an input is unusable."""
