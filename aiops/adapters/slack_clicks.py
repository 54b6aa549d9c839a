"""Slack requests whose lazy half runs late: the edge records each request it verified, the lazy half
trusts that record instead of the signature's age.

Bolt acks a click within Slack's 3 s and re-invokes the function asynchronously for the work (the lazy
half: the same signed request, marked ``x-slack-bolt-lazy-only``). Lambda may run that invocation minutes
later (an async backlog, throttling, its retries): past Slack's 300 s the signature is stale and the work
was dropped with a 401, the click answered 200 and nothing applied. So:

- the first half, verified fresh, records the request (DynamoDB, a conditional put keyed by its
  signature, with a TTL: :data:`KEEP`);
- the lazy half needs a valid HMAC (only Slack's signing secret makes one) and, when the signature is
  stale, claims that record once (a conditional update): a replay of a captured request finds it claimed
  and is refused, as is a lazy-only request nobody verified fresh.

A late lazy half that cannot claim a record is refused and logged (``slack.late_click_refused``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.middleware.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from aiops.adapters.slack_http import MAX_AGE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

log = logging.getLogger(__name__)
KEEP = 6 * 3600
"""Seconds a verified request is trusted for its lazy half: Lambda keeps an async event up to 6 h."""
LAZY_HEADER = "x-slack-bolt-lazy-only"


def _wall_clock() -> float:
    return time.time()  # looked up when called, as bolt's own verifier does


def signed(body: str, timestamp: str, signature: str, secret: str) -> bool:
    """Slack's v0 HMAC over ``v0:{timestamp}:{body}``, whatever the timestamp's age."""
    if not secret:
        return False
    base = f"v0:{timestamp}:{body}".encode()
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class ClickRecords:
    """Verified Slack requests, one row each (``CLICK#<digest of the signature>``), expiring after
    :data:`KEEP` (the table's TTL on ``expires_at``; an expired row is ignored before TTL deletes it)."""

    def __init__(self, client: DynamoDBClient, table: str, *, now: Callable[[], float] | None = None) -> None:
        self.client = client
        self.table = table
        self.now = now or _wall_clock

    @staticmethod
    def _key(timestamp: str, signature: str) -> dict[str, Any]:
        digest = hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()[:40]
        return {"pk": {"S": f"CLICK#{digest}"}, "sk": {"S": "CLICK"}}

    def record(self, timestamp: str, signature: str) -> None:
        """Remember a request verified fresh (once: Slack's own retry of it changes nothing)."""
        now = int(self.now())
        try:
            self.client.put_item(
                TableName=self.table,
                Item={**self._key(timestamp, signature), "expires_at": {"N": str(now + KEEP)}},
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return

    def claim(self, timestamp: str, signature: str) -> bool:
        """Whether a late lazy half may run: its request was verified fresh, within :data:`KEEP`, and no
        other lazy run claimed it."""
        now = int(self.now())
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(timestamp, signature),
                UpdateExpression="SET claimed_at = :now",
                ConditionExpression=(
                    "attribute_exists(pk) AND expires_at >= :now AND attribute_not_exists(claimed_at)"
                ),
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True


class VerifyRequests(Middleware):
    """Bolt's request verification, with late lazy halves trusted through :class:`ClickRecords` (bolt is
    built with ``request_verification_enabled=False`` and this as its first middleware). A fresh request
    is verified as bolt would and recorded; a stale one passes only as a lazy half that claims its
    record."""

    def __init__(
        self, signing_secret: str, clicks: ClickRecords, *, now: Callable[[], float] | None = None
    ) -> None:
        self.secret = signing_secret
        self.clicks = clicks
        self.now = now or _wall_clock

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        timestamp = (req.headers.get("x-slack-request-timestamp") or ["0"])[0]
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        if not timestamp.isdigit() or not signed(req.raw_body, timestamp, signature, self.secret):
            return _refused()
        lazy = bool(req.headers.get(LAZY_HEADER))
        fresh = abs(self.now() - int(timestamp)) <= MAX_AGE
        if fresh and not lazy:
            self._try(self.clicks.record, timestamp, signature)  # failing: a late lazy half is refused
            next()
            return resp
        claimed = self._try(self.clicks.claim, timestamp, signature)  # a fresh one too: no later replay
        if fresh or claimed:
            if not fresh:
                log.info("slack.late_click_applied", extra={"age_s": int(self.now()) - int(timestamp)})
            next()
            return resp
        log.warning("slack.late_click_refused", extra={"lazy": lazy})
        return _refused()

    @staticmethod
    def _try(call: Callable[[str, str], bool | None], timestamp: str, signature: str) -> bool:
        try:
            return bool(call(timestamp, signature))
        except Exception:  # DynamoDB: a fresh request goes on regardless, a stale one is refused
            log.warning("slack.click_record_failed", exc_info=True)
            return False


def _refused() -> BoltResponse:
    return BoltResponse(status=401, body={"error": "invalid request"})
