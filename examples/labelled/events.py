"""Event builders for the labelled scenarios, in the shapes AWS publishes (EventBridge CloudWatch alarm
state changes with ``reasonData``, CloudTrail ``PutParameter``, Parameter Store changes, AWS Health,
DevOps Guru, Cost Anomaly Detection, Budgets over SNS). ``build.py`` writes each scenario's
``events.jsonl`` with them; the labels (``expected.json``) are written by hand, first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

ACCOUNT = "111122223333"
DAY = datetime(2026, 11, 25, tzinfo=UTC)


def at(hhmm: str) -> datetime:
    """``"10:05"`` or ``"10:05:30"`` on the scenarios' day."""
    parts = [int(p) for p in hhmm.split(":")]
    return DAY + timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2] if len(parts) > 2 else 0)


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cw(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _short(t: datetime) -> str:
    return t.strftime("%d/%m/%y %H:%M:%S")


def alarm(
    event_id: str,
    name: str,
    delivered: str,
    *,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    values: list[tuple[str, float]],
    threshold: float,
    state: str = "ALARM",
    period: int = 60,
    stat: str = "Sum",
    region: str = "us-east-1",
    description: str = "",
    evaluated: bool = False,
) -> dict[str, Any]:
    """A CloudWatch alarm state change whose ``reasonData`` holds ``values`` ((time, value), oldest first)."""
    when = at(delivered)
    points = [(at(t), v) for t, v in values]
    breaching = [p for p in points if p[1] > threshold]
    word = "greater than" if state == "ALARM" else "not greater than"
    shown = ", ".join(f"{v} ({_short(t)})" for t, v in reversed(points))
    count = len(breaching) if state == "ALARM" else len(points) - len(breaching)
    transition = "OK -> ALARM" if state == "ALARM" else "ALARM -> OK"
    reason = (
        f"Threshold Crossed: {count} out of the last {len(points)} datapoints [{shown}] "
        f"{'was' if len(points) == 1 else 'were'} {word} the threshold ({threshold}) "
        f"(minimum {max(count, 1)} datapoint for {transition} transition)."
    )
    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": _cw(when - timedelta(seconds=1)).replace(".000", ".742"),
        "startDate": _cw(points[0][0]),
        "statistic": stat,
        "period": period,
        "recentDatapoints": [v for _, v in points],
        "threshold": threshold,
    }
    if evaluated:
        data["evaluatedDatapoints"] = [
            {"timestamp": _cw(t), "sampleCount": 5.0, "value": v} for t, v in reversed(points)
        ]
    previous = "OK" if state == "ALARM" else "ALARM"
    arn = f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{name}"
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": ACCOUNT,
        "time": _iso(when),
        "region": region,
        "resources": [arn],
        "detail": {
            "alarmName": name,
            "configuration": {
                "description": description or name,
                "metrics": [
                    {
                        "id": "m1",
                        "metricStat": {
                            "metric": {"dimensions": dimensions, "name": metric, "namespace": namespace},
                            "period": period,
                            "stat": stat,
                        },
                        "returnData": True,
                    }
                ],
            },
            "previousState": {
                "reason": "Threshold Crossed: no datapoints were received for 1 period and 1 missing "
                "datapoint was treated as [NonBreaching].",
                "timestamp": _cw(when - timedelta(hours=3)),
                "value": previous,
            },
            "state": {
                "reason": reason,
                "reasonData": json.dumps(data, separators=(",", ":")),
                "timestamp": _cw(when - timedelta(seconds=1)),
                "value": state,
            },
        },
    }


