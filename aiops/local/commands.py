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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiops.catalog.model import Catalog
    from aiops.local.live import Outbound
    from aiops.local.replay import ReplayResult

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def replay(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import yaml

    from aiops.local.provision import StateError
    from aiops.local.replay import run_replay
    from aiops.local.stream import STDIN, Progress
    from aiops.remediation.playbooks import PlaybookError
    from aiops.remediation.runbooks import RunbookError

    ready = _replay_inputs(args, env)
    if ready is None:
        return EXIT_USAGE
    catalog, playbooks, out = ready
    events = Path(args.events)
    try:
        result = run_replay(
            events if args.events != STDIN else Path(STDIN),
            catalog,
            metrics_path=Path(args.metrics) if args.metrics else None,
            state_path=Path(args.state) if args.state else None,
            playbooks_dir=playbooks,
            emulator=args.emulator,
            state_out=Path(args.state_out) if args.state_out else None,
            postmortems=Path(args.postmortems) if args.postmortems else None,
            chat=out.chat,
            pager=out.pager,
            warn=_err,
            progress=Progress(sys.stderr, total=events.stat().st_size if args.events != STDIN else None),
        )
    except OSError as exc:
        _err(f"error: cannot read {exc.filename or args.events}: {exc.strerror}")
        return EXIT_USAGE
    except (yaml.YAMLError, StateError, PlaybookError, RunbookError) as exc:
        _err(f"error: {str(exc).splitlines()[0]}")
        return EXIT_USAGE
    for line in out.summary():
        _err(line)
    return _replay_report(args, result)


def _replay_inputs(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[Catalog, Path, Outbound] | None:
    """What a replay needs before it starts: the event stream readable, the catalog, the playbooks and
    runbooks usable, the payloads folder writable, Slack and PagerDuty (local or live); None, each
    problem said on stderr, when one of them is not."""
    from aiops.errors import CatalogError
    from aiops.lint import load_catalog_file
    from aiops.local.live import LiveError, outbound
    from aiops.local.stream import STDIN

    events = Path(args.events)
    if args.events != STDIN and not events.is_file():
        reason = "is a directory" if events.is_dir() else "no such file"
        _err(f"error: cannot read {args.events}: {reason} (the event stream; - reads standard input)")
        return None
    try:
        catalog = load_catalog_file(Path(args.catalog))
    except CatalogError as exc:
        _err(str(exc))
        _err(f"error: {args.catalog}: not a usable catalog (the problems above; aiops validate checks it)")
        return None
    if not _payloads_writable(args.payloads):
        return None
    config = _config_dirs(args, env)
    refused = refusals(catalog, playbooks=config[0], runbooks=config[1])
    if refused:
        for line in refused:
            _err(line)
        _err(
            f"error: the playbooks in {config[0]} or the runbooks in {config[1]} cannot be used "
            "(the problems above; aiops validate checks them)"
        )
        return None
    try:
        out = outbound(env, live=args.live, command="replay")
    except LiveError as exc:
        _err(f"error: {exc}")
        return None
    for note in out.notes:
        _err(note)
    return catalog, config[0], out


def _replay_report(args: argparse.Namespace, result: ReplayResult) -> int:
    """The run's report (text and thread, or JSON and payloads) on stdout, where its state and drafts
    went on stderr; a usage error when nothing was replayed."""
    from aiops.local.fakes import LocalChat
    from aiops.local.thread import write_payloads, write_thread
    from aiops.present.terminal_text import report_text

    if args.state_out:
        saved = len(result.report["incidents"])
        _err(
            f"state: {saved} incident(s) in {args.state_out}/ (aiops incidents list --from {args.state_out})"
        )
    if args.postmortems:
        _err(f"postmortems: {len(result.report['incidents'])} draft(s) in {args.postmortems}/")
    stats = result.report["stats"]
    if args.json:
        print(json.dumps(result.report, indent=2, ensure_ascii=False))
        if args.payloads and isinstance(result.app.chat, LocalChat):
            written = write_payloads(result.app.chat, Path(args.payloads))
            _err(f"payloads: {written} file(s) in {args.payloads}/")
    else:
        sys.stdout.write(report_text(result.report))
        write_thread(result.app.chat, sys.stdout, _payloads(args.payloads))
    if stats["events"] == stats["rejected"]:  # an empty stream, or every line of it rejected
        what = "holds no event" if not stats["events"] else f"had {stats['rejected']} line(s), all rejected"
        _err(f"error: nothing was replayed: {args.events} {what} (one JSON event per line, oldest first)")
        return EXIT_USAGE
    return EXIT_OK


def _config_dirs(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[Path, Path]:
    """The playbooks and runbooks a run uses: --playbooks, else the environment's, else the shipped."""
    from aiops.local.world import local_config

    config = local_config(env)
    playbooks = Path(args.playbooks) if getattr(args, "playbooks", None) else config.playbooks_dir
    return playbooks, config.runbooks_dir


def refusals(catalog: Catalog | None, *, playbooks: Path, runbooks: Path) -> list[str]:
    """What makes the playbooks or runbooks unusable (the errors ``aiops validate`` reports for them):
    a run refuses to start on them, as on a bad catalog, rather than run with fewer remediations."""
    from aiops.lint.documents import lint_playbooks, lint_runbooks

    books, found = lint_runbooks(runbooks)
    _plays, more = lint_playbooks(playbooks, books, catalog)
    return [p.text() for p in found + more if p.severity == "error"]


def _payloads(folder: str | None) -> Path | None:
    return Path(folder) if folder else None


def _payloads_writable(folder: str | None) -> bool:
    """The payloads folder can be made, checked before the run rather than after it."""
    if not folder:
        return True
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _err(f"error: cannot write the payloads to {folder}: {exc.strerror} ({exc.filename})")
        return False
    return True


def demo(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from aiops.local.demo import run_demo
    from aiops.local.live import LiveError, outbound

    if not _payloads_writable(args.payloads):
        return EXIT_USAGE
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
    playbooks = Path(args.playbooks or env.get(ENV_PLAYBOOKS_DIR) or DEFAULT_PLAYBOOKS)
    runbooks = Path(args.runbooks or env.get(ENV_RUNBOOKS_DIR) or DEFAULT_RUNBOOKS)
    state = Path(args.state) if args.state else None
    # What cannot be read at all is a usage error (exit 2), as in every command: there is nothing to check.
    for path, what, folder in (
        (catalog, "the catalog", False),
        (playbooks, "the playbooks directory", True),
        (runbooks, "the runbooks directory", True),
        (state, "the state file", False),
    ):
        if path is None:
            continue
        if not path.exists():
            _err(f"error: cannot read {path}: no such {'directory' if folder else 'file'} ({what})")
            return EXIT_USAGE
        if path.is_dir() != folder:
            _err(f"error: cannot read {path}: {'not a directory' if folder else 'is a directory'} ({what})")
            return EXIT_USAGE
    result = lint(catalog=catalog, playbooks=playbooks, runbooks=runbooks, state=state)
    code = EXIT_INVALID if result.errors else EXIT_OK
    if args.json:  # for CI: the same problems, as data
        doc = {
            "ok": not result.errors,
            "catalog": str(catalog),
            "errors": len(result.errors),
            "warnings": len(result.warnings),
            "checked": {
                "services": result.services,
                "playbooks": result.playbooks,
                "runbooks": result.runbooks,
            },
            "problems": [
                {
                    "severity": p.severity,
                    "file": p.file,
                    "line": p.lineno,
                    "path": p.path,
                    "message": p.message,
                    "text": p.text(),
                }
                for p in result.problems
            ],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return code
    if origin:
        print(f"catalog: {catalog} ({origin})")
    for problem in result.problems:
        print(problem.text())
    print(result.summary())
    return code
