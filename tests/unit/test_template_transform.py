"""template.yaml through the SAM transform (aws-sam-translator, what `sam deploy` runs): the resources a
platform team relies on are there and wired: the ops topic and its alarms, the dashboard, log groups,
the ingest trigger's scaling, dead-letter permissions, safe defaults, names that let stacks coexist."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.cfn import ACCOUNT, ROOT, Stack, stack

S = stack("prod")
R = S.resources


def _of_type(s: Stack, kind: str) -> dict[str, Any]:
    return {k: v for k, v in s.resources.items() if v["Type"] == kind}


FUNCTIONS = _of_type(S, "AWS::Lambda::Function")
ALARMS = {k: S.resolve(v["Properties"]) for k, v in _of_type(S, "AWS::CloudWatch::Alarm").items()}


def _metrics_of(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of every metric an alarm reads."""
    if "MetricName" in alarm:
        dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        return [(alarm["Namespace"], alarm["MetricName"], dims)]
    out = []
    for q in alarm["Metrics"]:
        if "MetricStat" in q:
            m = q["MetricStat"]["Metric"]
            out.append((m["Namespace"], m["MetricName"], {d["Name"]: d["Value"] for d in m["Dimensions"]}))
    return out


def test_the_transform_yields_the_functions() -> None:
    assert set(FUNCTIONS) == {
        "IngestFunction",
        "AutomationFunction",
        "FlushFunction",
        "SlackAppFunction",
        "RunbooksInstallerFunction",
        "TimersFunction",
        "PagerDutyWebhookFunction",
        "ForecastFunction",
    }


def test_topics_are_encrypted_with_a_key_the_publishing_services_may_use() -> None:
    topics = _of_type(S, "AWS::SNS::Topic")
    assert set(topics) == {"NotificationTopic", "OpsTopic", "PagerTopic"}
    # AWS services publish to these two: a key whose policy lets them
    assert all(
        topics[t]["Properties"]["KmsMasterKeyId"] == {"Ref": "TopicKey"}
        for t in ("NotificationTopic", "OpsTopic")
    )
    # only the bot's own roles publish pages: the AWS managed key serves, and it is encrypted all the same
    assert topics["PagerTopic"]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"
    policy = S.resolve(R["TopicKey"]["Properties"]["KeyPolicy"])
    services = {
        svc
        for st in policy["Statement"]
        for svc in st.get("Principal", {}).get("Service", [])
        if "kms:GenerateDataKey*" in st["Action"]
    }
    assert {
        "cloudwatch.amazonaws.com",
        "budgets.amazonaws.com",
        "costalerts.amazonaws.com",
        "devops-guru.amazonaws.com",
    } <= services


def test_the_bots_alarms_are_named_for_the_stack_and_notify_the_ops_topic() -> None:
    assert len(ALARMS) >= 6
    for name, alarm in ALARMS.items():
        assert alarm["AlarmName"].startswith("aiops-self-prod-"), name
        assert alarm["AlarmActions"] == ["<OpsTopic>"] and alarm["OKActions"] == ["<OpsTopic>"], name
        assert alarm["TreatMissingData"] == "notBreaching"


def _watched() -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
    return {(ns, m, tuple(sorted(d.items()))) for a in ALARMS.values() for ns, m, d in _metrics_of(a)}


def test_the_alarms_cover_dead_letters_errors_throttles_remediations_and_lost_events() -> None:
    watched = _watched()
    dlq = (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        (("QueueName", "<IngestDeadLetterQueue.QueueName>"),),
    )
    assert dlq in watched
    for fn in FUNCTIONS:  # every function's errors and throttles
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, (("FunctionName", f"<{fn}>"),)) in watched, (fn, metric)
    assert ("aiops", "RemediationsFailed", (("service", "prod"),)) in watched
    # every rule with a dead-letter queue: events that could not even be put there
    for rule, res in _of_type(S, "AWS::Events::Rule").items():
        if any("DeadLetterConfig" in t for t in res["Properties"]["Targets"]):
            assert ("AWS/Events", "InvocationsFailedToBeSentToDlq", (("RuleName", f"<{rule}>"),)) in watched
    sns = (
        "AWS/SNS",
        "NumberOfNotificationsFailedToRedriveToDlq",
        (("TopicName", "<NotificationTopic.TopicName>"),),
    )
    assert sns in watched


def _emitted_metrics() -> set[str]:
    """The metric names the code writes: add_metric(name=...) and [self.]observe("...", ...) calls."""
    names: set[str] = set()
    for path in [*(ROOT / "handlers").glob("*.py"), ROOT / "aiops" / "adapters" / "slack_app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                        names.add(str(kw.value.value))
                fn = node.func
                called = getattr(fn, "id", None) or getattr(fn, "attr", "")  # observe(...), self.observe(...)
                if called == "observe" and node.args and isinstance(node.args[0], ast.Constant):
                    names.add(str(node.args[0].value))
            if (  # a table of metric names: RESULT_METRIC = {...}
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id.endswith("METRIC") for t in node.targets)
            ):
                names |= {str(v.value) for v in node.value.values if isinstance(v, ast.Constant)}
    return names


