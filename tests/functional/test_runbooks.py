"""Each shipped runbook on moto through the local executor: it changes, verifies, and undoes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import boto3
import pytest

from aiops.local.clock import FixedClock
from aiops.local.executor import LocalExecutor
from aiops.remediation.runbooks import RunbookError, load_runbook, load_runbooks

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = load_runbooks(ROOT / "runbooks")
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ALARM = "chat-assistant-api-5xx"


class World:
    def __init__(self) -> None:
        self.ssm = boto3.client("ssm", region_name="us-east-1")
        self.cw = boto3.client("cloudwatch", region_name="us-east-1")
        self.clock = FixedClock(T0)
        clients = {"ssm": self.ssm, "cloudwatch": self.cw}
        self.executor = LocalExecutor(RUNBOOKS, clients.__getitem__, self.clock)
        self.cw.put_metric_alarm(
            AlarmName=ALARM,
            MetricName="5XXError",
            Namespace="AWS/ApiGateway",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=5,
            ComparisonOperator="GreaterThanThreshold",
        )
        self.alarm("ALARM")

    def alarm(self, state: Literal["ALARM", "OK", "INSUFFICIENT_DATA"]) -> None:
        self.cw.set_alarm_state(AlarmName=ALARM, StateValue=state, StateReason="test")

    def param(self, name: str, *versions: str) -> None:
        for v in versions:
            self.ssm.put_parameter(Name=name, Value=v, Type="String", Overwrite=True)

    def value(self, name: str) -> tuple[str, int]:
        p = self.ssm.get_parameter(Name=name)["Parameter"]
        return p["Value"], p["Version"]

    def later(self, seconds: int) -> None:
        self.clock.set(self.clock.now() + timedelta(seconds=seconds))


@pytest.fixture
def world(aws: Any) -> World:
    return World()


PROMPT = "/llm/chat-assistant/prompt"
MODEL = "/llm/chat-assistant/model-id"
TOKENS = "/llm/chat-assistant/max-tokens"


@pytest.mark.parametrize("runbook", ["PromptRollback", "ModelRollback"])
def test_rollback_succeeds_when_alarms_clear(world: World, runbook: str) -> None:
    world.param(PROMPT, "good v1", "good v2", "bad v3")
    ex = world.executor.start(
        runbook, {"ParameterName": PROMPT, "VerifyAlarmNames": [ALARM], "VerifySeconds": 600}, "token-1"
    )
    # the change is made, then it waits for the alarm
    assert ex.status == "Waiting" and ex.step == "verifyMetricAlarms"
    assert world.value(PROMPT) == ("good v2", 4)
    world.later(120)
    world.alarm("OK")
    ex = world.executor.advance(ex.id)
    assert ex.status == "Success"
    assert (
        ex.outputs["recordCurrent.CurrentVersion"],
        ex.outputs["resolveTarget.TargetVersion"],
        ex.outputs["change.NewVersion"],
    ) == (3, "2", 4)
    assert "undo" not in [s for s, _ in ex.trail]


@pytest.mark.parametrize("runbook", ["PromptRollback", "ModelRollback"])
def test_rollback_is_undone_when_alarms_stay(world: World, runbook: str) -> None:
    world.param(PROMPT, "good v1", "good v2", "bad v3")
    ex = world.executor.start(
        runbook, {"ParameterName": PROMPT, "VerifyAlarmNames": [ALARM], "VerifySeconds": 300}, "token-2"
    )
    world.later(299)
    assert world.executor.advance(ex.id).status == "Waiting"
    world.later(2)
    ex = world.executor.advance(ex.id)
    assert ex.status == "Failed" and "the fix was not verified" in ex.failure
    assert world.value(PROMPT)[0] == "bad v3"  # rolled forward to the version it replaced
    assert [s for s, r in ex.trail][-3:] == ["verifyMetricAlarms", "undo", "failVerification"]


def test_rollback_to_an_explicit_version(world: World) -> None:
    world.param(PROMPT, "v1", "v2", "v3", "v4")
    ex = world.executor.start(
        "PromptRollback", {"ParameterName": PROMPT, "TargetVersion": "1", "VerifyAlarmNames": [ALARM]}, "t"
    )
    assert world.value(PROMPT)[0] == "v1" and ex.outputs["resolveTarget.TargetVersion"] == "1"


def test_rollback_with_no_earlier_version_fails_and_changes_nothing(world: World) -> None:
    world.param(PROMPT, "only")
    ex = world.executor.start("PromptRollback", {"ParameterName": PROMPT, "VerifyAlarmNames": [ALARM]}, "t")
    assert ex.status == "Failed" and "no earlier version" in ex.failure
    assert world.value(PROMPT) == ("only", 1)


def test_model_fallback_and_restore(world: World) -> None:
    world.param(MODEL, "anthropic.claude-3-5-sonnet-20240620-v1:0")
    params = {
        "ParameterName": MODEL,
        "FallbackModelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "VerifyAlarmNames": [ALARM],
        "VerifySeconds": 60,
    }
    ex = world.executor.start("ModelFallback", params, "f1")
    assert world.value(MODEL)[0] == "anthropic.claude-3-haiku-20240307-v1:0"
    world.later(61)
    ex = world.executor.advance(ex.id)
    assert ex.status == "Failed"
    assert world.value(MODEL)[0] == "anthropic.claude-3-5-sonnet-20240620-v1:0"  # restored
    assert ex.outputs["recordCurrent.CurrentValue"] == "anthropic.claude-3-5-sonnet-20240620-v1:0"


def test_model_fallback_when_already_on_fallback_changes_nothing(world: World) -> None:
    world.param(MODEL, "anthropic.claude-3-haiku-20240307-v1:0")
    ex = world.executor.start(
        "ModelFallback",
        {
            "ParameterName": MODEL,
            "FallbackModelId": "anthropic.claude-3-haiku-20240307-v1:0",
            "VerifyAlarmNames": [ALARM],
        },
        "f2",
    )
    assert ex.status == "Failed" and "already runs on its fallback" in ex.failure
    assert world.value(MODEL)[1] == 1


def test_token_cap_lowers_and_refuses_to_raise(world: World) -> None:
    world.param(TOKENS, "4096")
    ex = world.executor.start(
        "TokenCap", {"ParameterName": TOKENS, "MaxTokens": "1024", "VerifyAlarmNames": [ALARM]}, "c1"
    )
    assert world.value(TOKENS)[0] == "1024" and ex.outputs["checkLower.Reduction"] == "3072"
    world.alarm("OK")
    assert world.executor.advance(ex.id).status == "Success"
    raise_it = world.executor.start(
        "TokenCap", {"ParameterName": TOKENS, "MaxTokens": "8192", "VerifyAlarmNames": [ALARM]}, "c2"
    )
    assert raise_it.status == "Failed" and "only goes down" in raise_it.failure
    assert world.value(TOKENS)[0] == "1024"


def test_same_client_token_starts_once(world: World) -> None:
    world.param(PROMPT, "v1", "v2", "v3")
    params = {"ParameterName": PROMPT, "VerifyAlarmNames": [ALARM]}
    first = world.executor.start("PromptRollback", params, "same-token")
    second = world.executor.start("PromptRollback", params, "same-token")
    assert first.id == second.id and world.value(PROMPT) == ("v2", 4)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ParameterName": "/llm/x; rm -rf /", "VerifyAlarmNames": [ALARM]}, "does not match"),
        ({"ParameterName": PROMPT, "VerifyAlarmNames": ["<!channel> $(reboot)"]}, "does not match"),
        ({"ParameterName": PROMPT, "VerifyAlarmNames": [ALARM], "VerifySeconds": 7}, "is not one of"),
        ({"ParameterName": PROMPT}, "VerifyAlarmNames is required"),
        ({"ParameterName": PROMPT, "VerifyAlarmNames": [ALARM], "Command": "ls"}, "unknown parameter"),
    ],
)
def test_bad_parameters_are_refused_before_anything_runs(
    world: World, params: dict[str, Any], message: str
) -> None:
    world.param(PROMPT, "v1", "v2")
    with pytest.raises(RunbookError) as info:
        world.executor.start("PromptRollback", params, "bad")
    assert message in str(info.value)
    assert world.value(PROMPT) == ("v2", 2)


def test_unsupported_action_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "RunShell.yaml"
    doc.write_text(
        "schemaVersion: '0.3'\nmainSteps:\n  - name: run\n    action: aws:runCommand\n"
        "    inputs: {DocumentName: AWS-RunShellScript}\n"
    )
    with pytest.raises(RunbookError) as info:
        load_runbook(doc)
    assert "aws:runCommand is not supported" in str(info.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("schemaVersion: '0.2'\nmainSteps: [{name: a, action: 'aws:sleep'}]\n", "schemaVersion"),
        (
            "schemaVersion: '0.3'\n"
            "mainSteps: [{name: a, action: 'aws:sleep', inputs: {Duration: '{{ X }}'}}]\n",
            "not a declared parameter",
        ),
        ("schemaVersion: '0.3'\nmainSteps: [{name: a, action: 'aws:sleep', nextStep: b}]\n", "unknown step"),
    ],
)
def test_document_checks(tmp_path: Path, body: str, message: str) -> None:
    doc = tmp_path / "Doc.yaml"
    doc.write_text(body)
    with pytest.raises(RunbookError) as info:
        load_runbook(doc)
    assert message in str(info.value)


COMPOSITE = "chat-assistant-degraded"


def _composite(world: World, state: Literal["ALARM", "OK"]) -> None:
    world.cw.set_alarm_state(AlarmName=COMPOSITE, StateValue=state, StateReason="test")


@pytest.mark.parametrize("runbook", ["PromptRollback", "ModelRollback"])
def test_verification_waits_for_composite_alarms_too(world: World, runbook: str) -> None:
    from tests.support.aws_stubs import put_composite_alarm

    # GIVEN a composite alarm over the metric alarm, both in ALARM, both named to verify by
    put_composite_alarm(world.cw, COMPOSITE, f'ALARM("{ALARM}")')
    _composite(world, "ALARM")
    world.param(PROMPT, "v1", "v2", "bad v3")
    params = {"ParameterName": PROMPT, "VerifyAlarmNames": [ALARM, COMPOSITE], "VerifySeconds": 600}
    ex = world.executor.start(runbook, params, "composite-1")
    assert ex.outputs["planVerification.HasCompositeAlarms"] == "yes"
    # WHEN the metric alarm clears, THEN it still waits: the composite alarm is still in ALARM
    world.later(60)
    world.alarm("OK")
    ex = world.executor.advance(ex.id)
    assert (ex.status, ex.step) == ("Waiting", "verifyCompositeAlarms")
    world.later(60)
    _composite(world, "OK")
    ex = world.executor.advance(ex.id)
    assert ex.status == "Success" and ex.outputs["verified.Outcome"] == "verified"
    assert world.value(PROMPT)[0] == "v2"


def test_a_composite_alarm_that_stays_in_alarm_undoes_the_change(world: World) -> None:
    from tests.support.aws_stubs import put_composite_alarm

    put_composite_alarm(world.cw, COMPOSITE, f'ALARM("{ALARM}")')
    _composite(world, "ALARM")
    world.param(PROMPT, "v1", "bad v2")
    # only the composite alarm to verify by: the metric wait is skipped, the composite one times out
    params = {"ParameterName": PROMPT, "VerifyAlarmNames": [COMPOSITE], "VerifySeconds": 60}
    ex = world.executor.start("PromptRollback", params, "composite-2")
    assert ex.step == "verifyCompositeAlarms" and world.value(PROMPT)[0] == "v1"
    world.later(61)
    ex = world.executor.advance(ex.id)
    assert ex.status == "Failed" and world.value(PROMPT)[0] == "bad v2"
    assert "verifyMetricAlarms" not in [s for s, _ in ex.trail]


def test_an_unknown_verification_alarm_undoes_at_once(world: World) -> None:
    world.param(PROMPT, "v1", "bad v2")
    params = {"ParameterName": PROMPT, "VerifyAlarmNames": [ALARM, "no-such-alarm"]}
    ex = world.executor.start("PromptRollback", params, "unknown-alarm")
    assert ex.status == "Failed" and ("planVerification", "Failed") in ex.trail
    assert world.value(PROMPT)[0] == "bad v2"  # undone


@pytest.mark.parametrize("runbook", ["PromptRollback", "ModelRollback", "TokenCap", "ModelFallback"])
def test_a_cancelled_execution_undoes_its_change(world: World, runbook: str) -> None:
    from aiops.remediation.ports import RunOutcome

    name = TOKENS if runbook == "TokenCap" else MODEL if runbook == "ModelFallback" else PROMPT
    world.param(name, "4096", "2048") if runbook == "TokenCap" else world.param(name, "v1", "v2")
    params: dict[str, Any] = {"ParameterName": name, "VerifyAlarmNames": [ALARM], "VerifySeconds": 600}
    if runbook == "TokenCap":
        params["MaxTokens"] = "1024"
    if runbook == "ModelFallback":
        params["FallbackModelId"] = "anthropic.claude-3-haiku-20240307-v1:0"
    before = world.value(name)[0]
    ex = world.executor.start(runbook, params, f"cancel-{runbook}")
    assert ex.status == "Waiting" and world.value(name)[0] != before  # changed, verifying
    # WHEN someone stops the execution (StopAutomationExecution), THEN its onCancel puts the change back
    ex = world.executor.cancel(ex.id)
    assert ex.status == "Cancelled" and world.value(name)[0] == before
    assert RunOutcome.from_steps(dict(ex.trail)).change == "undone"


def test_an_undo_that_fails_leaves_the_change_recorded_as_still_applied(world: World) -> None:
    from aiops.remediation.ports import RunOutcome
    from tests.support.aws_stubs import deny

    world.param(PROMPT, "v1", "bad v2")
    params = {"ParameterName": PROMPT, "VerifyAlarmNames": [ALARM], "VerifySeconds": 60}
    ex = world.executor.start("PromptRollback", params, "undo-denied")
    deny(world.ssm, "PutParameter")  # GIVEN the remediation role lost ssm:PutParameter mid-run
    world.later(61)
    ex = world.executor.advance(ex.id)
    assert ex.status == "Failed" and world.value(PROMPT)[0] == "v1"
    assert RunOutcome.from_steps(dict(ex.trail)).change == "still_applied"


def test_local_describe_alarms_answers_as_aws_without_alarm_types(world: World) -> None:
    from tests.support.aws_stubs import put_composite_alarm

    put_composite_alarm(world.cw, COMPOSITE, f'ALARM("{ALARM}")')
    plain = world.executor._call(
        {"Service": "cloudwatch", "Api": "DescribeAlarms", "AlarmNames": [COMPOSITE]}
    )
    both = world.executor._call(
        {
            "Service": "cloudwatch",
            "Api": "DescribeAlarms",
            "AlarmNames": [COMPOSITE],
            "AlarmTypes": ["CompositeAlarm", "MetricAlarm"],
        }
    )
    assert "CompositeAlarms" not in plain and [a["AlarmName"] for a in both["CompositeAlarms"]] == [COMPOSITE]


@pytest.mark.parametrize(
    ("step", "field"),
    [("verifyMetricAlarms", "onCancel"), ("verifyCompositeAlarms", "onFailure"), ("change", "onCancel")],
)
def test_a_step_after_the_change_must_lead_back_to_undo(tmp_path: Path, step: str, field: str) -> None:
    import yaml

    doc = yaml.safe_load((ROOT / "runbooks" / "PromptRollback.yaml").read_text())
    [found] = [s for s in doc["mainSteps"] if s["name"] == step]
    del found[field]
    path = tmp_path / "PromptRollback.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(
        RunbookError, match=f"step {step}: comes after the change, so it needs {field}: step:undo"
    ):
        load_runbook(path)
