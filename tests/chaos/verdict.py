"""What a chaos run ended with, judged against how the storm must end, written by hand
(tests/chaos/expected.yaml), and the table of outcomes.

The end state is read by the harness's own eyes (a DynamoDB client without faults, the fakes' records)
and kept per service, free of ids a different (still correct) order of work may change: which incidents,
with which signals, severity and root cause; which actions, with their parameters, how they ended and who
approved them; which pages at PagerDuty, with their severity, how many triggers were sent for each (a
repeat is allowed only after PagerDuty's answer to the previous one was lost), when they were triggered
and resolved; how many Slack roots and whether each shows its incident as it is; which thread replies.

A run also fails on an exception that was not injected (one that escaped a handler or that the code
logged while catching it broadly), on reaching the harness's round limit, and - for a faulty run - on
injecting no fault or no kill at the Lambda timeout.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from aiops.escalation.escalator import RETRY_AFTER
from aiops.present.slack_blocks import incident_message
from aiops.present.slack_thread import replies as thread_replies
from tests.chaos.harness import HANG_IN, World
from tests.chaos.storm import T0, signal_ids, storm

EXPECTED_FILE = Path(__file__).resolve().parent / "expected.yaml"
CATEGORIES = {
    "unrecorded": "a runbook started in SSM but recorded on no incident",
    "stuck": "an incident not ending as it should (stuck open, no action, nobody paged)",
    "diagnosis": "a severity or root cause not as expected",
    "actions": "actions (runbook, parameters, outcome, approver) not as expected",
    "duplicate_root": "two Slack root messages for one incident",
    "stale_root": "a Slack root message not showing its incident as it ended",
    "duplicate_reply": "a thread reply posted twice",
    "replies": "a thread reply lost, or replies not as expected",
    "page": "a page lost, repeated, sent twice, late, of the wrong severity or not resolved",
    "signal": "a signal lost (not on its incident, or in the dead-letter queue)",
    "exception": "an exception that was not injected",
    "round_limit": "the run reached its round limit",
    "no_fault": "a faulty run without a fault (or, with HANG_IN, without a kill at the Lambda timeout)",
}


@cache
def expected() -> dict[str, Any]:
    """tests/chaos/expected.yaml: per service, how its incident must end."""
    doc: dict[str, Any] = yaml.safe_load(EXPECTED_FILE.read_text(encoding="utf-8"))
    return dict(doc["incidents"])


@dataclass(frozen=True)
class Page:
    service: str
    status: str
    severity: str | None
    triggers: int
    """Trigger events PagerDuty received for the incident."""
    lost: int
    """Of those, the ones whose answer chaos lost (the bot may rightly send those again)."""
    trigger_at: float | None
    """Seconds after T0 of the incident's recorded trigger (the bot's clock)."""
    resolve_at: float | None
    takeovers: int = 0
    """Repeats sent at least RETRY_AFTER (the bot's clock) after the previous trigger, whose answer was
    not lost: a worker took over the page still pending in the store, as the escalator does when the
    sender's "sent" record was lost (see :func:`_page_ok`). A repeat within the minute never counts."""


@dataclass(frozen=True)
class Outcome:
    incidents: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(service, status, its signals) per incident."""
    diagnoses: tuple[tuple[str, str, str | None, str | None], ...]
    """(service, severity, root cause component, root cause change) per incident."""
    actions: tuple[tuple[str, str, str, str | None, str], ...]
    """(service, runbook, status, approved by, parameters as JSON) per action."""
    pages: tuple[Page, ...]
    """Per PagerDuty dedup key."""
    roots: tuple[tuple[str, int, bool], ...]
    """(service, root messages, shows the incident as it ended) per incident."""
    replies: tuple[tuple[str, str], ...]
    """(service, what) per thread reply."""
    executions: int
    unrecorded: int
    duplicate_replies: int
    lost_replies: int
    """Entries of an incident's timeline that call for a thread reply and have none."""
    dlq: int
    rate: float = 0.0
    faults: int = 0
    """Faults injected: AWS errors, timeouts and the hang, Slack's and PagerDuty's lost answers."""
    killed: int = 0
    aws_faults: int = 0
    round_limit: bool = False
    unexpected: tuple[str, ...] = ()
    """Exceptions that were not injected: where, and what."""


def _seconds(at: datetime | None) -> float | None:
    return None if at is None else (at - T0).total_seconds()


def observe(world: World) -> Outcome:
    store = world.observer
    assert store is not None
    incidents = store.all_incidents()
    by_id = {i.id: i for i in incidents}
    keyed = world.slack.keyed()
    roots = Counter(i for i, entry, thread in keyed if entry == "root" and thread is None)
    replies = Counter((i, entry) for i, entry, thread in keyed if thread is not None)
    shown = {
        str(m["metadata"]["event_payload"]["incident_id"]): m
        for m in world.slack.messages.values()
        if not m.get("thread_ts") and m.get("metadata")
    }
    recorded = {a.execution_id for i in incidents for a in i.actions if a.execution_id}
    executions = world.automation.executions
    slack_chaos, pd_chaos = world.slack.chaos, world.pagerduty.chaos
    faults = sum(world.faults.injected.values())
    faults += sum((slack_chaos.injected if slack_chaos else {}).values())
    faults += sum((pd_chaos.injected if pd_chaos else {}).values())
    return Outcome(
        incidents=tuple(
            sorted((i.service, i.status, tuple(sorted(store.signals_of(i.id)))) for i in incidents)
        ),
        diagnoses=tuple(
            sorted(
                (
                    i.service,
                    i.severity,
                    i.root_cause.component if i.root_cause else None,
                    i.root_cause.change if i.root_cause else None,
                )
                for i in incidents
            )
        ),
        actions=tuple(
            sorted(
                (
                    i.service,
                    a.runbook,
                    a.status,
                    a.approved_by,
                    json.dumps(dict(a.parameters), sort_keys=True),
                )
                for i in incidents
                for a in i.actions
            )
        ),
        pages=_pages(world, by_id),
        roots=tuple(
            sorted(
                (i.service, roots[i.id], _shows(shown.get(i.id), incident_message(i).text)) for i in incidents
            )
        ),
        replies=tuple(
            sorted((by_id[i].service if i in by_id else "?", _what(entry)) for (i, entry) in replies)
        ),
        executions=len(executions),
        unrecorded=sum(1 for ex in executions if ex not in recorded),
        duplicate_replies=sum(n - 1 for n in replies.values() if n > 1),
        lost_replies=sum(
            1
            for i in incidents
            for e in thread_replies(store.timeline(i.id))[0]
            if (i.id, e.key) not in replies
        ),
        dlq=len(world.ingest.dlq),
        rate=world.rate,
        faults=faults,
        killed=world.stats.killed,
        aws_faults=sum(world.faults.injected.values()),
        round_limit=world.stats.round_limit,
        unexpected=tuple(
            f"{where}: {type(exc).__name__}: {exc}"[:300]
            for where, exc in world.stats.exceptions
            if not injected(exc, world)
        ),
    )


def _pages(world: World, by_id: dict[str, Any]) -> tuple[Page, ...]:
    events = world.pagerduty.events
    lost = set(world.pagerduty.lost)
    out = []
    for alert in world.pagerduty.alerts:
        key = alert.dedup_key
        triggers = [
            n for n, e in enumerate(events) if e["dedup_key"] == key and e["event_action"] == "trigger"
        ]
        sent_at = [_payload_time(events[n]) for n in triggers]
        takeovers = sum(
            1
            for k in range(1, len(triggers))
            if triggers[k - 1] not in lost and sent_at[k] - sent_at[k - 1] >= RETRY_AFTER.total_seconds()
        )
        incident = by_id.get(key)
        sent = [e for e in (incident.escalations if incident else ()) if e.target == "pagerduty" and not e.by]
        trigger = next((e.at for e in sent if e.action == "trigger"), None)
        resolve = next((e.at for e in reversed(sent) if e.action == "resolve"), None)
        out.append(
            Page(
                service=incident.service if incident else "?",
                status=alert.status,
                severity=events[triggers[0]]["payload"]["severity"] if triggers else None,
                triggers=len(triggers),
                lost=sum(1 for n in triggers if n in lost),
                trigger_at=_seconds(trigger),
                resolve_at=_seconds(resolve),
                takeovers=takeovers,
            )
        )
    return tuple(sorted(out, key=lambda p: (p.service, p.trigger_at or 0.0)))


def _payload_time(event: dict[str, Any]) -> float:
    """When the bot sent a trigger, by its clock (the payload's timestamp), in seconds after T0."""
    at = datetime.fromisoformat(str(event["payload"]["timestamp"]).replace("Z", "+00:00"))
    return (at - T0).total_seconds()


def injected(exc: BaseException, world: World) -> bool:
    """Whether an exception comes from a fault the run injected: in its chain (causes and contexts,
    which ``raise ... from None`` keeps) an AWS error the fault injector answered, or a read timeout of
    its; or, in a run that injected faults, a transport error or the bot's own word for a fault it
    retries (``TransientError``, ``ConflictError`` - a write whose answer was lost, done again -, a
    pager error). Powertools' "all records failed" is injected when each record's error was."""
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
    from botocore.exceptions import ClientError, ReadTimeoutError
    from slack_sdk.errors import SlackClientError

    from aiops.errors import ConflictError, PagerError, TransientError

    retried = (SlackClientError, OSError, PagerError, TransientError, ConflictError)
    faulty = bool(
        world.faults.injected
        or (world.slack.chaos and world.slack.chaos.injected)
        or (world.pagerduty.chaos and world.pagerduty.chaos.injected)
    )
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, BatchProcessingError):
            children = [info[1] for info in current.child_exceptions or () if info[1] is not None]
            return bool(children) and all(injected(child, world) for child in children)
        error = current.response.get("Error", {}) if isinstance(current, ClientError) else {}
        if str(error.get("Message", "")).startswith("injected"):
            return True
        if isinstance(current, ReadTimeoutError) and world.faults.injected:
            return True
        if isinstance(current, retried) and faulty:
            return True
        current = current.__cause__ or current.__context__
    return False


