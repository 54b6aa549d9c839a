"""The PagerDuty webhook's Function URL edge: read the HTTP request, check PagerDuty's signature.

PagerDuty Webhooks v3 sign every delivery: ``X-PagerDuty-Signature`` carries one or more comma-separated
``v1=<hex>`` values, each the HMAC-SHA256 of the raw body under one of the subscription's signing secrets
(several while PagerDuty rotates the secret). A delivery is PagerDuty's when any of them is the one our
secret gives, compared in constant time. The signature covers the body only, no timestamp: how old an
event is, is judged from its ``occurred_at`` once the body is trusted (``pagerduty_events.py``).

This runs before anything else in the function: no secret but the webhook's, no network, no parsing of
the body. What is not verifiably PagerDuty's is a 401; a malformed request is a clean 400, never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiops.adapters import function_url

MAX_BODY = 256 * 1024
"""PagerDuty drops any webhook over 256 KB; it guarantees delivery up to 55 KB."""
MAX_SIGNATURES = 8
"""More signatures than a rotation needs: the rest are not looked at."""
VERSION = "v1"


@dataclass(frozen=True)
class WebhookRequest:
    body: bytes
    """The raw body, exactly as signed."""
    signature: str
    """``X-PagerDuty-Signature``."""
    webhook_id: str = ""
    """``X-Webhook-Id``: the same on every retry of one delivery (logged, to follow retries)."""


def read_request(event: Mapping[str, Any]) -> WebhookRequest | dict[str, Any]:
    """The request of a Function URL event, or a 400 response naming what is wrong with it."""
    req = function_url.read(event, MAX_BODY)
    if isinstance(req, dict):
        return req
    return WebhookRequest(
        body=req.body,
        signature=req.header("x-pagerduty-signature", join=True),
        webhook_id=req.header("x-webhook-id")[:128],
    )


def sign(body: bytes, secret: str) -> str:
    """The ``v1=<hex>`` signature of ``body`` under ``secret``, as PagerDuty computes it."""
    return f"{VERSION}=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, header: str, secret: str) -> bool:
    """Whether any ``v1`` signature of ``header`` is ``body``'s under ``secret`` (each compared in
    constant time, as bytes: a header that is not ASCII is simply no match)."""
    if not secret or not header:
        return False
    expected = sign(body, secret).encode("ascii")
    found = False
    for item in header.split(",")[:MAX_SIGNATURES]:
        version, _, value = item.strip().partition("=")
        if version != VERSION:
            continue  # another version of the scheme: not ours to check
        given = f"{VERSION}={value.lower()}".encode("utf-8", "replace")
        found |= hmac.compare_digest(expected, given)
    return found


class WebhookVerifier:
    """Checks signatures with the webhook's signing secret, read once. After a failed check the secret
    is read again, at most once per ``refresh_after`` seconds: a secret put in after the first deploy
    (or rotated) is picked up by a warm container, and a flood of forged requests costs one read a
    minute, not one each."""

    def __init__(
        self,
        read_secret: Callable[[], str | None],
        *,
        refresh_after: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read_secret
        self.refresh_after = refresh_after
        self._monotonic = monotonic
        self._secret: str | None = None
        self._read_at: float | None = None
        self.reads = 0

    def _load(self) -> str:
        self._secret, self._read_at = self._read() or "", self._monotonic()
        self.reads += 1
        return self._secret

    def verify(self, req: WebhookRequest) -> bool:
        if not req.signature:
            return False  # unsigned: not even worth a secret read
        secret = self._secret if self._secret is not None else self._load()
        if signature_matches(req.body, req.signature, secret):
            return True
        if self._read_at is not None and self._monotonic() - self._read_at >= self.refresh_after:
            return signature_matches(req.body, req.signature, self._load())
        return False