def test_the_dashboard_shows_the_bots_own_metrics() -> None:
    body = json.loads(S.resolve(R["Dashboard"]["Properties"]["DashboardBody"]))
    text = json.dumps(body)
    shown = {m[1] for w in body["widgets"] for m in w["properties"].get("metrics", []) if m[0] == "aiops"}
    emitted = _emitted_metrics()
    assert {"Signals", "Duplicates", "IncidentsOpened", "TimeToAcknowledge", "TimeToResolve"} <= emitted
    assert {"RemediationsSucceeded", "RemediationsFailed"} <= emitted
    assert emitted <= shown, f"written but never shown: {sorted(emitted - shown)}"
    assert all(
        m[2:4] == ["service", "prod"]
        for w in body["widgets"]
        for m in w["properties"].get("metrics", [])
        if m[0] == "aiops"
    )
    assert "signals / opened" in text  # noise reduction: signals per incident
    assert "FILL(ok, 0) / (FILL(ok, 0) + FILL(failed, 0))" in text  # remediation success rate
    alarm_widget = next(w for w in body["widgets"] if w["type"] == "alarm")
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(f"arn:<{a}>" for a in ALARMS)


def test_every_function_logs_to_a_group_with_retention() -> None:
    groups = _of_type(S, "AWS::Logs::LogGroup")
    for name, fn in FUNCTIONS.items():
        ref = fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        group = S.resolve(groups[ref]["Properties"])
        assert group["RetentionInDays"] == 30, name
        assert group["LogGroupName"].startswith("/aws/lambda/prod/")
    assert S.resolve(groups["IngestLogGroup"]["Properties"])["LogGroupName"] == "/aws/lambda/prod/ingest"
    seven = stack("prod", {"LogRetentionDays": 7})
    assert seven.resolve(seven.resources["IngestLogGroup"]["Properties"])["RetentionInDays"] == 7


