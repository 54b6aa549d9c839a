"""Slack Web API through slack_sdk's WebClient, with its retry handlers for 429 and 5xx."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiops.adapters.config import DEFAULT_API_URL
from aiops.notify import ChatError
from aiops.ports import MessageRef, SlackMessage

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from aiops.adapters.secrets import Secret


def web_client(
    token: str, *, base_url: str = DEFAULT_API_URL, max_retries: int = 3, timeout: int = 10
) -> WebClient:
    """A WebClient that honours Retry-After on 429 and retries 5xx and connection errors."""
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
    )

    client = WebClient(token=token, base_url=base_url, timeout=timeout)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=max_retries),
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries),
    ]
    return client


class SlackChat:
    """ChatClient on the real Slack Web API."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.calls = 0

    def post(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> MessageRef:
        from slack_sdk.errors import SlackApiError, SlackClientError

        self.calls += 1
        try:
            resp = self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=list(message.blocks),
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            raise ChatError(f"chat.postMessage failed: {exc.response.get('error', 'unknown')}") from None
        except (SlackClientError, OSError) as exc:
            raise ChatError(f"chat.postMessage failed: {type(exc).__name__}") from None
        return MessageRef(str(resp["channel"]), str(resp["ts"]))

    def update(self, ref: MessageRef, message: SlackMessage) -> None:
        from slack_sdk.errors import SlackApiError, SlackClientError

        self.calls += 1
        try:
            self.client.chat_update(
                channel=ref.channel, ts=ref.ts, text=message.text, blocks=list(message.blocks)
            )
        except SlackApiError as exc:
            raise ChatError(f"chat.update failed: {exc.response.get('error', 'unknown')}") from None
        except (SlackClientError, OSError) as exc:
            raise ChatError(f"chat.update failed: {type(exc).__name__}") from None


class SecretChat:
    """The ChatClient of a deployed stack: the bot token is read from its secret when a message is sent,
    and again once the secret's TTL has passed, so a token put in after the first deploy is picked up by
    warm containers too. Until then every call is a :class:`ChatError`: the message waits (recorded as
    pending, never faked) and the next event or the scheduled flush sends it."""

    def __init__(self, token: Secret, *, base_url: str = DEFAULT_API_URL) -> None:
        self.token = token
        self.base_url = base_url
        self._chat: SlackChat | None = None
        self._for: str | None = None

    @property
    def calls(self) -> int:
        return self._chat.calls if self._chat is not None else 0

    def _current(self) -> SlackChat:
        token = self.token.get()
        if token is None:
            raise ChatError("no Slack bot token configured yet: the message waits")
        value = token.get_secret_value()
        if self._chat is None or value != self._for:  # first use, or the token was rotated
            calls = self.calls
            self._chat, self._for = SlackChat(web_client(value, base_url=self.base_url)), value
            self._chat.calls = calls
        return self._chat

    def post(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> MessageRef:
        return self._current().post(channel, message, thread_ts=thread_ts)

    def update(self, ref: MessageRef, message: SlackMessage) -> None:
        self._current().update(ref, message)


class UnconfiguredChat:
    """The ChatClient while no bot token is configured (a first deploy, before the secret is filled in).

    Nothing is sent and nothing is faked: every call is a :class:`ChatError`, so the notifier keeps the
    message pending (its record says what Slack has not seen) and the flush delivers it once a token is
    configured.
    """

    calls = 0

    def post(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> MessageRef:
        raise ChatError("no Slack bot token configured: the message waits")

    def update(self, ref: MessageRef, message: SlackMessage) -> None:
        raise ChatError("no Slack bot token configured: the message waits")
