"""Errors of the aiops core. One base class; the context travels on the exception."""

from __future__ import annotations


class AiopsError(Exception):
    """Base class of every error raised on purpose by aiops."""


class EventError(AiopsError):
    """An event could not be turned into signals."""

    def __init__(self, message: str, *, source: str = "unknown", field: str | None = None) -> None:
        self.source = source
        self.field = field
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(where + message)


class InvalidEventError(EventError):
    """The event claims a known source but is malformed (missing field, wrong type, broken JSON)."""


class UnsupportedEventError(EventError):
    """The event comes from a source (or is of a detail-type) the bot does not handle."""


class CatalogError(AiopsError):
    """The service catalog is invalid."""


class ConflictError(AiopsError):
    """An optimistic write lost a race; the caller re-reads and retries."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"concurrent update of {key}")


class MetricsError(AiopsError):
    """Metrics could not be read (permissions, throttling, a bad query); impact becomes unknown."""
