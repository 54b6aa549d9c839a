"""Links from an incident to where a person looks: the AWS console, built from identifiers only."""

from __future__ import annotations

import re
from urllib.parse import quote

from aiops.signals.model import Deferred, Signal, primary_metric

_CONSOLE = re.compile(r"^https://([a-z0-9-]+\.)?console\.aws\.amazon\.com/[A-Za-z0-9/_.~%?&=#:+,-]*$")


def console_url(signal: Signal | Deferred) -> str:
    """A console link for the signal: built from its identifiers, or the event's own URL when it is an
    AWS console URL (anything else from an event is dropped, never shown)."""
    region = signal.region if re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", signal.region or "") else ""
    if isinstance(signal, Deferred):  # an alarm: its name is its resource
        return _alarm_url(region, signal.resource) if region else ""
    if signal.alarm is not None and region:
        return _alarm_url(region, signal.alarm.name)
    if signal.insight is not None and _CONSOLE.fullmatch(signal.insight.url):
        return signal.insight.url
    return ""


def _alarm_url(region: str, name: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#alarmsV2:alarm/{quote(name, safe='')}"
    )


def automation_url(execution_id: str, region: str) -> str:
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region) or not re.fullmatch(
        r"[A-Za-z0-9-]{1,64}", execution_id
    ):
        return ""
    return (
        f"https://{region}.console.aws.amazon.com/systems-manager/automation/execution/"
        f"{execution_id}?region={region}"
    )


def metric_of(signal: Signal | Deferred) -> str:
    if isinstance(signal, Deferred):
        metric = primary_metric(signal.metrics)
    else:
        if signal.forecast is not None:
            return signal.forecast.metric
        metric = signal.alarm.primary_metric if signal.alarm is not None else None
    return f"{metric.namespace}/{metric.name}" if metric is not None else ""


def slack_thread_url(channel: str, ts: str) -> str:
    """A link to a Slack thread: the archive URL when the channel is an id (what Slack answers a post
    with), else the app redirect to the channel by name."""
    if re.fullmatch(r"[CGD][A-Z0-9]{2,20}", channel) and re.fullmatch(r"\d{1,12}\.\d{1,9}", ts):
        return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return f"https://slack.com/app_redirect?channel={quote(channel.lstrip('#'), safe='')}"


def model_id_of(signal: Signal | Deferred) -> str:
    """The Bedrock ``ModelId`` its alarm's metrics name (empty when none does)."""
    metrics = (
        signal.metrics if isinstance(signal, Deferred) else (signal.alarm.metrics if signal.alarm else ())
    )
    for m in metrics:
        model = m.dimensions.get("ModelId")
        if model:
            return model[:256]
    return ""
