"""What a person does in Slack, as a line of a replayed stream, so a scenario can say "acknowledged at
10:05" and show what that changes (a delayed page that never comes):

    {"source": "aiops.human", "detail-type": "acknowledge", "time": "2026-11-25T10:05:00Z",
     "detail": {"service": "chat-assistant", "user": "U0123ABCD"}}

``detail-type`` is ``acknowledge`` or ``resolve``; it acts on the service's current incident, as the
buttons on its Slack message would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from aiops.signals.base import parse_time

SOURCE = "aiops.human"


@dataclass(frozen=True, slots=True)
class HumanAction:
    action: Literal["acknowledge", "resolve"]
    service: str
    user: str
    time: datetime


def human_action(line: str) -> HumanAction | None:
    if SOURCE not in line:
        return None
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("source") != SOURCE:
        return None
    action, detail = doc.get("detail-type"), doc.get("detail") or {}
    if action not in ("acknowledge", "resolve") or not isinstance(detail, dict):
        return None
    return HumanAction(
        action=action,
        service=str(detail.get("service", "")),
        user=str(detail.get("user", "someone")),
        time=parse_time(str(doc.get("time", "")), source=SOURCE, field="time"),
    )


def apply_human(app: Any, human: HumanAction) -> None:
    found = app.store.open_in(human.service)  # the service's oldest active incident, in any region
    if not found:
        return
    incident = found[0]
    if human.action == "acknowledge":
        app.pipeline.acknowledge(incident.id, human.user)
    else:
        app.pipeline.resolve_by(incident.id, human.user)
