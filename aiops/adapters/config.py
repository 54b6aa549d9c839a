"""Configuration from the environment: every variable name is defined here, once.

An explicit argument beats the environment; secrets are read at cold start, typed ``SecretStr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from aiops.adapters.slack import DEFAULT_API_URL

ENV_TABLE = "AIOPS_TABLE"
ENV_CATALOG_FILE = "AIOPS_CATALOG_FILE"
ENV_SLACK_TOKEN = "SLACK_BOT_TOKEN"  # noqa: S105 - a variable name
ENV_SLACK_TOKEN_SECRET = "SLACK_BOT_TOKEN_SECRET_ARN"  # noqa: S105 - a variable name
ENV_SLACK_CHANNEL = "SLACK_CHANNEL"
ENV_SLACK_API_URL = "SLACK_API_URL"

DEFAULT_CATALOG = Path(__file__).resolve().parent.parent / "data" / "catalog.yaml"
DEFAULT_CHANNEL = "#aiops-incidents"


@dataclass(frozen=True)
class Config:
    table_name: str
    catalog_file: Path
    slack_token: SecretStr | None
    slack_channel: str
    slack_api_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, table_name: str | None = None) -> Config:
        token = env.get(ENV_SLACK_TOKEN)
        secret_arn = env.get(ENV_SLACK_TOKEN_SECRET)
        if not token and secret_arn:
            from aws_lambda_powertools.utilities.parameters import get_secret

            token = str(get_secret(secret_arn, max_age=300))
        return cls(
            table_name=table_name or env.get(ENV_TABLE, "aiops"),
            catalog_file=Path(env.get(ENV_CATALOG_FILE) or DEFAULT_CATALOG),
            slack_token=SecretStr(token) if token else None,
            slack_channel=env.get(ENV_SLACK_CHANNEL) or DEFAULT_CHANNEL,
            slack_api_url=env.get(ENV_SLACK_API_URL) or DEFAULT_API_URL,
        )
