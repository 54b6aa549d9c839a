"""Every key of the table, built and parsed in this one module.

Each row kind has a builder returning its :class:`Key` (``pk``, ``sk``) and a ``parse_*`` that reads the
same fields back (tests/unit/test_dynamo_keys.py round-trips each). The strings are the ones a deployed
table holds (tests/functional/test_dynamo_stored_keys.py pins them byte for byte): change a format here
and a live table's rows are lost.

Times are written with ``format_time`` (RFC 3339, ``Z``), which never holds a ``#``: a key's fields are
split at the ``#`` after a prefix or a time, so the last field (an event id, an entry key, a ``by``) may
hold one. A service, fingerprint, signature, incident id or component never does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from aiops.adapters.dynamodb.codec import av, read_time
from aiops.signals.model import format_time


class RowKeyError(ValueError):
    """A key that is not of the row kind it was parsed as."""

    def __init__(self, kind: str, pk: str, sk: str) -> None:
        super().__init__(f"not a {kind} key: pk={pk[:200]!r} sk={sk[:200]!r}")
        self.kind = kind


class Key(NamedTuple):
    """A row's primary key (equal to the plain ``(pk, sk)`` tuple BatchGetItem results are keyed by)."""

    pk: str
    sk: str

    def attrs(self) -> dict[str, Any]:
        """``{"pk": {"S": ...}, "sk": {"S": ...}}``: a ``Key=`` of a request, or the start of an item."""
        return {"pk": av(self.pk), "sk": av(self.sk)}


def key_of(row: dict[str, Any]) -> Key:
    """The key of an item the client returned."""
    return Key(row["pk"]["S"], row["sk"]["S"])


class Between(NamedTuple):
    """A sort-key range of one partition: ``pk = :pk AND sk BETWEEN :lo AND :hi``."""

    pk: str
    lo: str
    hi: str


def _fields(kind: str, key: Key, pk_prefix: str, sk_prefix: str, parts: int) -> tuple[str, list[str]]:
    """The rest of ``pk`` after its prefix, and ``sk`` after its prefix split into ``parts`` at ``#``."""
    pk, sk = key
    if not pk.startswith(pk_prefix) or not sk.startswith(sk_prefix) or len(pk) == len(pk_prefix):
        raise RowKeyError(kind, pk, sk)
    fields = sk[len(sk_prefix) :].split("#", parts - 1) if parts else []
    if len(fields) != parts:
        raise RowKeyError(kind, pk, sk)
    return pk[len(pk_prefix) :], fields


def _only(kind: str, key: Key, pk_prefix: str, sk: str) -> str:
    """The id of a row kind whose ``sk`` is a fixed word (``META``, ``EVT``...)."""
    if key.sk != sk:
        raise RowKeyError(kind, *key)
    return _fields(kind, key, pk_prefix, sk, 0)[0]


def _at(when: datetime, ident: str) -> str:
    """``<time>#<id>``: a sort key in time order."""
    return f"{format_time(when)}#{ident}"


def _time(kind: str, key: Key, text: str) -> datetime:
    try:
        return read_time(text)
    except ValueError:
        raise RowKeyError(kind, *key) from None


# -- the signal ledger ------------------------------------------------------------------------------


def event_claim(event_id: str) -> Key:
    """``EVT#<event id>`` | ``EVT``: the claim that makes a redelivery a no-op."""
    return Key(f"EVT#{event_id}", "EVT")


def parse_event_claim(key: Key) -> str:
    return _only("event claim", key, "EVT#", "EVT")


def signal_state(fingerprint: str) -> Key:
    """``FP#<fingerprint>`` | ``STATE``: one alarm's (insight's, budget's) state, versioned."""
    return Key(f"FP#{fingerprint}", "STATE")


def parse_signal_state(key: Key) -> str:
    return _only("signal state", key, "FP#", "STATE")


class ContextKey(NamedTuple):
    key: str
    at: datetime
    event_id: str


def context(key: str, at: datetime, event_id: str) -> Key:
    """``CTX#<key>`` | ``<time>#<event id>``: a change or health event, recalled by time."""
    return Key(f"CTX#{key}", _at(at, event_id))


def parse_context(key: Key) -> ContextKey:
    ctx, (at, event_id) = _fields("context", key, "CTX#", "", 2)
    return ContextKey(ctx, _time("context", key, at), event_id)


def context_between(key: str, since: datetime, until: datetime) -> Between:
    return Between(f"CTX#{key}", format_time(since), format_time(until) + "#\uffff")


