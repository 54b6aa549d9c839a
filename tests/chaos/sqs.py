"""SQS as a Lambda event source does it, for the chaos harness: batches of up to 10 visible messages; a
batch item the handler reports failed, or the whole batch when the handler raises or is killed, becomes
visible again after the visibility timeout (3 min) and goes to the dead-letter queue after its fifth
receive."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

BATCH = 10
VISIBILITY = timedelta(minutes=3)
MAX_RECEIVES = 5


@dataclass
class Message:
    id: str
    body: str
    visible_at: datetime
    receives: int = 0


@dataclass
class Queue:
    name: str
    messages: list[Message] = field(default_factory=list)
    dlq: list[Message] = field(default_factory=list)
    sent: int = 0

    def send(self, body: str, now: datetime) -> None:
        self.sent += 1
        self.messages.append(Message(f"{self.name}-{self.sent:04d}", body, now))

    def receive(self, now: datetime, size: int = BATCH) -> list[Message]:
        batch = [m for m in self.messages if m.visible_at <= now][:size]
        for m in batch:
            m.receives += 1
            m.visible_at = now + VISIBILITY  # in flight: visible again after the timeout unless deleted
        return batch

    def settle(self, batch: list[Message], failed: set[str]) -> None:
        for m in batch:
            if m.id not in failed:
                self.messages.remove(m)
            elif m.receives >= MAX_RECEIVES:
                self.messages.remove(m)
                self.dlq.append(m)

    def lambda_event(self, batch: list[Message]) -> dict[str, Any]:
        return {
            "Records": [
                {
                    "messageId": m.id,
                    "receiptHandle": f"rh-{m.id}-{m.receives}",
                    "body": m.body,
                    "attributes": {
                        "ApproximateReceiveCount": str(m.receives),
                        "SentTimestamp": "0",
                        "SenderId": "events.amazonaws.com",
                        "ApproximateFirstReceiveTimestamp": "0",
                    },
                    "messageAttributes": {},
                    "md5OfBody": "",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws:sqs:us-east-1:111122223333:aiops-{self.name}",
                    "awsRegion": "us-east-1",
                }
                for m in batch
            ]
        }
