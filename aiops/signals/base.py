"""Shared pieces of the normalizers: typed input models, error translation, time parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from aiops.errors import InvalidEventError

MAX_EVENT_BYTES = 256 * 1024
"""EventBridge's and SNS's limit for one event; anything larger did not come from AWS."""

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class Input(BaseModel):
    """Base of the input models: AWS field names through aliases, unknown fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, defer_build=True)


def parse(model: type[M], data: Any, *, source: str, prefix: str = "") -> M:
    """Validate ``data`` into ``model``; a failure names the source and the first bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, source, prefix) from None


def parse_as(adapter: TypeAdapter[T], data: Any, *, source: str, prefix: str = "") -> T:
    """:func:`parse` for typed-dict inputs (the hot path: no model instances are built)."""
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise _invalid(exc, source, prefix) from None


def _invalid(exc: ValidationError, source: str, prefix: str) -> InvalidEventError:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    field = ".".join(p for p in (prefix, loc) if p) or "(event)"
    return InvalidEventError(_short(err["msg"]), source=source, field=field)


def _short(msg: str) -> str:
    return msg if len(msg) <= 200 else msg[:199] + "…"


def loads(text: str | bytes, *, source: str, field: str) -> Any:
    """JSON-decode an embedded document (an SNS Message, an SQS body), size-checked first."""
    size = len(text)
    if size > MAX_EVENT_BYTES:
        raise InvalidEventError(
            f"is {size} bytes, over the {MAX_EVENT_BYTES}-byte event limit", source=source, field=field
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidEventError(
            f"is not valid JSON ({_short(str(exc))})", source=source, field=field
        ) from None


def parse_time(value: Any, *, source: str, field: str) -> datetime:
    """An ISO 8601 (``Z`` or offset; CloudWatch's ``+0000`` too) or RFC 1123 time, as aware UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        raise InvalidEventError("must be a timestamp string", source=source, field=field)
    # EventBridge's own form, 2026-11-25T03:00:00Z (the bulk of a storm): read as it is, no rewriting
    if len(value) == 20 and value[-1] == "Z" and value.count("Z") == 1:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is UTC:
                return parsed
    return _parse_time(value, source=source, field=field)


def _parse_time(value: str, *, source: str, field: str) -> datetime:
    text = value.strip()
    try:
        if text[:4].isdigit():
            iso = text.replace("Z", "+00:00")
            if len(iso) > 5 and iso[-5] in "+-" and iso[-3] != ":":  # +0000 -> +00:00
                iso = iso[:-2] + ":" + iso[-2:]
            parsed = datetime.fromisoformat(iso)
        else:
            parsed = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError):
        raise InvalidEventError(f"is not a timestamp: {text[:40]!r}", source=source, field=field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def epoch_millis(value: Any) -> datetime | None:
    """A time in epoch milliseconds (SQS's ``SentTimestamp``, as digits or a number) to the second, as
    SNS times are read; or None."""
    if isinstance(value, str) and value.isdigit() and len(value) <= 15:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**14:
        return None
    return datetime.fromtimestamp(value // 1000, tz=UTC)


def arn_parts(arn: str) -> tuple[str, str]:
    """(region, account) of an ARN, or empty strings."""
    parts = arn.split(":", 5)
    if len(parts) >= 5 and parts[0] == "arn":
        return parts[3], parts[4]
    return "", ""
