"""The Slack app's Function URL edge: read the HTTP request, check Slack's signature, check its shape.

This runs before anything else in the Slack function: no secret but the signing secret, no network, no
bolt. A request that is not Slack's (bad or stale signature) is a 401; one that is malformed (an empty or
non-numeric timestamp, a body that is neither a form nor JSON, an interactivity ``payload`` that is not a
JSON object, an event without ``isBase64Encoded``) is a clean 400, never a 500 or a ``KeyError``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiops.adapters import function_url
from aiops.adapters.function_url import response

MAX_AGE = 300
"""Seconds a request's timestamp may be away from now (Slack's own recommendation)."""
MAX_BODY = 1 << 20


@dataclass(frozen=True)
class SlackRequest:
    body: str
    timestamp: str
    signature: str
    content_type: str


def read_request(event: Mapping[str, Any]) -> SlackRequest | dict[str, Any]:
    """The request of a Function URL (or API Gateway) event, or a 400 response saying what is wrong."""
    req = function_url.read(event, MAX_BODY)
    if isinstance(req, dict):
        return req
    try:
        body = req.body.decode("utf-8")
    except UnicodeDecodeError:
        return response(400, "body is not base64 of UTF-8")
    timestamp, signature = req.header("x-slack-request-timestamp"), req.header("x-slack-signature")
    if not timestamp.isdigit() or len(timestamp) > 12:
        return response(400, "x-slack-request-timestamp")
    if not signature.startswith("v0="):
        return response(400, "x-slack-signature")
    return SlackRequest(body, timestamp, signature, req.header("content-type"))


def signature_ok(
    req: SlackRequest, secret: str, *, now: Callable[[], float] = time.time, any_age: bool = False
) -> bool:
    """Slack's v0 signature: HMAC-SHA256 over ``v0:{timestamp}:{body}``, the timestamp within 5 min
    (``any_age``: a lazy half, whose age bolt's verification judges: :mod:`aiops.adapters.slack_clicks`)."""
    if not secret or (not any_age and abs(now() - int(req.timestamp)) > MAX_AGE):
        return False
    base = f"v0:{req.timestamp}:{req.body}".encode()
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, req.signature)


def shape_problem(req: SlackRequest) -> str | None:
    """What is malformed in a signed request, or None. Slash commands and interactivity are forms (an
    interactivity ``payload`` is a JSON object); the Events API posts a JSON object."""
    if req.content_type.startswith("application/json"):
        try:
            doc = json.loads(req.body)
        except ValueError:
            return "body is not JSON"
        return None if isinstance(doc, dict) else "body is not a JSON object"
    try:
        form = urllib.parse.parse_qs(req.body, keep_blank_values=True, strict_parsing=bool(req.body))
    except ValueError:
        return "body is not a form"
    if "payload" in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            return "payload is not JSON"
        if not isinstance(payload, dict):
            return "payload is not a JSON object"
    return None


def normalized(event: Mapping[str, Any], req: SlackRequest) -> dict[str, Any]:
    """The event as bolt's Lambda adapter expects it: the body decoded, ``isBase64Encoded`` present."""
    return {**event, "body": req.body, "isBase64Encoded": False, "headers": dict(event.get("headers") or {})}


class Verifier:
    """Checks signatures with the signing secret, read once. After a failed check the secret is read
    again, at most once per ``refresh_after`` seconds: a secret put in after the first deploy is picked up
    by a warm container, and a flood of forged requests costs one read a minute, not one each."""

    def __init__(
        self,
        read_secret: Callable[[], str | None],
        *,
        refresh_after: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._read = read_secret
        self.refresh_after = refresh_after
        self._monotonic = monotonic
        self._now = now
        self._secret: str | None = None
        self._read_at: float | None = None
        self.reads = 0

    @property
    def secret(self) -> str:
        """The signing secret as last read (bolt checks signatures with it again)."""
        return self._secret if self._secret is not None else self._load()

    def _load(self) -> str:
        self._secret, self._read_at = self._read() or "", self._monotonic()
        self.reads += 1
        return self._secret

    def verify(self, req: SlackRequest, *, any_age: bool = False) -> bool:
        secret = self._secret if self._secret is not None else self._load()
        if signature_ok(req, secret, now=self._now, any_age=any_age):
            return True
        if self._read_at is not None and self._monotonic() - self._read_at >= self.refresh_after:
            return signature_ok(req, self._load(), now=self._now, any_age=any_age)
        return False
