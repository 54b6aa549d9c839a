"""Amazon DevOps Guru: the EventBridge events and the SNS notification (same object, other envelope)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import Field

from aiops.errors import UnsupportedEventError
from aiops.signals.base import Input, parse
from aiops.signals.model import InsightAnomaly, InsightInfo, MetricQuery, Signal, Status
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


class _DataIdentifiers(Input):
    name: str = ""
    namespace: str = ""
    stat: str = ""
    period: str | int | None = None
    dimensions: str | dict[str, Any] = ""


class _SourceDetail(Input):
    data_source: str = Field(default="", alias="dataSource")
    data_identifiers: _DataIdentifiers | None = Field(default=None, alias="dataIdentifiers")


class _AnomalyResource(Input):
    name: str = ""
    type: str = ""


class _Anomaly(Input):
    id: str = ""
    source_details: list[_SourceDetail] = Field(default=[], alias="sourceDetails")
    associated_resource_arns: list[str] = Field(default=[], alias="associatedResourceArns")
    anomaly_resources: list[_AnomalyResource] = Field(default=[], alias="anomalyResources")


class _TagCollection(Input):
    app_boundary_key: str = Field(alias="appBoundaryKey")
    tag_values: list[str] = Field(default=[], alias="tagValues")


class _CloudFormation(Input):
    stack_names: list[str] = Field(default=[], alias="stackNames")


class _ResourceCollection(Input):
    cloud_formation: _CloudFormation | None = Field(default=None, alias="cloudFormation")
    tags: list[_TagCollection] = []


class _Recommendation(Input):
    name: str = ""


class _Insight(Input):
    insight_id: str = Field(alias="insightId", min_length=1)
    insight_name: str = Field(default="", alias="insightName")
    insight_url: str = Field(default="", alias="insightUrl")
    insight_type: str = Field(default="", alias="insightType")
    insight_severity: str = Field(default="", alias="insightSeverity")
    insight_description: str = Field(default="", alias="insightDescription")
    message_type: str = Field(default="", alias="messageType")
    account_id: str = Field(default="", alias="accountId")
    region: str = ""
    anomalies: list[_Anomaly] = []
    resource_collection: _ResourceCollection | None = Field(default=None, alias="resourceCollection")
    recommendations: list[_Recommendation] = []


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
    message_type = doc.get("messageType")
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
                dimensions=_dimensions(di.dimensions),
                stat=cap(di.stat, 64),
                period=_int(di.period),
            )
        )
    resources = [cap(r, MAX_TEXT) for r in a.associated_resource_arns[:_MAX_ITEMS]]
    resources += [cap(r.name, MAX_NAME) for r in a.anomaly_resources[:_MAX_ITEMS] if r.name and not resources]
    return InsightAnomaly(id=cap(a.id, MAX_NAME), metrics=tuple(metrics), resources=tuple(resources))


def _dimensions(raw: str | dict[str, Any]) -> dict[str, str]:
    """DevOps Guru sends the dimensions as a JSON string; a broken one costs only the dimensions."""
    value: Any = raw
    if isinstance(raw, str):
        if not raw or len(raw) > 8192:
            return {}
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            return {}
    if not isinstance(value, dict):
        return {}
    return {cap(k, 255): cap(v, 1024) for k, v in list(value.items())[:30] if isinstance(v, str)}


def _int(value: str | int | None) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
