"""Narrate: a short account of the incident written by a model, opt-in per service (issue 27).

Asked once per moment of the incident (:func:`~aiops.present.narrative.moment_of`: status, severity, root
cause, actions) and only when the ledger reserved the call under the service's caps. The answer is
grounded (:func:`~aiops.present.narrative.ground`) before anyone sees it; a grounded one becomes a
``narrative`` timeline entry (a thread reply, a line of the postmortem); otherwise the bot abstains and
logs why. The incident itself - severity, root cause, actions - is never changed by it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from aiops.catalog.model import Catalog
from aiops.errors import NarratorError
from aiops.incident.model import Incident, TimelineEntry
from aiops.incident.ports import Clock
from aiops.pipeline.update import Updater
from aiops.present.narrative import ground, moment_of, readable, request_for
from aiops.present.ports import NarrativeLedger, NarrativeLimits, NarrativeRecord, Narrator
from aiops.text import MAX_TEXT, cap

log = logging.getLogger(__name__)


class Narrate:
    def __init__(
        self,
        *,
        catalog: Catalog,
        narrator: Narrator,
        ledger: NarrativeLedger,
        timeline: Callable[[str], list[TimelineEntry]],
        clock: Clock,
    ) -> None:
        self.catalog = catalog
        self.narrator = narrator
        self.ledger = ledger
        self.timeline = timeline
        self.clock = clock

    def __call__(self, incident: Incident, update: Updater) -> Incident:
        svc = self.catalog.service(incident.service)
        settings = svc.narrative if svc is not None else None
        if settings is None or not settings.enabled or settings.model_id is None or not incident.hypotheses:
            return incident
        model_id = settings.model_id
        moment = moment_of(incident)
        now = self.clock.now()
        day = now.date().isoformat()
        limits = NarrativeLimits(
            calls_per_incident=settings.max_calls_per_incident,
            tokens_per_incident=settings.max_tokens_per_incident,
            calls_per_day=settings.max_calls_per_day,
            tokens_per_day=settings.max_tokens_per_day,
        )
        keys = {"incident_id": incident.id, "service": incident.service, "model_id": model_id}
        refused = self.ledger.reserve_narrative(incident.id, incident.service, day, moment, model_id, limits)
        if refused is not None:
            if refused != "cached":
                log.warning("narrative.capped", extra={**keys, "reason": refused})
            return incident
        request = request_for(incident, self.timeline(incident.id))
        record = NarrativeRecord(
            incident_id=incident.id, digest=moment, status="failed", model_id=model_id, at=now
        )
        try:
            answer = self.narrator.converse(
                model_id, request.system, request.user_text, settings.max_answer_tokens
            )
        except NarratorError as exc:
            log.warning("narrative.abstained", extra={**keys, "reason": exc.reason, "detail": exc.detail})
            self.ledger.settle_narrative(replace(record, reason=exc.reason), incident.service, day, 0)
            return incident
        tokens = max(0, answer.input_tokens) + max(0, answer.output_tokens)
        verdict = ground(answer.text, request, incident)
        if verdict.text is None:
            log.warning(
                "narrative.abstained", extra={**keys, "reason": verdict.reason, "detail": verdict.detail}
            )
            abstained = replace(record, status="abstained", reason=f"{verdict.reason}: {verdict.detail}")
            self.ledger.settle_narrative(abstained, incident.service, day, tokens)
            return incident
        text = cap(
            "Narrative (checked against the record; it changes nothing): " + readable(verdict.text), MAX_TEXT
        )
        shown = replace(record, status="shown", text=text)
        self.ledger.settle_narrative(shown, incident.service, day, tokens)
        log.info("narrative.shown", extra={**keys, "tokens": tokens})
        entry = TimelineEntry(
            incident_id=incident.id,
            at=now,
            key=f"narrative:{moment[:16]}",
            kind="narrative",
            text=text,
            actor=f"model {cap(model_id, 58)}",
        )
        # the entry only, on the incident as stored (re-read): nothing the stage was handed is written
        return update(incident.id, lambda current: (current, [entry]))
