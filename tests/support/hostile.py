"""Hostile input for the normalizer tests: arbitrary JSON values and mutations of sample payloads."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def mutate(doc: Any, path: list[Any], value: Any) -> Any:
    """``doc`` with the value at ``path`` (indices into sorted keys / list items, JSON strings
    included) replaced by ``value``."""
    if not path:
        return value
    key = path[0]
    if isinstance(doc, dict) and doc:
        k = sorted(doc)[key % len(doc)]
        doc[k] = mutate(doc[k], path[1:], value)
    elif isinstance(doc, list) and doc:
        i = key % len(doc)
        doc[i] = mutate(doc[i], path[1:], value)
    elif isinstance(doc, str) and doc.startswith(("{", "[")):
        try:
            inner = json.loads(doc)
        except ValueError:
            return value
        return json.dumps(mutate(inner, path, value))
    else:
        return value
    return doc