def put_parameter(
    event_id: str,
    name: str,
    time: str,
    version: int,
    actor: str = "release-pipeline",
    region: str = "us-east-1",
) -> dict[str, Any]:
    """CloudTrail's record of ``ssm:PutParameter`` (the value is hidden by CloudTrail, as it is)."""
    when = at(time)
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ssm",
        "account": ACCOUNT,
        "time": _iso(when + timedelta(seconds=2)),
        "region": region,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "principalId": f"AROAXKQ7EXAMPLE4DEPLOY:{actor}",
                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/{actor}",
                "accountId": ACCOUNT,
            },
            "eventTime": _iso(when),
            "eventSource": "ssm.amazonaws.com",
            "eventName": "PutParameter",
            "awsRegion": region,
            "sourceIPAddress": "203.0.113.24",
            "userAgent": "aws-cli/2.22.4",
            "requestParameters": {
                "name": name,
                "value": "HIDDEN_DUE_TO_SECURITY_REASONS",
                "type": "String",
                "overwrite": True,
            },
            "responseElements": {"version": version, "tier": "Standard"},
            "requestID": f"{event_id[:8]}-de0a-5000-87c1-b5e9e2d95d1e",
            "eventID": f"{event_id[:8]}-ef3c-5040-bb62-76a3dce16629",
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management",
        },
    }


def parameter_store_change(event_id: str, name: str, time: str, region: str = "us-east-1") -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Parameter Store Change",
        "source": "aws.ssm",
        "account": ACCOUNT,
        "time": _iso(at(time)),
        "region": region,
        "resources": [f"arn:aws:ssm:{region}:{ACCOUNT}:parameter{name}"],
        "detail": {"operation": "Update", "name": name, "type": "String", "description": ""},
    }


def _rfc1123(t: datetime) -> str:
    return t.strftime("%a, %d %b %Y %H:%M:%S GMT")


def health(
    event_id: str, time: str, started: str, *, region: str = "us-east-1", code: str = "open"
) -> dict[str, Any]:
    """An AWS Health event: a Bedrock operational issue in ``region``."""
    code_name = "AWS_BEDROCK_OPERATIONAL_ISSUE"
    arn = f"arn:aws:health:{region}::event/BEDROCK/{code_name}/{code_name}_{event_id[:8]}"
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "AWS Health Event",
        "source": "aws.health",
        "account": ACCOUNT,
        "time": _iso(at(time)),
        "region": region,
        "resources": [],
        "detail": {
            "eventArn": arn,
            "service": "BEDROCK",
            "eventTypeCode": "AWS_BEDROCK_OPERATIONAL_ISSUE",
            "eventTypeCategory": "issue",
            "eventScopeCode": "PUBLIC",
            "communicationId": f"{event_id[:8]}ef685dea9766916bcfbde03c-1",
            "startTime": _rfc1123(at(started)),
            "lastUpdatedTime": _rfc1123(at(time)),
            "statusCode": code,
            "eventRegion": region,
            "eventDescription": [
                {
                    "language": "en_US",
                    "latestDescription": "We are investigating increased error rates and latencies for "
                    f"InvokeModel and Converse API requests in the {region.upper()} Region.",
                }
            ],
            "page": "1",
            "totalPages": "1",
            "affectedAccount": ACCOUNT,
        },
    }


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def insight(
    event_id: str,
    time: str,
    insight_id: str,
    stack: str,
    anomalies: list[tuple[str, str, str, str]],
) -> dict[str, Any]:
    """A DevOps Guru "New Insight Open" event; ``anomalies``: (start, metric namespace, metric name,
    Lambda function name) each."""
    first = min(at(a[0]) for a in anomalies)
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "DevOps Guru New Insight Open",
        "source": "aws.devops-guru",
        "account": ACCOUNT,
        "time": _iso(at(time)),
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "accountId": ACCOUNT,
            "region": "us-east-1",
            "messageType": "NEW_INSIGHT",
            "insightId": insight_id,
            "insightName": f"Lambda anomalies in stack {stack}",
            "insightUrl": f"https://us-east-1.console.aws.amazon.com/devops-guru/insight/reactive/{insight_id}",
            "insightType": "REACTIVE",
            "insightDescription": f"Anomalous Lambda metrics in stack {stack}.",
            "insightSeverity": "medium",
            "startTime": _ms(first),
            "anomalies": [
                {
                    "id": f"AL{insight_id[:10]}{i}",
                    "startTime": _ms(at(start)),
                    "openTime": _ms(at(time)),
                    "sourceDetails": [
                        {
                            "dataSource": "CW_METRICS",
                            "dataIdentifiers": {
                                "name": name,
                                "namespace": namespace,
                                "period": "60",
                                "stat": "p90",
                                "unit": "None",
                                "dimensions": json.dumps({"FunctionName": function}),
                            },
                        }
                    ],
                    "associatedResourceArns": [f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}"],
                }
                for i, (start, namespace, name, function) in enumerate(anomalies)
            ],
            "resourceCollection": {"cloudFormation": {"stackNames": [stack]}},
        },
    }


