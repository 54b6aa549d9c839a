"""The one helper that loads sample payloads from tests/events/, and builders for synthetic ones."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"
PEER_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "peer-corpus"
"""Other people's sample events (``../shared/peer-corpus`` from the repository root), with
``expected.json``; used as they are, never edited. Absent outside the shared workspace."""
HAVE_PEER_CORPUS = (PEER_CORPUS / "events").is_dir()
PEER_CORPUS_MISSING = (
    f"the peer corpus is absent ({PEER_CORPUS}, ../shared/peer-corpus from the repository root): "
    "a clone outside the shared workspace skips the tests of other people's events; CI (CI=true) fails them"
)
ACCOUNT = "111122223333"
REGION = "us-east-1"


WEBHOOKS = EVENTS.parent / "webhooks"
"""Inbound webhooks (PagerDuty Webhooks v3): requests to the bot, not signals, so they live beside
tests/events/, whose every file is a signal sample that normalizes."""


def load_event(name: str) -> Any:
    """A sample payload by its path under tests/events/ (``cloudwatch/alarm_metric_alarm.json``), or
    under tests/webhooks/ when named so (``webhooks/pagerduty/incident_acknowledged.json``)."""
    if name.startswith("webhooks/"):
        return json.loads((WEBHOOKS / name.removeprefix("webhooks/")).read_text(encoding="utf-8"))
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def require_peer_corpus() -> None:
    """Skip the calling test when the peer corpus is absent, loudly (tests/conftest.py counts these in
    the summary); under CI (``CI=true``) fail it instead: there its absence is a broken set-up."""
    if HAVE_PEER_CORPUS:
        return
    import os

    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(PEER_CORPUS_MISSING, pytrace=False)
    pytest.skip(PEER_CORPUS_MISSING)


def peer_samples() -> list[str]:
    """File names of the peer corpus events (empty when the corpus is absent)."""
    folder = PEER_CORPUS / "events"
    return sorted(p.name for p in folder.glob("*.json")) if folder.is_dir() else []


def peer_expected() -> dict[str, Any]:
    """The peer corpus's ``expected.json`` (empty when the corpus is absent)."""
    path = PEER_CORPUS / "expected.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def load_peer_event(name: str) -> Any:
    return json.loads((PEER_CORPUS / "events" / name).read_text(encoding="utf-8"))


def alarm_event(
    name: str,
    state: str,
    time: str,
    *,
    event_id: str | None = None,
    previous: str | None = None,
    namespace: str = "AWS/ApiGateway",
    metric: str = "5XXError",
    dimensions: dict[str, str] | None = None,
    reason: str = "Threshold Crossed",
) -> dict[str, Any]:
    """An EventBridge "CloudWatch Alarm State Change" event, shaped as AWS documents it."""
    previous = previous or ("OK" if state == "ALARM" else "ALARM")
    stamp = time.replace("Z", ".000+0000")
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{name}|{state}|{time}")),
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": ACCOUNT,
        "time": time,
        "region": REGION,
        "resources": [f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"],
        "detail": {
            "alarmName": name,
            "state": {
                "value": state,
                "reason": reason,
                "reasonData": json.dumps({"threshold": 5.0}),
                "timestamp": stamp,
            },
            "previousState": {"value": previous, "reason": "", "timestamp": stamp},
            "configuration": {
                "metrics": [
                    {
                        "id": "m1",
                        "metricStat": {
                            "metric": {
                                "namespace": namespace,
                                "name": metric,
                                "dimensions": dimensions or {},
                            },
                            "period": 60,
                            "stat": "Sum",
                        },
                        "returnData": True,
                    }
                ]
            },
        },
    }


def sqs_batch(*bodies: Any, start: int = 0) -> dict[str, Any]:
    """A Lambda SQS event; each body is JSON-encoded unless it is already a string."""
    return {
        "Records": [
            {
                "messageId": f"msg-{start + i:04d}",
                "receiptHandle": f"rh-{start + i}",
                "body": b if isinstance(b, str) else json.dumps(b),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "0",
                    "SenderId": "events",
                    "ApproximateFirstReceiveTimestamp": "0",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:aiops-ingest",
                "awsRegion": REGION,
            }
            for i, b in enumerate(bodies)
        ]
    }