class SilenceKey(NamedTuple):
    service: str
    component: str | None
    until: datetime
    by: str


def silence(service: str, component: str | None, until: datetime, by: str) -> Key:
    """``SIL#<service>`` | ``<component or *>#<until>#<by>``."""
    return Key(silences_of(service), f"{component or '*'}#{format_time(until)}#{by}")


def parse_silence(key: Key) -> SilenceKey:
    service, (component, until, by) = _fields("silence", key, "SIL#", "", 3)
    return SilenceKey(service, None if component == "*" else component, _time("silence", key, until), by)


def silences_of(service: str) -> str:
    return f"SIL#{service}"


# -- incidents --------------------------------------------------------------------------------------

POINTERS = "CURRENT"
"""The sort-key prefix of a service's pointers, one per account and region (or one, global)."""


def service_pointer(scope: str) -> Key:
    """``SVC#<service>`` | ``CURRENT`` for a service-wide (global) scope, ``CURRENT#<account>|<region>``
    for one account and region (``catalog.topology.scope_key``): which incident is current there."""
    service, _, place = scope.partition("|")
    return Key(pointers_of(service), f"{POINTERS}#{place}" if place else POINTERS)


def parse_service_pointer(key: Key) -> str:
    """The scope the pointer is kept for (the inverse of :func:`service_pointer`)."""
    if key.sk == POINTERS:
        return _fields("service pointer", key, "SVC#", POINTERS, 0)[0]
    service, (place,) = _fields("service pointer", key, "SVC#", f"{POINTERS}#", 1)
    return f"{service}|{place}"


def pointers_of(service: str) -> str:
    return f"SVC#{service}"


def incident_rows(incident_id: str) -> str:
    """``INC#<id>``: the partition of everything kept of one incident."""
    return f"INC#{incident_id}"


INCIDENT = "META"
"""The sort key of an incident's own row (a Scan for every incident filters on it)."""


def incident(incident_id: str) -> Key:
    """``INC#<id>`` | ``META``: the incident, versioned."""
    return Key(incident_rows(incident_id), INCIDENT)


def parse_incident(key: Key) -> str:
    return _only("incident", key, "INC#", INCIDENT)


SIGNAL_ROWS = "SIG#"
TIMELINE_ROWS = "TL#"


class EntryKey(NamedTuple):
    """A row filed under an incident by time (a signal, a timeline entry) or by version."""

    incident_id: str
    at: datetime
    name: str
    """The event id of a signal row, the entry's key of a timeline row."""


def signal_row(incident_id: str, at: datetime, event_id: str) -> Key:
    """``INC#<id>`` | ``SIG#<time>#<event id>``: a signal the incident absorbed."""
    return Key(incident_rows(incident_id), f"{SIGNAL_ROWS}{_at(at, event_id)}")


def parse_signal_row(key: Key) -> EntryKey:
    incident_id, (at, event_id) = _fields("signal row", key, "INC#", SIGNAL_ROWS, 2)
    return EntryKey(incident_id, _time("signal row", key, at), event_id)


def timeline_row(incident_id: str, at: datetime, entry_key: str) -> Key:
    """``INC#<id>`` | ``TL#<time>#<entry key>``: one entry of its timeline."""
    return Key(incident_rows(incident_id), f"{TIMELINE_ROWS}{_at(at, entry_key)}")


def parse_timeline_row(key: Key) -> EntryKey:
    incident_id, (at, entry_key) = _fields("timeline row", key, "INC#", TIMELINE_ROWS, 2)
    return EntryKey(incident_id, _time("timeline row", key, at), entry_key)


class VersionKey(NamedTuple):
    incident_id: str
    version: int
    entry_key: str


def version_row(incident_id: str, version: int, entry_key: str) -> Key:
    """``INC#<id>`` | ``VER#<version, 10 digits>#<entry key>``: an entry filed by the save that wrote it."""
    return Key(incident_rows(incident_id), f"VER#{version:010d}#{entry_key}")


def parse_version_row(key: Key) -> VersionKey:
    incident_id, (version, entry_key) = _fields("version row", key, "INC#", "VER#", 2)
    if not (len(version) == 10 and version.isdigit()):
        raise RowKeyError("version row", *key)
    return VersionKey(incident_id, int(version), entry_key)


def versions_between(incident_id: str, after: int, upto: int) -> Between:
    """The ``VER#`` rows of versions ``after + 1`` to ``upto``."""
    return Between(incident_rows(incident_id), f"VER#{after + 1:010d}#", f"VER#{upto:010d}#\uffff")


