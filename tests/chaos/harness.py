"""The chaos harness: the storm through the real handlers, on moto and the local fakes, with faults.

What it simulates, as AWS does it:
- **SQS -> Lambda** (:mod:`tests.chaos.sqs`): the ingest queue and the automation queue (SSM's status
  events), redelivering what a handler reports failed, or the whole batch when it raises or is killed.
- **Lambda**: containers with their own clients, built at cold start as a deployed stack builds them
  (the Slack token and the PagerDuty key read lazily from Secrets Manager, faults included); the 30 s
  function timeout, on a virtual clock: a sleep (a retry's backoff, a Retry-After) costs no real time
  but moves the clock and counts, as does a timeout (its client's production timeout); past 30 s the
  invocation is killed.
- **The scheduled flush** every minute; **SSM** runs each execution for 1 min and reports its end on
  EventBridge; **the on-call** clicks Approve once Slack shows the button (again if it did not take).
- **Faults**: AWS errors after botocore's retries into DynamoDB, SSM, CloudWatch and Secrets Manager
  (:mod:`tests.support.aws_faults`); Slack and PagerDuty answering 429, 500 or nothing at all, after the
  call took effect. All drawn from RNGs seeded by (rate, seed): a run is the same run every time.

The run ends when the storm has been delivered, the queues are empty and a flush changed nothing, with
no work visibly left (:meth:`World.pending`), or after three flushes that changed nothing; its end state
is compared with the fault-free run's by :mod:`tests.chaos.verdict`.

A run costs little real time: moto is restarted (not re-imported) per run, its clients are shared and
its DynamoDB takes shortcuts (:mod:`tests.chaos.moto_env`), the files a cold start parses are parsed once
per process, sleeps and timeouts are virtual, and a lost answer is a dropped connection.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from aiops.adapters import wiring
from aiops.adapters.config import Config
from aiops.adapters.dynamodb import DynamoStore, create_table
from aiops.adapters.remediation import KILL_SWITCH, SsmRemediator
from aiops.adapters.wiring import App, build_app
from aiops.incident.model import Incident
from aiops.local.clock import FixedClock
from aiops.local.lambda_events import LambdaContext
from aiops.remediation.playbooks import load_playbooks
from aiops.remediation.runbooks import load_runbooks
from tests.chaos.moto_env import RUN, client
from tests.chaos.sqs import BATCH, Queue
from tests.chaos.storm import APPROVER, APPROVES_AFTER, CATALOG, T0, storm
from tests.support.aws_faults import AwsFaults
from tests.support.fake_pagerduty import Chaos as PagerChaos
from tests.support.fake_pagerduty import FakePagerDuty
from tests.support.fake_slack import Chaos as SlackChaos
from tests.support.fake_slack import FakeSlack
from tests.support.fake_ssm import FakeAutomation

TABLE = "aiops"
FUNCTION_TIMEOUT = 30.0
TIMEOUT_COST = {"slack": 4.0, "pagerduty": 2.0, "aws": 5.0}
"""Virtual seconds a lost answer costs: the production client timeouts (AWS: a 5 s read timeout)."""
SLOT_SECONDS, SLOTS = 10, 6
"""With several workers, what is delivered within the same 10 s is processed at once (six slots a
minute): concurrency as close deliveries, redeliveries and the flush make it, not a minute's events
processed in any order."""
QUIET_ROUNDS = 3
MAX_ROUNDS = 40
HANG_WITHIN = 60
"""A faulty run's one certain fault: one of its first HANG_WITHIN AWS calls (drawn by the seed; counted
over all workers) is throttled, or, with HANG_IN, hangs until Lambda kills that invocation at its timeout.
(A fault-free run makes about 300.)"""
HANG_IN: tuple[str, ...] = ("ingest", "flush")
"""The functions whose invocations the certain hang kills (the first such call at or after the drawn
one); empty: the certain fault is a throttle of that call instead. On: every faulty seed kills an ingest
or a flush invocation at the Lambda timeout somewhere in its first calls, and the verdict requires it
(docs/chaos-kills.md: what such a kill found in the bot, and what it still finds)."""
SLACK_TOKEN = "xoxb-test-token"
PAGERDUTY_KEY = "R0UTINGKEY0123456789abcdefABCDEF"


class FunctionTimeout(BaseException):
    """Lambda killed the invocation (a BaseException: no ``except Exception`` in the code stops it)."""


class VirtualTime:
    """The run's virtual clock (shared) and, per invocation (its thread), what it spent of its timeout:
    concurrent workers each have their own 30 s."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.shared = True
        """One worker: a wait moves the run's clock. Several: each invocation's waits are its own (they
        pass in parallel), seen through :class:`ThreadClock`; the wave then moves the clock by the
        longest."""
        self.lock = threading.Lock()
        self.budgets: dict[int, list[float | None]] = {}
        """thread id -> [spent, limit]"""

    def start(self, limit: float) -> int:
        me = threading.get_ident()
        self.budgets[me] = [0.0, limit]
        return me

    def stop(self) -> float:
        spent, _ = self.budgets.pop(threading.get_ident(), [0.0, None])
        return spent or 0.0

    def sleep(self, seconds: float) -> None:
        self.charge(seconds)

    def charge(self, seconds: float, *, kill: bool = True, owner: int | None = None) -> None:
        """Move the clock; count ``seconds`` against the invocation of ``owner`` (default: this thread's),
        and kill it past its limit when ``kill`` (this thread's only)."""
        budget = self.budgets.get(threading.get_ident() if owner is None else owner)
        with self.lock:
            if self.shared:
                self.clock.set(self.clock.now() + timedelta(seconds=seconds))
            if budget is not None:
                budget[0] = (budget[0] or 0.0) + seconds
        if kill and budget is not None and budget[1] is not None and (budget[0] or 0.0) > budget[1]:
            raise FunctionTimeout


