"""The Slack edge's checks, pure and fast (tests/functional/test_slack_edge.py runs them in the handler):
Slack's v0 signature and its 5-minute window, the request's shape, and when the signing secret is read.

Signatures are made with slack-sdk's own ``SignatureVerifier``, not with the code under test."""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier

from aiops.adapters.slack_http import (
    MAX_AGE,
    MAX_BODY,
    SlackRequest,
    Verifier,
    normalized,
    read_request,
    shape_problem,
    signature_ok,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_764_064_800  # 2025-11-25T10:00:00Z
FORM = "application/x-www-form-urlencoded"


def _signed(
    body: str = "command=%2Faiops&text=status", *, ts: int = NOW, secret: str = SECRET
) -> SlackRequest:
    sig = SignatureVerifier(secret).generate_signature(timestamp=str(ts), body=body)
    assert sig is not None
    return SlackRequest(body=body, timestamp=str(ts), signature=sig, content_type=FORM)


def _event(body: str = "a=1", **headers: Any) -> dict[str, Any]:
    return {
        "isBase64Encoded": True,
        "body": base64.b64encode(body.encode()).decode(),
        "headers": {"X-Slack-Request-Timestamp": str(NOW), "X-Slack-Signature": "v0=ab", **headers},
    }


@pytest.mark.parametrize(
    ("skew", "ok"),
    [
        (0, True),
        (-MAX_AGE, True),
        (MAX_AGE, True),
        (-MAX_AGE - 1, False),
        (MAX_AGE + 1, False),
        (-86400, False),
    ],
    ids=["now", "5m-old", "5m-ahead", "5m01s-old", "5m01s-ahead", "1d-old"],
)
def test_the_window_is_five_minutes_either_way(skew: int, ok: bool) -> None:
    req = _signed(ts=NOW + skew)
    assert signature_ok(req, SECRET, now=lambda: NOW) is ok


def test_a_signature_is_over_the_exact_body_timestamp_and_secret() -> None:
    good = _signed()
    assert signature_ok(good, SECRET, now=lambda: NOW)
    assert not signature_ok(_signed(secret="another"), SECRET, now=lambda: NOW)
    assert not signature_ok(
        SlackRequest(good.body + "&x=1", good.timestamp, good.signature, FORM), SECRET, now=lambda: NOW
    )
    moved = str(NOW + 1)
    assert not signature_ok(SlackRequest(good.body, moved, good.signature, FORM), SECRET, now=lambda: NOW)
    assert not signature_ok(good, "", now=lambda: NOW)  # no secret configured: nothing is Slack's


def test_a_request_is_read_with_its_headers_by_any_case() -> None:
    req = read_request(_event("text=hi", **{"Content-Type": FORM}))
    assert req == SlackRequest(body="text=hi", timestamp=str(NOW), signature="v0=ab", content_type=FORM)
    listed = _event()
    listed["headers"] = {"x-slack-request-timestamp": [str(NOW)], "x-slack-signature": ["v0=cd", "v0=ef"]}
    got = read_request(listed)
    assert isinstance(got, SlackRequest) and (got.signature, got.content_type) == ("v0=cd", "")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"X-Slack-Request-Timestamp": ""}, "x-slack-request-timestamp"),
        ({"X-Slack-Request-Timestamp": "-5"}, "x-slack-request-timestamp"),
        ({"X-Slack-Request-Timestamp": "1" * 13}, "x-slack-request-timestamp"),
        ({"X-Slack-Signature": "v1=ab"}, "x-slack-signature"),
        ({"X-Slack-Signature": ""}, "x-slack-signature"),
    ],
)
def test_bad_headers_are_a_400_naming_the_header(change: dict[str, str], error: str) -> None:
    out = read_request(_event(**change))
    assert isinstance(out, dict) and out["statusCode"] == 400
    assert json.loads(out["body"]) == {"error": error}


def test_a_twelve_digit_timestamp_is_still_read() -> None:
    assert isinstance(read_request(_event(**{"X-Slack-Request-Timestamp": "1" * 12})), SlackRequest)


def test_a_body_that_is_not_utf8_is_a_400() -> None:
    event = _event()
    event["body"] = base64.b64encode(b"\xff\xfe").decode()
    out = read_request(event)
    assert isinstance(out, dict) and json.loads(out["body"]) == {"error": "body is not base64 of UTF-8"}
    assert out["statusCode"] == 400  # the caller's fault, not an authentication failure