def _shows(message: dict[str, Any] | None, text: str) -> bool:
    return message is not None and message.get("text") == text


def _what(entry: str) -> str:
    """A timeline entry key without the ids and times a different order of work may change."""
    head, _, rest = entry.partition(":")
    word = rest.split(":")[0]
    return f"{head}:{word}" if word and not any(c.isdigit() for c in word) else head


def _within(value: float | None, bounds: list[float]) -> bool:
    return value is not None and bounds[0] <= value <= bounds[1]


def _page_ok(page: Page, want: dict[str, Any], store_faults: bool) -> bool:
    """A trigger may be repeated only for a reason the bot is built to repeat it for, each repeat for one
    reason: PagerDuty's answer to the previous one was lost (``lost``: the bot cannot know it was taken),
    or - in a run with AWS faults - a worker took over the page still pending in the store a minute on
    (``takeovers``: recorded before sent, sent until recorded as taken; a store fault on the "sent"
    record leaves it pending; PagerDuty deduplicates it). A repeat within the minute (two workers sending
    one page, a double send), or any repeat in a run without AWS faults and without a lost answer, fails.
    """
    allowed = 1 + page.lost + (page.takeovers if store_faults else 0)
    return (
        page.severity == want["severity"]
        and page.status == want["status"]
        and 1 <= page.triggers <= allowed
        and _within(page.trigger_at, want["trigger_between"])
        and (want["status"] != "resolved" or _within(page.resolve_at, want["resolve_between"]))
    )


