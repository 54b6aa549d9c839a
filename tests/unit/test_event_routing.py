"""Every EventBridge rule of the deployed template, through moto's event-pattern matcher (what moto's
PutEvents routes with), against every EventBridge-shaped sample in tests/events/ and the peer corpus:
each sample reaches exactly the rule its source has (or none, for the reason ROUTES gives), and no rule
ever takes the bots' own alarms or parameters."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from moto.events.models import EventPattern

from tests.support.cfn import Stack, stack
from tests.support.events import EVENTS, PEER_CORPUS, require_peer_corpus

ALARMS, DEVOPS_GURU, HEALTH, COST = "AlarmStateChangeRule", "DevOpsGuruRule", "HealthRule", "CostAnomalyRule"
FORECAST = "ForecastRule"  # the bot's own projections (aiops.forecast)
PARAMETERS, API, PROMPTS, AUTOMATION = (
    "ParameterChangeRule",
    "ApiChangeRule",
    "PromptChangeRule",
    "AutomationStatusRule",
)
NOWHERE = None
ROUTES: dict[str, str | None] = {
    # tests/events/
    "automation/execution_failed.json": AUTOMATION,
    "automation/execution_success.json": AUTOMATION,
    "automation/step_status.json": NOWHERE,  # step events are progress: the execution's status decides
    "changes/cloudtrail_bedrock_create_prompt_version.json": PROMPTS,
    "changes/cloudtrail_bedrock_update_prompt.json": PROMPTS,
    "changes/cloudtrail_label_parameter_version.json": API,
    "changes/cloudtrail_put_parameter.json": API,
    "changes/parameter_store_change.json": PARAMETERS,
    "cloudwatch/alarm_anomaly_detection.json": ALARMS,
    "cloudwatch/alarm_bedrock_throttles.json": ALARMS,
    "cloudwatch/alarm_composite.json": ALARMS,
    "cloudwatch/alarm_insufficient_data.json": ALARMS,
    "cloudwatch/alarm_logs_anomaly.json": ALARMS,
    "cloudwatch/alarm_metric_alarm.json": ALARMS,
    "cloudwatch/alarm_metric_math.json": ALARMS,
    "cloudwatch/alarm_metric_ok.json": ALARMS,
    "cloudwatch/llm_agent_server_errors.json": ALARMS,
    "cloudwatch/llm_bedrock_otps.json": ALARMS,
    "cloudwatch/llm_bedrock_tpm_quota.json": ALARMS,
    "cloudwatch/llm_bedrock_ttft.json": ALARMS,
    "cloudwatch/llm_guardrail_intervened.json": ALARMS,
    "cloudwatch/llm_guardrail_output_intervened.json": ALARMS,
    "cloudwatch/llm_invocation_log_cut_by_limit.json": ALARMS,
    "cloudwatch/llm_invocation_log_delivery.json": ALARMS,
    "cloudwatch/llm_knowledge_base_throttles.json": ALARMS,
    "cost-anomaly/eventbridge.json": COST,
    "forecast/monthly_cost_warning.json": FORECAST,
    "forecast/tpm_quota_ok.json": FORECAST,
    "forecast/tpm_quota_warning.json": FORECAST,
    "devops-guru/anomaly_association.json": DEVOPS_GURU,
    "devops-guru/insight_closed.json": DEVOPS_GURU,
    "devops-guru/insight_open.json": DEVOPS_GURU,
    "devops-guru/recommendation.json": DEVOPS_GURU,
    "devops-guru/severity_upgraded.json": DEVOPS_GURU,
    "health/bedrock_closed.json": HEALTH,
    "health/bedrock_legacy_ended.json": HEALTH,
    "health/bedrock_open.json": HEALTH,
    # ../shared/peer-corpus/events/
    "peer:aiopsagent_cloudtrail_ec2_terminate.json": NOWHERE,  # aws.ec2: not a source of the bot
    "peer:aiopsagent_cloudtrail_putparameter.json": NOWHERE,  # /demo/config/setting: not under /llm/
    "peer:doc_cw_eb_anomaly_detection.json": ALARMS,
    "peer:doc_cw_eb_composite_suppressor.json": ALARMS,
    "peer:doc_cw_eb_config_create_composite_suppressor.json": NOWHERE,  # configuration changes: no state
    "peer:doc_cw_eb_config_delete_composite_alarm_state.json": NOWHERE,
    "peer:doc_cw_eb_config_update_composite_alarm_state.json": NOWHERE,
    "peer:doc_cw_eb_config_update_metric.json": NOWHERE,
    "peer:doc_cw_eb_metric_math.json": ALARMS,
    "peer:doc_cw_eb_single_metric.json": ALARMS,
    "peer:doc_cwe_cloudtrail_s3_createbucket.json": NOWHERE,
    "peer:doc_cwe_parameter_store_create.json": NOWHERE,  # "foo": not under a prefix
    "peer:doc_cwe_ssm_run_command_status.json": NOWHERE,
    "peer:doc_devopsguru_new_insight_open.json": DEVOPS_GURU,
    "peer:doc_ssm_automation_execution_status.json": NOWHERE,  # runcommand1: not one of this stack's runbooks
    "peer:doc_ssm_automation_step_status.json": NOWHERE,
    "peer:doc_ssm_calendar_state_open.json": NOWHERE,
    "peer:doc_ssm_parameter_store_create_ec2_alias_exception.json": NOWHERE,  # golden-ami: no prefix
    "peer:doc_ssm_parameter_store_delete.json": NOWHERE,  # MyExampleParameter: no prefix
    "peer:doc_ssm_parameter_store_update.json": NOWHERE,
    "peer:eventbot_health_msk_closed.json": NOWHERE,  # scheduledChange: the bot takes Health issues
    "peer:go_ecr_image_push.json": NOWHERE,
    "peer:healthtools_sms_test_event.json": NOWHERE,  # eventTypeCategory "category": not an issue
    "peer:java_scheduled_event.json": NOWHERE,
    "peer:notifyslack_bare_guardduty_finding.json": NOWHERE,
    "peer:notifyslack_health_ec2_issue.json": HEALTH,
    "peer:opg_health_rds_account_notification.json": NOWHERE,  # accountNotification: not an issue
    "peer:pt_eventbridge_ec2_state_change.json": NOWHERE,
    "peer:servicenow_devopsguru_new_insight.json": DEVOPS_GURU,
    "peer:tidal_eb_alarm_ok.json": ALARMS,
}


def _samples() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every sample that is an EventBridge event (SNS, SQS and Lambda-action shapes arrive otherwise)."""
    found = [(str(p.relative_to(EVENTS)), p) for p in sorted(EVENTS.rglob("*.json"))]
    found += [(f"peer:{p.name}", p) for p in sorted((PEER_CORPUS / "events").glob("*.json"))]
    for key, path in found:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "detail-type" in doc and "detail" in doc:
            yield key, doc


