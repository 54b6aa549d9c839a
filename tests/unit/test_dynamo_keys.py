"""The table's keys, one row kind at a time: each builds the string the table stores and parses back
the fields it was built from; a key of another kind, or a broken one, is refused by name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from aiops.adapters.dynamodb import keys
from aiops.adapters.dynamodb.keys import Key, RowKeyError

T = datetime(2026, 11, 25, 10, 5, 30, 250000, tzinfo=UTC)
T_WHOLE = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

KINDS: list[tuple[str, Callable[..., Key], tuple[Any, ...], Callable[[Key], Any], Key]] = [
    ("event claim", keys.event_claim, ("e-1",), keys.parse_event_claim, Key("EVT#e-1", "EVT")),
    ("signal state", keys.signal_state, ("fp-9",), keys.parse_signal_state, Key("FP#fp-9", "STATE")),
    (
        "context",
        keys.context,
        ("change:chat", T_WHOLE, "e#2"),
        keys.parse_context,
        Key("CTX#change:chat", "2026-11-25T10:00:00Z#e#2"),
    ),
    (
        "silence",
        keys.silence,
        ("chat", "bedrock", T_WHOLE, "U42"),
        keys.parse_silence,
        Key("SIL#chat", "bedrock#2026-11-25T10:00:00Z#U42"),
    ),
    (
        "silence of the whole service",
        keys.silence,
        ("chat", None, T_WHOLE, "U42"),
        keys.parse_silence,
        Key("SIL#chat", "*#2026-11-25T10:00:00Z#U42"),
    ),
    (
        "regional pointer",
        keys.service_pointer,
        ("chat|111|us-east-1",),
        keys.parse_service_pointer,
        Key("SVC#chat", "CURRENT#111|us-east-1"),
    ),
    (
        "global pointer",
        keys.service_pointer,
        ("chat",),
        keys.parse_service_pointer,
        Key("SVC#chat", "CURRENT"),
    ),
    ("incident", keys.incident, ("inc-1",), keys.parse_incident, Key("INC#inc-1", "META")),
    (
        "signal row",
        keys.signal_row,
        ("inc-1", T, "e-1"),
        keys.parse_signal_row,
        Key("INC#inc-1", "SIG#2026-11-25T10:05:30.250000Z#e-1"),
    ),
    (
        "timeline row",
        keys.timeline_row,
        ("inc-1", T_WHOLE, "act:roll#1"),
        keys.parse_timeline_row,
        Key("INC#inc-1", "TL#2026-11-25T10:00:00Z#act:roll#1"),
    ),
    (
        "version row",
        keys.version_row,
        ("inc-1", 42, "act:roll#1"),
        keys.parse_version_row,
        Key("INC#inc-1", "VER#0000000042#act:roll#1"),
    ),
    ("slack root", keys.slack_root, ("inc-1",), keys.parse_slack_root, Key("INC#inc-1", "SLACK")),
    (
        "slack reply",
        keys.slack_reply,
        ("inc-1", "act:roll#1"),
        keys.parse_slack_reply,
        Key("INC#inc-1", "SLACK#act:roll#1"),
    ),
    ("narrative", keys.narrative, ("inc-1",), keys.parse_narrative, Key("INC#inc-1", "NARR")),
    (
        "narrative day",
        keys.narrative_day,
        ("chat", "2026-11-25"),
        keys.parse_narrative_day,
        Key("NARR#chat", "2026-11-25"),
    ),
    (
        "run",
        keys.run,
        ("chat", T, "x-1"),
        keys.parse_run,
        Key("RUN#chat", "2026-11-25T10:05:30.250000Z#x-1"),
    ),
    ("execution", keys.execution, ("x-1",), keys.parse_execution, Key("EXE#x-1", "EXE")),
    (
        "similar, one service",
        keys.similar,
        ("a1b2c3", "chat", T_WHOLE, "inc-1"),
        keys.parse_similar,
        Key("SIM#a1b2c3#chat", "2026-11-25T10:00:00Z#inc-1"),
    ),
    (
        "similar, every service",
        keys.similar,
        ("a1b2c3", None, T_WHOLE, "inc-1"),
        keys.parse_similar,
        Key("SIM#a1b2c3", "2026-11-25T10:00:00Z#inc-1"),
    ),
]
IDS = [k[0] for k in KINDS]


@pytest.mark.parametrize(("kind", "build", "fields", "parse", "stored"), KINDS, ids=IDS)
def test_a_key_is_the_stored_string_and_parses_back_to_its_fields(
    kind: str, build: Callable[..., Key], fields: tuple[Any, ...], parse: Callable[[Key], Any], stored: Key
) -> None:
    key = build(*fields)
    assert key == stored
    parsed = parse(key)
    assert (parsed if isinstance(parsed, tuple) else (parsed,)) == fields


@pytest.mark.parametrize(("kind", "build", "fields", "parse", "stored"), KINDS, ids=IDS)
def test_a_key_of_another_kind_is_refused_by_name(
    kind: str, build: Callable[..., Key], fields: tuple[Any, ...], parse: Callable[[Key], Any], stored: Key
) -> None:
    # the key of every kind that has a parser of its own
    others = [k[4] for k in KINDS if k[3] is not parse]
    for other in others:
        with pytest.raises(RowKeyError, match=r"^not a ") as refused:
            parse(other)
        assert str(other.pk) in str(refused.value)


@pytest.mark.parametrize(
    ("parse", "key"),
    [
        (keys.parse_timeline_row, Key("INC#inc-1", "TL#yesterday#k")),
        (keys.parse_version_row, Key("INC#inc-1", "VER#42#k")),
        (keys.parse_signal_row, Key("INC#inc-1", "SIG#2026-11-25T10:00:00Z")),
        (keys.parse_incident, Key("INC#", "META")),
        (keys.parse_service_pointer, Key("SVC#chat", "CURRENTLY")),
    ],
    ids=["a time that is not one", "a version not 10 digits", "a field missing", "an empty id", "no #"],
)
def test_a_broken_key_is_refused_not_half_read(parse: Callable[[Key], Any], key: Key) -> None:
    with pytest.raises(RowKeyError):
        parse(key)


def test_a_key_is_the_tuple_batch_reads_are_keyed_by_and_the_attributes_a_request_takes() -> None:
    key = keys.incident("inc-1")
    assert {("INC#inc-1", "META"): 1}[key] == 1
    assert key.attrs() == {"pk": {"S": "INC#inc-1"}, "sk": {"S": "META"}}
    assert keys.key_of({"pk": {"S": "INC#inc-1"}, "sk": {"S": "META"}, "doc": {"S": "{}"}}) == key


def test_the_index_keys_and_the_ranges_read_are_the_strings_queries_have_always_used() -> None:
    assert keys.history_month(T) == "2026-11"
    assert keys.opened_order(T_WHOLE, "inc-1") == "2026-11-25T10:00:00Z#inc-1"
    assert keys.parse_opened_order("2026-11-25T10:00:00Z#inc-1") == (T_WHOLE, "inc-1")
    assert keys.opened_between(T_WHOLE, T) == ("2026-11-25T10:00:00Z", "2026-11-25T10:05:30.250000Z#~")
    assert keys.versions_between("inc-1", 4, 7) == ("INC#inc-1", "VER#0000000005#", "VER#0000000007#\uffff")
    assert keys.context_between("health:us-east-1", T_WHOLE, T_WHOLE) == (
        "CTX#health:us-east-1",
        "2026-11-25T10:00:00Z",
        "2026-11-25T10:00:00Z#\uffff",
    )
    assert keys.similar_between("a1", "chat", T_WHOLE, T_WHOLE) == (
        "SIM#a1#chat",
        "2026-11-25T10:00:00Z",
        "2026-11-25T10:00:00Z#~",
    )
    # a version row of the range's ends sorts inside it, the next version's outside
    lo, hi = keys.versions_between("inc-1", 4, 7)[1:]
    assert lo <= keys.version_row("inc-1", 5, "k").sk <= hi < keys.version_row("inc-1", 8, "").sk
    with pytest.raises(RowKeyError):
        keys.parse_opened_order("2026-11-25T10:00:00Z")
