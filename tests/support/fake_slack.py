"""A local fake of the Slack Web API on 127.0.0.1, for the real slack_sdk client.

It keeps every message by channel id and ts, answers like Slack (``{"ok": true, ...}``): a channel
named ``#name`` gets an id (``C...``) on its first post, and the answer names the channel by id, as
Slack's does; ``conversations.history`` / ``conversations.replies`` take ids only, and show a message's
``metadata`` only with ``include_all_metadata``, newest first (history) or oldest first (replies),
paginated by ``limit`` and ``cursor``; ``conversations.list`` lists the channels.

Files as ``files_upload_v2`` sends them: ``files.getUploadURLExternal`` answers an upload URL on this
server (``/upload/<file id>``), the bytes are POSTed there, and ``files.completeUploadExternal`` shares
the uploaded files into a channel (and a thread): :attr:`FakeSlack.files` keeps them as shared.

It can be told to fail: a scripted queue of responses (429 with Retry-After, 5xx) is served before
normal handling; and, for the chaos suite, :meth:`FakeSlack.chaos` makes a seeded fraction of calls
fail *after* the call took effect (the post is stored, the edit applied): 429, 500, or no answer within
the client's timeout.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TIMEOUT = -1
"""A "status" meaning: the call took effect and its answer never comes (the connection is dropped: the
client's error is the one of a timeout, without the wait)."""


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    token: str


@dataclass
class Chaos:
    rng: random.Random
    rate: float
    methods: frozenset[str] = frozenset(
        {"chat.postMessage", "chat.update", "conversations.history", "conversations.replies"}
    )
    injected: dict[str, int] = field(default_factory=dict)
    on_timeout: Any = None
    """Called when a timeout is served: the harness counts the time it would cost."""


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
    channels: dict[str, str] = field(default_factory=dict)
    """Channel name (without ``#``) -> id."""
    chaos: Chaos | None = None
    after: list[tuple[str, int]] = field(default_factory=list)
    """Scripted failures *after* the call took effect: (method, status or TIMEOUT), served in order."""
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    """File id -> {filename, length, content (bytes, once uploaded)}: files not completed yet."""
    files: list[dict[str, Any]] = field(default_factory=list)
    """Files shared by files.completeUploadExternal: {id, title, filename, content, channel, thread_ts,
    initial_comment}."""

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.messages.clear()
            self.failures.clear()
            self.channels.clear()
            self._ts = itertools.count(1)
            self.chaos = None

    def fail_next(
        self, status: int, *, times: int = 1, retry_after: int | None = None, error: str = "fatal"
    ) -> None:
        """The next ``times`` calls answer ``status`` (``TIMEOUT``: no answer in time) without effect."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self.lock:
            self.failures.extend([(status, headers, {"ok": False, "error": error})] * times)

    def fail_after(self, method: str, status: int = 503) -> None:
        """The next ``method`` call takes effect (the post is stored), then answers ``status`` (TIMEOUT:
        no answer within the client's timeout)."""
        with self.lock:
            self.after.append((method, status))

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def channel_id(self, channel: str) -> str:
        """The id of ``channel`` (a name, ``#name`` or an id), made on first use."""
        if channel in self.channels.values():
            return channel
        name = channel.removeprefix("#")
        if name not in self.channels:
            self.channels[name] = "C" + hashlib.sha256(name.encode()).hexdigest()[:8].upper()
        return self.channels[name]

    def handle(
        self, method: str, body: dict[str, Any], token: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self.lock:
            self.calls.append(Call(method, body, token))
            if self.failures:
                return self.failures.pop(0)
            answer = self._answer(method, body, token)
            scripted = next((a for a in self.after if a[0] == method), None)
            if scripted is not None:
                self.after.remove(scripted)
                if scripted[1] == TIMEOUT:
                    return TIMEOUT, {}, answer[2]
                return scripted[1], {}, {"ok": False, "error": "service_unavailable"}
            chaos = self.chaos
            if chaos is not None and method in chaos.methods and chaos.rng.random() < chaos.rate:
                kind = chaos.rng.choice(("429", "500", "timeout"))
                chaos.injected[kind] = chaos.injected.get(kind, 0) + 1
                if kind == "429":
                    wait = str(chaos.rng.choice((1, 5, 20)))
                    return 429, {"Retry-After": wait}, {"ok": False, "error": "ratelimited"}
                if kind == "500":
                    return 500, {}, {"ok": False, "error": "internal_error"}
                return TIMEOUT, {}, answer[2]
            return answer

    def _answer(
        self, method: str, body: dict[str, Any], token: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
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
            channel = self.channel_id(str(body["channel"]))
            message = dict(body, ts=ts)
            if isinstance(message.get("metadata"), str):
                message["metadata"] = json.loads(message["metadata"])
            self.messages[(channel, ts)] = message
            return 200, {}, {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}
        if method == "chat.update":
            key = (self.channel_id(str(body["channel"])), str(body["ts"]))
            if key not in self.messages:
                return 200, {}, {"ok": False, "error": "message_not_found"}
            self.messages[key] = dict(self.messages[key], **{k: v for k, v in body.items() if k != "channel"})
            return 200, {}, {"ok": True, "channel": key[0], "ts": key[1]}
        if method == "files.getUploadURLExternal":
            if not body.get("filename") or not str(body.get("length", "")).isdigit():
                return 200, {}, {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{len(self.uploads) + len(self.files) + 1:08d}"
            self.uploads[file_id] = {
                "filename": body["filename"],
                "length": int(body["length"]),
                "content": None,
            }
            return (
                200,
                {},
                {
                    "ok": True,
                    "file_id": file_id,
                    "upload_url": self.url.replace("/api/", f"/upload/{file_id}"),
                },
            )
        if method == "files.completeUploadExternal":
            wanted = (
                body["files"]
                if isinstance(body.get("files"), list)
                else json.loads(str(body.get("files", "[]")))
            )
            if not wanted or any(
                f.get("id") not in self.uploads or self.uploads[f["id"]]["content"] is None for f in wanted
            ):
                return 200, {}, {"ok": False, "error": "file_not_found"}
            shared = []
            channel_id = self.channel_id(str(body["channel_id"])) if body.get("channel_id") else None
            for f in wanted:
                upload = self.uploads.pop(f["id"])
                shared.append({
                    "id": f["id"], "title": f.get("title"), "filename": upload["filename"],
                    "content": upload["content"], "channel": channel_id,
                    "thread_ts": body.get("thread_ts"), "initial_comment": body.get("initial_comment"),
                })  # fmt: skip
            self.files += shared
            return 200, {}, {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in shared]}
        if method == "conversations.list":
            channels = [{"id": i, "name": n} for n, i in sorted(self.channels.items())]
            return self._page(channels, body, "channels")
        if method in ("conversations.history", "conversations.replies"):
            channel = str(body.get("channel", ""))
            if channel not in self.channels.values():
                return 200, {}, {"ok": False, "error": "channel_not_found"}
            found = [dict(m) for (ch, _), m in self.messages.items() if ch == channel]
            if method == "conversations.history":  # top-level messages, newest first
                found = sorted(
                    (m for m in found if not m.get("thread_ts")), key=lambda m: m["ts"], reverse=True
                )
            else:  # the parent, then its replies, oldest first
                root = str(body.get("ts", ""))
                found = sorted(
                    (m for m in found if m["ts"] == root or m.get("thread_ts") == root), key=lambda m: m["ts"]
                )
                if not found:
                    return 200, {}, {"ok": False, "error": "thread_not_found"}
            if str(body.get("include_all_metadata", "")).lower() not in ("1", "true"):
                for m in found:
                    m.pop("metadata", None)
            return self._page(found, body, "messages")
        return 200, {}, {"ok": False, "error": "unknown_method"}

    @staticmethod
    def _page(
        items: list[Any], body: dict[str, Any], name: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        start = int(body.get("cursor") or 0)
        limit = int(body.get("limit") or 100)
        page = items[start : start + limit]
        more = start + limit < len(items)
        meta = {"next_cursor": str(start + limit) if more else ""}
        return 200, {}, {"ok": True, name: page, "has_more": more, "response_metadata": meta}

    def roots(self, channel: str | None = None) -> list[dict[str, Any]]:
        wanted = None if channel is None else self.channels.get(channel.removeprefix("#"), channel)
        return [m for (ch, _), m in self.messages.items() if not m.get("thread_ts") and wanted in (None, ch)]

    def keyed(self) -> list[tuple[str, str, str | None]]:
        """(incident id, entry, thread ts) of every message carrying the bot's metadata."""
        out = []
        for m in self.messages.values():
            payload = (m.get("metadata") or {}).get("event_payload") or {}
            if payload:
                out.append((str(payload.get("incident_id")), str(payload.get("entry")), m.get("thread_ts")))
        return out


def start_fake_slack() -> FakeSlack:
    fake = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            if self.path.startswith("/upload/"):  # step 2 of files_upload_v2: the bytes, no token
                self._upload(self.path.removeprefix("/upload/"), self.rfile.read(length))
                return
            raw = self.rfile.read(length).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                body = json.loads(raw or "{}")
            else:
                body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                if isinstance(body.get("blocks"), str):
                    body["blocks"] = json.loads(body["blocks"])
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            status, headers, payload = fake.handle(self.path.rsplit("/", 1)[-1], body, token)
            if status == TIMEOUT:  # the call took effect; its answer never comes
                chaos = fake.chaos
                if chaos is not None and chaos.on_timeout is not None:
                    chaos.on_timeout()
                self.close_connection = True
                return
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting
                return

        def _upload(self, file_id: str, data: bytes) -> None:
            with fake.lock:
                upload = fake.uploads.get(file_id)
                ok = upload is not None and upload["length"] == len(data)
                if ok and upload is not None:
                    upload["content"] = data
            answer = f"OK - {len(data)}".encode() if ok else b"invalid upload"
            self.send_response(200 if ok else 400)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return

    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.server.daemon_threads = True
    threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return fake
