"""A replay's incident history on disk (``aiops replay --state-out DIR``), read back by ``aiops
incidents`` and ``aiops postmortem --from DIR``: the same views as over the deployed table, offline.

``DIR/state.json`` holds the replay's clock at its end (the "now" of ``--since``) and the format
version; ``DIR/incidents/<id>.json`` one incident each: its record as the table keeps it (the ``META``
row's document), the event ids it absorbed, its timeline and its Slack thread.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from aiops.errors import AiopsError
from aiops.incident.model import Incident, TimelineEntry
from aiops.present.history_view import narrative_json
from aiops.present.ports import MessageRecord, NarrativeRecord
from aiops.signals.model import format_time

FORMAT = 1
_ENTRIES: TypeAdapter[list[TimelineEntry]] = TypeAdapter(list[TimelineEntry])


class SavedStateError(AiopsError):
    """A state directory that is missing, or a file in it that does not parse."""


def write_state(store: Any, folder: Path, now: datetime) -> int:
    """Write every incident of ``store`` (a DynamoStore or the twin) into ``folder``; returns how many.
    Files of incidents from an earlier run are removed first."""
    target = folder / "incidents"
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("inc-*.json"):
        old.unlink()
    incidents = store.all_incidents()
    for incident in incidents:
        record = store.message_for(incident.id)
        doc = {
            "incident": incident.model_dump(mode="json"),
            "signals": store.signals_of(incident.id),
            "timeline": _ENTRIES.dump_python(store.timeline(incident.id), mode="json"),
            "thread": {"channel": record.channel, "ts": record.ts}
            if record is not None and record.ts
            else None,
        }
        narrative = store.narrative_record(incident.id)
        if narrative is not None:  # only where the narrative was asked (it is off by default)
            doc["narrative"] = narrative_json(narrative)
        (target / f"{incident.id}.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", "utf-8")
    (folder / "state.json").write_text(
        json.dumps({"format": FORMAT, "now": format_time(now), "incidents": len(incidents)}) + "\n", "utf-8"
    )
    return len(incidents)


class SavedHistory:
    """The history views' source over a state directory (the methods of DynamoStore they use)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        meta = self._load(folder / "state.json")
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or not isinstance(meta.get("now"), str):
            raise SavedStateError(f"{folder}/state.json: not an aiops replay state (format {FORMAT})")
        self._now = datetime.fromisoformat(meta["now"].replace("Z", "+00:00"))
        self._docs: dict[str, dict[str, Any]] = {}
        for path in sorted((folder / "incidents").glob("inc-*.json")):
            doc = self._load(path)
            try:
                incident = Incident.model_validate(doc["incident"])
                doc["_incident"] = incident
                doc["_timeline"] = _ENTRIES.validate_python(doc.get("timeline", []))
            except (KeyError, TypeError, ValidationError) as exc:
                raise SavedStateError(f"{path}: not an incident record: {str(exc).splitlines()[0]}") from None
            self._docs[incident.id] = doc

    @staticmethod
    def _load(path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SavedStateError(f"{path}: not found (write it with aiops replay --state-out DIR)") from None
        except OSError as exc:
            raise SavedStateError(f"{path}: cannot read: {exc.strerror}") from None
        except ValueError as exc:
            raise SavedStateError(f"{path}: not JSON: {exc}") from None

    def now(self) -> datetime:
        return self._now

    def history(
        self, since: datetime, until: datetime, *, service: str | None = None, statuses: Sequence[str] = ()
    ) -> list[Incident]:
        found = [
            d["_incident"]
            for d in self._docs.values()
            if since <= d["_incident"].opened_at <= until
            and (service is None or d["_incident"].service == service)
            and (not statuses or d["_incident"].status in statuses)
        ]
        return sorted(found, key=lambda i: (i.opened_at, i.id), reverse=True)

    def get(self, incident_id: str) -> Incident | None:
        doc = self._docs.get(incident_id)
        return doc["_incident"] if doc else None

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        doc = self._docs.get(incident_id)
        return list(doc["_timeline"]) if doc else []

    def signals_of(self, incident_id: str) -> list[str]:
        doc = self._docs.get(incident_id)
        return [str(s) for s in doc.get("signals", [])] if doc else []

    def narrative_record(self, incident_id: str) -> NarrativeRecord | None:
        doc = self._docs.get(incident_id)
        saved = doc.get("narrative") if doc else None
        if not isinstance(saved, dict):
            return None
        at = saved.get("at")
        return NarrativeRecord(
            incident_id=incident_id,
            digest="",
            status=str(saved.get("status", "")),
            model_id=str(saved.get("model_id", "")),
            reason=str(saved.get("reason") or ""),
            text=str(saved.get("text") or ""),
            calls=int(saved.get("calls", 0)),
            tokens=int(saved.get("tokens", 0)),
            at=datetime.fromisoformat(at.replace("Z", "+00:00")) if isinstance(at, str) else None,
        )

    def message_for(self, incident_id: str) -> MessageRecord | None:
        doc = self._docs.get(incident_id)
        thread = doc.get("thread") if doc else None
        if not isinstance(thread, dict):
            return None
        return MessageRecord(incident_id, str(thread["channel"]), str(thread["ts"]), -1)


def write_postmortems(app: Any, folder: Path) -> int:
    """``<id>.md`` for every incident of a local run, with what each runbook changed (the local
    executor keeps it); earlier drafts in ``folder`` are removed first. Returns how many."""
    from aiops.incident.links import slack_thread_url
    from aiops.local.remediator import LocalRemediator
    from aiops.present.postmortem import postmortem
    from aiops.present.postmortem_md import render_markdown

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("inc-*.md"):
        old.unlink()
    remediator = app.remediation.remediator
    executions = remediator.executor.executions if isinstance(remediator, LocalRemediator) else {}
    changes = {k: list(v.changes) for k, v in executions.items()}
    incidents = app.store.all_incidents()
    for incident in incidents:
        record = app.store.message_for(incident.id)
        doc = postmortem(
            incident,
            app.store.timeline(incident.id),
            signals=app.store.signals_of(incident.id),
            thread_url=slack_thread_url(record.channel, record.ts)
            if record is not None and record.ts
            else None,
            changes=changes,
        )
        (folder / f"{incident.id}.md").write_text(render_markdown(doc), encoding="utf-8")
    return len(incidents)
