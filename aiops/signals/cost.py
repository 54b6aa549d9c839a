"""AWS Cost Anomaly Detection alerts: the SNS JSON form and the EventBridge "Anomaly Detected" event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from aiops.signals.base import Input, parse
from aiops.signals.model import CostAnomalyInfo, CostRootCause, Signal
from aiops.signals.tolerant import Items, Opt, OptFloat, Text
from aiops.text import MAX_NAME, MAX_TEXT, MAX_TITLE, cap

SOURCE = "aws.ce"


class _Impact(Input):
    max_impact: OptFloat = Field(default=None, alias="maxImpact")
    total_impact: OptFloat = Field(default=None, alias="totalImpact")
    total_expected: OptFloat = Field(default=None, alias="totalExpectedSpend")
    total_actual: OptFloat = Field(default=None, alias="totalActualSpend")


class _Score(Input):
    current: OptFloat = Field(default=None, alias="currentScore")
    max: OptFloat = Field(default=None, alias="maxScore")


class _RootCause(Input):
    service: Text = ""
    usage_type: Text = Field(default="", alias="usageType")
    region: Text = ""
    linked_account: Text = Field(default="", alias="linkedAccount")


class _Anomaly(Input):
    anomaly_id: str = Field(alias="anomalyId", min_length=1)
    account_id: Text = Field(default="", alias="accountId")
    monitor_arn: Text = Field(default="", alias="monitorArn")
    impact: Opt[_Impact] = None
    score: Opt[_Score] = Field(default=None, alias="anomalyScore")
    root_causes: Items[_RootCause] = Field(default=[], alias="rootCauses")
    start: Text = Field(default="", alias="anomalyStartDate")
    end: Text = Field(default="", alias="anomalyEndDate")
    link: Text = Field(default="", alias="anomalyDetailsLink")
    dimension: Text = Field(default="", validation_alias="dimensionValue")
    dimensional: Text = Field(default="", validation_alias="dimensionalValue")


def matches(doc: dict[str, Any]) -> bool:
    return "anomalyId" in doc and ("impact" in doc or "rootCauses" in doc)


def from_document(
    doc: Any, *, event_id: str, time: datetime, account: str, region: str, detail_type: str, prefix: str
) -> Signal:
    a = parse(_Anomaly, doc, source=SOURCE, prefix=prefix)
    impact, score = a.impact or _Impact(), a.score or _Score()
    info = CostAnomalyInfo(
        anomaly_id=cap(a.anomaly_id, MAX_NAME),
        monitor_arn=cap(a.monitor_arn, MAX_TEXT),
        impact_usd=impact.total_impact,
        max_impact_usd=impact.max_impact,
        expected_spend_usd=impact.total_expected,
        actual_spend_usd=impact.total_actual,
        score=score.current,
        root_causes=tuple(
            CostRootCause(
                service=cap(r.service, 128),
                usage_type=cap(r.usage_type, 256),
                region=cap(r.region, 32),
                account=cap(r.linked_account, 32),
            )
            for r in a.root_causes[:20]
        ),
        start=cap(a.start, 40),
        end=cap(a.end, 40),
        url=cap(a.link, MAX_TEXT),
    )
    what = a.dimension or a.dimensional or (info.root_causes[0].service if info.root_causes else "spend")
    dollars = f"${info.impact_usd:,.2f}" if info.impact_usd is not None else "unknown impact"
    return Signal(
        id=event_id,
        source=SOURCE,
        time=time,
        kind="cost_anomaly",
        status="firing",
        resource=info.anomaly_id,
        title=cap(f"Cost anomaly in {what}: {dollars} over expected", MAX_TITLE),
        account=cap(account or a.account_id, 32),
        region=region,
        detail_type=detail_type,
        cost=info,
    )


def from_sns_message(
    doc: dict[str, Any], message_id: str, time: datetime, account: str, region: str
) -> Signal:
    return from_document(
        doc,
        event_id=message_id,
        time=time,
        account=account,
        region=region,
        detail_type="Anomaly Detected",
        prefix="Message",
    )
