"""The development environment `make test` installs has what the README and docs send people to:
moto's standalone server (`.venv/bin/moto_server`, which needs Flask) and MkDocs with its theme."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    ["moto.server", "flask", "flask_cors", "mkdocs.commands.build", "material"],
)
def test_importable(module: str) -> None:
    importlib.import_module(module)