def slack_root(incident_id: str) -> Key:
    """``INC#<id>`` | ``SLACK``: its Slack root message."""
    return Key(incident_rows(incident_id), "SLACK")


def parse_slack_root(key: Key) -> str:
    return _only("slack root", key, "INC#", "SLACK")


def slack_reply(incident_id: str, entry_key: str) -> Key:
    """``INC#<id>`` | ``SLACK#<entry key>``: the claim of one thread reply."""
    return Key(incident_rows(incident_id), f"SLACK#{entry_key}")


def parse_slack_reply(key: Key) -> tuple[str, str]:
    """(incident id, entry key)."""
    incident_id, (entry_key,) = _fields("slack reply", key, "INC#", "SLACK#", 1)
    return incident_id, entry_key


def narrative(incident_id: str) -> Key:
    """``INC#<id>`` | ``NARR``: its last narrative and its spend."""
    return Key(incident_rows(incident_id), "NARR")


def parse_narrative(key: Key) -> str:
    return _only("narrative", key, "INC#", "NARR")


def narrative_day(service: str, day: str) -> Key:
    """``NARR#<service>`` | ``<UTC day>``: the service's narrative spend that day."""
    return Key(f"NARR#{service}", day)


def parse_narrative_day(key: Key) -> tuple[str, str]:
    """(service, day)."""
    service, (day,) = _fields("narrative day", key, "NARR#", "", 1)
    return service, day


# -- runbook runs -----------------------------------------------------------------------------------


class RunKey(NamedTuple):
    service: str
    started_at: datetime
    execution_id: str


def run(service: str, started_at: datetime, execution_id: str) -> Key:
    """``RUN#<service>`` | ``<started>#<execution>``: one runbook run (its ``sk`` is also kept on the
    execution's row, as ``run_sk``)."""
    return Key(runs_of(service), _at(started_at, execution_id))


def parse_run(key: Key) -> RunKey:
    service, (started, execution_id) = _fields("run", key, "RUN#", "", 2)
    return RunKey(service, _time("run", key, started), execution_id)


def runs_of(service: str) -> str:
    return f"RUN#{service}"


def execution(execution_id: str) -> Key:
    """``EXE#<execution>`` | ``EXE``: which incident and playbook an execution belongs to."""
    return Key(f"EXE#{execution_id}", "EXE")


def parse_execution(key: Key) -> str:
    return _only("execution", key, "EXE#", "EXE")


# -- similar incidents and history ------------------------------------------------------------------


class SimilarKey(NamedTuple):
    signature: str
    service: str | None
    opened_at: datetime
    incident_id: str


def similar(signature: str, service: str | None, opened_at: datetime, incident_id: str) -> Key:
    """``SIM#<signature>#<service>`` (the service's) or ``SIM#<signature>`` (every service's) |
    ``<opened>#<id>``."""
    return Key(_similar_pk(signature, service), opened_order(opened_at, incident_id))


def parse_similar(key: Key) -> SimilarKey:
    rest, (opened, incident_id) = _fields("similar", key, "SIM#", "", 2)
    signature, _, service = rest.partition("#")
    return SimilarKey(signature, service or None, _time("similar", key, opened), incident_id)


def similar_between(signature: str, service: str | None, since: datetime, until: datetime) -> Between:
    lo, hi = opened_between(since, until)
    return Between(_similar_pk(signature, service), lo, hi)


def _similar_pk(signature: str, service: str | None) -> str:
    return f"SIM#{signature}#{service}" if service is not None else f"SIM#{signature}"


def history_month(opened_at: datetime) -> str:
    """``YYYY-MM``: the ``history`` index's partition (``hist_month``) an incident is listed in."""
    return opened_at.strftime("%Y-%m")


def opened_order(opened_at: datetime, incident_id: str) -> str:
    """``<opened>#<id>``: an incident in the order it opened (``hist_opened``, ``opened``, a ``SIM#``
    row's ``sk``)."""
    return _at(opened_at, incident_id)


def parse_opened_order(text: str) -> tuple[datetime, str]:
    """(opened at, incident id)."""
    opened, sep, incident_id = text.partition("#")
    if not sep or not incident_id:
        raise RowKeyError("opened order", "", text)
    return _time("opened order", Key("", text), opened), incident_id


def opened_between(since: datetime, until: datetime) -> tuple[str, str]:
    """The range of :func:`opened_order` values of incidents opened in ``[since, until]``."""
    return format_time(since), format_time(until) + "#~"