def budget_forecast(message_id: str, time: str, budget: str, limit: float, forecast: float) -> dict[str, Any]:
    """An AWS Budgets notification as SNS delivers it (the message is text)."""
    when = at(time)
    message = (
        f"AWS Budget Notification November 25, 2026\nAWS Account {ACCOUNT}\n\nDear AWS Customer,\n\n"
        f"You requested that we alert you when the FORECASTED Cost associated with your {budget} budget "
        f"is greater than ${limit:,.2f} for the current month. The FORECASTED Cost associated with this "
        f"budget is ${forecast:,.2f}. You can find additional details below and by accessing the AWS "
        f"Budgets dashboard [1].\n\nBudget Name: {budget}\nBudget Type: Cost\nBudgeted Amount: "
        f"${limit:,.2f}\nAlert Type: FORECASTED\nAlert Threshold: > ${limit:,.2f}\nFORECASTED Amount: "
        f"${forecast:,.2f}\n\n[1] https://console.aws.amazon.com/costmanagement/home#/budgets\n"
    )
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:aiops-notifications",
        "Subject": f"AWS Budgets: {budget} has exceeded your alert threshold",
        "Message": message,
        "Timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.902Z"),
        "SignatureVersion": "1",
        "Signature": "x",
        "SigningCertURL": "https://example.invalid",
        "UnsubscribeURL": "https://example.invalid",
    }


def cost_anomaly(event_id: str, time: str, anomaly_id: str, usage_type: str, impact: float) -> dict[str, Any]:
    monitor = f"arn:aws:ce::{ACCOUNT}:anomalymonitor/5c2e8d41-9b7a-4f3e-a1d6-0e4b7c9f2a38"
    return {
        "version": "0",
        "id": event_id,
        "source": "aws.ce",
        "detail-type": "Anomaly Detected",
        "account": ACCOUNT,
        "region": "us-east-1",
        "time": _iso(at(time)),
        "resources": [monitor],
        "detail": {
            "accountName": "prod",
            "anomalyEndDate": "2026-11-25T00:00:00Z",
            "anomalyId": anomaly_id,
            "anomalyScore": {"currentScore": 0.78, "maxScore": 0.82},
            "anomalyStartDate": "2026-11-25T00:00:00Z",
            "dimensionValue": "Amazon Bedrock",
            "impact": {
                "maxImpact": round(impact / 2, 2),
                "totalActualSpend": round(impact * 1.3, 2),
                "totalExpectedSpend": round(impact * 0.3, 2),
                "totalImpact": impact,
                "totalImpactPercentage": 333.3,
            },
            "rootCauses": [
                {
                    "linkedAccount": ACCOUNT,
                    "region": "us-east-1",
                    "service": "Amazon Bedrock",
                    "usageType": usage_type,
                    "impact": {"contribution": impact},
                }
            ],
            "accountId": ACCOUNT,
            "monitorArn": monitor,
            "monitorName": "services",
            "anomalyDetailsLink": f"https://console.aws.amazon.com/cost-management/home#/anomaly-detection/monitors/x/anomalies/{anomaly_id}",
        },
    }
