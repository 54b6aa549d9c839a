"""``aiops replay``: an event stream through the ingest path on an emulated account, on event time.

Each line is delivered as one SQS batch, as EventBridge -> SQS -> Lambda would: the ingest handler's
parse (``prepare_sqs_body``) and its pipeline, with the clock set to the event's own time, so the same
stream gives the same output, byte for byte. The stream is read line by line: memory holds the
incidents' state, not the stream. By default the account is the in-memory twins
(``aiops.local.world``); ``emulator="moto"`` runs the DynamoDB adapter itself on moto.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

from aiops.adapters.wiring import App
from aiops.catalog.model import Catalog
from aiops.errors import EventError
from aiops.escalation.ports import Pager
from aiops.local.app import AlarmMirror, build_local_app, provision
from aiops.local.clock import FixedClock
from aiops.local.fakes import LocalChat
from aiops.local.human import apply_human, human_action
from aiops.local.remediator import LocalRemediator
from aiops.local.replay_report import build_report
from aiops.local.stream import BadLine, Line, OrderWatch, Progress, numbered
from aiops.local.timers import fire_due
from aiops.local.world import Emulator, LocalAws, local_aws, local_config
from aiops.present.ports import ChatClient
from aiops.signals import prepare_sqs_body

NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)
"""The clock before any event carried a time (a stream that starts with rejected lines)."""


@dataclass
class ReplayResult:
    report: dict[str, Any]
    app: App
    aws: LocalAws | None = None


def load_lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


@dataclass
class Replay:
    """One replay in progress: :meth:`step` delivers one line. ``before_event`` hooks get each event's
    time before the clock moves to it (what falls due by then, at its own time: escalation timers)."""

    app: App
    clock: FixedClock
    mirror: AlarmMirror
    source: str
    warn: Callable[[str], None]
    before_event: list[Callable[[datetime], None]] = field(default_factory=list)
    stats: dict[str, Any] = field(
        default_factory=lambda: {"events": 0, "signals": 0, "duplicates": 0, "rejected": 0, "incidents": 0}
    )
    rejected: list[dict[str, Any]] = field(default_factory=list)
    last: datetime | None = None

    def __post_init__(self) -> None:
        self.order = OrderWatch(self.source, self.warn)

    def step(self, number: int, line: Line) -> dict[str, Any]:
        """Deliver the event on line ``number``; returns the batch response (its item failures)."""
        self.stats["events"] += 1
        message_id = _message_id(self.stats["events"] - 1)
        if isinstance(line, BadLine):  # not even text
            self.reject(number, "", line.reason)
            return {"batchItemFailures": [{"itemIdentifier": message_id}]}
        unfit = not_an_event(line)
        if unfit is not None:  # not an event at all: named here, never handed to the parse
            self.reject(number, line, unfit)
            return {"batchItemFailures": [{"itemIdentifier": message_id}]}
        human = human_action(line)
        if human is not None:  # a person in Slack, on the stream's clock (see aiops/local/human.py)
            for hook in self.before_event:
                hook(human.time)
            self.clock.set(max(self.clock.now(), human.time))
            apply_human(self.app, human)
            return {"batchItemFailures": []}
        try:  # the handler's own parse; a rejected line is reported and goes no further
            signals = prepare_sqs_body(line, message_id, sent_timestamp="0")
        except EventError as exc:
            self.reject(number, line, _as_line_error(exc))
            return {"batchItemFailures": [{"itemIdentifier": message_id}]}
        when = signals[0].time if len(signals) == 1 else max((s.time for s in signals), default=self.last)
        if when is not None:
            self.order.check(number, when)
            self.last = when
            for hook in self.before_event:  # what fell due before this event, each at its own time
                hook(when)
            # a late event does not move time back: AWS's clock is the newest time seen
            self.clock.set(max(self.clock.now(), when))
        self.mirror.apply_signals(signals)  # CloudWatch shows what the stream says (runbook checks)
        # What process_sqs_batch runs for a one-record batch once the record is parsed (parsing it
        # again, and Powertools' batch bookkeeping, cost a fifth of a replay and change nothing).
        result = self.app.pipeline.process([(message_id, signals)])
        self.stats["signals"] += result.signals
        self.stats["duplicates"] += result.duplicates
        if result.failed:
            self.reject(number, line, "the pipeline failed on it (the log has the error); SQS would retry it")
        return {"batchItemFailures": [{"itemIdentifier": item} for item in sorted(result.failed)]}

    def reject(self, number: int, line: str, error: str) -> None:
        self.stats["rejected"] += 1
        self.rejected.append({"line": number, "id": _event_id(line), "error": error})
        self.warn(f"{self.source}:{number}: {error}")


def _message_id(n: int) -> str:
    """``str(uuid.UUID(int=n))``, as sqs_event() numbers messages, without making a UUID per event."""
    return f"00000000-0000-0000-0000-{n:012x}" if 0 <= n < 1 << 48 else str(uuid.UUID(int=n))


def _as_line_error(exc: EventError) -> str:
    """The parse's error as said of a stream line: the line is the SQS body the handler parses, so a
    body that is not JSON is a line that is not JSON."""
    if exc.source == "aws.sqs" and exc.field == "body":
        return "not JSON: " + str(exc).removeprefix(f"{exc.source}: {exc.field}: ").removeprefix(
            "is not valid JSON "
        )
    return str(exc)


def not_an_event(line: str) -> str | None:
    """Why a stream line cannot be an event (None when it may be one). A stream is JSON Lines: one
    JSON object per line. Only what does not start like an object is parsed here, to say what it is."""
    import json

    if line.startswith("{"):
        return None  # parsed once, by the handler's own parse, which names what is wrong inside it
    text = line.lstrip()
    if text.startswith("{"):
        return None
    if text.startswith("["):
        return (
            "a JSON array, not an event: replay reads JSON Lines, one event object per line "
            "(convert an array with: jq -c '.[]' FILE > FILE.jsonl)"
        )
    try:
        doc = json.loads(text)
    except ValueError as exc:
        return f"not JSON ({exc.args[0].split(':')[0].lower()} at column {getattr(exc, 'colno', 1)})"
    return f"expected a JSON object (one event per line), got {type(doc).__name__}"


def replay(
    events: Iterable[Line],
    catalog: Catalog,
    *,
    metrics: list[dict[str, Any]] | None = None,
    parameters: dict[str, list[str]] | None = None,
    playbooks_dir: Path | None = None,
    emulator: Emulator = "memory",
    chat: ChatClient | None = None,
    pager: Pager | None = None,
    source: str = "events",
    warn: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    on_batch: Callable[[int, str, dict[str, Any]], None] | None = None,
    metrics_hint: str = "",
    state_out: Path | None = None,
    postmortems: Path | None = None,
) -> ReplayResult:
    """Replay ``events`` (lines, oldest first; blank lines skipped but counted in line numbers).
    ``warn`` gets one line per rejected event and the first event out of order (default: dropped).
    ``state_out``: save the incidents there at the end (:mod:`aiops.local.saved_state`);
    ``postmortems``: write each incident's postmortem draft there (``<id>.md``)."""
    lines = numbered(events)
    first = next(lines, None)
    clock = FixedClock(_time_of(first[1]) if first else NO_TIME)
    with local_aws(emulator, clock) as aws:
        mirror = provision(aws.ssm, aws.cloudwatch, catalog, parameters=parameters, metrics=metrics)
        config = local_config(os.environ)
        if playbooks_dir is not None:
            config = replace(config, playbooks_dir=playbooks_dir)
        app = build_local_app(
            config, clock, catalog, aws=aws, chat=chat or LocalChat(keep_edits=False), pager=pager
        )
        run = Replay(app, clock, mirror, source, warn or (lambda _: None))
        run.before_event.append(lambda when: _fire(app, clock, when))  # escalation timers due by then
        run.before_event.append(lambda when: _end_waits(app, clock, when))  # verify windows due by then
        done = 0
        for number, line in chain([first] if first else [], lines):
            response = run.step(number, line)
            if on_batch is not None:
                on_batch(run.stats["events"] - 1, line if isinstance(line, str) else "", response)
            if progress is not None:
                done += len(line) + 1 if isinstance(line, str) else 1
                progress.update(run.stats["events"], done)
        fire_due(app, clock, None)  # the stream ends, time does not: the timers still pending fire
        calls = aws.aws_calls()  # the pipeline's own calls: the report's reads below are not counted
        remediator = app.remediation.remediator
        if isinstance(remediator, LocalRemediator):
            calls["ssm"] += remediator.starts  # StartAutomationExecution, in AWS
        if progress is not None:
            progress.finish(run.stats["events"])
        report = build_report(app, run.stats, run.rejected, calls, run.order.late, metrics_hint=metrics_hint)
        if state_out is not None:  # while the emulated account is still there
            from aiops.local.saved_state import write_state

            write_state(app.store, state_out, clock.now())
        if postmortems is not None:
            from aiops.local.saved_state import write_postmortems

            write_postmortems(app, postmortems)
        return ReplayResult(report=report, app=app, aws=aws)


