"""The Slack traffic of a local run, for a person: each root message with its replies under it, as text;
and the exact API payloads, one file per message version, each with a Block Kit Builder link."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from aiops.local.fakes import LocalChat, Posted
from aiops.present.ports import SlackMessage
from aiops.present.terminal_text import builder_link, to_text

PAYLOAD_GLOBS = ("slack-*.json", "slack-*.builder-url.txt")
"""The files a local run writes into its payload directory (and removes from it first)."""


def write_thread(chat: Any, out: TextIO, payload_dir: Path | None) -> None:
    if not isinstance(chat, LocalChat):
        out.write("\nSlack: posted to the real workspace (--live).\n")
        return
    roots = [p for p in chat.posts if p.thread_ts is None]
    out.write(
        f"\nSlack (rendered here, not sent: --live posts it, with SLACK_BOT_TOKEN and SLACK_CHANNEL): "
        f"{len(roots)} thread(s), {chat.calls} API call(s)\n"
    )
    replies: dict[str, list[Posted]] = {}
    for p in chat.posts:
        if p.thread_ts is not None:
            replies.setdefault(p.thread_ts, []).append(p)
    for root in roots:
        message = chat.current(root.ts)
        out.write(f"\n--- {root.channel}  ts={root.ts}  (posted once, edited {root.edit_count} time(s))\n")
        out.write(to_text(message.blocks) + "\n")
        for reply in replies.get(root.ts, []):
            out.write("  ↳ " + to_text(reply.message.blocks).replace("\n", "\n    ") + "\n")
    if payload_dir is not None:
        written = write_payloads(chat, payload_dir)
        out.write(
            f"\npayloads: {written} file(s) in {payload_dir}/, one per message version "
            "(slack-<ts>-v<n>.json: the root message as posted, then after each edit; replies once), each "
            "with a Block Kit Builder link (*.builder-url.txt) to see it with its buttons\n"
        )


def write_payloads(chat: LocalChat, folder: Path) -> int:
    """Empty ``folder`` of earlier payloads, then write one file per message version."""
    folder.mkdir(parents=True, exist_ok=True)
    for pattern in PAYLOAD_GLOBS:
        for old in folder.glob(pattern):
            old.unlink()
    written = 0
    for post in chat.posts:
        if post.thread_ts is None:
            first = post.edit_count - len(post.edits)  # edits not kept (a replay keeps the latest only)
            versions = [(0, post.message)] if first == 0 else []
            versions += [(first + n + 1, m) for n, m in enumerate(post.edits)]
            for version, message in versions:
                _write(folder / f"slack-{post.ts}-v{version}.json", post, message)
                written += 1
        else:
            _write(folder / f"slack-{post.ts}.json", post, post.message)
            written += 1
    return written


def _write(path: Path, post: Posted, message: SlackMessage) -> None:
    body: dict[str, Any] = {"channel": post.channel, "text": message.text, "blocks": list(message.blocks)}
    if post.thread_ts:
        body["thread_ts"] = post.thread_ts
    else:
        body["ts"] = post.ts
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.with_suffix(".builder-url.txt").write_text(builder_link(message) + "\n", encoding="utf-8")
