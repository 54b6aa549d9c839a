"""Secrets that may be filled in after the deploy: read lazily, re-read after a short TTL.

The stack creates the Slack and PagerDuty secrets with a generated placeholder; the operator puts the real
values in after the first deploy (README). A warm container must notice without a redeploy, so a secret is
never read once and kept: it is read when first needed and again once ``max_age`` has passed (Powertools
caches the value in between, so a busy container asks Secrets Manager once per ``max_age``).

A value that fails ``accept`` (the placeholder) counts as not configured: callers wait (Slack messages stay
pending) rather than send something that cannot work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr

if TYPE_CHECKING:
    from aiops.incident import Incident

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 60
"""Seconds a secret's value is reused before Secrets Manager is asked again."""


def read_secret(arn: str, *, max_age: int = DEFAULT_MAX_AGE) -> str:
    """One read through Powertools' cache (``max_age`` seconds); raises what Secrets Manager raises."""
    from aws_lambda_powertools.utilities.parameters import get_secret

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

    @property
    def configured_somewhere(self) -> bool:
        """Whether there is anywhere to read a value from (it may still hold the placeholder)."""
        return bool(self.value or self.arn)

    def get(self) -> SecretStr | None:
        """The current value, or None while it is missing or still the placeholder. A failed read is
        None too (logged): the caller waits and asks again later, it never fails a batch over it."""
        raw = self.value
        if raw is None and self.arn:
            try:
                raw = self._read(self.arn, max_age=self.max_age)
            except Exception as exc:  # throttled, denied, deleted: wait, and say why
                log.warning("secret.unreadable", extra={"secret": self.name, "error": type(exc).__name__})
                return None
        if raw and self.accept(raw):
            return SecretStr(raw)
        return None


def is_bot_token(value: str) -> bool:
    """A Slack bot token (``xox...``), not the template's generated placeholder."""
    return value.startswith("xox")


def is_routing_key(value: str) -> bool:
    """A PagerDuty Events v2 routing key has 32 characters; the template's placeholder has 31."""
    return len(value) == 32


class SecretPager:
    """A Pager on PagerDuty whose routing key is read from its secret when a page is sent (and again after
    the TTL). Until the key is there a page raises ``PagerError``: it is not recorded as sent, so it is
    tried again at the incident's next change, once the key is in."""

    def __init__(self, key: Secret, *, url: str) -> None:
        self.key = key
        self.url = url
        self._pager: Any = None
        self._for: str | None = None

    @property
    def calls(self) -> int:
        return int(self._pager.calls) if self._pager is not None else 0

    def send(
        self, incident: Incident, action: Literal["trigger", "acknowledge", "resolve"], summary: str
    ) -> None:
        from aiops.adapters.pagerduty import PagerDuty, PagerError

        key = self.key.get()
        if key is None:
            raise PagerError("no PagerDuty routing key configured yet: the page waits")
        value = key.get_secret_value()
        if self._pager is None or value != self._for:
            self._pager, self._for = PagerDuty(value, url=self.url), value
        self._pager.send(incident, action, summary)
