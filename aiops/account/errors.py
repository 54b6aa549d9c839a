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


class CredentialsError(AccountError):
    """No usable AWS credentials: none found, incomplete, expired or not recognised. Nothing can be read,
    so there is nothing to report: the command stops here."""

    def __init__(self, region: str, detail: str) -> None:
        self.region = region
        self.detail = detail
        super().__init__(
            f"no usable AWS credentials ({detail}): configure them (aws configure, AWS_PROFILE, or "
            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and run again"
        )


class UnreachableError(AccountError):
    """An AWS endpoint could not be reached (no network, a proxy, a wrong endpoint URL or region)."""

    def __init__(self, region: str, detail: str) -> None:
        self.region = region
        self.detail = detail
        super().__init__(f"cannot reach AWS in {region}: {detail}")
