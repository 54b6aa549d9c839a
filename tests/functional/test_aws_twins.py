"""The in-memory SSM and CloudWatch twins against moto: what the bot and the runbooks rely on.

Where moto does not follow AWS (a query without dimensions, the namespace of one with dimensions,
percentiles), the twin follows AWS and the test says so with ``memory_only``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from aiops.adapters.cloudwatch import CloudWatchMetrics
from aiops.adapters.remediation import automation_enabled
from aiops.catalog.model import MetricSpec
from aiops.diagnosis.impact import Query
from aiops.local.clock import FixedClock
from aiops.local.cloudwatch import MemoryCloudWatch
from aiops.local.ssm import MemorySsm

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DIMS = [{"Name": "ModelId", "Value": "m1"}]


@pytest.fixture(params=["memory", "moto"])
def aws(request: Any) -> Iterator[tuple[Any, Any, str]]:
    clock = FixedClock(T0)
    if request.param == "memory":
        yield MemorySsm(clock), MemoryCloudWatch(clock), "memory"
        return
    import boto3

    from aiops.local.emulator import emulator

    with emulator("twins"):
        yield (
            boto3.client("ssm", region_name="us-east-1"),
            boto3.client("cloudwatch", region_name="us-east-1"),
            "moto",
        )


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_parameters_are_versioned(aws: Any) -> None:
    ssm, _, _ = aws
    assert ssm.put_parameter(Name="/llm/p", Value="v1", Type="String")["Version"] == 1
    assert ssm.put_parameter(Name="/llm/p", Value="v2", Type="String", Overwrite=True)["Version"] == 2
    assert ssm.put_parameter(Name="/llm/p", Value="v2", Type="String", Overwrite=True)["Version"] == 3
    p = ssm.get_parameter(Name="/llm/p")["Parameter"]
    assert (p["Name"], p["Value"], p["Version"], p["Type"]) == ("/llm/p", "v2", 3, "String")
    old = ssm.get_parameter(Name="/llm/p:1")["Parameter"]
    assert (old["Value"], old["Version"]) == ("v1", 1)
    history = ssm.get_parameter_history(Name="/llm/p")["Parameters"]
    assert [(h["Value"], h["Version"]) for h in history] == [("v1", 1), ("v2", 2), ("v2", 3)]


def test_parameter_errors_are_the_ones_aws_names(aws: Any) -> None:
    ssm, _, _ = aws
    ssm.put_parameter(Name="/llm/p", Value="v1", Type="String")
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/llm/p", Value="v2", Type="String")
    assert _code(exc) == "ParameterAlreadyExists"
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name="/llm/nope")
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/llm/p:9")
    assert _code(exc) == "ParameterVersionNotFound"
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/llm/q", Value="", Type="String")
    assert _code(exc) == "ValidationException"


def test_the_kill_switch_reads_through_either(aws: Any) -> None:
    ssm, _, _ = aws
    assert automation_enabled(ssm)  # never configured
    ssm.put_parameter(Name="/aiops/automation/enabled", Value="false", Type="String")
    assert not automation_enabled(ssm)
    ssm.put_parameter(Name="/aiops/automation/enabled", Value="TRUE", Type="String", Overwrite=True)
    assert automation_enabled(ssm)


def test_alarm_states_are_set_and_described(aws: Any) -> None:
    _, cw, _ = aws
    for name in ("b-alarm", "a-alarm"):
        cw.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/Bedrock",
            MetricName="InvocationThrottles",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=5.0,
            ComparisonOperator="GreaterThanThreshold",
            Dimensions=DIMS,
        )
    cw.set_alarm_state(AlarmName="a-alarm", StateValue="ALARM", StateReason="replay")
    cw.set_alarm_state(AlarmName="b-alarm", StateValue="OK", StateReason="replay")
    found = cw.describe_alarms(AlarmNames=["a-alarm", "b-alarm", "c-alarm"])
    assert {(a["AlarmName"], a["StateValue"]) for a in found["MetricAlarms"]} == {
        ("a-alarm", "ALARM"),
        ("b-alarm", "OK"),
    }
    assert found["MetricAlarms"][0]["Dimensions"] == DIMS
    with pytest.raises(ClientError) as exc:
        cw.set_alarm_state(AlarmName="c-alarm", StateValue="OK", StateReason="replay")
    assert _code(exc) == "ResourceNotFound"


def _put(cw: Any, metric: str, at: datetime, value: float, dims: list[dict[str, str]] = DIMS) -> None:
    cw.put_metric_data(
        Namespace="AWS/Bedrock",
        MetricData=[
            {"MetricName": metric, "Timestamp": at, "Value": value, "Unit": "Count", "Dimensions": dims}
        ],
    )


def _query(metric: str, stat: str = "Sum", period: int = 60, dims: dict[str, str] | None = None) -> Query:
    spec = MetricSpec(namespace="AWS/Bedrock", metric=metric, dimensions=dims or {"ModelId": "m1"}, stat=stat)
    return Query(id=f"q_{metric.lower()}_{stat.lower()}", metric=spec, period=period)


def test_get_metric_data_buckets_by_period_from_the_start(aws: Any) -> None:
    _, cw, _ = aws
    for s in range(0, 300, 30):  # a datapoint every 30 s for 5 minutes
        _put(cw, "Invocations", T0 + timedelta(seconds=s), float(s))
    _put(cw, "Invocations", T0 - timedelta(seconds=1), 1000.0)  # before the start: left out
    _put(cw, "Invocations", T0 + timedelta(seconds=240), 7.0, [{"Name": "ModelId", "Value": "m2"}])  # another
    reader = CloudWatchMetrics(cw)
    stats = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")
    got = reader.read([_query("Invocations", s) for s in stats], T0, T0 + timedelta(seconds=181))
    ts = [T0 + timedelta(minutes=m) for m in range(4)]
    assert got["q_invocations_sum"] == list(zip(ts, [30.0, 150.0, 270.0, 180.0], strict=True))
    assert got["q_invocations_average"] == list(zip(ts, [15.0, 75.0, 135.0, 180.0], strict=True))
    assert [v for _, v in got["q_invocations_minimum"]] == [0.0, 60.0, 120.0, 180.0]
    assert [v for _, v in got["q_invocations_maximum"]] == [30.0, 90.0, 150.0, 180.0]
    assert [v for _, v in got["q_invocations_samplecount"]] == [2.0, 2.0, 2.0, 1.0]
    hourly = reader.read([_query("Invocations", period=3600)], T0, T0 + timedelta(hours=1))
    assert hourly["q_invocations_sum"] == [(T0, 1350.0)]  # m2 is another metric
    assert reader.read([_query("InvocationServerErrors")], T0, T0 + timedelta(hours=1)) == {
        "q_invocationservererrors_sum": []
    }


def test_get_metric_data_follows_aws_where_moto_does_not() -> None:
    # moto 5 fails on percentiles (a TypeError) and ignores a query's namespace when it has dimensions
    cw: Any = MemoryCloudWatch(FixedClock(T0))
    for n in range(1, 101):
        _put(cw, "InvocationLatency", T0 + timedelta(seconds=n % 60), float(n))
    cw.put_metric_data(
        Namespace="Other",
        MetricData=[{"MetricName": "InvocationLatency", "Timestamp": T0, "Value": 1e6, "Dimensions": DIMS}],
    )
    got = CloudWatchMetrics(cw).read(
        [_query("InvocationLatency", "p99"), _query("InvocationLatency", "p50")],
        T0,
        T0 + timedelta(minutes=1),
    )
    assert got["q_invocationlatency_p99"] == [(T0, 99.0)]
    assert got["q_invocationlatency_p50"] == [(T0, 50.0)]