def test_a_body_over_the_limit_is_refused_before_anything_else() -> None:
    out = read_request(_event("a" * (MAX_BODY + 1)))
    assert isinstance(out, dict) and out["statusCode"] == 400
    assert isinstance(read_request(_event("a" * MAX_BODY)), SlackRequest)


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        ("command=%2Faiops&text=", FORM, None),
        ("", FORM, None),
        ("payload=" + urllib.parse.quote('{"type": "block_actions"}'), FORM, None),
        ("payload=" + urllib.parse.quote("not json"), FORM, "payload is not JSON"),
        ("payload=" + urllib.parse.quote("[1]"), FORM, "payload is not a JSON object"),
        ("payload=", FORM, "payload is not JSON"),  # an empty payload is still a payload
        ("a=1&&=", FORM, "body is not a form"),
        ('{"type": "event_callback"}', "application/json", None),
        ('{"type": "event_callback"}', "application/json; charset=utf-8", None),
        ("[1, 2]", "application/json", "body is not a JSON object"),
        ("{nope", "application/json", "body is not JSON"),
    ],
)
def test_the_shape_of_a_signed_request(body: str, content_type: str, problem: str | None) -> None:
    assert shape_problem(SlackRequest(body, str(NOW), "v0=", content_type)) == problem


def test_bolt_gets_the_decoded_body_and_the_headers() -> None:
    event = {**_event("text=hi"), "rawPath": "/"}
    req = read_request(event)
    assert isinstance(req, SlackRequest)
    out = normalized(event, req)
    assert out["body"] == "text=hi" and out["isBase64Encoded"] is False and out["rawPath"] == "/"
    assert out["headers"] == event["headers"] and out["headers"] is not event["headers"]
    assert normalized({**event, "headers": None}, req)["headers"] == {}


class Secrets:
    def __init__(self, *values: str | None) -> None:
        self.values = list(values)
        self.reads = 0

    def __call__(self) -> str | None:
        self.reads += 1
        return self.values[min(self.reads, len(self.values)) - 1]


def test_the_secret_is_read_once_and_again_at_most_once_per_refresh_after_a_failure() -> None:
    clock = [100.0]
    secrets = Secrets(SECRET)
    verifier = Verifier(secrets, refresh_after=60, monotonic=lambda: clock[0], now=lambda: NOW)
    assert verifier.reads == 0  # nothing read at cold start
    assert verifier.verify(_signed()) and verifier.verify(_signed())
    assert (secrets.reads, verifier.reads) == (1, 1)
    # a flood of forged requests within the minute costs no read
    for _ in range(5):
        assert not verifier.verify(_signed(secret="forged"))
    assert secrets.reads == 1
    clock[0] += 59.9
    assert not verifier.verify(_signed(secret="forged")) and secrets.reads == 1
    clock[0] += 0.1  # a minute after the read: one more read, then quiet again
    assert not verifier.verify(_signed(secret="forged")) and secrets.reads == 2
    assert not verifier.verify(_signed(secret="forged")) and secrets.reads == 2


def test_a_secret_put_in_after_deploy_is_picked_up_and_the_old_one_stops() -> None:
    clock = [0.0]
    secrets = Secrets(None, "the-real-one")  # none at first: the placeholder not filled in yet
    verifier = Verifier(secrets, refresh_after=60, monotonic=lambda: clock[0], now=lambda: NOW)
    assert verifier.secret == "" and secrets.reads == 1
    assert not verifier.verify(_signed(secret="the-real-one"))  # too soon to read again
    clock[0] = 60
    assert verifier.verify(_signed(secret="the-real-one")) and verifier.secret == "the-real-one"
    assert not verifier.verify(_signed())
    assert verifier.reads == 2


def test_a_stale_request_fails_even_after_a_fresh_read() -> None:
    clock = [0.0]
    secrets = Secrets(SECRET)
    verifier = Verifier(secrets, refresh_after=0, monotonic=lambda: clock[0], now=lambda: NOW)
    assert not verifier.verify(_signed(ts=NOW - MAX_AGE - 1))
    assert secrets.reads == 2  # read again (refresh_after 0), and still refused: the window holds


def test_the_secret_is_read_again_by_default_a_minute_after_a_failure() -> None:
    clock = [0.0]
    secrets = Secrets(None, SECRET)
    verifier = Verifier(secrets, monotonic=lambda: clock[0], now=lambda: NOW)
    assert not verifier.verify(_signed()) and secrets.reads == 1
    clock[0] = 60.0
    assert verifier.verify(_signed()) and secrets.reads == 2


def test_a_lazy_half_is_verified_whatever_its_age_also_after_a_fresh_read() -> None:
    # bolt judges the age of a lazy listener's request itself (aiops/adapters/slack_clicks.py)
    old = _signed(ts=NOW - 3600)
    verifier = Verifier(Secrets(SECRET), monotonic=lambda: 0.0, now=lambda: NOW)
    assert verifier.verify(old, any_age=True) and not verifier.verify(old)
    clock = [0.0]
    late = Verifier(Secrets(None, SECRET), monotonic=lambda: clock[0], now=lambda: NOW)
    assert not late.verify(old, any_age=True)
    clock[0] = 60.0
    assert late.verify(old, any_age=True)
