"""The bodies of ``aiops replay``, ``aiops demo`` and ``aiops validate`` (aiops/cli.py parses and routes).

stdout carries the result only; notes, warnings, progress and errors go to stderr. Exit codes as
aiops/cli.py documents them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def replay(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import yaml

    from aiops.errors import CatalogError
    from aiops.lint import load_catalog_file
    from aiops.local.fakes import LocalChat
    from aiops.local.live import LiveError, outbound
    from aiops.local.provision import StateError
    from aiops.local.replay import run_replay
    from aiops.local.stream import Progress
    from aiops.local.thread import write_payloads, write_thread
    from aiops.present.terminal_text import report_text
    from aiops.remediation.playbooks import PlaybookError
    from aiops.remediation.runbooks import RunbookError

    try:
        catalog = load_catalog_file(Path(args.catalog))
    except CatalogError as exc:
        _err(str(exc))
        return EXIT_USAGE
    try:
        out = outbound(env, live=args.live, command="replay")
    except LiveError as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    for note in out.notes:
        _err(note)
    events = Path(args.events)
    try:
        result = run_replay(
            events,
            catalog,
            metrics_path=Path(args.metrics) if args.metrics else None,
            state_path=Path(args.state) if args.state else None,
            playbooks_dir=Path(args.playbooks) if args.playbooks else None,
            emulator=args.emulator,
            state_out=Path(args.state_out) if args.state_out else None,
            postmortems=Path(args.postmortems) if args.postmortems else None,
            chat=out.chat,
            pager=out.pager,
            warn=_err,
            progress=Progress(sys.stderr, total=events.stat().st_size if events.is_file() else None),
        )
    except OSError as exc:
        _err(f"error: cannot read {exc.filename or args.events}: {exc.strerror}")
        return EXIT_USAGE
    except (yaml.YAMLError, StateError, PlaybookError, RunbookError) as exc:
        _err(f"error: {str(exc).splitlines()[0]}")
        return EXIT_USAGE
    for line in out.summary():
        _err(line)
    if args.state_out:
        saved = len(result.report["incidents"])
        _err(
            f"state: {saved} incident(s) in {args.state_out}/ (aiops incidents list --from {args.state_out})"
        )
    if args.postmortems:
        _err(f"postmortems: {len(result.report['incidents'])} draft(s) in {args.postmortems}/")
    if args.json:
        print(json.dumps(result.report, indent=2, ensure_ascii=False))
        if args.payloads and isinstance(result.app.chat, LocalChat):
            written = write_payloads(result.app.chat, Path(args.payloads))
            _err(f"payloads: {written} file(s) in {args.payloads}/")
        return EXIT_OK
    sys.stdout.write(report_text(result.report))
    write_thread(result.app.chat, sys.stdout, _payloads(args.payloads))
    return EXIT_OK


def _payloads(folder: str | None) -> Path | None:
    return Path(folder) if folder else None


def demo(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from aiops.local.demo import run_demo
    from aiops.local.live import LiveError, outbound

    try:
        out = outbound(env, live=args.live, keep_edits=True, command="demo")
    except LiveError as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    for note in out.notes:
        _err(note)
    code = run_demo(payload_dir=_payloads(args.payloads), chat=out.chat, pager=out.pager)
    for line in out.summary():
        _err(line)
    return code


def catalog_source(given: str | None, env: Mapping[str, str]) -> tuple[Path, str]:
    """The catalog ``aiops validate`` checks, and where it came from when not given: the one the bot
    would load (AIOPS_CATALOG_FILE, else the bundled one)."""
    from aiops.adapters.config import ENV_CATALOG_FILE

    bundled = Path(__file__).resolve().parents[1] / "data" / "catalog.yaml"

    if given:
        return Path(given), ""
    if env.get(ENV_CATALOG_FILE):
        return Path(env[ENV_CATALOG_FILE]), f"from {ENV_CATALOG_FILE}"
    return bundled, f"the bundled catalog: pass --catalog or set {ENV_CATALOG_FILE} to check yours"


def validate(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from aiops.adapters.config import DEFAULT_PLAYBOOKS, DEFAULT_RUNBOOKS, ENV_PLAYBOOKS_DIR, ENV_RUNBOOKS_DIR
    from aiops.lint import lint

    catalog, origin = catalog_source(args.catalog, env)
    if origin:
        print(f"catalog: {catalog} ({origin})")
    result = lint(
        catalog=catalog,
        playbooks=Path(args.playbooks or env.get(ENV_PLAYBOOKS_DIR) or DEFAULT_PLAYBOOKS),
        runbooks=Path(args.runbooks or env.get(ENV_RUNBOOKS_DIR) or DEFAULT_RUNBOOKS),
        state=Path(args.state) if args.state else None,
    )
    for problem in result.problems:
        print(problem.text())
    print(result.summary())
    return EXIT_INVALID if result.errors else EXIT_OK
