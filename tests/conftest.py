"""Shared fixtures: the AWS emulator, the fake Slack Web API, a fixed clock."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from aiops.local.emulator import LOCAL_ENV

os.environ.update(LOCAL_ENV)  # before any handler module builds its Powertools objects


def _share_botocore_loader() -> None:
    """One botocore data loader for every session of the test process.

    moto drops boto3's default session at each start, so every test's clients would read and decode the
    same service-model JSON again (about 0.15 s a test). A loader only reads files and caches what it
    read, so sharing it changes nothing but the time; Lambda keeps one session per container anyway."""
    import botocore.loaders
    import botocore.session

    botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)


_share_botocore_loader()


@pytest.fixture
def aws() -> Iterator[Any]:
    """moto with the aiops table created; yields the DynamoDB client."""
    from aiops.local.emulator import emulator

    with emulator("aiops-test") as client:
        yield client


@pytest.fixture
def fake_slack() -> Iterator[Any]:
    from tests.support.fake_slack import start_fake_slack

    fake = start_fake_slack()
    yield fake
    assert fake.server is not None
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def virtual_time(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Sleeps cost no real time and are recorded (tests/support/virtual_time.py): a test asserts on
    what the code waited, never on the wall clock."""
    import time

    from tests.support.virtual_time import VirtualTime

    vt = VirtualTime()
    monkeypatch.setattr(time, "sleep", vt.sleep)
    monkeypatch.setattr(time, "monotonic", vt.monotonic)
    return vt


@pytest.fixture
def clock() -> Any:
    from aiops.local.clock import FixedClock

    return FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "peer_corpus: needs ../shared/peer-corpus (skipped without it, loudly; failed under CI=true)",
    )
    config.addinivalue_line(
        "markers", "architecture: a static check of the code's shape (reported apart from behaviour tests)"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``peer_corpus`` is skipped (or, under CI, failed) when the corpus is absent; before
    any other skip (an empty parameter set, without the corpus) can hide it."""
    if item.get_closest_marker("peer_corpus") is not None:
        from tests.support.events import require_peer_corpus

        require_peer_corpus()


def _peer_corpus_summary(terminalreporter: Any) -> None:
    from tests.support.events import PEER_CORPUS_MISSING

    def about_corpus(report: Any) -> bool:
        longrepr = getattr(report, "longrepr", None)
        text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr or "")
        return PEER_CORPUS_MISSING in text

    skipped = [r for r in terminalreporter.stats.get("skipped", ()) if about_corpus(r)]
    failed = [
        r for key in ("failed", "error") for r in terminalreporter.stats.get(key, ()) if about_corpus(r)
    ]
    if skipped or failed:
        terminalreporter.section("peer corpus", sep="!", yellow=not failed, red=bool(failed), bold=True)
        what = f"{len(failed)} tests FAILED" if failed else f"{len(skipped)} tests SKIPPED"
        terminalreporter.write_line(f"{what}: {PEER_CORPUS_MISSING}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    _peer_corpus_summary(terminalreporter)
    _chaos_summary(terminalreporter)


def _chaos_summary(terminalreporter: Any) -> None:
    """The chaos tier's table (issue 18) for the storm runs of this session, from the outcome each run
    recorded (``record_property``: pytest-xdist carries it from its workers to here)."""
    import json

    seen: dict[tuple[int, float, int], Any] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "chaos":
                    run = json.loads(value)
                    seen[(run.get("workers", 1), run["rate"], run["seed"])] = run
    if not seen:
        return
    from tests.chaos.verdict import RunResult, table

    runs = [RunResult(**run) for _, run in sorted(seen.items())]
    terminalreporter.section("chaos: the storm under faults, judged against tests/chaos/expected.yaml")
    terminalreporter.write_line(table(runs))
    for r in runs:
        if r.problems:
            terminalreporter.write_line(
                f"{r.workers} worker(s) rate {r.rate:.0%} seed {r.seed}: {', '.join(r.problems)}"
                + (f" (known, expected to fail: {r.detail})" if r.detail else "")
            )
