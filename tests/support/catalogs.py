"""The demo catalog the tests use (the app of ``aiops demo``). Lambda never reads it: a stack's catalog
comes from its ``CatalogLocation`` (aiops/adapters/sources.py)."""

from __future__ import annotations

from pathlib import Path

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "aiops" / "data" / "catalog.yaml"
