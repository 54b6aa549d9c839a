"""A local fake of Amazon Bedrock's Converse API on 127.0.0.1 (``POST /model/{modelId}/converse``), for the
real boto3 ``bedrock-runtime`` client pointed at it with ``endpoint_url``.

It keeps every request (the model id from the path, the JSON body) and answers each with the next
scripted reply, or with what ``answer`` (a function of the request body) writes: a 200 Converse response
(``output.message.content``, ``stopReason``, ``usage``), or an error in Bedrock's REST shape (status, the
``X-Amzn-Errortype`` header and a ``message``), e.g. 429 ``ThrottlingException``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

Reply = tuple[int, dict[str, Any] | bytes]
"""(HTTP status, a JSON body or raw bytes)."""


def converse_reply(
    text: str, *, input_tokens: int = 900, output_tokens: int = 120, stop: str = "end_turn"
) -> Reply:
    return 200, {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": 420},
    }


def error_reply(status: int, code: str, message: str) -> Reply:
    return status, {"__type": code, "message": message}


@dataclass
class FakeBedrock:
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    script: list[Reply] = field(default_factory=list)
    answer: Callable[[dict[str, Any]], Reply] | None = None
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def reply(self, path: str, body: dict[str, Any]) -> Reply:
        with self.lock:
            parts = path.split("/")
            if len(parts) != 4 or parts[1] != "model" or parts[3] != "converse":
                return error_reply(404, "UnknownOperationException", path)
            self.requests.append((unquote(parts[2]), body))
            if self.script:
                return self.script.pop(0)
            if self.answer is not None:
                return self.answer(body)
            return error_reply(500, "InternalServerException", "nothing scripted")

    def shutdown(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


def start_fake_bedrock() -> FakeBedrock:
    fake = FakeBedrock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, payload = fake.reply(self.path, json.loads(raw or b"{}"))
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status >= 400 and isinstance(payload, dict):
                self.send_header("X-Amzn-Errortype", str(payload.get("__type", "")))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return fake
