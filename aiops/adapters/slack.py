"""Slack Web API through slack_sdk's WebClient: bounded retries, posts never retried blindly.

- A post (``chat.postMessage``) is sent once per attempt: its answer can be lost after Slack stored it
  (a read timeout, a 5xx), and the SDK's retry would post it twice. Every post carries its
  :class:`~aiops.present.ports.MessageKey` in Slack's message ``metadata``; the notifier looks for it
  (``conversations.history`` / ``conversations.replies``) before it posts again.
- Other calls (edits, look-ups) are retried by slack_sdk's handlers, but within a small budget: a 429 is
  retried only when its ``Retry-After`` is short. A longer wait, or Slack failing after the retries,
  *holds* the client until then: later calls fail fast (:class:`ChatError`) and the work stays pending
  for the next event or the scheduled flush, instead of sleeping inside an ingest invocation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from aiops.adapters.config import DEFAULT_API_URL
from aiops.present.ports import MessageKey, MessageRef, SlackMessage
from aiops.present.slack_thread import ChatError

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from slack_sdk.http_retry import RetryHandler

    from aiops.adapters.secrets import Secret

log = logging.getLogger(__name__)
METADATA_TYPE = "aiops_message"
"""The ``event_type`` of the metadata every message of the bot carries (its MessageKey)."""
NOT_RETRIED = ("chat.postMessage",)
"""Calls whose retry could repeat an effect that already happened."""
MAX_RETRY_WAIT = 2.0
"""The longest Retry-After the client sleeps through; a longer one holds the client instead."""
HOLD_AFTER_FAILURE = 30.0
"""Seconds the client fails fast after Slack failed beyond its retries (5xx, timeout, connection): one
slow failure per function timeout at most."""
LOOKUP_PAGES = 5
LOOKUP_LIMIT = 200


def web_client(
    token: str,
    *,
    base_url: str = DEFAULT_API_URL,
    max_retries: int = 1,
    timeout: float = 4,
    max_wait: float = MAX_RETRY_WAIT,
) -> WebClient:
    """A WebClient whose retries stay within a few seconds and never repeat a post: one call costs at
    most ``(max_retries + 1) * max(timeout, max_wait)`` seconds, then :class:`SlackChat` holds."""
    from slack_sdk import WebClient

    client = WebClient(token=token, base_url=base_url, timeout=timeout)  # type: ignore[arg-type]
    client.retry_handlers = retry_handlers(max_retries=max_retries, max_wait=max_wait)
    return client


def retry_handlers(*, max_retries: int, max_wait: float) -> list[RetryHandler]:
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
    )
    from slack_sdk.http_retry.handler import default_interval_calculator

    def bounded(base: type[RetryHandler]) -> type[RetryHandler]:
        class Bounded(base):  # type: ignore[valid-type,misc]
            def _can_retry(
                self, *, state: Any, request: Any, response: Any = None, error: Any = None
            ) -> bool:
                if str(request.url).rsplit("/", 1)[-1] in NOT_RETRIED:
                    return False
                if response is not None and response.status_code == 429:
                    return _retry_after(response.headers) <= max_wait
                return bool(super()._can_retry(state=state, request=request, response=response, error=error))

            def prepare_for_next_attempt(
                self, *, state: Any, request: Any, response: Any = None, error: Any = None
            ) -> None:
                if response is not None and response.status_code == 429:
                    state.next_attempt_requested = True
                    time.sleep(_retry_after(response.headers))  # as Slack asked, no more
                    state.increment_current_attempt()
                    return
                super().prepare_for_next_attempt(state=state, request=request, response=response, error=error)

        Bounded.__name__ = f"Bounded{base.__name__}"
        return Bounded

    return [
        bounded(ConnectionErrorRetryHandler)(max_retry_count=max_retries),
        bounded(RateLimitErrorRetryHandler)(max_retry_count=max_retries),
        bounded(ServerErrorRetryHandler)(
            max_retry_count=max_retries, interval_calculator=default_interval_calculator
        ),
    ]


def _retry_after(headers: Any) -> float:
    for k, v in dict(headers or {}).items():
        if str(k).lower() == "retry-after":
            value = v[0] if isinstance(v, list) else v
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


class SlackChat:
    """ChatClient on the real Slack Web API. ``now`` (seconds) times the hold; the app's clock."""

    def __init__(
        self,
        client: WebClient,
        *,
        now: Callable[[], float] = time.monotonic,
        hold_after_failure: float = HOLD_AFTER_FAILURE,
    ) -> None:
        self.client = client
        self.calls = 0
        self.now = now
        self.hold_after_failure = hold_after_failure
        self.held_until = 0.0
        self._channel_ids: dict[str, str] = {}

    def post(
        self,
        channel: str,
        message: SlackMessage,
        *,
        thread_ts: str | None = None,
        key: MessageKey | None = None,
    ) -> MessageRef:
        kwargs: dict[str, Any] = {}
        if key is not None:
            kwargs["metadata"] = {
                "event_type": METADATA_TYPE,
                "event_payload": {"incident_id": key.incident_id, "entry": key.entry},
            }
        resp = self._call(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=list(message.blocks),
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                **kwargs,
            ),
        )
        return MessageRef(str(resp["channel"]), str(resp["ts"]))

    def update(self, ref: MessageRef, message: SlackMessage) -> None:
        self._call(
            "chat.update",
            lambda: self.client.chat_update(
                channel=ref.channel, ts=ref.ts, text=message.text, blocks=list(message.blocks)
            ),
        )

    def find(self, channel: str, key: MessageKey, *, thread_ts: str | None = None) -> MessageRef | None:
        """Look through the thread (or the channel's newest messages) for the message carrying ``key``.
        None when it is not there, or when Slack refuses to show it (a missing scope, a channel the
        bot cannot read): better a message twice than never."""
        try:
            channel_id = self._channel_id(channel)
            if channel_id is None:
                return None
            cursor = None
            for _ in range(LOOKUP_PAGES):
                args: dict[str, Any] = {"channel": channel_id, "include_all_metadata": True}
                args.update({"limit": LOOKUP_LIMIT, "cursor": cursor} if cursor else {"limit": LOOKUP_LIMIT})
                if thread_ts is not None:
                    page = self._call(
                        "conversations.replies",
                        partial(self.client.conversations_replies, ts=thread_ts, **args),
                    )
                else:
                    page = self._call(
                        "conversations.history", partial(self.client.conversations_history, **args)
                    )
                for m in page.get("messages") or []:
                    meta = m.get("metadata") or {}
                    payload = meta.get("event_payload") or {}
                    if (
                        meta.get("event_type") == METADATA_TYPE
                        and payload.get("incident_id") == key.incident_id
                        and payload.get("entry") == key.entry
                    ):
                        return MessageRef(channel_id, str(m["ts"]))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
            return None
        except _Refused as exc:
            log.warning("slack.lookup_refused", extra={"error": str(exc)})
            return None

    def _channel_id(self, channel: str) -> str | None:
        """The id of a channel given by name (``#name``): history and replies take ids only."""
        name = channel.removeprefix("#")
        if not channel.startswith("#") and name[:1] in ("C", "G", "D") and name.upper() == name:
            return channel
        if name in self._channel_ids:
            return self._channel_ids[name]
        cursor = None
        for _ in range(LOOKUP_PAGES * 5):
            args: dict[str, Any] = {"types": "public_channel,private_channel", "limit": LOOKUP_LIMIT}
            if cursor:
                args["cursor"] = cursor
            page = self._call("conversations.list", partial(self.client.conversations_list, **args))
            for c in page.get("channels") or []:
                self._channel_ids[str(c.get("name"))] = str(c.get("id"))
            if name in self._channel_ids:
                return self._channel_ids[name]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def _call(self, method: str, send: Callable[[], Any]) -> Any:
        from slack_sdk.errors import SlackApiError, SlackClientError

        if self.now() < self.held_until:
            raise ChatError(f"{method} not sent: Slack asked to wait")
        self.calls += 1
        try:
            return send()
        except SlackApiError as exc:
            status = getattr(exc.response, "status_code", 200)
            error = exc.response.get("error", "unknown")
            if status == 429:
                self._hold(_retry_after(getattr(exc.response, "headers", {})))
            elif status >= 500:
                self._hold(self.hold_after_failure)
            elif method.startswith("conversations.") and error in _REFUSALS:
                raise _Refused(f"{method}: {error}") from None
            raise ChatError(f"{method} failed: {error}") from None
        except (SlackClientError, OSError) as exc:
            self._hold(self.hold_after_failure)
            raise ChatError(f"{method} failed: {type(exc).__name__}") from None

    def _hold(self, seconds: float) -> None:
        self.held_until = max(self.held_until, self.now() + seconds)


