"""A local fake of the PagerDuty Events API v2 on 127.0.0.1 - alert events (/v2/enqueue) and change
events (/v2/change/enqueue) - with scripted failures, validating what PagerDuty validates.

It keeps every accepted event, and the alerts they make as PagerDuty does: a trigger opens an alert for
its dedup key unless one is open (then it is deduplicated), a resolve closes it (a later trigger opens a
new one). For the chaos suite, :class:`Chaos` makes a seeded fraction of alert events fail *after*
PagerDuty took the event: 429, 500, or no answer within the client's timeout.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TIMEOUT = -1
"""A "status" meaning: PagerDuty took the event and its answer never comes (the connection is dropped:
the client's error is the one of a timeout, without the wait)."""


@dataclass
class Alert:
    dedup_key: str
    status: str = "triggered"
    """triggered | acknowledged | resolved"""
    triggers: int = 1
    """Trigger events it absorbed (1 + the deduplicated ones)."""


@dataclass
class Chaos:
    rng: random.Random
    rate: float
    injected: dict[str, int] = field(default_factory=dict)
    on_timeout: Any = None
    """Called when a timeout is served: the chaos harness counts the time it would cost."""


@dataclass
class FakePagerDuty:
    events: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    alerts: list[Alert] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    """Indexes into ``events`` of those taken whose answer chaos lost (the client may send them again)."""
    chaos: Chaos | None = None
    lose_answers: bool = False
    """Every event is taken (stored, its alert moved) and its answer lost on the way back."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v2/enqueue"

    def reset(self) -> None:
        with self.lock:
            self.events.clear()
            self.changes.clear()
            self.alerts.clear()
            self.lost.clear()
            self.script.clear()
            self.attempts = 0
            self.chaos = None
            self.lose_answers = False

    def open_alert(self, dedup_key: str) -> Alert | None:
        return next((a for a in self.alerts if a.dedup_key == dedup_key and a.status != "resolved"), None)

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self.lock:
            self.attempts += 1
            if self.script:
                status, headers = self.script.pop(0)
                return status, headers, {"status": "error", "message": "scripted"}
            if path == "/v2/change/enqueue":
                summary = body.get("payload", {}).get("summary", "")
                if len(str(body.get("routing_key", ""))) != 32 or not summary or len(summary) > 1024:
                    return 400, {}, {"status": "invalid event", "message": "Event object is invalid"}
                self.changes.append(body)
                return 202, {}, {"status": "success", "message": "Change event processed"}
            if path != "/v2/enqueue":
                return 404, {}, {"status": "not found", "message": path}
            invalid = self._invalid(body)
            if invalid:
                return 400, {}, {"status": "invalid event", "message": invalid}
            self.events.append(body)
            self._alert(body)
            accepted = {"status": "success", "message": "Event processed", "dedup_key": body["dedup_key"]}
            if self.lose_answers:
                self.lost.append(len(self.events) - 1)
                return TIMEOUT, {}, accepted
            status, headers, answer = self._chaos(accepted)
            if status != 202:
                self.lost.append(len(self.events) - 1)
            return status, headers, answer

    @staticmethod
    def _invalid(body: dict[str, Any]) -> str:
        if len(str(body.get("routing_key", ""))) != 32 or body.get("event_action") not in (
            "trigger",
            "acknowledge",
            "resolve",
        ):
            return "Event object is invalid"
        payload = body.get("payload", {})
        if body["event_action"] == "trigger" and (
            not payload.get("summary")
            or len(payload["summary"]) > 1024
            or not payload.get("source")
            or payload.get("severity") not in ("critical", "error", "warning", "info")
        ):
            return "payload is invalid"
        if not body.get("dedup_key") or len(body["dedup_key"]) > 255:
            return "dedup_key is invalid"
        return ""

    def _chaos(self, accepted: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        """The event is taken; a seeded fraction of answers are lost on the way back."""
        chaos = self.chaos
        if chaos is None or chaos.rng.random() >= chaos.rate:
            return 202, {}, accepted
        kind = chaos.rng.choice(("429", "500", "timeout"))
        chaos.injected[kind] = chaos.injected.get(kind, 0) + 1
        if kind == "429":
            message = "Requests for this service are arriving too quickly"
            return 429, {}, {"status": "throttle event", "message": message}
        if kind == "500":
            return 500, {}, {"status": "error", "message": "internal error"}
        return TIMEOUT, {}, accepted

    def _alert(self, body: dict[str, Any]) -> None:
        key, action = str(body["dedup_key"]), body["event_action"]
        alert = self.open_alert(key)
        if action == "trigger":
            if alert is None:
                self.alerts.append(Alert(key))
            else:
                alert.triggers += 1
        elif alert is not None:
            alert.status = "resolved" if action == "resolve" else "acknowledged"


def start_fake_pagerduty() -> FakePagerDuty:
    fake = FakePagerDuty()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
            status, headers, payload = fake.answer(self.path, body)
            if status == TIMEOUT:  # PagerDuty took the event; its answer never comes
                chaos = fake.chaos
                if chaos is not None and chaos.on_timeout is not None:
                    chaos.on_timeout()
                self.close_connection = True
                return
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting
                return

        def log_message(self, *args: Any) -> None:
            return

    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return fake
