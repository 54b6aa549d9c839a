"""What Lambda hands the handlers, built locally: an SQS event and a context (demo, replay, tests)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any


@dataclass
class LambdaContext:
    """What Lambda hands a handler, as much as Powertools reads."""

    function_name: str = "aiops-ingest"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:111122223333:function:aiops-ingest"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


def sqs_event(bodies: list[str], first_id: int) -> dict[str, Any]:
    """A Lambda SQS event as the EventBridge -> SQS -> Lambda path delivers it."""
    return {
        "Records": [
            {
                "messageId": str(uuid.UUID(int=first_id + i)),
                "receiptHandle": f"rh-{first_id + i}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "0",
                    "SenderId": "events.amazonaws.com",
                    "ApproximateFirstReceiveTimestamp": "0",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:aiops-ingest",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }
