"""A local fake of the Slack Web API on 127.0.0.1, for the real slack_sdk client.

It keeps every message by channel and ts, answers like Slack (``{"ok": true, ...}``), and can be told
to fail: a scripted queue of responses (429 with Retry-After, 5xx) is served before normal handling.
"""

from __future__ import annotations

import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    token: str


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    failures: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    server: ThreadingHTTPServer | None = None
    users: dict[str, list[str]] = field(default_factory=dict)
    """User groups: id -> member user ids (usergroups.users.list)."""

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def fail_next(
        self, status: int, *, times: int = 1, retry_after: int | None = None, error: str = "fatal"
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self.lock:
            self.failures.extend([(status, headers, {"ok": False, "error": error})] * times)

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def handle(
        self, method: str, body: dict[str, Any], token: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self.lock:
            self.calls.append(Call(method, body, token))
            if self.failures:
                return self.failures.pop(0)
            if method == "response":  # a response_url (slash commands, interactivity)
                return 200, {}, {"ok": True}
            if token != "xoxb-test-token":
                return 200, {}, {"ok": False, "error": "invalid_auth"}
            if method == "auth.test":
                return (
                    200,
                    {},
                    {
                        "ok": True,
                        "url": "https://aiops-test.slack.com/",
                        "user_id": "U0BOT",
                        "bot_id": "B0BOT",
                        "team_id": "T1",
                        "user": "aiops",
                    },
                )
            if method == "chat.postEphemeral":
                return 200, {}, {"ok": True, "message_ts": "1764064800.999999"}
            if method == "usergroups.users.list":
                return 200, {}, {"ok": True, "users": self.users.get(str(body.get("usergroup")), [])}
            if method == "chat.postMessage":
                ts = f"1764064800.{next(self._ts):06d}"
                channel = str(body["channel"])
                self.messages[(channel, ts)] = dict(body, ts=ts)
                return 200, {}, {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}
            if method == "chat.update":
                key = (str(body["channel"]), str(body["ts"]))
                if key not in self.messages:
                    return 200, {}, {"ok": False, "error": "message_not_found"}
                self.messages[key] = dict(self.messages[key], **body)
                return 200, {}, {"ok": True, "channel": key[0], "ts": key[1]}
            return 200, {}, {"ok": False, "error": "unknown_method"}

    def roots(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [m for (ch, _), m in self.messages.items() if not m.get("thread_ts") and channel in (None, ch)]


def start_fake_slack() -> FakeSlack:
    fake = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                body = json.loads(raw or "{}")
            else:
                body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                if isinstance(body.get("blocks"), str):
                    body["blocks"] = json.loads(body["blocks"])
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            status, headers, payload = fake.handle(self.path.rsplit("/", 1)[-1], body, token)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return fake
