"""A Lambda Function URL's HTTP request, read without trusting it: the raw body and the headers, or a
clean 400 saying what is wrong (never a 500 or a ``KeyError``). The Slack app and the PagerDuty webhook
each check their own signature over what this reads."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HttpRequest:
    body: bytes
    """The raw body, exactly as sent (and signed)."""
    headers: Mapping[str, Any]
    """By lower-cased name."""

    def header(self, name: str, *, join: bool = False) -> str:
        """One header's value ("" when absent or not text); of a repeated header, the first, or all of
        them comma-joined with ``join``."""
        value = self.headers.get(name)
        if isinstance(value, list):
            texts = [v for v in value if isinstance(v, str)]
            value = ",".join(texts) if join else (texts[0] if texts else "")
        return value if isinstance(value, str) else ""


def response(status: int, message: str) -> dict[str, Any]:
    """A JSON answer: ``{"status": ...}`` below 400, ``{"error": ...}`` from 400 on."""
    key = "status" if status < 400 else "error"
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({key: message}),
    }


def read(event: Mapping[str, Any], max_body: int) -> HttpRequest | dict[str, Any]:
    """The request of a Function URL (or API Gateway) event, or a 400 response naming what is wrong."""
    encoded = event.get("isBase64Encoded")
    if not isinstance(encoded, bool):
        return response(400, "isBase64Encoded: not a Function URL event")
    raw = event.get("body")
    if raw is None:
        raw = ""
    if not isinstance(raw, str) or len(raw) > max_body * 2:
        return response(400, "body")
    try:
        body = base64.b64decode(raw, validate=True) if encoded else raw.encode("utf-8")
    except (binascii.Error, UnicodeEncodeError):
        return response(400, "body is not base64" if encoded else "body is not UTF-8")
    if len(body) > max_body:
        return response(400, f"body: over {max_body // 1024} KB")
    headers = event.get("headers")
    if not isinstance(headers, Mapping):
        return response(400, "headers")
    return HttpRequest(body, {str(k).lower(): v for k, v in headers.items()})
