"""``aiops incidents list|show`` against the deployed table on moto, and over a replay's saved state.

What an on-call engineer expects: the incidents of a window, newest first, filtered by service and
status, read through the history index (a Query per month touched, never a Scan); an incident in full
with its thread; one ``error:`` line and exit 2 for a stack, table or state that is not there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from aiops.adapters.dynamodb import INCIDENT_RETENTION, DynamoStore
from aiops.cli import main
from aiops.incident.model import Action, Incident, RootCause, TimelineEntry
from aiops.local.clock import FixedClock

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
"""The CLI reads the deployed table on the wall clock: the fixture's incidents are placed relative to it."""
TABLE = "aiops-test"
ROOT = Path(__file__).resolve().parents[2]


def _incident(n: int, service: str, opened: datetime, *, resolved: bool = True) -> Incident:
    return Incident(
        id=f"inc-{n:012x}",
        service=service,
        title=f"incident {n} of {service}",
        opened_at=opened,
        last_activity_at=opened,
        status="resolved" if resolved else "open",
        resolved_at=opened + timedelta(minutes=42) if resolved else None,
        root_cause=RootCause(component="prompt", summary="the prompt changed", change="evt-1"),
        actions=(Action(playbook="p", runbook="PromptRollback", status="succeeded", decided_at=opened),),
    )


@pytest.fixture
def table(aws: Any) -> Iterator[tuple[DynamoStore, FixedClock]]:
    """The deployed table (moto) holding incidents over three months, as the bot wrote them."""
    clock = FixedClock(NOW)
    store = DynamoStore(TABLE, clock=clock, client=aws)
    plan = [
        (1, "chat-assistant", NOW - timedelta(days=2)),
        (2, "search", NOW - timedelta(days=3)),
        (3, "chat-assistant", NOW - timedelta(days=20)),
        (4, "chat-assistant", NOW - timedelta(days=50)),  # outside 45 days
        (5, "chat-assistant", NOW - timedelta(hours=1)),  # still open
    ]
    for n, service, opened in plan:
        clock.set(opened)
        created = store.create(_incident(n, service, opened, resolved=False))
        clock.set(NOW)
        if n != 5:
            final = _incident(n, service, opened).model_copy(update={"version": created.version})
            entry = TimelineEntry(
                incident_id=final.id, at=opened, key="open", kind="signal", text="alarm x firing"
            )
            store.save(final, [entry])
    yield store, clock


def _run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_reads_the_window_newest_first_through_the_index_only(table: Any, capsys: Any) -> None:
    # GIVEN five incidents over October to December WHEN listing the last 45 days
    calls: list[str] = []
    session = boto3.Session(region_name="us-east-1")
    session.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    from aiops.account.history import open_table

    source, now, _ = open_table(stack=None, table=TABLE, region="us-east-1", session=session)
    found = source.history(now() - timedelta(days=45), now())
    # THEN the four of the window, newest first, in one Query per calendar month the window touches
    assert [i.id for i in found] == [
        "inc-000000000005",
        "inc-000000000001",
        "inc-000000000002",
        "inc-000000000003",
    ]
    from aiops.adapters.dynamodb.history import months

    assert calls == ["Query"] * len(months(now() - timedelta(days=45), now())) and len(calls) in (2, 3)

    code, out, err = _run(
        capsys, "incidents", "list", "--table", TABLE, "--region", "us-east-1", "--since", "45d", "--json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["count"] == 4
    assert [r["id"] for r in doc["incidents"]] == [
        "inc-000000000005",
        "inc-000000000001",
        "inc-000000000002",
        "inc-000000000003",
    ]
    first = doc["incidents"][1]
    assert first["duration_s"] == 42 * 60
    assert first["outcome"] == "PromptRollback, verified"
    assert first["root_cause"] == {"component": "prompt", "summary": "the prompt changed", "change": "evt-1"}


def test_list_filters_by_service_and_status(table: Any, capsys: Any) -> None:
    code, out, _ = _run(
        capsys,
        "incidents", "list", "--table", TABLE, "--region", "us-east-1", "--since", "30d",
        "--service", "chat-assistant", "--status", "resolved", "--json",
    )  # fmt: skip
    assert code == 0
    assert [r["id"] for r in json.loads(out)["incidents"]] == ["inc-000000000001", "inc-000000000003"]
    code, out, _ = _run(
        capsys, "incidents", "list", "--table", TABLE, "--region", "us-east-1", "--since", "7d"
    )
    assert code == 0
    assert "inc-000000000005" in out and "inc-000000000002" in out and "3 incident(s)" in out


def test_an_incident_past_its_retention_is_not_listed_even_before_ttl_deletes_it(aws: Any) -> None:
    clock = FixedClock(NOW - INCIDENT_RETENTION - timedelta(days=2))
    store = DynamoStore(TABLE, clock=clock, client=aws)
    old = _incident(9, "chat-assistant", clock.now())
    created = store.create(old.model_copy(update={"status": "open", "resolved_at": None}))
    store.save(old.model_copy(update={"version": created.version}), [])
    item = aws.get_item(TableName=TABLE, Key={"pk": {"S": f"INC#{old.id}"}, "sk": {"S": "META"}})["Item"]
    assert old.resolved_at is not None
    assert int(item["expires_at"]["N"]) == int((old.resolved_at + INCIDENT_RETENTION).timestamp())
    clock.set(NOW)
    assert store.history(NOW - timedelta(days=500), NOW) == []
    # the row is still there (TTL deletes lazily), but no read returns it
    assert "Item" in aws.get_item(TableName=TABLE, Key={"pk": {"S": f"INC#{old.id}"}, "sk": {"S": "META"}})
    assert store.get(old.id) is None


def test_the_timeline_keeps_a_shorter_ttl_than_the_record(table: Any, aws: Any) -> None:
    rows = aws.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :tl)",
        ExpressionAttributeValues={":pk": {"S": "INC#inc-000000000001"}, ":tl": {"S": "TL#"}},
    )["Items"]
    meta = aws.get_item(TableName=TABLE, Key={"pk": {"S": "INC#inc-000000000001"}, "sk": {"S": "META"}})[
        "Item"
    ]
    assert rows and all(int(r["expires_at"]["N"]) < int(meta["expires_at"]["N"]) for r in rows)


