"""Block Kit as readable terminal text, for ``aiops demo`` and ``aiops replay`` without a token."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from aiops.ports import SlackMessage

BUILDER_URL = "https://app.slack.com/block-kit-builder/#"


_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")


def _text(obj: Mapping[str, Any] | None) -> str:
    if not obj:
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        text = _LINK.sub(r"\2", text)
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        if obj.get("type") == "mrkdwn"
        else text
    )


def to_text(blocks: Sequence[Mapping[str, Any]], width: int = 78) -> str:
    lines: list[str] = []
    for b in blocks:
        kind = b.get("type")
        if kind == "header":
            title = _text(b.get("text"))
            lines += [title, "=" * min(width, len(title))]
        elif kind == "section":
            if b.get("text"):
                lines.append(_text(b["text"]))
            fields = [_text(f).replace("\n", ": ", 1) for f in b.get("fields", [])]
            lines += [f"  {f}" for f in fields]
        elif kind == "context":
            lines.append("  " + "  ".join(_text(e) for e in b.get("elements", [])))
        elif kind == "actions":
            lines.append("  " + " ".join(f"[{_text(e.get('text'))}]" for e in b.get("elements", [])))
        elif kind == "divider":
            lines.append("-" * width)
    return "\n".join(lines)


def builder_link(message: SlackMessage) -> str:
    """A Block Kit Builder link that opens the message for a visual check."""
    doc = json.dumps({"blocks": list(message.blocks)}, separators=(",", ":"))
    return BUILDER_URL + urllib.parse.quote(doc, safe="")
