"""Amazon DevOps Guru: the EventBridge events and the SNS notification (same object, other envelope).

Every published shape: the five EventBridge detail types, with ``dataIdentifiers.dimensions`` as a
list of ``{name, value}`` objects, a map or a JSON string; the SNS message in its current camelCase
and its 2021 PascalCase spelling. Only the insight id is required (the signal's resource).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AliasChoices, Field

from aiops.errors import UnsupportedEventError
from aiops.signals.base import Input, parse
from aiops.signals.model import InsightAnomaly, InsightInfo, MetricQuery, Signal, Status
from aiops.signals.tolerant import Items, Opt, OptInt, Text, TextMap
from aiops.text import MAX_NAME, MAX_TEXT, MAX_TITLE, cap

SOURCE = "aws.devops-guru"
_MAX_ITEMS = 20

# detail-type (EventBridge) and messageType (SNS) -> (event kind, status)
DETAIL_TYPES: dict[str, tuple[str, Status]] = {
    "DevOps Guru New Insight Open": ("open", "firing"),
    "DevOps Guru Insight Severity Upgraded": ("severity_upgraded", "firing"),
    "DevOps Guru New Anomaly Association": ("anomaly_association", "firing"),
    "DevOps Guru Insight Closed": ("closed", "resolved"),
    "DevOps Guru New Recommendation Created": ("recommendation", "info"),
}
MESSAGE_TYPES: dict[str, tuple[str, Status]] = {
    "NEW_INSIGHT": ("open", "firing"),
    "SEVERITY_UPGRADED": ("severity_upgraded", "firing"),
    "NEW_ASSOCIATION": ("anomaly_association", "firing"),
    "CLOSED_INSIGHT": ("closed", "resolved"),
    "NEW_RECOMMENDATION": ("recommendation", "info"),
}


def _either(name: str) -> AliasChoices:
    """The field as DevOps Guru spells it today (camelCase) and in its 2021 SNS form (PascalCase)."""
    return AliasChoices(name, name[0].upper() + name[1:])


class _DataIdentifiers(Input):
    name: Text = ""
    namespace: Text = ""
    stat: Text = ""
    period: OptInt = None
    dimensions: TextMap = {}


class _SourceDetail(Input):
    data_identifiers: Opt[_DataIdentifiers] = Field(default=None, validation_alias=_either("dataIdentifiers"))


class _AnomalyResource(Input):
    name: Text = Field(default="", validation_alias=_either("name"))


class _Anomaly(Input):
    id: Text = Field(default="", validation_alias=_either("id"))
    source_details: Items[_SourceDetail] = Field(default=[], validation_alias=_either("sourceDetails"))
    associated_resource_arns: Items[str] = Field(
        default=[], validation_alias=_either("associatedResourceArns")
    )
    anomaly_resources: Items[_AnomalyResource] = Field(
        default=[], validation_alias=_either("anomalyResources")
    )
    start_time: Any = Field(default=None, validation_alias=_either("startTime"))
    """Epoch milliseconds, as a number or a string of digits (both spellings are sent)."""


class _TagCollection(Input):
    app_boundary_key: str = Field(validation_alias=_either("appBoundaryKey"))
    tag_values: Items[str] = Field(default=[], validation_alias=_either("tagValues"))


class _CloudFormation(Input):
    stack_names: Items[str] = Field(default=[], validation_alias=_either("stackNames"))


class _ResourceCollection(Input):
    cloud_formation: Opt[_CloudFormation] = Field(default=None, validation_alias=_either("cloudFormation"))
    tags: Items[_TagCollection] = Field(default=[], validation_alias=_either("tags"))


class _Recommendation(Input):
    name: Text = Field(default="", validation_alias=_either("name"))


class _Insight(Input):
    insight_id: str = Field(validation_alias=_either("insightId"), min_length=1)
    insight_name: Text = Field(default="", validation_alias=_either("insightName"))
    insight_url: Text = Field(default="", validation_alias=_either("insightUrl"))
    insight_type: Text = Field(default="", validation_alias=_either("insightType"))
    insight_severity: Text = Field(default="", validation_alias=_either("insightSeverity"))
    insight_description: Text = Field(default="", validation_alias=_either("insightDescription"))
    account_id: Text = Field(default="", validation_alias=_either("accountId"))
    region: Text = Field(default="", validation_alias=_either("region"))
    anomalies: Items[_Anomaly] = Field(default=[], validation_alias=_either("anomalies"))
    resource_collection: Opt[_ResourceCollection] = Field(
        default=None, validation_alias=_either("resourceCollection")
    )
    recommendations: Items[_Recommendation] = Field(default=[], validation_alias=_either("recommendations"))


def matches(doc: dict[str, Any]) -> bool:
    """A DevOps Guru SNS message, in either spelling."""
    return ("insightId" in doc or "InsightId" in doc) and ("messageType" in doc or "MessageType" in doc)


def from_detail(
    detail: Any,
    *,
    kind_status: tuple[str, Status],
    event_id: str,
    time: datetime,
    account: str,
    region: str,
    detail_type: str,
    prefix: str = "detail",
) -> Signal:
    d = parse(_Insight, detail, source=SOURCE, prefix=prefix)
    event_kind, status = kind_status
    rc = d.resource_collection
    stacks = tuple(
        cap(s, MAX_NAME)
        for s in (rc.cloud_formation.stack_names if rc and rc.cloud_formation else [])[:_MAX_ITEMS]
    )
    tags = {
        cap(t.app_boundary_key, 128): cap(t.tag_values[0], 256)
        for t in (rc.tags if rc else [])[:_MAX_ITEMS]
        if t.tag_values
    }
    info = InsightInfo(
        insight_id=cap(d.insight_id, MAX_NAME),
        severity=cap(d.insight_severity, 16),
        insight_type=cap(d.insight_type, 16),
        event_kind=event_kind,
        url=cap(d.insight_url, MAX_TEXT),
        description=cap(d.insight_description),
        anomalies=tuple(_anomaly(a) for a in d.anomalies[:_MAX_ITEMS]),
        stacks=stacks,
        tags=tags,
        recommendations=tuple(cap(r.name, MAX_TITLE) for r in d.recommendations[:_MAX_ITEMS] if r.name),
    )
    name = d.insight_name or d.insight_description or info.insight_id
    return Signal(
        id=event_id,
        source=SOURCE,
        time=time,
        kind="insight",
        status=status,
        resource=info.insight_id,
        title=cap(f"DevOps Guru insight ({info.severity or 'unknown'}, {event_kind}): {name}", MAX_TITLE),
        account=cap(account or d.account_id, 32),
        region=cap(region or d.region, 32),
        detail_type=detail_type,
        insight=info,
    )


def from_sns_message(
    doc: dict[str, Any], message_id: str, time: datetime, account: str, region: str
) -> Signal:
    message_type = doc.get("messageType", doc.get("MessageType"))
    kind_status = MESSAGE_TYPES.get(message_type) if isinstance(message_type, str) else None
    if kind_status is None:
        raise UnsupportedEventError("messageType is not handled", source=SOURCE, field="Message.messageType")
    return from_detail(
        doc,
        kind_status=kind_status,
        event_id=message_id,
        time=time,
        account=account,
        region=region,
        detail_type=f"DevOps Guru {message_type}",
        prefix="Message",
    )


def _anomaly(a: _Anomaly) -> InsightAnomaly:
    metrics = []
    for sd in a.source_details[:_MAX_ITEMS]:
        di = sd.data_identifiers
        if di is None or not di.name:
            continue
        metrics.append(
            MetricQuery(
                namespace=cap(di.namespace, 255),
                name=cap(di.name, 255),
                dimensions={cap(k, 255): cap(v, 1024) for k, v in list(di.dimensions.items())[:30]},
                stat=cap(di.stat, 64),
                period=di.period,
            )
        )
    resources = [cap(r, MAX_TEXT) for r in a.associated_resource_arns[:_MAX_ITEMS]]
    resources += [cap(r.name, MAX_NAME) for r in a.anomaly_resources[:_MAX_ITEMS] if r.name and not resources]
    return InsightAnomaly(
        id=cap(a.id, MAX_NAME),
        metrics=tuple(metrics),
        resources=tuple(resources),
        start_time=_epoch_ms(a.start_time),
    )


def _epoch_ms(value: Any) -> datetime | None:
    """An anomaly's ``startTime``; anything but epoch milliseconds in a sane range is no onset."""
    if isinstance(value, str) and value.isdigit() and len(value) <= 16:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 4e12:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)
