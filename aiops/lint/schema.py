"""pydantic's validation errors as a person reads them: named paths, lines, what is wrong (pure).

``services.0.components.0.depend_on: Extra inputs are not permitted`` becomes
``catalog.yaml:17: services[chat-assistant].components[api]: unknown key 'depend_on' (did you mean
'depends_on'?)``: list positions by the item's name, the key's own line, the keys that exist.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from aiops.lint.problems import Problem, did_you_mean, quoted
from aiops.lint.source import Path, Source

_TYPE_TAG = re.compile(r"^(function-[a-z]+\[|[a-z]+\[|int$|str$|float$|bool$|none$|list$|tuple$|dict$)")
_KINDS = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "tuple_type": "a list",
    "list_type": "a list",
}
_LIMITS = {
    "greater_than": "greater than",
    "greater_than_equal": "at least",
    "less_than": "less than",
    "less_than_equal": "at most",
}


def describe(value: Any) -> str:
    """A value as a message shows it: never ``NoneType``."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:59] + "…")
    return str(value)


def named(loc: Iterable[str | int], data: Any) -> str:
    """``services[chat-assistant].components[api]``: list items by their name (or what they match)."""
    out, node, parent = "", data, ""
    for el in loc:
        if isinstance(el, int):
            item = node[el] if isinstance(node, list) and 0 <= el < len(node) else None
            out += f"[{_label(item, el, parent)}]"
            node = item
        else:
            parent = str(el)
            out += ("." if out else "") + str(el)
            node = node.get(el) if isinstance(node, dict) else None
    return out


def _label(item: Any, index: int, within: str) -> str:
    if isinstance(item, dict):
        name = item.get("name")
        if isinstance(name, str) and name:
            return name
        if within == "match" and item:  # a selector, by what it matches
            key, value = next(iter(item.items()))
            if isinstance(value, str):
                return f"{key}={value}"
            if isinstance(value, dict) and value:
                k, v = next(iter(value.items()))
                return f"{key}={k}:{v}"
    if isinstance(item, str) and item:
        return item
    return str(index)


def clean(loc: Iterable[str | int], data: Any) -> Path:
    """pydantic's location without its type tags (``function-after[...]``, ``int``): the data's path."""
    out: list[str | int] = []
    node = data
    items = list(loc)
    for n, el in enumerate(items):
        last = n == len(items) - 1
        tag = isinstance(el, str) and not (isinstance(node, dict) and el in node) and _TYPE_TAG.match(el)
        if tag and (not last or not isinstance(node, dict)):
            continue
        out.append(el)
        if isinstance(el, int):
            node = node[el] if isinstance(node, list) and 0 <= el < len(node) else None
        else:
            node = node.get(el) if isinstance(node, dict) else None
    return tuple(out)


def known_keys(root: type[BaseModel], path: Path) -> list[str] | None:
    """The keys the model at ``path`` accepts (their aliases, as written in YAML), if it is a model."""
    t: Any = root
    for el in path:
        t = _unoptional(t)
        origin = get_origin(t)
        if origin in (tuple, list):
            t = get_args(t)[0]
        elif origin is dict:
            t = get_args(t)[1]
        elif isinstance(t, type) and issubclass(t, BaseModel):
            field = _field(t, str(el))
            if field is None:
                return None
            t = field
        else:
            return None
    t = _unoptional(t)
    if isinstance(t, type) and issubclass(t, BaseModel):
        return [f.alias or name for name, f in t.model_fields.items()]
    return None


def _field(model: type[BaseModel], key: str) -> Any:
    for name, f in model.model_fields.items():
        if key in (name, f.alias):
            return f.annotation
    return None


def _unoptional(t: Any) -> Any:
    if get_origin(t) in (Union, types.UnionType):
        models = [a for a in get_args(t) if a is not type(None)]
        return models[0] if len(models) == 1 else t
    if get_origin(t) is typing.Annotated:
        return get_args(t)[0]
    return t


def problems(
    exc: ValidationError, source: Source, root: type[BaseModel], *, skip: frozenset[str] = frozenset()
) -> list[Problem]:
    """Every error of ``exc`` as a Problem; ``skip``: error types the caller reports itself."""
    out = []
    for err in exc.errors():
        if err["type"] in skip:
            continue
        path = clean(err["loc"], source.data)
        out.append(_problem(err, path, source, root))
    return out


def _problem(err: Any, path: Path, source: Source, root: type[BaseModel]) -> Problem:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(path[-1])
        known = known_keys(root, path[:-1]) or []
        hint = did_you_mean(key, known) or (f" (known: {', '.join(known)})" if known else "")
        return _at(source, path[:-1], f"unknown key {key!r}{hint}", line_of=path, key=True)
    if kind == "missing":
        return _at(source, path[:-1], f"missing required key {str(path[-1])!r}")
    if path and path[-1] == "[key]":
        path = path[:-1]
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        if value is None:
            return _at(source, path, f"is empty: expected one of {quoted(options)}")
        hint = did_you_mean(str(value), options) if isinstance(value, str) else ""
        return _at(source, path, f"{describe(value)} is not one of {quoted(options)}{hint}")
    if kind in _KINDS:
        if value is None:
            return _at(source, path, f"is empty: expected {_KINDS[kind]}")
        return _at(source, path, f"must be {_KINDS[kind]}, not {describe(value)}")
    if kind in _LIMITS:
        limit = next(iter(ctx.values()), "?")
        return _at(source, path, f"must be {_LIMITS[kind]} {limit}, not {describe(value)}")
    if kind == "string_pattern_mismatch":
        return _at(source, path, f"{describe(value)} does not match {ctx.get('pattern')}")
    if kind == "too_short":
        return _at(source, path, f"needs at least {ctx.get('min_length', 1)} item(s)")
    message = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return _at(source, path, message)


def _at(
    source: Source, path: Path, message: str, *, line_of: Path | None = None, key: bool = False
) -> Problem:
    return Problem(
        source.file,
        source.line(line_of if line_of is not None else path, key=key),
        named(path, source.data),
        message,
    )
