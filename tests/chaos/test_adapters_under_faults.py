"""The AWS adapters translate what AWS answers after botocore's retries: transient (retried later) or
not (decided on), and never an AttributeError on a timeout's missing response."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from aiops.adapters.cloudwatch import CloudWatchMetrics
from aiops.adapters.remediation import KILL_SWITCH, SsmRemediator
from aiops.catalog.model import MetricSpec
from aiops.diagnosis.impact import Query
from aiops.errors import MetricsError, TransientError
from tests.support.aws_faults import fail
from tests.support.fake_ssm import FakeAutomation

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TOKEN = "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize("after", [False, True], ids=["throttled", "read-timeout"])
def test_a_metrics_read_failing_is_a_metrics_error(aws: Any, after: bool) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    fail(cloudwatch, "GetMetricData", "Throttling", after=after)
    spec = MetricSpec(namespace="AWS/Bedrock", metric="Invocations", dimensions={"ModelId": "m"})
    query = Query("q0", spec, 60)
    with pytest.raises(MetricsError, match=r"GetMetricData failed: (Throttling|ReadTimeoutError)"):
        CloudWatchMetrics(cloudwatch).read([query], NOW - timedelta(hours=1), NOW)


@pytest.mark.parametrize(
    ("code", "after", "expected"),
    [
        ("ThrottlingException", False, "StartAutomationExecution: ThrottlingException"),
        ("InternalServerError", False, "StartAutomationExecution: InternalServerError"),
        ("ThrottlingException", True, "StartAutomationExecution: ReadTimeoutError"),
    ],
)
def test_a_start_that_may_succeed_later_is_transient(aws: Any, code: str, after: bool, expected: str) -> None:
    ssm = boto3.client("ssm", region_name="us-east-1")
    status = 500 if code.startswith("Internal") else 400
    fail(ssm, "StartAutomationExecution", code, status=status, after=after)
    FakeAutomation(clock=lambda: NOW).attach(ssm)  # SSM takes it (then, after: the answer is lost)
    with pytest.raises(TransientError) as info:
        SsmRemediator(ssm).start("PromptRollback", {"ParameterName": "/p"}, TOKEN)
    assert str(info.value) == expected


def test_a_refused_start_is_not_transient(aws: Any) -> None:
    ssm = boto3.client("ssm", region_name="us-east-1")
    fail(ssm, "StartAutomationExecution", "AccessDeniedException")
    with pytest.raises(ClientError) as info:  # as botocore raises it: refused, never retried
        SsmRemediator(ssm).start("PromptRollback", {"ParameterName": "/p"}, TOKEN)
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    assert not isinstance(info.value, TransientError)


def test_the_kill_switch_unreadable_now_decides_nothing_refused_it_stops(aws: Any) -> None:
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name=KILL_SWITCH, Value="true", Type="String")
    remediator = SsmRemediator(ssm)
    fail(ssm, "GetParameter", "ThrottlingException")
    with pytest.raises(TransientError):  # throttled: no decision now ("automation disabled" would page)
        remediator.automation_enabled()
    fail(ssm, "GetParameter", "AccessDeniedException")
    assert remediator.automation_enabled() is False  # refused: fail safe
    assert remediator.automation_enabled() is True


def test_empty_parameters_are_left_to_the_document_defaults(aws: Any) -> None:
    ssm = boto3.client("ssm", region_name="us-east-1")
    sent: list[dict[str, Any]] = []

    def answer(params: dict[str, Any], **_: Any) -> Any:
        import json

        from tests.support.aws_stubs import _Http

        sent.append(json.loads(params["body"]))
        return _Http(200), {"AutomationExecutionId": "e-1", "ResponseMetadata": {"HTTPStatusCode": 200}}

    ssm.meta.events.register("before-call.ssm.StartAutomationExecution", answer)
    params = {
        "ParameterName": "/p",
        "TargetVersion": "",
        "VerifyAlarmNames": ["a", "b"],
        "AutomationAssumeRole": "",
    }
    assert SsmRemediator(ssm).start("PromptRollback", params, TOKEN) == "e-1"
    assert sent[0]["Parameters"] == {"ParameterName": ["/p"], "VerifyAlarmNames": ["a", "b"]}