def problems(outcome: Outcome) -> list[str]:
    """The categories (keys of CATEGORIES) this run ended wrong in; empty when it ended as expected."""
    want = expected()
    found = []
    if outcome.unrecorded or outcome.executions != sum(len(w["actions"]) for w in want.values()):
        found.append("unrecorded")
    if [(s, st) for s, st, _ in outcome.incidents] != sorted((s, w["status"]) for s, w in want.items()):
        found.append("stuck")
    diagnoses = sorted(
        (s, w["severity"], w["root_cause"]["component"], w["root_cause"]["change"]) for s, w in want.items()
    )
    if list(outcome.diagnoses) != diagnoses:
        found.append("diagnosis")
    actions = sorted(
        (s, a["runbook"], a["status"], a["approved_by"], json.dumps(a["parameters"], sort_keys=True))
        for s, w in want.items()
        for a in w["actions"]
    )
    if list(outcome.actions) != actions:
        found.append("actions")
    if any(n > 1 for _, n, _ in outcome.roots):
        found.append("duplicate_root")
    if any(n == 1 and not up_to_date for _, n, up_to_date in outcome.roots) or any(
        n == 0 for _, n, _ in outcome.roots
    ):
        found.append("stale_root")
    if outcome.duplicate_replies:
        found.append("duplicate_reply")
    replies = {(s, r) for s, w in want.items() for r in w["replies"]}
    if outcome.lost_replies or _settled(outcome.replies) != replies:
        found.append("replies")
    pages = sorted(((s, p) for s, w in want.items() for p in w["pages"]), key=lambda sp: sp[0])
    if len(outcome.pages) != len(pages) or not all(
        got.service == s and _page_ok(got, p, bool(outcome.aws_faults))
        for got, (s, p) in zip(outcome.pages, pages, strict=False)
    ):
        found.append("page")
    expected_signals = signal_ids(storm())
    got = {s: set(signals) for s, _, signals in outcome.incidents}
    if outcome.dlq or got != expected_signals or len(outcome.incidents) != len(want):
        found.append("signal")
    if outcome.unexpected:
        found.append("exception")
    if outcome.round_limit:
        found.append("round_limit")
    if outcome.rate and (not outcome.faults or (HANG_IN and not outcome.killed)):
        found.append("no_fault")
    return found


