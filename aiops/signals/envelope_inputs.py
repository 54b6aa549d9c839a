"""Input models of the envelopes an event arrives in: an EventBridge event and an SNS notification.

Required are what the signal contract takes from the envelope (EventBridge ``id``, ``source``,
``detail-type``, ``time`` and ``detail``; SNS ``MessageId``, ``Message`` and ``Timestamp``); account,
region, resources, topic and subject are tolerant.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from aiops.signals.base import Input
from aiops.signals.tolerant import Items, Text
from aiops.text import cap


def _short(value: str) -> str:
    return cap(value, 32)


def _message_text(value: Any) -> Any:
    """SNS always sends ``Message`` as a string; a JSON object (as AWS documentation samples show it)
    is read as its JSON text."""
    return json.dumps(value) if isinstance(value, dict) else value


Short = Annotated[Text, AfterValidator(_short)]
"""An account or region: capped, never a reason to reject the event."""


class EventBridgeEvent(Input):
    id: str = Field(min_length=1, max_length=256)
    source: str = Field(min_length=1, max_length=256)
    detail_type: str = Field(alias="detail-type", max_length=256)
    time: str
    account: Short = ""
    region: Short = ""
    resources: Items[str] = []
    detail: dict[str, Any]


class SnsNotification(Input):
    message_id: str = Field(alias="MessageId", min_length=1, max_length=256)
    topic_arn: Text = Field(default="", alias="TopicArn")
    subject: Text = Field(default="", alias="Subject")
    message: Annotated[str, BeforeValidator(_message_text)] = Field(alias="Message")
    timestamp: str = Field(alias="Timestamp")
