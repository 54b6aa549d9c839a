"""DynamoDB adapter: one table (``pk``/``sk`` strings, TTL on ``expires_at``), conditional writes.

Every key is built and parsed in :mod:`~aiops.adapters.dynamodb.keys`, every write condition is named in
:mod:`~aiops.adapters.dynamodb.conditions`, attribute values go through boto3's ``TypeSerializer``
(:mod:`~aiops.adapters.dynamodb.codec`). Rows (``pk`` | ``sk``):

- ``EVT#<event id>`` | ``EVT``: the event-id claim that makes a redelivery a no-op (TTL).
- ``FP#<fingerprint>`` | ``STATE``: one row per alarm / insight / budget, versioned.
- ``SVC#<service>`` | ``CURRENT#<account>|<region>`` (``CURRENT`` for a global service): which incident
  is the service's current one there; ``active`` false once it resolved. Creating an incident is a
  transaction guarded by this row: one incident per group.
- ``INC#<id>`` | ``META``: the incident, versioned (optimistic concurrency), written once per batch.
- ``INC#<id>`` | ``SIG#<time>#<event id>``: the signals it absorbed (their own rows, not in the item).
- ``INC#<id>`` | ``TL#<time>#<key>``: its timeline.
- ``INC#<id>`` | ``SLACK``: its Slack root message (channel, ts, the version it shows, the post's claim).
- ``INC#<id>`` | ``SLACK#<entry key>``: the claim of one thread reply; ``done`` once Slack took it.
- ``CTX#change:<service>`` / ``CTX#health:<region>`` | ``<time>#<event id>``: changes and provider health
  events, recalled by time range when ranking root causes (TTL).
- ``SIL#<service>`` | ``<component>#<until>#<by>``: silences (TTL at their end).
- ``RUN#<service>`` | ``<started>#<execution>``: runbook runs, the guards' memory (cooldown, cap, breaker).
- ``EXE#<execution>`` | ``EXE``: which incident and playbook an execution belongs to (written once).
- ``SIM#<signature>[#<service>]`` | ``<opened>#<id>``: incidents by signature ("seen N times"; see
  :mod:`aiops.adapters.dynamodb.similar`).
- ``INC#<id>`` | ``NARR`` and ``NARR#<service>`` | ``<day>``: the narrative and its spend counters (see
  :mod:`aiops.adapters.dynamodb.narrative`).

Retention (TTL ``expires_at``): an incident's ``META`` row is kept ``INCIDENT_RETENTION`` (400 days)
after it resolved, its timeline rows ``TIMELINE_RETENTION`` (90 days) after their time. The ``history``
index lists incidents by the month they opened (see :mod:`aiops.adapters.dynamodb.history`).
"""

from __future__ import annotations

from aiops.adapters.dynamodb.history import HistoryRows
from aiops.adapters.dynamodb.incidents import IncidentRows
from aiops.adapters.dynamodb.ledger import LedgerRows
from aiops.adapters.dynamodb.messages import MessageRows
from aiops.adapters.dynamodb.narrative import NarrativeRows
from aiops.adapters.dynamodb.runs import RunRows
from aiops.adapters.dynamodb.similar import SimilarRows
from aiops.adapters.dynamodb.table import (
    HISTORY_INDEX,
    INCIDENT_RETENTION,
    TIMELINE_RETENTION,
    UNSETTLED_FOR,
    UNSETTLED_INDEX,
    create_table,
)


class DynamoStore(LedgerRows, IncidentRows, RunRows, MessageRows, HistoryRows, SimilarRows, NarrativeRows):
    """SignalLedger + IncidentStore + MessageStore + ContextStore + SilenceStore + RunLedger on one
    DynamoDB table, one row family per module."""


__all__ = [
    "HISTORY_INDEX",
    "INCIDENT_RETENTION",
    "TIMELINE_RETENTION",
    "UNSETTLED_FOR",
    "UNSETTLED_INDEX",
    "DynamoStore",
    "create_table",
]
