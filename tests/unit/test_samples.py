"""Every sample payload in tests/events/ normalizes to what the AWS documentation says it carries.

The expected values live in tests/events/expected.yaml, written from the documentation of each event,
not from the parser's output. Only the listed keys are compared; lists are compared item by item.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops.signals import normalize
from tests.support.events import EVENTS, load_event

EXPECTED: dict[str, list[dict[str, Any]]] = yaml.safe_load((EVENTS / "expected.yaml").read_text())


def _subset(expected: Any, actual: Any, path: str) -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected a mapping, got {actual!r}"]
        out = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{path}.{key}: missing")
            else:
                out += _subset(value, actual[key], f"{path}.{key}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} item(s), got {actual!r}"]
        return [
            p
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for p in _subset(e, a, f"{path}[{i}]")
        ]
    if isinstance(expected, float) and isinstance(actual, int | float):
        return [] if abs(expected - actual) < 1e-9 else [f"{path}: {expected!r} != {actual!r}"]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def test_every_sample_has_expectations() -> None:
    files = sorted(str(p.relative_to(EVENTS)) for p in Path(EVENTS).rglob("*.json"))
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_normalizes_as_documented(name: str) -> None:
    signals = [s.model_dump(mode="json") for s in normalize(load_event(name))]
    assert len(signals) == len(EXPECTED[name])
    problems = [p for exp, got in zip(EXPECTED[name], signals, strict=True) for p in _subset(exp, got, name)]
    assert problems == []