def test_show_gives_the_record_with_its_timeline_and_thread(table: Any, capsys: Any) -> None:
    store, _ = table
    store.claim("inc-000000000001", "C0123ABCD", now=NOW)
    from aiops.present.ports import MessageRecord

    store.store(MessageRecord("inc-000000000001", "C0123ABCD", "1764670000.000100", 3), expected_version=None)
    code, out, err = _run(
        capsys, "incidents", "show", "inc-000000000001", "--table", TABLE, "--region", "us-east-1", "--json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["id"] == "inc-000000000001" and doc["status"] == "resolved"
    assert doc["thread_url"] == "https://slack.com/archives/C0123ABCD/p1764670000000100"
    assert [e["text"] for e in doc["timeline"]] == ["alarm x firing"]
    assert doc["actions"][0]["runbook"] == "PromptRollback"
    code, out, _ = _run(
        capsys, "incidents", "show", "inc-000000000001", "--table", TABLE, "--region", "us-east-1"
    )
    assert code == 0 and "root cause: prompt - the prompt changed" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["incidents", "show", "inc-00000000dead"],
            "inc-00000000dead: no such incident in table aiops-test in us-east-1",
        ),
        (["incidents", "list", "--since", "yesterday"], "--since 'yesterday': expected 7d"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(
    table: Any, capsys: Any, argv: list[str], message: str
) -> None:
    code, out, err = _run(capsys, *argv, "--table", TABLE, "--region", "us-east-1")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_a_missing_table_or_stack_is_one_error_line(aws: Any, capsys: Any) -> None:
    code, _, err = _run(capsys, "incidents", "list", "--table", "nope", "--region", "us-east-1")
    assert code == 2 and err == (
        "error: table nope in us-east-1: not found, or it has no history index yet "
        "(deploy this version of the stack)\n"
    )
    code, _, err = _run(capsys, "incidents", "list", "--stack", "nope", "--region", "us-east-1")
    assert (
        code == 2
        and err.startswith("error: stack 'nope' in us-east-1: no such stack")
        and err.count("\n") == 1
    )


def test_the_stack_names_its_table(aws: Any, capsys: Any) -> None:
    # GIVEN a stack whose IncidentTable is the deployed table (moto creates it from the template)
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    body = {
        "Resources": {
            "IncidentTable": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": "aiops-stack-table",
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                },
            }
        }
    }
    cfn.create_stack(StackName="aiops", TemplateBody=json.dumps(body))
    from aiops.account.history import table_of_stack

    assert table_of_stack(cfn, "aiops", "us-east-1") == "aiops-stack-table"


def test_a_denied_read_names_the_permission(table: Any) -> None:
    from aiops.account.errors import AccessDeniedError
    from aiops.account.history import open_table, translated

    session = boto3.Session(region_name="us-east-1")

    def deny(**_: Any) -> Any:
        return SimpleNamespace(status_code=400, headers={}), {
            "Error": {"Code": "AccessDeniedException", "Message": "not authorized"}
        }

    session.events.register("before-call.dynamodb.Query", deny)
    source, now, label = open_table(stack=None, table=TABLE, region="us-east-1", session=session)
    with pytest.raises(AccessDeniedError) as caught, translated("us-east-1", label):
        source.history(now() - timedelta(days=1), now())
    assert str(caught.value) == "dynamodb:Query in us-east-1: access denied (needs dynamodb:Query)"


def test_the_same_views_over_a_replay_s_saved_state(tmp_path: Path, capsys: Any) -> None:
    # GIVEN the prompt-regression scenario replayed with --state-out
    scenario = ROOT / "examples/scenarios/1-prompt-regression"
    state = tmp_path / "state"
    code, out, err = _run(
        capsys,
        "replay", str(scenario / "events.jsonl"), "--catalog", str(scenario / "catalog.yaml"),
        "--metrics", str(scenario / "metrics.jsonl"), "--state-out", str(state), "--json",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)["incidents"]
    # WHEN listing and showing from the state THEN the replay's incidents, as its report has them
    code, out, err = _run(capsys, "incidents", "list", "--from", str(state), "--since", "30d", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [r["id"] for r in listed["incidents"]] == [i["id"] for i in report]
    assert listed["source"] == f"replay state {state}"
    [one] = report
    code, out, err = _run(capsys, "incidents", "show", one["id"], "--from", str(state), "--json")
    assert code == 0, err
    shown = json.loads(out)
    for key in ("id", "service", "status", "severity", "signals", "root_cause", "hypotheses", "timeline"):
        assert shown[key] == one[key], key
    assert [a["runbook"] for a in shown["actions"]] == [a["runbook"] for a in one["actions"]]


def test_a_missing_state_directory_is_one_error_line(tmp_path: Path, capsys: Any) -> None:
    code, _, err = _run(capsys, "incidents", "list", "--from", str(tmp_path / "none"))
    assert code == 2
    assert (
        err == f"error: {tmp_path}/none/state.json: not found (write it with aiops replay --state-out DIR)\n"
    )
