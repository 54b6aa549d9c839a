"""The ``aiops`` command line: demo, normalize, replay, validate."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path


def _normalize(args: argparse.Namespace) -> int:
    from aiops.errors import EventError
    from aiops.signals import normalize_text

    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        signals = normalize_text(raw, source=str(args.file))
    except EventError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        json.dumps(
            [s.model_dump(mode="json", exclude_none=True) for s in signals], indent=2, ensure_ascii=False
        )
    )
    return 0


def _validate(args: argparse.Namespace) -> int:
    import yaml

    from aiops.adapters.config import DEFAULT_PLAYBOOKS, DEFAULT_RUNBOOKS
    from aiops.catalog import Catalog, load_catalog
    from aiops.decide import check_playbook
    from aiops.errors import CatalogError
    from aiops.playbooks import read_playbooks
    from aiops.runbooks import read_runbooks

    problems: list[str] = []
    catalog: Catalog | None = None
    if args.catalog:
        try:
            catalog = load_catalog(
                yaml.safe_load(Path(args.catalog).read_text(encoding="utf-8")), origin=args.catalog
            )
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{args.catalog}: {exc}")
        except CatalogError as exc:
            problems.extend(str(exc).splitlines())
    runbooks, runbook_problems = read_runbooks(Path(args.runbooks or DEFAULT_RUNBOOKS))
    playbooks, playbook_problems = read_playbooks(Path(args.playbooks or DEFAULT_PLAYBOOKS))
    problems += runbook_problems + playbook_problems
    for pb in playbooks:
        if pb.action.runbook not in runbooks:
            problems.append(f"playbook {pb.name}: runbook {pb.action.runbook} does not exist")
            continue
        for service in catalog.services if catalog else ():
            if service.llm is None:
                continue
            why = check_playbook(pb, runbooks, service)
            if why:
                problems.append(f"playbook {pb.name} for service {service.name}: {why}")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    services = len(catalog.services) if catalog else 0
    print(f"ok: {len(runbooks)} runbooks, {len(playbooks)} playbooks, {services} services")
    return 0


def _replay(args: argparse.Namespace) -> int:
    import yaml

    from aiops.adapters.wiring import read_catalog
    from aiops.errors import CatalogError
    from aiops.local.provision import StateError
    from aiops.local.replay import run_replay
    from aiops.local.stream import Progress

    try:
        catalog = read_catalog(Path(args.catalog))
        result = run_replay(
            Path(args.events),
            catalog,
            metrics_path=Path(args.metrics) if args.metrics else None,
            state_path=Path(args.state) if args.state else None,
            playbooks_dir=Path(args.playbooks) if args.playbooks else None,
            emulator=args.emulator,
            warn=lambda line: print(line, file=sys.stderr),
            progress=Progress(sys.stderr, total=Path(args.events).stat().st_size),
        )
    except (OSError, yaml.YAMLError, StateError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CatalogError as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    report = result.report
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    stats = report["stats"]
    print(
        f"{stats['events']} events, {stats['signals']} signals, {stats['duplicates']} duplicates, "
        f"{stats['rejected']} rejected -> {stats['incidents']} incident(s)"
    )
    for inc in report["incidents"]:
        rc = inc["root_cause"]
        print(
            f"\n{inc['id']}  {inc['service']}  {inc['status']}  {inc['severity']}"
            f"{'  flapping' if inc['flapping'] else ''}"
        )
        print(
            f"  root cause: {rc['component']} - {rc['summary']}"
            + (f" (change {rc['change']})" if rc["change"] else "")
        )
        print(f"  signals: {len(inc['signals'])}")
    from aiops.local.thread import write_thread

    write_thread(result.app.chat, sys.stdout, Path(args.payloads) if args.payloads else None)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from aiops.local.demo import run_demo

    return run_demo(payload_dir=Path(args.payloads) if args.payloads else None)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="aiops", description="AIOps incident bot for generative-AI apps on AWS"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="replay the bundled scenario through the real handlers on moto")
    demo.add_argument(
        "--payloads",
        metavar="DIR",
        default="build/demo",
        help="where to write the Slack API payloads (default build/demo)",
    )
    demo.set_defaults(func=_demo)
    norm = sub.add_parser("normalize", help="print the normalized signal(s) of one event as JSON")
    norm.add_argument("file")
    norm.set_defaults(func=_normalize)
    rep = sub.add_parser("replay", help="run the whole pipeline over an event stream, on event time")
    rep.add_argument("events", help="events, one JSON per line, oldest first")
    rep.add_argument("--catalog", required=True)
    rep.add_argument("--metrics", help="CloudWatch datapoints to seed first, one JSON per line")
    rep.add_argument("--state", help="initial AWS state (YAML); default: what the catalog names")
    rep.add_argument("--playbooks", help="playbooks directory (default: the shipped playbooks/)")
    rep.add_argument("--payloads", metavar="DIR", help="write the Slack API payloads (JSON) here")
    rep.add_argument("--json", action="store_true", help="print the result as JSON")
    rep.add_argument("--emulator", choices=("memory", "moto"), default="memory")
    rep.set_defaults(func=_replay)
    val = sub.add_parser("validate", help="static checks of catalog, playbooks and runbooks")
    val.add_argument("--catalog")
    val.add_argument("--playbooks", help="default: the shipped playbooks/")
    val.add_argument("--runbooks", help="default: the shipped runbooks/")
    val.set_defaults(func=_validate)
    from aiops.account.cli import register

    register(sub)  # maturity, catalog discover|init (they read an AWS account)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