@dataclass
class Stats:
    invocations: Counter[str] = field(default_factory=Counter)
    killed: int = 0
    raised: int = 0
    clicks: int = 0
    trace: list[str] = field(default_factory=list)
    """What each invocation was handed and how it ended (for a failing run's report)."""
    longest: float = 0.0
    """The longest invocation, in virtual seconds."""
    round_limit: bool = False
    """The run reached MAX_ROUNDS without settling."""
    exceptions: list[tuple[str, BaseException]] = field(default_factory=list)
    """(where, exception) of every exception that escaped a handler or was logged as one (any thread)."""


class ThreadClock:
    """The apps' clock: the run's, plus (several workers) what the invocation of this thread waited."""

    def __init__(self, time: VirtualTime) -> None:
        self.time = time

    def now(self) -> datetime:
        base = self.time.clock.now()
        budget = None if self.time.shared else self.time.budgets.get(threading.get_ident())
        return base + timedelta(seconds=budget[0] or 0.0) if budget else base


class Container:
    """One Lambda container of a function: its app is built at its first invocation (cold start)."""

    def __init__(self, world: World, name: str) -> None:
        self.world = world
        self.name = name
        self.app: App | None = None

    def get(self) -> App:
        if self.app is None:
            self.app = self.world.cold_start()
        return self.app


class Containers:
    """A function's warm containers: an invocation takes an idle one, or a new one (a cold start) when
    all are busy, as Lambda runs concurrent invocations in separate containers."""

    def __init__(self, world: World, name: str) -> None:
        self.world, self.name = world, name
        self.idle: list[Container] = []
        self.lock = threading.Lock()

    @contextmanager
    def take(self) -> Iterator[Container]:
        with self.lock:
            container = self.idle.pop() if self.idle else Container(self.world, self.name)
        try:
            yield container
        finally:
            with self.lock:
                self.idle.append(container)


_CURRENT = threading.local()
"""The app of the invocation this thread runs (the handler modules' ``app()`` under concurrency)."""


def _current_app() -> App:
    app: App = _CURRENT.app
    return app