def _fire(app: App, clock: FixedClock, when: datetime) -> None:
    fire_due(app, clock, when)


def _end_waits(app: App, clock: FixedClock, until: datetime) -> None:
    """Advance each runbook whose wait (a verify window, a sleep) ends before ``until`` at the time it
    ends, as SSM would: a window closes when due, judged on what CloudWatch showed by then, not
    when the next event happens to arrive. A wait still open when the stream ends stays running: the
    stream says nothing of what came after."""
    remediator = app.remediation.remediator if app.remediation is not None else None
    if not isinstance(remediator, LocalRemediator):
        return
    executor = remediator.executor
    if not executor.executions:
        return  # nothing ever started (a storm with no fix): nothing waits
    for _ in range(1000):  # each round ends one wait; a bound against a runbook that waits forever
        waits = [(d, ex_id) for ex_id in list(executor.executions) if (d := executor.due(ex_id)) is not None]
        due = [w for w in waits if w[0] <= until]
        if not due:
            return
        at, _ex_id = min(due)
        clock.set(max(clock.now(), at))
        app.pipeline.process([])  # the poll of the next invocation (the flush, in AWS), at that time


def _time_of(line: Line) -> datetime:
    """The time of the stream's first event, for the set-up before it (the epoch if it has none)."""
    if isinstance(line, BadLine) or not_an_event(line) is not None:
        return NO_TIME
    try:
        signals = prepare_sqs_body(line, "first", sent_timestamp="0")
    except EventError:
        return NO_TIME
    return max((s.time for s in signals), default=NO_TIME)


