"""Seeded AWS faults through botocore event hooks: what AWS really answers once botocore's own retries
gave up, injected into a fraction of the calls of the clients they are attached to.

A ``before-call`` handler that answers short-circuits the request (botocore's retries never run: the
error surfaces as if they had all failed): throttling (``ProvisionedThroughputExceededException`` and
``ThrottlingException`` for DynamoDB, ``ThrottlingException`` for SSM and Secrets Manager,
``Throttling`` for CloudWatch) and 5xx. A read timeout (``ReadTimeoutError``) is raised either before the
request (nothing happened) or from ``after-call`` (it happened, and its answer was lost): a write that
took effect, an SSM start that started.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ReadTimeoutError

from tests.support.aws_stubs import _Http

ERRORS: dict[str, list[tuple[int, str]]] = {
    "dynamodb": [
        (400, "ProvisionedThroughputExceededException"),
        (400, "ThrottlingException"),
        (500, "InternalServerError"),
    ],
    "ssm": [(400, "ThrottlingException"), (500, "InternalServerError")],
    "cloudwatch": [(400, "Throttling"), (500, "InternalServiceFault")],
    "secretsmanager": [(400, "ThrottlingException"), (500, "InternalServiceError")],
}
"""(status, code) per service; a third of the faults are read timeouts instead."""


@dataclass
class AwsFaults:
    rng: random.Random
    rate: float
    injected: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    on_timeout: Callable[[], None] | None = None
    """Called for every injected read timeout (the harness counts the time it costs)."""
    log: list[str] = field(default_factory=list)
    """What was injected into which call, in order (for a failing run's report)."""
    hang_at: int | None = None
    """The call (counted from 1 over all threads, while active) that hangs: ``on_hang`` is called, which
    kills the invocation at its timeout, or returns False when it may not (the next call hangs instead)."""
    on_hang: Callable[[], bool] | None = None
    throttle_at: int | None = None
    """The call (counted from 1 over all threads, while active) that is throttled whatever the dice say:
    a faulty run's one certain fault."""
    _local: threading.local = field(default_factory=threading.local, repr=False)
    """Per thread (concurrent workers): whether faults are on, and the calls whose answer is lost."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def active(self) -> bool:
        return bool(getattr(self._local, "active", False))

    @active.setter
    def active(self, value: bool) -> None:
        self._local.active = value

    @property
    def _lost(self) -> list[str]:
        if not hasattr(self._local, "lost"):
            self._local.lost = []
        lost: list[str] = self._local.lost
        return lost

    def attach(self, client: Any) -> Any:
        """Inject into ``client``'s calls; register before any canned answer (the first answer wins)."""
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register_first(f"before-call.{service}", self.before)
        client.meta.events.register_first(f"after-call.{service}", self.after)
        return client

    def before(self, model: Any, **_: Any) -> tuple[_Http, dict[str, Any]] | None:
        if not self.active:
            return None
        service = model.service_model.service_id.hyphenize()
        hang = "hang until the Lambda timeout"
        with self._lock:  # one seeded sequence of draws, whichever thread asks
            self.calls[service] += 1
            made = sum(self.calls.values())
            hangs = self.hang_at is not None and self.hang_at <= made and self.on_hang is not None
            if hangs:
                self.hang_at = None
                self.injected[f"{service} {hang}"] += 1
                self.log.append(f"{model.name}: hangs until the Lambda timeout")
        if hangs and self.on_hang is not None and not self.on_hang():  # kills: raises, or may not
            with self._lock:  # no invocation it may kill: undone, and the next call hangs instead
                self.injected[f"{service} {hang}"] -= 1
                if not self.injected[f"{service} {hang}"]:
                    del self.injected[f"{service} {hang}"]
                self.log.pop()
                self.hang_at = sum(self.calls.values()) + 1
        with self._lock:
            forced = self.throttle_at is not None and self.throttle_at <= made
            if forced:
                self.throttle_at = None
            elif self.rng.random() >= self.rate:
                return None
            choices = ERRORS[service]
            pick = 0 if forced else self.rng.randrange(len(choices) + 1)
            lost = pick == len(choices) and self.rng.random() < 0.5
        if pick == len(choices):  # a read timeout: before the request, or after it took effect
            if lost:
                self._lost.append(model.name)  # raised from after-call
                return None
            self._timeout(service, model.name, "before")
        status, code = choices[pick]
        with self._lock:
            self.injected[f"{service} {code}"] += 1
            self.log.append(f"{model.name}: {code}")
        error = {"Code": code, "Message": "injected: what AWS answers after botocore's retries"}
        return _Http(status), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}

    def after(self, model: Any, **_: Any) -> None:
        if self._lost and self._lost[-1] == model.name:
            self._lost.pop()
            self._timeout(model.service_model.service_id.hyphenize(), model.name, "after")

    def _timeout(self, service: str, operation: str, when: str) -> None:
        with self._lock:
            self.injected[f"{service} ReadTimeoutError ({when})"] += 1
            self.log.append(f"{operation}: ReadTimeoutError ({when})")
        if self.on_timeout is not None:
            self.on_timeout()
        raise ReadTimeoutError(endpoint_url=f"https://{service}.us-east-1.amazonaws.com/ ({operation})")


def fail(
    client: Any,
    operation: str,
    code: str = "ThrottlingException",
    *,
    status: int = 400,
    after: bool = False,
    times: int = 1,
    when: Callable[[dict[str, Any]], bool] | None = None,
) -> list[str]:
    """The next ``times`` calls of ``operation`` (whose request ``when`` accepts) fail: with ``code``,
    or, ``after``, with a ReadTimeoutError once the call took effect. Returns the log of what failed."""
    service = client.meta.service_model.service_id.hyphenize()
    failed: list[str] = []
    armed: list[bool] = []

    def wanted(params: dict[str, Any]) -> bool:
        return len(failed) < times and (when is None or when(_body(params)))

    def before(params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]] | None:
        if not wanted(params):
            return None
        if after:
            armed.append(True)
            return None
        failed.append(code)
        error = {"Code": code, "Message": "injected"}
        return _Http(status), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}

    def after_call(**_: Any) -> None:
        if armed:
            armed.pop()
            failed.append("ReadTimeoutError (after)")
            raise ReadTimeoutError(endpoint_url=f"https://{service}.us-east-1.amazonaws.com/ ({operation})")

    client.meta.events.register_first(f"before-call.{service}.{operation}", before)
    client.meta.events.register_first(f"after-call.{service}.{operation}", after_call)
    return failed


def _body(params: dict[str, Any]) -> dict[str, Any]:
    import json

    body = params.get("body") or b"{}"
    try:
        return dict(json.loads(body))
    except ValueError:
        return {}
