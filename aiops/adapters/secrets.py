"""Secrets that may be filled in after the deploy: read lazily, re-read after a short TTL.

The stack creates the Slack and PagerDuty secrets with a generated placeholder; the operator puts the real
values in after the first deploy (README). A warm container must notice without a redeploy, so a secret is
never read once and kept: it is read when first needed and again once ``max_age`` has passed (Powertools
caches the value in between, so a busy container asks Secrets Manager once per ``max_age``).

A value that fails ``accept`` (the placeholder) counts as not configured: callers wait (Slack messages stay
pending) rather than send something that cannot work.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from pydantic import SecretStr

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 60
"""Seconds a secret's value is reused before Secrets Manager is asked again."""


SECRET_ATTEMPTS = 3
"""Reads of a secret before giving up for now: Secrets Manager throttles (after botocore's own retries),
and a page must not wait a minute, or go to the fallback, over one throttled read."""


def read_secret(arn: str, *, max_age: int = DEFAULT_MAX_AGE) -> str:
    """A read through Powertools' cache (``max_age`` seconds), tried up to :data:`SECRET_ATTEMPTS` times
    (0.2 s, then 0.4 s apart); raises what Secrets Manager raised last."""
    import time

    from aws_lambda_powertools.utilities.parameters import get_secret

    for attempt in range(SECRET_ATTEMPTS - 1):
        try:
            return str(get_secret(arn, max_age=max_age))
        except Exception:  # throttled, timed out: once more, a moment later
            time.sleep(0.2 * 2**attempt)
    return str(get_secret(arn, max_age=max_age))


class Secret:
    """A secret held in Secrets Manager (``arn``) or given outright (``value``, local runs and tests)."""

    def __init__(
        self,
        *,
        arn: str | None = None,
        value: str | None = None,
        accept: Callable[[str], bool] = bool,
        max_age: int = DEFAULT_MAX_AGE,
        read: Callable[..., str] = read_secret,
        name: str = "secret",
    ) -> None:
        self.arn = arn
        self.value = value
        self.accept = accept
        self.max_age = max_age
        self.name = name
        self._read = read
        self.unreadable = False
        """The last read failed (as opposed to: the secret holds no value yet)."""

    def get(self) -> SecretStr | None:
        """The current value, or None while it is missing or still the placeholder. A failed read is
        None too (logged): the caller waits and asks again later, it never fails a batch over it."""
        raw = self.value
        self.unreadable = False
        if raw is None and self.arn:
            try:
                raw = self._read(self.arn, max_age=self.max_age)
            except Exception as exc:  # throttled, denied, deleted: wait, and say why
                log.warning("secret.unreadable", extra={"secret": self.name, "error": type(exc).__name__})
                self.unreadable = True
                return None
        if raw and self.accept(raw):
            return SecretStr(raw)
        return None


def is_bot_token(value: str) -> bool:
    """A Slack bot token (``xox...``), not the template's generated placeholder."""
    return value.startswith("xox")


DEFAULT_ROUTE = "default"
ROUTING_KEY_LENGTH = 32


def parse_routing_keys(raw: str | None) -> dict[str, SecretStr]:
    """The secret's value: a JSON map ``{"default": key, "<service>": key}``, or one bare key (the
    default). Values that are not 32-character keys (the template's placeholder) are left out."""
    if not raw or not raw.strip():
        return {}
    text = raw.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            return {}
        pairs = doc.items() if isinstance(doc, dict) else []
    else:
        pairs = [(DEFAULT_ROUTE, text)]
    return {
        str(name): SecretStr(str(key))
        for name, key in pairs
        if isinstance(key, str) and len(key) == ROUTING_KEY_LENGTH
    }