def _event_id(line: str) -> str | None:
    """The rejected event's own id, when its JSON has one."""
    import json

    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if isinstance(doc, dict):
        for key in ("id", "MessageId", "messageId"):
            if isinstance(doc.get(key), str):
                return str(doc[key])
    return None


def run_replay(
    events_path: Path,
    catalog: Catalog,
    *,
    metrics_path: Path | None = None,
    state_path: Path | None = None,
    playbooks_dir: Path | None = None,
    **options: Any,
) -> ReplayResult:
    """A replay of the file ``events_path``, read as it goes; ``options`` as :func:`replay`'s."""
    import yaml

    from aiops.local.provision import StateError, load_datapoints, parameters_of

    def _yaml_file(path: Path) -> Any:
        try:
            return yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise StateError(f"{path}: not UTF-8 (byte {exc.start + 1})") from None
        except yaml.YAMLError as exc:
            raise StateError(f"{path}: not YAML ({str(exc).splitlines()[0]})") from None

    from aiops.local.stream import read_lines

    metrics = load_datapoints(read_lines(metrics_path), str(metrics_path)) if metrics_path else None
    state = _yaml_file(state_path) if state_path else None
    parameters = parameters_of(state, catalog, str(state_path)) if state_path else None
    return replay(
        read_lines(events_path),
        catalog,
        metrics=metrics,
        parameters=parameters,
        playbooks_dir=playbooks_dir,
        source=str(events_path),
        metrics_hint="" if metrics_path else "replay: seed them with --metrics METRICS.jsonl",
        **options,
    )
