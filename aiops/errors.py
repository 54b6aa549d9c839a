"""Errors of the aiops core. One base class; the context travels on the exception."""

from __future__ import annotations

from aiops.text import cap

MAX_ERROR_SOURCE = 100
MAX_ERROR_FIELD = 300
MAX_ERROR_MESSAGE = 500
"""Error text is built from event text (a dimension key, a file name): capped, so that a 200 kB key
never becomes a 200 kB log line or ``error:`` line."""


class AiopsError(Exception):
    """Base class of every error raised on purpose by aiops."""


class EventError(AiopsError):
    """An event could not be turned into signals."""

    def __init__(self, message: str, *, source: str = "unknown", field: str | None = None) -> None:
        self.source = _line(source, MAX_ERROR_SOURCE)
        self.field = _line(field, MAX_ERROR_FIELD) if field is not None else None
        where = f"{self.source}: {self.field}: " if self.field else f"{self.source}: "
        super().__init__(where + _line(message, MAX_ERROR_MESSAGE))


def _line(text: str, limit: int) -> str:
    """``text`` capped and on one line: an error is one ``error:`` line, one log field."""
    return cap(text, limit).replace("\n", " ").replace("\t", " ")


class InvalidEventError(EventError):
    """The event claims a known source but is malformed (missing field, wrong type, broken JSON)."""


class UnsupportedEventError(EventError):
    """The event comes from a source (or is of a detail-type) the bot does not handle."""


class CatalogError(AiopsError):
    """The service catalog is invalid."""


class NotConfiguredError(AiopsError):
    """A step needs a port its object was built without (a start with no remediator, a page with no
    pager): a wiring bug, never a fault to retry. The callers check first; this names what they missed."""


class DependencyError(AiopsError):
    """A dependency behind a port failed in a way a later attempt may not: throttled, timed out,
    unavailable, a race lost. The base of the core's own words for it; a pipeline stage retries the work
    or leaves it pending (:data:`Faults`), it never decides on what could not be read or written."""


Faults = tuple[type[Exception], ...]
"""The exception types a port raises for a failed dependency: the core's (:data:`CORE_FAULTS`) and, added
by the edge that builds the pipeline, the SDKs' its adapters let through (``aiops/adapters/faults.py``:
botocore's). What a pipeline stage catches; anything else (a ``TypeError``, a ``KeyError``: a bug) is no
fault and propagates."""


class ConflictError(DependencyError):
    """An optimistic write lost a race; the caller re-reads and retries."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"concurrent update of {key}")


class MetricsError(DependencyError):
    """Metrics could not be read (permissions, throttling, a bad query); impact becomes unknown."""


class PagerError(DependencyError):
    """No pager took the page (PagerDuty kept failing and no SNS fallback took it): try again later."""


class PageRejectedError(PagerError):
    """The page was refused as invalid (PagerDuty's 400): recorded on the incident, never retried."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        self.status = status
        super().__init__(_line(message, MAX_ERROR_MESSAGE))


class TransientError(DependencyError):
    """A dependency failed in a way a later attempt may not (throttled, timed out, unavailable): the
    work is retried later (the next delivery, the flush), not decided on what could not be read."""


class NarratorError(DependencyError):
    """The model gave no answer (throttled, denied, unavailable, a malformed response): the bot abstains."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = _line(reason, MAX_ERROR_FIELD)
        self.detail = _line(detail, MAX_ERROR_MESSAGE)
        super().__init__(f"{self.reason}: {self.detail}" if self.detail else self.reason)


CORE_FAULTS: Faults = (DependencyError,)
"""The faults the core's ports name themselves (Slack's ``ChatError`` is one, in aiops/present)."""
