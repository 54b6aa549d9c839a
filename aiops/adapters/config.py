"""Configuration from the environment: every variable name is defined here, once.

An explicit argument beats the environment; secrets are read at cold start, typed ``SecretStr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr

from aiops.adapters.paging import DEFAULT_ROUTE, parse_routing_keys
from aiops.adapters.slack import DEFAULT_API_URL

ENV_TABLE = "AIOPS_TABLE"
ENV_CATALOG_FILE = "AIOPS_CATALOG_FILE"
ENV_SLACK_TOKEN = "SLACK_BOT_TOKEN"  # noqa: S105 - a variable name
ENV_SLACK_TOKEN_SECRET = "SLACK_BOT_TOKEN_SECRET_ARN"  # noqa: S105 - a variable name
ENV_SLACK_CHANNEL = "SLACK_CHANNEL"
ENV_SLACK_API_URL = "SLACK_API_URL"
ENV_PLAYBOOKS_DIR = "AIOPS_PLAYBOOKS_DIR"
ENV_RUNBOOKS_DIR = "AIOPS_RUNBOOKS_DIR"
ENV_DRY_RUN = "AIOPS_DRY_RUN"
ENV_DOCUMENT_PREFIX = "AIOPS_DOCUMENT_PREFIX"
ENV_AUTOMATION_ROLE = "AIOPS_AUTOMATION_ROLE_ARN"
ENV_SLACK_INTERVAL = "AIOPS_SLACK_UPDATE_SECONDS"
ENV_PAGERDUTY_KEY = "PAGERDUTY_ROUTING_KEY"
ENV_PAGERDUTY_URL = "PAGERDUTY_EVENTS_URL"
ENV_PAGERDUTY_KEY_SECRET = "PAGERDUTY_ROUTING_KEY_SECRET_ARN"  # noqa: S105 - a variable name
ENV_PAGER_TOPIC = "AIOPS_PAGER_TOPIC_ARN"
ENV_SCHEDULE_GROUP = "AIOPS_SCHEDULE_GROUP"
ENV_TIMERS_FUNCTION = "AIOPS_TIMERS_FUNCTION_ARN"
ENV_SCHEDULER_ROLE = "AIOPS_SCHEDULER_ROLE_ARN"

DEFAULT_CATALOG = Path(__file__).resolve().parent.parent / "data" / "catalog.yaml"
DEFAULT_CHANNEL = "#aiops-incidents"
_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PLAYBOOKS = _ROOT / "playbooks"
DEFAULT_RUNBOOKS = _ROOT / "runbooks"
DEFAULT_PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"


@dataclass(frozen=True)
class Config:
    table_name: str
    catalog_file: Path
    slack_token: SecretStr | None
    slack_channel: str
    slack_api_url: str
    playbooks_dir: Path = DEFAULT_PLAYBOOKS
    runbooks_dir: Path = DEFAULT_RUNBOOKS
    dry_run: bool = False
    document_prefix: str = "aiops-"
    automation_role_arn: str = ""
    slack_update_interval: timedelta = timedelta(seconds=10)
    pagerduty_key: SecretStr | None = None
    """The default routing key (``pagerduty_routes["default"]``)."""
    pagerduty_url: str = DEFAULT_PAGERDUTY_URL
    pagerduty_routes: Mapping[str, SecretStr] = field(default_factory=dict)
    """Routing keys by service (and ``default``): a JSON map in the secret, or one bare key."""
    pager_topic_arn: str = ""
    """The SNS pager topic: services without a routing key, and the fallback when PagerDuty fails."""
    schedule_group: str = ""
    timers_function_arn: str = ""
    scheduler_role_arn: str = ""
    """EventBridge Scheduler: the group of the escalation's timers, the function they invoke, the role."""

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, table_name: str | None = None) -> Config:
        token = env.get(ENV_SLACK_TOKEN) or _secret(env.get(ENV_SLACK_TOKEN_SECRET))
        routes = parse_routing_keys(env.get(ENV_PAGERDUTY_KEY) or _secret(env.get(ENV_PAGERDUTY_KEY_SECRET)))
        return cls(
            table_name=table_name or env.get(ENV_TABLE, "aiops"),
            catalog_file=Path(env.get(ENV_CATALOG_FILE) or DEFAULT_CATALOG),
            slack_token=_bot_token(token),
            slack_channel=env.get(ENV_SLACK_CHANNEL) or DEFAULT_CHANNEL,
            slack_api_url=env.get(ENV_SLACK_API_URL) or DEFAULT_API_URL,
            playbooks_dir=Path(env.get(ENV_PLAYBOOKS_DIR) or DEFAULT_PLAYBOOKS),
            runbooks_dir=Path(env.get(ENV_RUNBOOKS_DIR) or DEFAULT_RUNBOOKS),
            dry_run=(env.get(ENV_DRY_RUN) or "").lower() in ("1", "true", "yes"),
            document_prefix=env.get(ENV_DOCUMENT_PREFIX, "aiops-"),
            automation_role_arn=env.get(ENV_AUTOMATION_ROLE, ""),
            slack_update_interval=timedelta(seconds=float(env.get(ENV_SLACK_INTERVAL) or 10)),
            pagerduty_key=routes.get(DEFAULT_ROUTE),
            pagerduty_url=env.get(ENV_PAGERDUTY_URL) or DEFAULT_PAGERDUTY_URL,
            pagerduty_routes=routes,
            pager_topic_arn=env.get(ENV_PAGER_TOPIC, ""),
            schedule_group=env.get(ENV_SCHEDULE_GROUP, ""),
            timers_function_arn=env.get(ENV_TIMERS_FUNCTION, ""),
            scheduler_role_arn=env.get(ENV_SCHEDULER_ROLE, ""),
        )


def read_secret(arn: str | None) -> str | None:
    return _secret(arn)


def _secret(arn: str | None) -> str | None:
    """A secret from Secrets Manager, read at cold start (cached by Powertools for 5 minutes)."""
    if not arn:
        return None
    from aws_lambda_powertools.utilities.parameters import get_secret

    return str(get_secret(arn, max_age=300))


def _bot_token(token: str | None) -> SecretStr | None:
    """A real bot token (``xox...``), not the template's generated placeholder."""
    return SecretStr(token) if token and token.startswith("xox") else None
