"""What a chaos run ended with, compared with the fault-free run, and the table of outcomes.

The end state is read by the harness's own eyes (a DynamoDB client without faults, the fakes' records)
and kept per service, free of ids a different (still correct) order of work may change: which incidents
and with which signals, which actions and how they ended, which pages at PagerDuty and how they ended,
how many Slack roots and whether each shows its incident as it is, which thread replies.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiops.present.slack_blocks import incident_message
from aiops.present.slack_thread import replies as thread_replies
from tests.chaos.harness import World
from tests.chaos.storm import signal_ids, storm

CATEGORIES = {
    "unrecorded": "a runbook started in SSM but recorded on no incident",
    "stuck": "an incident not ending as it should (stuck open, no action, nobody paged)",
    "actions": "actions not as in the fault-free run",
    "duplicate_root": "two Slack root messages for one incident",
    "stale_root": "a Slack root message not showing its incident as it ended",
    "duplicate_reply": "a thread reply posted twice",
    "replies": "a thread reply lost, or replies not as in the fault-free run",
    "page": "a page lost, sent twice or not resolved",
    "signal": "a signal lost (not on its incident, or in the dead-letter queue)",
}


@dataclass(frozen=True)
class Outcome:
    incidents: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(service, status, its signals) per incident."""
    actions: tuple[tuple[str, str, str], ...]
    """(service, runbook, status) per action."""
    pages: tuple[tuple[str, str], ...]
    """(service, status) per PagerDuty alert."""
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


def observe(world: World) -> Outcome:
    store = world.observer
    assert store is not None
    incidents = store.all_incidents()
    service_of = {i.id: i.service for i in incidents}
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
    return Outcome(
        incidents=tuple(
            sorted((i.service, i.status, tuple(sorted(store.signals_of(i.id)))) for i in incidents)
        ),
        actions=tuple(sorted((i.service, a.runbook, a.status) for i in incidents for a in i.actions)),
        pages=tuple(sorted((service_of.get(a.dedup_key, "?"), a.status) for a in world.pagerduty.alerts)),
        roots=tuple(
            sorted(
                (i.service, roots[i.id], _shows(shown.get(i.id), incident_message(i).text)) for i in incidents
            )
        ),
        replies=tuple(sorted((service_of.get(i, "?"), _what(entry)) for (i, entry) in replies)),
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
    )


def _shows(message: dict[str, Any] | None, text: str) -> bool:
    return message is not None and message.get("text") == text


def _what(entry: str) -> str:
    """A timeline entry key without the ids and times a different order of work may change."""
    head, _, rest = entry.partition(":")
    word = rest.split(":")[0]
    return f"{head}:{word}" if word and not any(c.isdigit() for c in word) else head


def problems(outcome: Outcome, reference: Outcome) -> list[str]:
    """The categories (keys of CATEGORIES) this run ended wrong in; empty when it ended right."""
    found = []
    if outcome.unrecorded or outcome.executions != reference.executions:
        found.append("unrecorded")
    if [(s, st) for s, st, _ in outcome.incidents] != [(s, st) for s, st, _ in reference.incidents]:
        found.append("stuck")
    if outcome.actions != reference.actions:
        found.append("actions")
    if any(n > 1 for _, n, _ in outcome.roots):
        found.append("duplicate_root")
    if any(n == 1 and not up_to_date for _, n, up_to_date in outcome.roots) or any(
        n == 0 for _, n, _ in outcome.roots
    ):
        found.append("stale_root")
    if outcome.duplicate_replies:
        found.append("duplicate_reply")
    if outcome.lost_replies or _settled(outcome.replies) != _settled(reference.replies):
        found.append("replies")
    if outcome.pages != reference.pages:
        found.append("page")
    expected = signal_ids(storm())
    got = {s: set(signals) for s, _, signals in outcome.incidents}
    if outcome.dlq or got != expected or len(outcome.incidents) != len(reference.incidents):
        found.append("signal")
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
    row("**ended as the fault-free run**", lambda rate: sum(1 for r in of(rate) if not r.problems))
    for key, label in CATEGORIES.items():
        row(label, lambda rate, key=key: sum(1 for r in of(rate) if key in r.problems))
    row("faults injected (AWS, Slack, PagerDuty)", lambda rate: sum(r.faults for r in of(rate)))
    row("invocations killed at the 30 s timeout", lambda rate: sum(r.killed for r in of(rate)))
    row("longest invocation (virtual s)", lambda rate: f"{max((r.longest for r in of(rate)), default=0):.1f}")
    row("time of its runs, summed (s)", lambda rate: f"{sum(r.seconds for r in of(rate)):.1f}")
    return "\n".join(lines)