class World:
    """One run: moto, the fakes, the queues, the containers, the faults, all on one virtual clock."""

    def __init__(
        self, slack: FakeSlack, pagerduty: FakePagerDuty, *, rate: float, seed: int, workers: int = 1
    ) -> None:
        rng = random.Random(f"chaos:{rate}:{seed}:{workers}" if workers > 1 else f"chaos:{rate}:{seed}")
        self.rate = rate
        self.workers = workers
        self.lock = threading.Lock()
        self.noted_lock = threading.Lock()
        self.clock = FixedClock(T0)
        self.time = VirtualTime(self.clock)
        self.time.shared = workers == 1
        self.app_clock = ThreadClock(self.time)
        self.wave_spent = 0.0
        self.invoker: int | None = None
        """The thread of the invocation under way, with one worker: a lost answer's wait is its."""
        self.faults = AwsFaults(random.Random(rng.random()), rate, on_timeout=self._aws_timeout)
        self.slack, self.pagerduty = slack, pagerduty
        slack.reset()
        pagerduty.reset()
        if rate:
            slack.chaos = SlackChaos(
                random.Random(rng.random()), rate, on_timeout=lambda: self._charge("slack")
            )
            pagerduty.chaos = PagerChaos(
                random.Random(rng.random()), rate, on_timeout=lambda: self._charge("pagerduty")
            )
            # and, whatever the dice say, one AWS call of the first few dozen is throttled (or hangs)
            certain = rng.randrange(1, HANG_WITHIN)
            if HANG_IN:
                self.faults.hang_at, self.faults.on_hang = certain, self._hang
            else:
                self.faults.throttle_at = certain
        self.automation = FakeAutomation(clock=self.app_clock.now)
        self.ingest, self.updates = Queue("ingest"), Queue("automation")
        self.containers = {n: Containers(self, n) for n in ("ingest", "automation", "flush", "slack")}
        self.stats = Stats()
        self.secrets: dict[str, str] = {}
        self.answered: set[str] = set()
        """Approve buttons whose click got an answer (the on-call does not click those again)."""
        self.observer: DynamoStore | None = None
        self.cold_starts = 0
        self.running = threading.local()
        """``function``: the function of the invocation this thread runs, if any."""
        RUN[:] = [self]

    # -- set-up -------------------------------------------------------------------------------------

    def provision(self) -> None:
        ddb = client(-1, "dynamodb")
        create_table(ddb, TABLE)
        ssm = client(-1, "ssm")
        ssm.put_parameter(Name=KILL_SWITCH, Value="true", Type="String", Overwrite=True)
        for name in ("/llm/chat-assistant/prompt", "/llm/cost-bot/max-tokens"):
            for value in ("v1", "v2"):
                ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
        sm = client(-1, "secretsmanager")
        for name, value in (("slack", SLACK_TOKEN), ("pagerduty", PAGERDUTY_KEY)):
            self.secrets[name] = sm.create_secret(Name=f"aiops/{name}", SecretString=value)["ARN"]
        for channel in ("#inc-chat-assistant", "#inc-cost-bot", "#inc-doc-search"):
            self.slack.channel_id(channel)  # the channels exist before the bot posts
        self.observer = DynamoStore(TABLE, clock=self.clock, client=ddb)  # the harness's own eyes: no faults

    def cold_start(self) -> App:
        """What a Lambda container does on its first invocation, with its own (faulty) clients: the
        app as a deployed stack builds it from its configuration (secrets read lazily)."""
        from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
        from aws_lambda_powertools.utilities.parameters.secrets import SecretsProvider

        def own(service: str) -> Any:
            return client(container, service)

        with self.lock:
            container = self.cold_starts
            self.cold_starts += 1
        DEFAULT_PROVIDERS["secrets"] = SecretsProvider(boto3_client=own("secretsmanager"))
        config = Config.from_env(
            {
                "AIOPS_CATALOG_FILE": str(CATALOG),
                "SLACK_BOT_TOKEN_SECRET_ARN": self.secrets["slack"],
                "SLACK_API_URL": self.slack.url,
                "SLACK_CHANNEL": "#aiops",
                "PAGERDUTY_ROUTING_KEY_SECRET_ARN": self.secrets["pagerduty"],
                "PAGERDUTY_EVENTS_URL": self.pagerduty.url,
            },
            table_name=TABLE,
        )
        return build_app(
            config,
            clock=self.app_clock,
            dynamodb=own("dynamodb"),
            cloudwatch=own("cloudwatch"),
            remediator=SsmRemediator(own("ssm")),
        )

    # -- time ---------------------------------------------------------------------------------------

    def _charge(self, what: str) -> None:
        # from the fake's thread: counted against the invocation, checked after (one worker); with
        # several, which invocation waited is not known here: charged to none (the clock stays)
        owner = self.invoker if self.workers == 1 else -1
        self.time.charge(TIMEOUT_COST[what], kill=False, owner=owner)

    def _aws_timeout(self) -> None:
        self.time.charge(TIMEOUT_COST["aws"])

    def _hang(self) -> bool:
        """A call that never answers: this thread's invocation is killed at its timeout. Only a HANG_IN
        invocation hangs (False, and nothing happens, otherwise: a later call hangs instead)."""
        budget = self.time.budgets.get(threading.get_ident())
        if budget is None or budget[1] is None or getattr(self.running, "function", "") not in HANG_IN:
            return False
        self.time.charge(budget[1] - (budget[0] or 0.0) + 1.0)
        return True  # not reached: the charge kills the invocation

    def noted(self, where: str, exc: BaseException) -> None:
        """An exception that escaped a handler or was logged, from any thread (the verdict tells injected
        from not)."""
        with self.noted_lock:  # its own lock: a record may be made while another is held
            self.stats.exceptions.append((where, exc))

    def advance(self, to: datetime) -> None:
        with self.time.lock:
            if to > self.clock.now():
                self.clock.set(to)

    # -- Lambda -------------------------------------------------------------------------------------

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any] | None:
        """One invocation, in a container of its own while it runs; None when it raised or was killed
        (SQS then redelivers the whole batch)."""
        from handlers import automation, flush, ingest

        module: Any = {"ingest": ingest, "automation": automation, "flush": flush}[function]
        with self.lock:
            self.stats.invocations[function] += 1
        if self.workers == 1:
            self.advance(self.clock.now() + timedelta(seconds=1))
        self.invoker = self.time.start(FUNCTION_TIMEOUT)
        self.running.function = function
        self.faults.active = True
        result: dict[str, Any] | None = None
        raised = False
        with self.containers[function].take() as container:
            try:
                _CURRENT.app = container.get()  # the handler's app() (see concurrent_handlers)
                result = module.handler(event, LambdaContext(function_name=f"aiops-{function}"))
            except FunctionTimeout:
                pass
            except Exception as exc:
                raised = True
                self.noted(f"{function} raised", exc)
            finally:
                self.faults.active = False
                self.running.function = ""
                spent = self.time.stop()
                _CURRENT.app = None
        killed = spent > FUNCTION_TIMEOUT
        ids = [r["messageId"] for r in event.get("Records", [])]
        failed = "killed" if killed else "raised" if result is None else result.get("batchItemFailures")
        with self.lock:
            self.wave_spent = max(self.wave_spent, spent)
            self.stats.raised += raised
            self.stats.longest = max(self.stats.longest, spent)
            self.stats.killed += killed
            when, faults = f"{self.clock.now():%H:%M:%S}", len(self.faults.log)
            self.stats.trace.append(f"{when} {function} {ids} -> {failed} (faults so far: {faults})")
        return None if killed else result

    def wave(self, flush: bool) -> bool:
        """Several workers at once (``workers`` > 1): the visible messages of both queues split into
        small batches, each invoked in a thread of its own (its own container), beside the flush when
        ``flush``; SQS settles each batch as its invocation ends. Whether anything ran."""
        jobs: list[tuple[Queue, str, list[Any]]] = []
        size = max(
            1, min(BATCH, -(-sum(len(q.messages) for q in (self.ingest, self.updates)) // self.workers))
        )
        for queue, function in ((self.ingest, "ingest"), (self.updates, "automation")):
            while len(jobs) < self.workers and (batch := queue.receive(self.clock.now(), size)):
                jobs.append((queue, function, batch))
        if not jobs and not flush:
            return False
        flush_event = {"source": "aws.events", "detail-type": "Scheduled Event"}

        def one(job: tuple[Queue, str, list[Any]] | None) -> None:
            if job is None:
                self.invoke("flush", flush_event)
                return
            queue, function, batch = job
            response = self.invoke(function, queue.lambda_event(batch))
            failed = (
                {m.id for m in batch}
                if response is None
                else {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            )
            with self.lock:
                queue.settle(batch, failed)

        work: list[tuple[Queue, str, list[Any]] | None] = [*jobs, *([None] if flush else [])]
        barrier = threading.Barrier(len(work))

        def started(job: tuple[Queue, str, list[Any]] | None) -> None:
            barrier.wait()  # all start together: the interleavings are the threads' own
            one(job)

        self.wave_spent, start = 0.0, self.clock.now()
        with ThreadPoolExecutor(max_workers=len(work)) as pool:
            for future in [pool.submit(started, job) for job in work]:
                future.result()
        self.advance(start + timedelta(seconds=1 + self.wave_spent))  # they ran side by side
        return True

    def drain(self, queue: Queue, function: str) -> None:
        while batch := queue.receive(self.clock.now()):
            response = self.invoke(function, queue.lambda_event(batch))
            if response is None:
                failed = {m.id for m in batch}
            else:
                failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            queue.settle(batch, failed)

    def click_approve(self) -> None:
        """The on-call clicks Approve on what Slack shows (through the Slack app's own container), and
        again later only if the click got no answer or was asked to try again."""
        buttons = [
            element
            for message in self.slack.roots()
            for block in message.get("blocks") or []
            if block.get("type") == "actions"
            for element in block.get("elements") or []
        ]
        for element in buttons:
            value = str(element.get("value", ""))
            if element.get("action_id") == "aiops_approve" and value not in self.answered:
                self._approve(value)

    def _approve(self, value: str) -> None:
        incident_id, _, playbook = value.partition("|")
        self.stats.clicks += 1
        self.faults.active = True
        try:  # the lazy listener: what it raises is swallowed, as bolt does (no answer, then)
            with self.containers["slack"].take() as container:
                app = container.get()
            said = app.remediation.approve(incident_id, playbook, APPROVER, app.pipeline.update)
            if "try again" not in said:
                self.answered.add(value)
            refreshed = app.store.get(incident_id)
            if refreshed is not None:
                app.pipeline.notify(refreshed)
        except Exception as exc:
            with self.lock:
                self.stats.raised += 1
            self.noted("approve raised", exc)
        finally:
            self.faults.active = False

    # -- the run ------------------------------------------------------------------------------------

    def snapshot(self, incidents: list[Incident]) -> Any:
        """What a next flush could still change, cheaply: the incidents' versions, what Slack,
        PagerDuty and SSM hold."""
        versions = tuple((i.id, i.version) for i in incidents)
        slack = tuple(
            sorted((k, str(m.get("text")), len(str(m.get("blocks")))) for k, m in self.slack.messages.items())
        )
        pages = tuple((a.dedup_key, a.status) for a in self.pagerduty.alerts)
        runs = tuple((e.id, e.status) for e in self.automation.executions.values())
        return versions, slack, pages, runs

    def pending(self, incidents: list[Incident]) -> bool:
        """Whether some work is visibly left for a later round: a Slack root or thread behind its
        incident, an action running or waiting for its approval, an incident in its quiet period or
        whose resolution has not held yet, a timer, a page not delivered, or one its incident's record
        says and PagerDuty does not."""
        assert self.observer is not None
        for inc in incidents:
            record = self.observer.message_for(inc.id)
            if record is None or record.ts is None or record.rendered_version < inc.version:
                return True
            if record.thread_version < inc.version:
                return True
            if any(a.status in ("running", "pending_approval") for a in inc.actions):
                return True  # SSM will report, or the on-call will click
            if inc.status == "mitigated" and not inc.firing:
                return True  # the quiet period runs
            settled, resolved = inc.settled_at, inc.resolved_at
            if inc.status == "resolved" and (settled is None or (resolved and settled < resolved)):
                return True  # the resolution must hold before the page resolves
            if inc.timers or any(e.pending for e in inc.escalations):
                return True
            sent = {e.action for e in inc.escalations}
            alerts = [a for a in self.pagerduty.alerts if a.dedup_key == inc.id]
            if "trigger" in sent and not alerts:
                return True
            if "resolve" in sent and any(a.status != "resolved" for a in alerts):
                return True
        return False

    def run(self) -> None:
        events = storm()
        pending = list(events)
        last, quiet, previous = events[-1][0], 0, None
        for minute in range(MAX_ROUNDS):
            now = T0 + timedelta(minutes=minute + 1)
            if self.workers > 1:
                # Deliveries of the same 10 s, redeliveries due, SSM's reports and, at the minute, the
                # flush run at once, each in a container of its own
                for slot in range(SLOTS, 0, -1):
                    at = now - timedelta(seconds=SLOT_SECONDS * (slot - 1))
                    self.advance(at)
                    while pending and pending[0][0] <= at:
                        self.ingest.send(json.dumps(pending.pop(0)[1]), at)
                    if slot == 1:
                        for ex in self.automation.advance():
                            self.updates.send(json.dumps(self.automation.status_event(ex)), self.clock.now())
                    flush = slot == 1
                    while self.wave(flush):
                        flush = False
                if now >= T0 + APPROVES_AFTER:
                    self.click_approve()
                self.advance(now + timedelta(seconds=30))
            else:
                self.advance(now)
                while pending and pending[0][0] <= now:
                    self.ingest.send(json.dumps(pending.pop(0)[1]), now)
                self.drain(self.ingest, "ingest")
                for ex in self.automation.advance():
                    self.updates.send(json.dumps(self.automation.status_event(ex)), self.clock.now())
                self.drain(self.updates, "automation")
                if now >= T0 + APPROVES_AFTER:
                    self.click_approve()
                self.advance(now + timedelta(seconds=30))
                self.invoke("flush", {"source": "aws.events", "detail-type": "Scheduled Event"})
            if now <= last or self.ingest.messages or self.updates.messages:
                continue
            assert self.observer is not None
            incidents = self.observer.all_incidents()
            snapshot = self.snapshot(incidents)
            quiet = quiet + 1 if snapshot == previous else 0
            previous = snapshot
            if quiet >= QUIET_ROUNDS or (quiet and not self.pending(incidents)):
                return
        self.stats.round_limit = True


@contextmanager
def exceptions_noted(world: World) -> Iterator[None]:
    """Every log record made with an exception (``log.exception``: what the code caught broadly), noted
    on the world as it is made, in whichever worker's thread: a record factory sees the records of every
    logger, Powertools' too, without a handler of its own on a logger Powertools owns."""
    make = logging.getLogRecordFactory()

    def noting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            world.noted(f"logged {record.getMessage()}", exc)
        return record

    logging.setLogRecordFactory(noting)
    try:
        yield
    finally:
        logging.setLogRecordFactory(make)


@contextmanager
def virtual_sleep(world: World) -> Iterator[None]:
    """time.sleep costs no real time in a run: it moves the virtual clock (see VirtualTime). And the
    files a cold start parses (catalog, playbooks, runbooks: the same in every container) are parsed
    once per process: what a cold start reads from AWS is what the runs exercise, not YAML. The secrets
    provider a cold start installs (Powertools keeps it globally) is the run's only."""
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    from handlers import automation, flush, ingest

    with ExitStack() as stack:
        stack.enter_context(mock.patch.dict(DEFAULT_PROVIDERS))
        stack.enter_context(mock.patch.object(time, "sleep", world.time.sleep))
        for name, value in (
            ("read_catalog", _read_catalog),
            ("load_runbooks", _load_runbooks),
            ("load_playbooks", _load_playbooks),
        ):
            stack.enter_context(mock.patch.object(wiring, name, value))
        for module in (ingest, automation, flush):
            # each invocation's app is its container's, per thread: concurrent workers share the modules
            stack.enter_context(mock.patch.object(module, "app", _current_app))
            if world.workers > 1:
                # Powertools' Metrics is one module-level object: concurrent invocations would flush it
                # while others add to it (one process stands in for many containers)
                stack.enter_context(mock.patch.object(module.metrics, "add_metric", _no_metric))
        yield


def _no_metric(**_: Any) -> None:
    return None


_read_catalog = functools.cache(wiring.read_catalog)
_load_runbooks = functools.cache(load_runbooks)
_load_playbooks = functools.cache(load_playbooks)