def test_the_ingest_trigger_scales_by_maximum_concurrency_sized_for_storms() -> None:
    [mapping] = [
        S.resolve(m["Properties"])
        for m in _of_type(S, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
    ]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}
    ingest = S.resolve(FUNCTIONS["IngestFunction"]["Properties"])
    assert "ReservedConcurrentExecutions" not in ingest
    queue = S.resolve(R["IngestQueue"]["Properties"])
    assert queue["VisibilityTimeout"] >= 6 * ingest["Timeout"] + mapping["MaximumBatchingWindowInSeconds"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 10
    assert queue["MessageRetentionPeriod"] >= 4 * 86400  # a storm waits, it does not drain
    assert all(
        1 <= S.resolve(m["Properties"]).get("ScalingConfig", {}).get("MaximumConcurrency", 0) <= 1000
        for m in _of_type(S, "AWS::Lambda::EventSourceMapping").values()
    )


def test_the_slack_function_reserves_no_concurrency_unless_told_to() -> None:
    # a new account's concurrency quota (10) leaves nothing to reserve: a default reservation fails the deploy
    assert "ReservedConcurrentExecutions" not in S.resolve(FUNCTIONS["SlackAppFunction"]["Properties"])
    bounded = stack("prod", {"SlackAppConcurrency": 5})
    props = bounded.resolve(bounded.resources["SlackAppFunction"]["Properties"])
    assert props["ReservedConcurrentExecutions"] == 5


def test_the_pagerduty_webhook_is_a_public_url_bounded_and_reading_its_own_secret() -> None:
    props = S.resolve(FUNCTIONS["PagerDutyWebhookFunction"]["Properties"])
    assert "ReservedConcurrentExecutions" not in props  # none by default (see the Slack function's test)
    assert props["FunctionName"] == "prod-pagerduty-webhook"
    assert props["Environment"]["Variables"]["PAGERDUTY_WEBHOOK_SECRET_ARN"] == "<PagerDutyWebhookSecret>"
    [url] = [
        S.resolve(r["Properties"])
        for r in _of_type(S, "AWS::Lambda::Url").values()
        if r["Properties"]["TargetFunctionArn"] == {"Ref": "PagerDutyWebhookFunction"}
    ]
    assert url["AuthType"] == "NONE"  # PagerDuty signs the body; the function checks it first
    assert S.template["Outputs"]["PagerDutyWebhookUrl"]["Value"] == {
        "Fn::GetAtt": ["PagerDutyWebhookFunctionUrl", "FunctionUrl"]
    }
    bounded = stack("prod", {"PagerDutyWebhookConcurrency": 2})
    props = bounded.resolve(bounded.resources["PagerDutyWebhookFunction"]["Properties"])
    assert props["ReservedConcurrentExecutions"] == 2


def _queue_grants(s: Stack) -> list[tuple[str, str, set[str]]]:
    """(principal service, queue ARN, allowed source ARNs) of every SendMessage grant."""
    out = []
    for policy in _of_type(s, "AWS::SQS::QueuePolicy").values():
        for st in s.resolve(policy["Properties"]["PolicyDocument"])["Statement"]:
            if st["Effect"] != "Allow" or st["Action"] != "sqs:SendMessage":
                continue
            sources = st["Condition"]["ArnEquals"]["aws:SourceArn"]
            sources = {sources} if isinstance(sources, str) else set(sources)
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            out += [(st["Principal"]["Service"], q, sources) for q in resources]
    return out


def test_every_delivery_and_dead_letter_path_may_write_its_queue() -> None:
    grants = _queue_grants(S)

    def allowed(principal: str, queue: str, source: str) -> bool:
        return any(p == principal and q == queue and source in src for p, q, src in grants)

    for rule, res in _of_type(S, "AWS::Events::Rule").items():
        for target in S.resolve(res["Properties"]["Targets"]):
            if target["Arn"] not in ("arn:<IngestQueue>", "arn:<AutomationQueue>"):
                continue  # the flush's schedule: a missed minute is done by the next one
            assert allowed("events.amazonaws.com", target["Arn"], f"arn:<{rule}>"), (rule, "target")
            dlq = target.get("DeadLetterConfig", {}).get("Arn")
            assert dlq, rule
            assert allowed("events.amazonaws.com", dlq, f"arn:<{rule}>"), (rule, "dead-letter queue")
    for sub in _of_type(S, "AWS::SNS::Subscription").values():
        props = S.resolve(sub["Properties"])
        if props["Protocol"] != "sqs":
            continue
        assert allowed("sns.amazonaws.com", props["Endpoint"], props["TopicArn"])
        assert allowed("sns.amazonaws.com", props["RedrivePolicy"]["deadLetterTargetArn"], props["TopicArn"])


def test_one_dependency_layer_for_every_function() -> None:
    layers = _of_type(S, "AWS::Lambda::LayerVersion")
    assert len(layers) == 1
    [layer] = layers
    for name, fn in FUNCTIONS.items():
        assert fn["Properties"]["Layers"] == [{"Ref": layer}], name


@pytest.mark.parametrize(
    ("mode", "dry_run", "kill_switch"),
    [("dry-run", "true", "true"), ("on", "false", "true"), ("off", "false", "false")],
)
def test_automation_starts_in_dry_run(mode: str, dry_run: str, kill_switch: str) -> None:
    s = stack("prod") if mode == "dry-run" else stack("prod", {"AutomationMode": mode})
    env = s.resolve(s.resources["IngestFunction"]["Properties"]["Environment"]["Variables"])
    assert env["AIOPS_DRY_RUN"] == dry_run
    assert s.resolve(s.resources["AutomationKillSwitch"]["Properties"])["Value"] == kill_switch
    assert env["AIOPS_KILL_SWITCH_PARAMETER"] == "/aiops/prod/automation/enabled"
    assert env["AIOPS_CATALOG_LOCATION"] == ""  # no demo catalog: none until the operator names one


def _names(s: Stack) -> set[str]:
    """Every name the stack gives to something account-wide (not generated by CloudFormation)."""
    keys = ("AlarmName", "FunctionName", "Name", "LogGroupName", "DashboardName", "AliasName", "TrailName")
    out = set()
    for res in s.resources.values():
        props = s.resolve(res.get("Properties", {}))
        if res["Type"] == "AWS::Lambda::Alias":
            continue  # an alias name is the function's own
        names = [props.get(k) for k in keys]
        out |= {f"{res['Type']}:{n}" for n in names if isinstance(n, str) and "<" not in n}
    env = s.resolve(s.resources["IngestFunction"]["Properties"]["Environment"]["Variables"])
    out.add(f"document-prefix:{env['AIOPS_DOCUMENT_PREFIX']}")
    return out


def test_two_stacks_in_one_account_share_no_name() -> None:
    prod, staging = (
        _names(stack("prod", {"CreateTrail": "true"})),
        _names(stack("staging", {"CreateTrail": "true"})),
    )
    assert len(prod) >= 15
    assert prod.isdisjoint(staging), sorted(prod & staging)
    # and the runbooks installer removes only its own stack's documents
    runbooks = stack("staging").resolve(stack("staging").resources["Runbooks"]["Properties"])
    assert runbooks["Prefix"] == "staging-"


def test_the_operator_config_is_readable_only_where_it_is() -> None:
    s = stack(
        "prod",
        {"CatalogLocation": "/aiops/prod/catalog", "PlaybooksLocation": "s3://ops-config/aiops/pb.yaml"},
    )
    statements = s.resolve(s.resources["OperatorConfigRead"]["Properties"]["PolicyDocument"])["Statement"]
    assert [(st["Action"], st["Resource"]) for st in statements] == [
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:111122223333:parameter/aiops/prod/catalog"),
        ("s3:GetObject", "arn:aws:s3:::ops-config/aiops/pb.yaml"),
    ]
    assert "OperatorConfigRead" not in S.resources  # nothing configured, nothing granted
    pattern = re.compile(S.template["Parameters"]["CatalogLocation"]["AllowedPattern"])
    assert all(
        pattern.fullmatch(v) for v in ["", "/aiops/prod/catalog", "s3://ops-config/aiops/catalog.yaml"]
    )
    assert not any(pattern.fullmatch(v) for v in ["catalog.yaml", "s3://x", "https://example.com/c.yaml"])


def test_outputs_name_every_secret_the_readme_asks_to_fill_in() -> None:
    outputs = S.template["Outputs"]
    for key in (
        "SlackBotTokenSecret",
        "SlackSigningSecretArn",
        "PagerDutyRoutingKeyArn",
        "PagerDutyWebhookSecretArn",
        "PagerDutyWebhookUrl",
        "OpsTopicArn",
    ):
        assert key in outputs
    readme = Path(ROOT / "README.md").read_text(encoding="utf-8")
    for key in (
        "SlackBotTokenSecret",
        "SlackSigningSecretArn",
        "PagerDutyRoutingKeyArn",
        "PagerDutyWebhookSecretArn",
        "PagerDutyWebhookUrl",
        "OpsTopicArn",
    ):
        assert key in readme, f"README does not say where {key} goes"


NARRATIVE_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"


def _bedrock_grants(s: Stack) -> dict[str, list[Any]]:
    """Every Allow statement of a bedrock action, by the function whose role holds it (the transformed
    template: inline policies and the managed policies each role attaches, as CloudFormation would)."""
    from tests.unit.test_iam import _documents

    found: dict[str, list[Any]] = {}
    for name, fn in _of_type(s, "AWS::Lambda::Function").items():
        role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        for doc in _documents(s, role):
            for st in doc["Statement"]:
                actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
                if st["Effect"] == "Allow" and any(a.lower().startswith("bedrock:") for a in actions):
                    found.setdefault(name, []).append(st)
    return found


def test_with_the_narrative_off_no_role_may_call_bedrock() -> None:
    # GIVEN the default parameters (NarrativeModelId empty): THEN no Bedrock grant, and no policy for it
    off = stack("prod")
    assert _bedrock_grants(off) == {}
    assert off.condition("NarrativeOn") is False
    assert "NarrativeModelInvoke" not in off.resources  # declared, created only when its condition holds


def test_with_the_narrative_on_the_batches_and_the_flush_may_invoke_that_model_only() -> None:
    on = stack("prod", {"NarrativeModelId": NARRATIVE_MODEL})
    grants = _bedrock_grants(on)
    assert "NarrativeModelInvoke" in on.resources
    assert sorted(grants) == ["FlushFunction", "IngestFunction"]
    for statements in grants.values():
        assert [(st["Action"], st["Resource"]) for st in statements] == [
            ("bedrock:InvokeModel", f"arn:aws:bedrock:us-east-1::foundation-model/{NARRATIVE_MODEL}")
        ]


PROFILE = "us.anthropic.claude-3-5-haiku-20241022-v1:0"


def test_with_an_inference_profile_the_roles_may_invoke_through_that_profile_only() -> None:
    # GIVEN the narrative on a cross-Region inference profile (its id starts with its geography): THEN the
    # batches and the flush may invoke the profile here, and a foundation model in any Region only when
    # reached through that profile - not any model directly, and not another profile
    on = stack("prod", {"NarrativeModelId": PROFILE})
    assert on.condition("NarrativeViaProfile") is True
    profile = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{PROFILE}"
    grants = _bedrock_grants(on)
    assert sorted(grants) == ["FlushFunction", "IngestFunction"]
    for statements in grants.values():
        assert [(st["Action"], st["Resource"], st.get("Condition")) for st in statements] == [
            ("bedrock:InvokeModel", profile, None),
            (
                "bedrock:InvokeModel",
                "arn:aws:bedrock:*::foundation-model/*",
                {"ArnEquals": {"bedrock:InferenceProfileArn": profile}},
            ),
        ]


@pytest.mark.parametrize("model", [NARRATIVE_MODEL, "amazon.nova-micro-v1:0", "usable.model-v1:0"])
def test_a_foundation_model_id_is_not_read_as_a_profile(model: str) -> None:
    assert stack("prod", {"NarrativeModelId": model}).condition("NarrativeViaProfile") is False
