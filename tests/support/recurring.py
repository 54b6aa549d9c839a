"""A stream in which the bundled demo incident happens twice, a week apart (new event ids, times and
metrics moved by a week): the second should be recognised as the first one again."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "aiops" / "data" / "demo"
WEEK = timedelta(days=7)


def _moved(stamp: str, by: timedelta, fmt: str) -> str:
    return (datetime.fromisoformat(stamp.replace("Z", "+00:00").replace("+0000", "+00:00")) + by).strftime(
        fmt
    )


def _again(line: str, n: int, by: timedelta) -> str:
    event = json.loads(line)
    event["time"] = _moved(event["time"], by, "%Y-%m-%dT%H:%M:%SZ")
    state = event["detail"].get("state") or {}
    if "timestamp" in state:
        state["timestamp"] = _moved(state["timestamp"], by, "%Y-%m-%dT%H:%M:%S.000+0000")
    event["id"] = f"{event['id'][:-6]}w2{n:04d}"
    return json.dumps(event)


def write_recurring(folder: Path, by: timedelta = WEEK) -> tuple[Path, Path]:
    """``events.jsonl`` and ``metrics.jsonl`` in ``folder``: the demo, then the demo again ``by`` later."""
    lines = [ln for ln in (DEMO / "events.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    events = folder / "events.jsonl"
    events.write_text("\n".join(lines + [_again(ln, n, by) for n, ln in enumerate(lines)]) + "\n", "utf-8")
    points = []
    for ln in (DEMO / "metrics.jsonl").read_text(encoding="utf-8").splitlines():
        if ln.strip():
            point = json.loads(ln)
            points.append(json.dumps(point))
            point["timestamp"] = _moved(point["timestamp"], by, "%Y-%m-%dT%H:%M:%SZ")
            points.append(json.dumps(point))
    metrics = folder / "metrics.jsonl"
    metrics.write_text("\n".join(points) + "\n", "utf-8")
    return events, metrics
