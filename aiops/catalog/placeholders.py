"""Values left for a person to fill in (``<...>``), as ``aiops catalog discover`` writes them where only a
person can tell (which model the app may fall back to). The catalog refuses them until they are filled,
so that a runbook never writes a guess into a live parameter (pure)."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator

PLACEHOLDER = re.compile(r"^<[^<>]*>$")
T = TypeVar("T")


def refuse_placeholder(value: Any) -> Any:
    if isinstance(value, str) and PLACEHOLDER.match(value.strip()):
        raise ValueError(f"{value.strip()} is a placeholder: replace it with the real value")
    return value


Filled = Annotated[T | None, BeforeValidator(refuse_placeholder)]
"""An optional catalog value that may not be a ``<placeholder>``."""
