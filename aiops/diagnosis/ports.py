"""The port the diagnosis reads metrics through."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from aiops.diagnosis.impact import Query


class MetricsReader(Protocol):
    def read(
        self, queries: Sequence[Query], start: datetime, end: datetime
    ) -> dict[str, list[tuple[datetime, float]]]:
        """Every query's datapoints in [start, end), oldest first, in as few requests as the API allows;
        :class:`~aiops.errors.MetricsError` when they cannot be read."""
        ...
