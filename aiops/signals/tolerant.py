"""Field types for what the bot reads but can do without: they never reject an event.

Each type is a left-to-right union: the value is first validated as declared, in pydantic-core with no
Python call (a well-formed event, the bulk of a storm, pays nothing), and only when that fails is it
read by a Python fallback that keeps what it can: a number as text, a list of ``{name, value}`` pairs
(or a JSON string) as a map, a broken item dropped from its list, anything else as the field's empty
value. A field that the signal contract needs (id, time, kind, status, resource) is declared with a
plain type instead, so that its absence is still a precise error.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from pydantic import Field, PlainValidator, ValidationError, ValidatorFunctionWrapHandler, WrapValidator

T = TypeVar("T")

_MAX_MAP_ITEMS = 50
_MAX_JSON_MAP = 8192
_LEFT_TO_RIGHT = Field(union_mode="left_to_right")


def _text(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _int(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _none(value: Any) -> None:
    return None


def _true(value: Any) -> bool:
    return True


def _empty_map(value: Any) -> dict[str, Any]:
    return {}


def name_value_map(value: Any) -> dict[str, str]:
    """A map of text from the shapes AWS spells one in: a JSON object, a list of ``{name, value}``
    pairs (``Name``/``Value``, ``key``/``value`` and ``Key``/``Value`` too), or a JSON string of
    either. Entries whose key or value is not text are dropped; anything else is empty."""
    if isinstance(value, str):
        if not value.lstrip().startswith(("{", "[")) or len(value) > _MAX_JSON_MAP:
            return {}
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return {}
    pairs: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        pairs = list(value.items())[:_MAX_MAP_ITEMS]
    elif isinstance(value, list):
        for item in value[:_MAX_MAP_ITEMS]:
            if isinstance(item, dict):
                key = next((item[k] for k in ("name", "Name", "key", "Key") if k in item), None)
                pairs.append((key, item.get("value", item.get("Value"))))
    out: dict[str, str] = {}
    for key, item_value in pairs:
        if isinstance(key, str) and key and isinstance(item_value, str):
            out.setdefault(key, item_value)
    return out


def _each(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A list whose broken items are dropped; not a list at all: empty."""
    if not isinstance(value, list):
        return []
    out: list[Any] = []
    for item in value:
        try:
            out.extend(handler([item]))
        except ValidationError:
            continue
    return out


Text = Annotated[str | Annotated[str, PlainValidator(_text)], _LEFT_TO_RIGHT]
"""Text, or a number as text; anything else (null, a list, a map) is ``""``."""

OptInt = Annotated[int | Annotated[int | None, PlainValidator(_int)] | None, _LEFT_TO_RIGHT]
"""An integer (also spelled as digits); anything else is None."""

OptFloat = Annotated[float | Annotated[float | None, PlainValidator(_float)] | None, _LEFT_TO_RIGHT]
"""A number (also spelled as text); anything else is None."""

FlagTrue = Annotated[bool | Annotated[bool, PlainValidator(_true)], _LEFT_TO_RIGHT]
"""A boolean that defaults to true when it is anything else (CloudWatch's ``returnData``)."""

TextMap = Annotated[
    dict[str, str] | Annotated[dict[str, str], PlainValidator(name_value_map)], _LEFT_TO_RIGHT
]
"""Dimensions and tags: see :func:`name_value_map`."""

AnyMap = Annotated[dict[str, Any] | Annotated[dict[str, Any], PlainValidator(_empty_map)], _LEFT_TO_RIGHT]
"""A JSON object read key by key later; anything else is an empty one."""

Opt = Annotated[T | Annotated[None, PlainValidator(_none)] | None, _LEFT_TO_RIGHT]
"""A nested object, or None when it is missing, null or broken."""

Items = Annotated[list[T] | Annotated[list[T], WrapValidator(_each)], _LEFT_TO_RIGHT]
"""A list whose broken items are dropped (null or not a list: empty)."""
