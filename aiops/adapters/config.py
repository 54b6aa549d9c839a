"""Configuration from the environment: every variable name is defined here, once.

An explicit argument beats the environment. Reading the configuration does no I/O: secrets are named
here (by ARN) and read lazily, re-read after ``refresh_seconds`` (aiops/adapters/secrets.py); the catalog
and playbooks are named by location and re-read when they change (aiops/adapters/sources.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr

from aiops.adapters.secrets import DEFAULT_MAX_AGE, DEFAULT_ROUTE, Secret, is_bot_token, parse_routing_keys

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
ENV_CATALOG_LOCATION = "AIOPS_CATALOG_LOCATION"
ENV_PLAYBOOKS_LOCATION = "AIOPS_PLAYBOOKS_LOCATION"
ENV_KILL_SWITCH = "AIOPS_KILL_SWITCH_PARAMETER"
ENV_REFRESH = "AIOPS_REFRESH_SECONDS"
ENV_BEDROCK_ENDPOINT = "AIOPS_BEDROCK_ENDPOINT_URL"
"""The Converse endpoint of the narrative (issue 27); unset: the region's bedrock-runtime."""
ENV_STACK_NAME = "AIOPS_STACK_NAME"
"""The stack's name: the ``service`` dimension of the bot's own metrics, so stacks in one account differ."""
ENV_SLACK_READ_CHANNELS = "AIOPS_SLACK_READ_CHANNELS"
ENV_SLACK_SIGNING_SECRET = "SLACK_SIGNING_SECRET"  # noqa: S105 - a variable name
ENV_SLACK_SIGNING_SECRET_ARN = "SLACK_SIGNING_SECRET_ARN"  # noqa: S105 - a variable name
ENV_PAGERDUTY_WEBHOOK_SECRET = "PAGERDUTY_WEBHOOK_SECRET"  # noqa: S105 - a variable name
ENV_PAGERDUTY_WEBHOOK_SECRET_ARN = "PAGERDUTY_WEBHOOK_SECRET_ARN"  # noqa: S105 - a variable name

DEFAULT_KILL_SWITCH = "/aiops/automation/enabled"
"""The kill switch of a local run; a stack names its own (``/aiops/<stack>/automation/enabled``)."""
DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_CHANNEL = "#aiops-incidents"
_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PLAYBOOKS = _ROOT / "playbooks"
DEFAULT_RUNBOOKS = _ROOT / "runbooks"
DEFAULT_PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"


@dataclass(frozen=True)
class Config:
    table_name: str
    catalog_file: Path | None
    """A catalog file (local runs); in Lambda the catalog comes from ``catalog_location``."""
    slack_token: SecretStr | None
    """A token given outright (``SLACK_BOT_TOKEN``, local runs); the stack's is ``slack_token_secret_arn``."""
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

    slack_token_secret_arn: str | None = None
    pagerduty_key_secret_arn: str | None = None
    refresh_seconds: int = DEFAULT_MAX_AGE
    """How long a secret's value, or the catalog's version, is trusted before it is read again."""
    catalog_location: str | None = None
    """``/ssm/parameter/name`` or ``s3://bucket/key``: the operator's catalog (YAML), re-read on change."""
    playbooks_location: str | None = None
    """The same for playbooks (a YAML list, or ``playbooks: [...]``); unset: the shipped ``playbooks/``."""
    kill_switch_parameter: str = DEFAULT_KILL_SWITCH
    slack_read_channels: tuple[str, ...] = ()
    """Channels (ids, or ``#names``) where anyone may run ``/aiops status|incidents``."""
    slack_signing_secret: SecretStr | None = None
    slack_signing_secret_arn: str | None = None
    pagerduty_webhook_secret_value: SecretStr | None = None
    """The PagerDuty Webhooks v3 subscription's signing secret given outright (local runs, tests)."""
    pagerduty_webhook_secret_arn: str | None = None
    bedrock_endpoint_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, table_name: str | None = None) -> Config:
        token = env.get(ENV_SLACK_TOKEN)
        routes = parse_routing_keys(env.get(ENV_PAGERDUTY_KEY))  # a key given outright (local runs, tests)
        catalog_file = env.get(ENV_CATALOG_FILE)
        signing = env.get(ENV_SLACK_SIGNING_SECRET)
        webhook = env.get(ENV_PAGERDUTY_WEBHOOK_SECRET)
        return cls(
            table_name=table_name or env.get(ENV_TABLE, "aiops"),
            catalog_file=Path(catalog_file) if catalog_file else None,
            slack_token=SecretStr(token) if token and is_bot_token(token) else None,
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
            slack_token_secret_arn=env.get(ENV_SLACK_TOKEN_SECRET) or None,
            pagerduty_key_secret_arn=env.get(ENV_PAGERDUTY_KEY_SECRET) or None,
            refresh_seconds=int(env.get(ENV_REFRESH) or DEFAULT_MAX_AGE),
            catalog_location=env.get(ENV_CATALOG_LOCATION) or None,
            playbooks_location=env.get(ENV_PLAYBOOKS_LOCATION) or None,
            kill_switch_parameter=env.get(ENV_KILL_SWITCH) or DEFAULT_KILL_SWITCH,
            slack_signing_secret=SecretStr(signing) if signing else None,
            slack_signing_secret_arn=env.get(ENV_SLACK_SIGNING_SECRET_ARN) or None,
            pagerduty_webhook_secret_value=SecretStr(webhook) if webhook else None,
            pagerduty_webhook_secret_arn=env.get(ENV_PAGERDUTY_WEBHOOK_SECRET_ARN) or None,
            bedrock_endpoint_url=env.get(ENV_BEDROCK_ENDPOINT) or None,
            slack_read_channels=tuple(
                c.strip() for c in (env.get(ENV_SLACK_READ_CHANNELS) or "").split(",") if c.strip()
            ),
        )

    def slack_secret(self) -> Secret:
        """The bot token: the one given outright, else the stack's secret (re-read after the TTL)."""
        value = self.slack_token.get_secret_value() if self.slack_token else None
        arn = None if value else self.slack_token_secret_arn
        return Secret(
            value=value, arn=arn, accept=is_bot_token, max_age=self.refresh_seconds, name="slack-bot-token"
        )

    def signing_secret(self) -> Secret:
        """The Slack app's signing secret (the one secret read before a request's signature is checked)."""
        value = self.slack_signing_secret.get_secret_value() if self.slack_signing_secret else None
        arn = None if value else self.slack_signing_secret_arn
        return Secret(value=value, arn=arn, max_age=self.refresh_seconds, name="slack-signing-secret")

    def pagerduty_secret(self) -> Secret:
        """The routing keys: given outright, else the stack's secret (re-read after the TTL), holding one
        bare key or a JSON map of service -> key with ``default`` (see ``paging.parse_routing_keys``)."""
        arn = None if self.pagerduty_routes else self.pagerduty_key_secret_arn
        return Secret(
            value=None,
            arn=arn,
            accept=lambda raw: bool(parse_routing_keys(raw)),
            max_age=self.refresh_seconds,
            name="pagerduty-routing-key",
        )

    def pagerduty_webhook_secret(self) -> Secret:
        """The signing secret of the PagerDuty webhook subscription (the one secret the webhook function
        reads before a request's signature is checked)."""
        given = self.pagerduty_webhook_secret_value
        value = given.get_secret_value() if given else None
        arn = None if value else self.pagerduty_webhook_secret_arn
        return Secret(value=value, arn=arn, max_age=self.refresh_seconds, name="pagerduty-webhook-secret")
