"""Where a local run's Slack and PagerDuty traffic goes: rendered locally, or, with ``--live``, sent.

``aiops replay`` and ``aiops demo`` talk to the real services only when asked (``--live``), with the
same environment variables as the deployed bot: SLACK_BOT_TOKEN, SLACK_CHANNEL, SLACK_API_URL,
PAGERDUTY_ROUTING_KEY, PAGERDUTY_EVENTS_URL. Without ``--live`` everything is rendered locally, even
when those are set, and the run says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiops.adapters.config import (
    ENV_PAGERDUTY_KEY,
    ENV_PAGERDUTY_KEY_SECRET,
    ENV_SLACK_CHANNEL,
    ENV_SLACK_TOKEN,
    ENV_SLACK_TOKEN_SECRET,
    Config,
)
from aiops.errors import AiopsError
from aiops.local.fakes import LocalChat, LocalPager
from aiops.present.ports import ChatClient, MessageKey, MessageRef, SlackMessage


class LiveError(AiopsError):
    """``--live`` cannot reach what it was asked to: no variables, or Slack refused the token."""


class ChannelLog:
    """A ChatClient that remembers the channels it posted to (for the closing line of a live run)."""

    def __init__(self, chat: ChatClient) -> None:
        self.chat = chat
        self.channels: dict[str, None] = {}

    @property
    def calls(self) -> int:
        return int(getattr(self.chat, "calls", 0))

    def post(
        self,
        channel: str,
        message: SlackMessage,
        *,
        thread_ts: str | None = None,
        key: MessageKey | None = None,
    ) -> MessageRef:
        ref = self.chat.post(channel, message, thread_ts=thread_ts, key=key)
        if thread_ts is None:  # the channel as the catalog names it (Slack answers with its id)
            self.channels[channel] = None
        return ref

    def update(self, ref: MessageRef, message: SlackMessage) -> None:
        self.chat.update(ref, message)

    def find(self, channel: str, key: MessageKey, *, thread_ts: str | None = None) -> MessageRef | None:
        return self.chat.find(channel, key, thread_ts=thread_ts)


@dataclass
class Outbound:
    chat: Any
    pager: Any
    live: bool = False
    workspace: str = ""
    api_url: str = ""
    pagerduty_url: str = ""
    notes: list[str] = field(default_factory=list)
    """What to tell the person on stderr before the run."""

    def summary(self) -> list[str]:
        """Lines for stderr after the run: where the traffic went, how many calls."""
        out = []
        if isinstance(self.chat, ChannelLog):
            channels = ", ".join(self.chat.channels) or "no channel"
            out.append(f"Slack: {self.chat.calls} call(s) to {self.workspace} ({channels})")
        if self.pagerduty_url:
            out.append(f"PagerDuty: {getattr(self.pager, 'calls', 0)} event(s) sent to {self.pagerduty_url}")
        return out


def _set(env: Mapping[str, str], *names: str) -> list[str]:
    return [n for n in names if env.get(n)]


def outbound(
    env: Mapping[str, str] | None = None, *, live: bool, keep_edits: bool = False, command: str = "replay"
) -> Outbound:
    """Slack and PagerDuty clients for a local run. Not ``live``: local stand-ins (and a note when the
    variables are set). ``live``: the real clients; LiveError when neither service is configured or
    Slack refuses the token."""
    env = os.environ if env is None else env
    if not live:
        configured = _set(
            env, ENV_SLACK_TOKEN, ENV_SLACK_TOKEN_SECRET, ENV_PAGERDUTY_KEY, ENV_PAGERDUTY_KEY_SECRET
        )
        notes = (
            [
                f"{command}: Slack and PagerDuty are rendered locally, not sent, although "
                f"{' and '.join(configured)} {'is' if len(configured) == 1 else 'are'} set: "
                "add --live to send"
            ]
            if configured
            else []
        )
        return Outbound(LocalChat(keep_edits=keep_edits), LocalPager(), notes=notes)
    config = Config.from_env(env)
    slack_ready = config.slack_token is not None and bool(env.get(ENV_SLACK_CHANNEL))
    if not slack_ready and config.pagerduty_key is None:
        raise LiveError(
            f"--live sends to Slack (set {ENV_SLACK_TOKEN} to a bot token xoxb-... and {ENV_SLACK_CHANNEL}) "
            f"and to PagerDuty (set {ENV_PAGERDUTY_KEY} to a 32-character routing key): neither is set"
        )
    result = Outbound(LocalChat(keep_edits=keep_edits), LocalPager(), live=True)
    if slack_ready and config.slack_token is not None:
        from aiops.adapters.slack import SlackChat, web_client

        client = web_client(config.slack_token.get_secret_value(), base_url=config.slack_api_url)
        result.workspace = _workspace(client, config.slack_api_url)
        result.api_url = config.slack_api_url
        result.chat = ChannelLog(SlackChat(client))
        result.notes.append(
            f"Slack: posting to {result.workspace}, channel {config.slack_channel} (and the channels the "
            f"catalog names), through {config.slack_api_url}"
        )
    else:
        result.notes.append(
            f"Slack: rendered locally ({ENV_SLACK_TOKEN} and {ENV_SLACK_CHANNEL} are not both set)"
        )
    if config.pagerduty_key is not None:
        from aiops.adapters.paging import pager_from

        result.pager = pager_from(config.pagerduty_routes, events_url=config.pagerduty_url, topic_arn="")
        result.pagerduty_url = config.pagerduty_url
        result.notes.append(f"PagerDuty: paging {config.pagerduty_url}")
    else:
        result.notes.append(f"PagerDuty: rendered locally ({ENV_PAGERDUTY_KEY} is not set)")
    return result


def _workspace(client: Any, api_url: str) -> str:
    """The workspace the token belongs to (auth.test), checked before anything is posted."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    try:
        resp = client.auth_test()
    except SlackApiError as exc:
        raise LiveError(f"Slack refused the bot token: {exc.response.get('error', 'unknown')}") from None
    except (SlackClientError, OSError) as exc:
        raise LiveError(f"cannot reach Slack at {api_url}: {type(exc).__name__}") from None
    return str(resp.get("url") or f"team {resp.get('team_id', '?')}")
