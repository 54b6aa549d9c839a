"""The long storm of issue 25: 40 alarms of one service flapping into one incident for hours.

Every alarm fires in the storm's first minute (one incident), then one random alarm flips state every
2.2 seconds (so 5,000 events are about 3 hours, 50,000 about 28 hours, 200,000 about 4.6 days), and
every tenth event is delivered twice (the copy right behind it, as a redelivery by EventBridge or SQS
comes). With 40 alarms flapping independently all of them are never OK at once: the incident stays open
the whole storm, and every event is a status change of one of its members.

``bench/replay.py`` replays it at three sizes; ``python bench/long_storm.py N`` prints N events.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiops.catalog.model import Catalog, load_catalog
from bench.storm import alarm_event

SERVICE = "chat-assistant"
ALARMS = 40
STEP = timedelta(milliseconds=2200)
DUPLICATE_EVERY = 10
T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def catalog() -> Catalog:
    """One service: the alarms of its api (its orchestrator's alarms are the upstream ones)."""
    return load_catalog(
        {
            "services": [
                {
                    "name": SERVICE,
                    "slack_channel": "#inc-chat-assistant",
                    "components": [
                        {
                            "name": "api",
                            "depends_on": ["orchestrator"],
                            "match": [{"alarm_name": f"{SERVICE}-api-*"}],
                        },
                        {"name": "orchestrator", "match": [{"alarm_name": f"{SERVICE}-orch-*"}]},
                    ],
                }
            ]
        }
    )


def alarm_name(a: int) -> str:
    return f"{SERVICE}-{'orch' if a % 4 == 0 else 'api'}-{a:02d}"


def event(eid: int, name: str, state: str, when: datetime) -> str:
    return alarm_event(eid, name, state, when, id_prefix="25000000", compact=True)


def long_storm(n_events: int, seed: int = 25, step: timedelta = STEP) -> list[str]:
    """``n_events`` lines, oldest first: the 40 first fires, then flaps (one every ``step``), every
    tenth line twice."""
    rng = random.Random(seed)
    names = [alarm_name(a) for a in range(ALARMS)]
    firing = dict.fromkeys(names, False)
    out: list[str] = []
    eid = 0
    when = T0
    while len(out) < n_events:
        if eid < ALARMS:  # the onset: every alarm fires, one a second
            name = names[eid]
            when = T0 + timedelta(seconds=eid)
        else:
            name = rng.choice(names)
            when += step
        eid += 1
        firing[name] = not firing[name]
        out.append(event(eid, name, "ALARM" if firing[name] else "OK", when))
        if len(out) % DUPLICATE_EVERY == 9:  # every tenth line is a second delivery of the one before
            out.append(out[-1])
    return out[:n_events]


def hours(lines: list[str]) -> float:
    """How long the storm lasts, in hours of event time."""
    first, last = json.loads(lines[0])["time"], json.loads(lines[-1])["time"]
    span = datetime.fromisoformat(last.replace("Z", "+00:00")) - datetime.fromisoformat(
        first.replace("Z", "+00:00")
    )
    return span.total_seconds() / 3600


if __name__ == "__main__":
    sys.stdout.write("\n".join(long_storm(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)) + "\n")
