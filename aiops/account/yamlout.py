"""A small YAML writer that keeps a comment on each line (PyYAML drops comments).

Values: dicts and lists in block style; :class:`Flow` renders its value on one line (JSON is YAML);
:class:`Note` attaches a trailing ``# comment`` to the line a value starts on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Note:
    value: Any
    comment: str


@dataclass(frozen=True)
class Flow:
    value: Any


def _scalar(v: Any) -> str:
    if isinstance(v, Flow):
        return json.dumps(v.value, ensure_ascii=False, separators=(", ", ": "))
    if isinstance(v, str) and v.replace("-", "").replace("_", "").isalnum() and not v[:1].isdigit():
        return v
    return json.dumps(v, ensure_ascii=False)


def _unwrap(v: Any) -> tuple[Any, str]:
    if isinstance(v, Note):
        return v.value, f"  # {v.comment}"
    return v, ""


def _block(v: Any) -> bool:
    return isinstance(v, dict | list) and bool(v)


def dump(value: Any, indent: int = 0) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, raw in value.items():
            v, note = _unwrap(raw)
            if _block(v):
                lines.append(f"{pad}{key}:{note}")
                lines += dump(v, indent + 2)
            else:
                lines.append(f"{pad}{key}: {_scalar(v)}{note}")
    elif isinstance(value, list):
        for raw in value:
            v, note = _unwrap(raw)
            if isinstance(v, dict) and v:
                inner = dump(v, indent + 2)
                first = inner[0][indent + 2 :]
                lines.append(f"{pad}- {first}{note}" if note and "#" not in first else f"{pad}- {first}")
                if note and "#" in first:
                    lines[-1] = f"{pad}- {first}"
                lines += inner[1:]
            else:
                lines.append(f"{pad}- {_scalar(v)}{note}")
    return lines


def render(doc: Any, header: str = "") -> str:
    head = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return head + "\n".join(dump(doc)) + "\n"
