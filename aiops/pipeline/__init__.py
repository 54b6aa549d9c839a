"""The pipeline: normalized signals in, incidents (and their Slack thread) out.

A batch goes through named stages, each one type with one job, composed in :mod:`.core`:

1. **deduplicate** (:meth:`.core.Pipeline._deduplicate`): every event id and fingerprint state looked
   up at once; redeliveries dropped.
2. **route** (:mod:`.route`): a symptom to its service's current incident or a new one; a change into
   the service's context; a provider health event into the region's context and, as evidence, into the
   incidents it explains.
3. **fold** (:mod:`.fold`, with :mod:`.assess` and :mod:`.silences`): the signals of each incident
   applied in event-time order, its root cause re-ranked, impact and severity assessed, the incident
   saved once (:mod:`.update`: optimistic versioning).
4. **record** (:mod:`.record`): each signal's event id claim, fingerprint state and signal rows, in one
   conditional write.
5. **remediate** (:mod:`aiops.remediation`) and **notify** (:mod:`aiops.present`): the first fitting
   playbook decided and started exactly once, or a page; the Slack thread brought up to date.

Applying a signal to an incident is idempotent, so a crash between the incident save and the signal
record is healed by the redelivery: the event id is not claimed yet, so it is applied again, to no
further effect, and then recorded. What people do from Slack is :mod:`.human`.
"""

from aiops.pipeline.core import Pipeline
from aiops.pipeline.settings import BatchResult, Settings

__all__ = ["BatchResult", "Pipeline", "Settings"]
