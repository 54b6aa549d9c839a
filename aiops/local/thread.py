"""The Slack traffic of a local run, for a person: each root message with its replies under it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from aiops.local.fakes import LocalChat
from aiops.render_text import builder_link, to_text


def write_thread(chat: Any, out: TextIO, payload_dir: Path | None) -> None:
    """The Slack traffic of a local run, readable: each root message with its replies under it; the
    exact API payloads as JSON files, each with a Block Kit Builder link beside it."""
    if not isinstance(chat, LocalChat):
        out.write("\nSlack: posted to the real workspace.\n")
        return
    roots = [p for p in chat.posts if p.thread_ts is None]
    out.write(
        f"\nSlack (not sent: set SLACK_BOT_TOKEN and SLACK_CHANNEL to post): {len(roots)} thread(s), "
        f"{chat.calls} API call(s)\n"
    )
    for root in roots:
        message = chat.current(root.ts)
        out.write(f"\n--- {root.channel}  ts={root.ts}  (posted once, edited {root.edit_count} time(s))\n")
        out.write(to_text(message.blocks) + "\n")
        replies = [p for p in chat.posts if p.thread_ts == root.ts]
        for reply in replies:
            out.write("  ↳ " + to_text(reply.message.blocks).replace("\n", "\n    ") + "\n")
        if payload_dir is not None:
            payload_dir.mkdir(parents=True, exist_ok=True)
            for post in [root, *replies]:
                msg = chat.current(post.ts)
                path = payload_dir / f"slack-{post.ts}.json"
                body = {"channel": post.channel, "text": msg.text, "blocks": list(msg.blocks)}
                if post.thread_ts:
                    body["thread_ts"] = post.thread_ts
                path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
                path.with_suffix(".builder-url.txt").write_text(builder_link(msg) + "\n")
            out.write(
                f"  payloads: {payload_dir}/slack-{root.ts}.json (+{len(replies)} replies), each with a "
                "Block Kit Builder link in *.builder-url.txt\n"
            )