def _settled(replies: tuple[tuple[str, str], ...]) -> set[tuple[str, str]]:
    """Replies, without those whose entry depends on timing rather than on what was decided: severity
    follows impact, which a CloudWatch fault may leave unknown for a minute (said so on the message);
    "mitigated by" is said only if the run's success is recorded before the alarms clear (a delayed
    status event finds the incident resolved already). Each of those that exists is checked by
    ``lost_replies`` and ``duplicate_replies`` all the same."""
    return {r for r in replies if not r[1].startswith(("severity", "mitigated-by"))}


@dataclass
class RunResult:
    rate: float
    seed: int
    problems: list[str]
    seconds: float
    faults: int
    invocations: int
    killed: int
    longest: float
    detail: str = ""
    workers: int = 1
    """Lambda invocations at once (1: one after another)."""


def table(results: list[RunResult]) -> str:
    """The issue's table, for these runs: per number of workers and rate, how many ended right, and
    what went wrong."""
    rates = sorted({(r.workers, r.rate) for r in results})

    def name(column: tuple[int, float]) -> str:
        workers, rate = column
        return f"{workers} worker{'s' if workers > 1 else ''}, {rate:.0%} of calls"

    lines = ["| outcome under faults | " + " | ".join(name(c) for c in rates) + " |"]
    lines.append("|---|" + "---|" * len(rates))

    def row(label: str, count: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(str(count(rate)) for rate in rates) + " |")

    def of(column: tuple[int, float]) -> list[RunResult]:
        return [r for r in results if (r.workers, r.rate) == column]

    row("runs", lambda rate: len(of(rate)))
    row("**ended as written in expected.yaml**", lambda rate: sum(1 for r in of(rate) if not r.problems))
    for key, label in CATEGORIES.items():
        row(label, lambda rate, key=key: sum(1 for r in of(rate) if key in r.problems))
    row("faults injected (AWS, Slack, PagerDuty)", lambda rate: sum(r.faults for r in of(rate)))
    row("invocations killed at the 30 s timeout", lambda rate: sum(r.killed for r in of(rate)))
    row("longest invocation (virtual s)", lambda rate: f"{max((r.longest for r in of(rate)), default=0):.1f}")
    row("time of its runs, summed (s)", lambda rate: f"{sum(r.seconds for r in of(rate)):.1f}")
    return "\n".join(lines)
