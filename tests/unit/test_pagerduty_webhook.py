"""The PagerDuty webhook's edge, pure: PagerDuty's v1 signature (HMAC-SHA256 of the raw body, several
signatures while a secret rotates), the Function URL request, and the v3 payload parsed into a notice."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aiops.adapters.pagerduty_events import Answer, notice_from
from aiops.adapters.pagerduty_webhook import (
    MAX_BODY,
    WebhookRequest,
    WebhookVerifier,
    read_request,
    sign,
    signature_matches,
)
from aiops.escalation.page_content import PagerNotice
from tests.support.events import load_event

SECRET = "ChGUJvmCbIq+ReOhsl6cS0wE3URkRrxNMQ4J8ve8XEQSaRbz2ZM7zDq/lj6tVkkt"
OLD_SECRET = "kNMDmpcBOEJ5t8MvygMfqH3RsA3YqcrIkCqbNgyyJ3P/ZJyBBXyfn5K7BJzl3Dkn"
BODY = json.dumps(load_event("webhooks/pagerduty/incident_acknowledged.json")).encode()
INCIDENT = "inc-0123456789ab"
NOW = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)


def _payload(**event: Any) -> dict[str, Any]:
    doc = copy.deepcopy(load_event("webhooks/pagerduty/incident_acknowledged.json"))
    doc["event"]["data"]["incident_key"] = INCIDENT
    doc["event"]["occurred_at"] = "2026-11-25T10:04:30.169Z"
    doc["event"].update(event)
    return dict(doc)


def _notice(doc: Any) -> PagerNotice | Answer:
    return notice_from(json.dumps(doc).encode(), lambda: NOW)


# -- the signature -------------------------------------------------------------------------------------


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, SECRET) == f"v1={expected}"
    assert signature_matches(BODY, f"v1={expected}", SECRET)


def test_during_a_rotation_any_of_the_signatures_may_be_ours() -> None:
    # PagerDuty signs with every secret of the subscription, comma-separated (spaces tolerated)
    header = f"{sign(BODY, OLD_SECRET)}, {sign(BODY, SECRET)}"
    assert signature_matches(BODY, header, SECRET)
    assert signature_matches(BODY, header, OLD_SECRET)
    assert not signature_matches(BODY, f"{sign(BODY, OLD_SECRET)},v1=00", SECRET)


@pytest.mark.parametrize(
    ("body", "header", "secret"),
    [
        (BODY.replace(b"Tenex Engineer", b"Tenex Engineeer"), sign(BODY, SECRET), SECRET),  # tampered
        (BODY + b" ", sign(BODY, SECRET), SECRET),  # one byte more
        (BODY, sign(BODY, "not-the-secret"), SECRET),  # the wrong secret
        (BODY, "", SECRET),  # no header
        (BODY, sign(BODY, SECRET).removeprefix("v1="), SECRET),  # no version
        (BODY, "v0=" + sign(BODY, SECRET).removeprefix("v1="), SECRET),  # another version
        (BODY, "v1=é" + sign(BODY, SECRET)[4:], SECRET),  # not ASCII: no match, no TypeError
        (BODY, sign(BODY, SECRET), ""),  # no secret configured: nothing is PagerDuty's
    ],
    ids=["tampered", "longer", "wrong-secret", "missing", "bare-hex", "v0", "non-ascii", "no-secret"],
)
def test_what_is_not_signed_with_our_secret_does_not_match(body: bytes, header: str, secret: str) -> None:
    assert not signature_matches(body, header, secret)


def test_the_verifier_reads_the_secret_once_and_again_after_a_failure_at_most_once_a_minute() -> None:
    # GIVEN the stack's placeholder at first, the real secret put in after the deploy
    values, clock = ["placeholder"], [0.0]
    verifier = WebhookVerifier(lambda: values[-1], refresh_after=60, monotonic=lambda: clock[0])
    signed = WebhookRequest(body=BODY, signature=sign(BODY, SECRET))
    assert not verifier.verify(signed)
    values.append(SECRET)
    # a flood of deliveries within the minute costs no read
    for _ in range(5):
        assert not verifier.verify(signed)
    assert verifier.reads == 1
    # a minute on, the failed check reads the secret again and the delivery is accepted
    clock[0] = 61.0
    assert verifier.verify(signed) and verifier.reads == 2
    assert verifier.verify(signed) and verifier.reads == 2
    # an unsigned request is refused without a read at all
    assert not WebhookVerifier(lambda: SECRET).verify(WebhookRequest(body=BODY, signature=""))


# -- the request ---------------------------------------------------------------------------------------


def _event(body: bytes = BODY, *, b64: Any = True, headers: Any = None) -> dict[str, Any]:
    return {
        "isBase64Encoded": b64,
        "body": base64.b64encode(body).decode() if b64 else body.decode(),
        "headers": {"X-PagerDuty-Signature": sign(body, SECRET), "x-webhook-id": "wh-1"}
        if headers is None
        else headers,
    }


def test_the_request_keeps_the_raw_body_as_signed() -> None:
    body = '{"event": {"agent": {"summary": "Zoë Ünicode"}}}'.encode()
    for b64 in (True, False):
        req = read_request(_event(body, b64=b64))
        assert isinstance(req, WebhookRequest)
        assert req.body == body and req.webhook_id == "wh-1"
        assert signature_matches(req.body, req.signature, SECRET)


@pytest.mark.parametrize(
    ("event", "error"),
    [
        ({**_event(), "isBase64Encoded": None}, "isBase64Encoded"),
        ({**_event(), "body": "%%% not base64"}, "base64"),
        ({**_event(), "body": 12}, "body"),
        (_event(b"x" * (MAX_BODY + 1)), "256 KB"),
        ({**_event(), "headers": None}, "headers"),
    ],
    ids=["not-a-function-url-event", "bad-base64", "body-not-text", "too-large", "no-headers"],
)
def test_a_malformed_request_is_a_clean_400(event: dict[str, Any], error: str) -> None:
    out = read_request(event)
    assert isinstance(out, dict) and out["statusCode"] == 400
    assert error in json.loads(out["body"])["error"]


# -- the payload ---------------------------------------------------------------------------------------


def test_an_acknowledgement_from_the_documented_payload() -> None:
    notice = _notice(_payload())
    assert notice == PagerNotice(
        event_id="5ac64822-4adc-4fda-ade0-410becf0de4f",
        kind="acknowledged",
        incident_id=INCIDENT,
        by="Tenex Engineer (PagerDuty)",
        at=datetime(2026, 11, 25, 10, 4, 30, 169000, tzinfo=UTC),
    )
    resolved = load_event("webhooks/pagerduty/incident_resolved.json")
    resolved["event"]["data"]["incident_key"] = INCIDENT
    resolved["event"]["occurred_at"] = "2026-11-25T10:04:59Z"
    notice = _notice(resolved)
    assert isinstance(notice, PagerNotice) and notice.kind == "resolved"


@pytest.mark.parametrize(
    ("doc", "status", "names"),
    [
        (b"not json", 400, "body is not JSON"),
        ([1, 2], 400, "body"),
        ({"messages": []}, 400, "event"),  # a v2 webhook
        ({"event": {"id": "1", "event_type": "incident.acknowledged"}}, 400, "event.data"),
        (_payload(occurred_at=None), 400, "event.occurred_at: missing"),
        ({"event": {"event_type": "pagey.ping", "data": {"type": "ping"}}}, 202, "event.event_type"),
        (_payload(occurred_at="yesterday"), 400, "event.occurred_at"),
        (_payload(data=None), 400, "event.data"),
        (_payload(data=["PGR0VU2"]), 400, "event.data"),
        (_payload(data={"type": "incident"}), 400, "event.data.id"),
        (_payload(data={"type": "incident_note", "id": "P2LA89X"}), 400, "event.data.type"),
        (_payload(occurred_at="2026-11-25T08:59:00Z"), 400, "event.occurred_at: stale"),
        (_payload(occurred_at="2026-11-25T10:30:00Z"), 400, "event.occurred_at: stale"),
        (_payload(event_type="incident.priority_updated"), 202, "event.event_type"),
        (load_event("webhooks/pagerduty/incident_annotated.json"), 202, "event.event_type"),
        (_payload(event_type="<!channel> " + "x" * 10_000), 400, "event.event_type"),
        (load_event("webhooks/pagerduty/incident_acknowledged.json"), 202, "event.data.incident_key"),
        (
            _payload(data={"type": "incident", "id": "P1", "incident_key": None}),
            202,
            "event.data.incident_key",
        ),
    ],
    ids=[
        "not-json",
        "a-list",
        "v2",
        "no-data",
        "no-occurred-at",
        "a-ping-with-nothing-else",
        "bad-time",
        "data-null",
        "data-a-list",
        "data-no-id",
        "data-not-an-incident",
        "stale",
        "from-the-future",
        "other-type",
        "a-note",
        "huge-type",
        "another-integrations-key",
        "no-incident-key",
    ],
)
def test_what_is_not_acted_on_is_answered_naming_the_field(doc: Any, status: int, names: str) -> None:
    out = notice_from(doc if isinstance(doc, bytes) else json.dumps(doc).encode(), lambda: NOW)
    assert isinstance(out, Answer)
    assert out.status == status and out.message.startswith(names), out.message
    assert len(out.message) <= 200 and "x" * 100 not in out.message


def test_the_agents_name_is_untrusted_text_capped_on_one_line() -> None:
    hostile = "<!channel>\n<@U123> <https://evil.example|click>\t" + "x" * 10_000
    notice = _notice(_payload(agent={"type": "user_reference", "id": "P1", "summary": hostile}))
    assert isinstance(notice, PagerNotice)
    assert notice.by.endswith(" (PagerDuty)") and len(notice.by) <= 100
    assert "\n" not in notice.by and "\t" not in notice.by
    # escaping is the sink's (Slack): the text is kept as data here
    assert notice.by.startswith("<!channel> <@U123>")
    nobody = _notice(_payload(agent=None))
    assert isinstance(nobody, PagerNotice) and nobody.by == "someone in PagerDuty"


def test_the_clock_is_asked_only_for_an_event_to_act_on() -> None:
    def no_clock() -> datetime:
        raise AssertionError("the app was built for an event that is not ours")

    other = json.dumps(load_event("webhooks/pagerduty/incident_annotated.json")).encode()
    assert isinstance(notice_from(other, no_clock), Answer)
    assert isinstance(notice_from(json.dumps(_payload()).encode(), lambda: NOW + timedelta(0)), PagerNotice)
