"""A local fake of the PagerDuty Events API v2 on 127.0.0.1 - alert events (/v2/enqueue) and change
events (/v2/change/enqueue) - with scripted failures, validating what PagerDuty validates."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakePagerDuty:
    events: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v2/enqueue"

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
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
        if len(str(body.get("routing_key", ""))) != 32 or body.get("event_action") not in (
            "trigger",
            "acknowledge",
            "resolve",
        ):
            return 400, {}, {"status": "invalid event", "message": "Event object is invalid"}
        payload = body.get("payload", {})
        if body["event_action"] == "trigger" and (
            not payload.get("summary")
            or len(payload["summary"]) > 1024
            or not payload.get("source")
            or payload.get("severity") not in ("critical", "error", "warning", "info")
        ):
            return 400, {}, {"status": "invalid event", "message": "payload is invalid"}
        if not body.get("dedup_key") or len(body["dedup_key"]) > 255:
            return 400, {}, {"status": "invalid event", "message": "dedup_key is invalid"}
        self.events.append(body)
        return 202, {}, {"status": "success", "message": "Event processed", "dedup_key": body["dedup_key"]}


def start_fake_pagerduty() -> FakePagerDuty:
    fake = FakePagerDuty()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
            status, headers, payload = fake.answer(self.path, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return fake