_REFUSALS = frozenset(
    {"missing_scope", "channel_not_found", "not_in_channel", "thread_not_found", "not_allowed_token_type"}
)


class _Refused(Exception):
    """Slack will not show the bot the messages it looks for (a scope, a channel): not transient."""


class SecretChat:
    """The ChatClient of a deployed stack: the bot token is read from its secret when a message is sent,
    and again once the secret's TTL has passed, so a token put in after the first deploy is picked up by
    warm containers too. Until then every call is a :class:`ChatError`: the message waits (recorded as
    pending, never faked) and the next event or the scheduled flush sends it."""

    def __init__(
        self, token: Secret, *, base_url: str = DEFAULT_API_URL, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.token = token
        self.base_url = base_url
        self.now = now
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
            held = self._chat.held_until if self._chat is not None else 0.0
            self._chat = SlackChat(web_client(value, base_url=self.base_url), now=self.now)
            self._chat.calls, self._chat.held_until, self._for = calls, held, value
        return self._chat

    def post(
        self,
        channel: str,
        message: SlackMessage,
        *,
        thread_ts: str | None = None,
        key: MessageKey | None = None,
    ) -> MessageRef:
        return self._current().post(channel, message, thread_ts=thread_ts, key=key)

    def update(self, ref: MessageRef, message: SlackMessage) -> None:
        self._current().update(ref, message)

    def find(self, channel: str, key: MessageKey, *, thread_ts: str | None = None) -> MessageRef | None:
        return self._current().find(channel, key, thread_ts=thread_ts)


class UnconfiguredChat:
    """The ChatClient while no bot token is configured (a first deploy, before the secret is filled in).

    Nothing is sent and nothing is faked: every call is a :class:`ChatError`, so the notifier keeps the
    message pending (its record says what Slack has not seen) and the flush delivers it once a token is
    configured.
    """

    calls = 0

    def post(
        self,
        channel: str,
        message: SlackMessage,
        *,
        thread_ts: str | None = None,
        key: MessageKey | None = None,
    ) -> MessageRef:
        raise ChatError("no Slack bot token configured: the message waits")

    def update(self, ref: MessageRef, message: SlackMessage) -> None:
        raise ChatError("no Slack bot token configured: the message waits")

    def find(self, channel: str, key: MessageKey, *, thread_ts: str | None = None) -> MessageRef | None:
        raise ChatError("no Slack bot token configured: the message waits")