SAMPLES = dict(_samples())


def _rules(s: Stack) -> dict[str, EventPattern]:
    out = {}
    for name, res in s.resources.items():
        if res["Type"] == "AWS::Events::Rule" and "EventPattern" in res["Properties"]:
            pattern = s.resolve(res["Properties"]["EventPattern"])
            out[name] = EventPattern.load(pattern if isinstance(pattern, str) else json.dumps(pattern))
    return out


def routed(rules: dict[str, EventPattern], event: dict[str, Any]) -> list[str]:
    return sorted(name for name, pattern in rules.items() if pattern.matches_event(cast(Any, event)))


DEFAULT = stack("aiops")
RULES = _rules(DEFAULT)


HAVE_PEERS = (PEER_CORPUS / "events").is_dir()


def test_every_eventbridge_sample_is_classified() -> None:
    expected = {k for k in ROUTES if HAVE_PEERS or not k.startswith("peer:")}
    assert set(SAMPLES) == expected, "a new sample: say in ROUTES which rule takes it (or none, and why)"
    assert set(RULES) == {ALARMS, DEVOPS_GURU, HEALTH, COST, PARAMETERS, API, PROMPTS, AUTOMATION, FORECAST}


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_each_sample_reaches_its_rule_and_no_other(key: str) -> None:
    if key.startswith("peer:"):
        require_peer_corpus()
    event = SAMPLES[key]
    expected = ROUTES[key]
    assert routed(RULES, event) == ([expected] if expected else [])
    if expected:  # and its rule is the one for its source
        assert event["source"] in DEFAULT.resolve(_pattern(DEFAULT, expected))["source"]


