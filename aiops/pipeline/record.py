"""Record: claim each signal's event id and move its fingerprint's state on, in one conditional write.

Recording comes after the incidents are saved: a crash between the two is healed by the redelivery (the
event id is not claimed yet, so the signal is applied again, to no further effect, then recorded).
"""

from __future__ import annotations

from aiops.incident.model import MAX_ORPHANS, SignalRef, SignalState
from aiops.incident.ports import SignalLedger
from aiops.pipeline.route import Routed, ref
from aiops.pipeline.settings import Settings


class Recorder:
    def __init__(self, *, ledger: SignalLedger, settings: Settings) -> None:
        self.ledger = ledger
        self.settings = settings

    def next_state(self, r: Routed) -> SignalState:
        """The fingerprint's state once ``r`` is recorded, moved on from the state it was routed with."""
        state = r.state
        newer = state is None or r.signal.time >= state.last_time
        primary = r.incident_ids[0] if r.incident_ids else None
        return SignalState(
            fingerprint=r.fp,
            status=r.signal.status if newer or state is None else state.status,
            last_time=r.signal.time if newer or state is None else state.last_time,
            incident_id=primary or (state.incident_id if state else None),
            changes=r.changes if newer else (state.changes if state else ()),
            orphans=self._orphans(state, r),
            version=(state.version + 1) if state else 1,
        )

    def record(self, r: Routed) -> bool:
        """Claim the event id and move the fingerprint on from the state this cycle routed with;
        ConflictError when another worker moved it first (the caller runs the cycle again)."""
        state = r.state
        return self.ledger.record(
            r.signal,
            r.next_state or self.next_state(r),
            incident_ids=[] if r.signal.kind == "change" else r.incident_ids,
            expected_version=state.version if state else None,
            expires_at=r.signal.time + self.settings.dedup_ttl,
        )

    @staticmethod
    def _orphans(state: SignalState | None, r: Routed) -> tuple[SignalRef, ...]:
        kept = state.orphans if state else ()
        if r.incident_ids:
            return ()  # linked now (see _apply)
        if r.signal.kind in ("change", "automation", "health"):
            return kept
        return (*kept, ref(r.signal))[-MAX_ORPHANS:]