def _pattern(s: Stack, rule: str) -> dict[str, Any]:
    pattern = s.resolve(s.resources[rule]["Properties"]["EventPattern"])
    return json.loads(pattern) if isinstance(pattern, str) else dict(pattern)


def test_parameter_rules_follow_every_prefix_of_the_list() -> None:
    # GIVEN a stack whose catalog keeps LLM parameters under two prefixes
    two = _rules(stack("aiops", {"ParameterPrefixes": "/llm/,/demo/"}))
    putparameter = copy.deepcopy(SAMPLES["changes/cloudtrail_put_parameter.json"])
    putparameter["detail"]["requestParameters"]["name"] = "/demo/config/setting"
    assert routed(two, putparameter) == [API]
    assert routed(two, SAMPLES["changes/cloudtrail_put_parameter.json"]) == [API]  # /llm/... still
    change = copy.deepcopy(SAMPLES["changes/parameter_store_change.json"])
    change["detail"]["name"] = "/demo/chat/prompt"
    assert routed(two, change) == [PARAMETERS]
    assert routed(RULES, change) == []  # the default /llm/ alone does not take it


def _bot_parameters(s: Stack) -> list[str]:
    kill_switch = s.resolve(s.resources["AutomationKillSwitch"]["Properties"]["Name"])
    return [kill_switch, f"/aiops/{s.name}/catalog", f"/aiops/{s.name}/playbooks"]


@pytest.mark.parametrize("prefixes", ["/llm/", "/llm/,/genai/,/prompts/chat/", "/aiopsx/,/a/"])
def test_no_rule_takes_the_bots_own_parameters(prefixes: str) -> None:
    s = stack("prod", {"ParameterPrefixes": prefixes})
    rules = _rules(s)
    for name in _bot_parameters(s) + _bot_parameters(stack("staging")):
        change = copy.deepcopy(SAMPLES["changes/parameter_store_change.json"])
        change["detail"]["name"] = name
        trail = copy.deepcopy(SAMPLES["changes/cloudtrail_put_parameter.json"])
        trail["detail"]["requestParameters"]["name"] = name
        assert routed(rules, change) == [] and routed(rules, trail) == [], name


def test_no_allowed_prefix_covers_the_bots_parameters() -> None:
    pattern = re.compile(DEFAULT.template["Parameters"]["ParameterPrefixes"]["AllowedPattern"])
    bot = "/aiops/prod/automation/enabled"
    # every prefix of a bot parameter name, as an operator might type one, is refused
    refused = [bot[:n] for n in range(1, len(bot) + 1)]
    assert [p for p in refused if pattern.fullmatch(p)] == []
    assert all(pattern.fullmatch(p) for p in ["/llm/", "/llm/chat-assistant/prompt", "/aiopsx/", "/a/"])


def test_no_rule_takes_the_bots_own_alarms() -> None:
    sample = SAMPLES["cloudwatch/alarm_metric_alarm.json"]
    for s in (DEFAULT, stack("staging")):  # this stack's alarms, and another stack's in the account
        names = [
            s.resolve(r["Properties"]["AlarmName"])
            for r in s.resources.values()
            if r["Type"] == "AWS::CloudWatch::Alarm"
        ]
        assert len(names) >= 5
        for name in names:
            own = copy.deepcopy(sample)
            own["detail"]["alarmName"] = name
            own["resources"] = [f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}"]
            assert routed(RULES, own) == [], name


def test_the_automation_rule_takes_only_this_stacks_runbooks() -> None:
    run = copy.deepcopy(SAMPLES["automation/execution_success.json"])
    run["detail"]["Definition"] = "prod-PromptRollback"
    assert routed(_rules(stack("prod")), run) == [AUTOMATION]
    assert routed(_rules(stack("staging")), run) == []
