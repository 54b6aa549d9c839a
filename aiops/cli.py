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

    from aiops.catalog import load_catalog
    from aiops.errors import CatalogError

    problems: list[str] = []
    if args.catalog:
        try:
            load_catalog(yaml.safe_load(Path(args.catalog).read_text(encoding="utf-8")), origin=args.catalog)
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{args.catalog}: {exc}")
        except CatalogError as exc:
            problems.extend(str(exc).splitlines())
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("ok")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from aiops.demo import run_demo

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
    val = sub.add_parser("validate", help="static checks of catalog, playbooks and runbooks")
    val.add_argument("--catalog")
    val.set_defaults(func=_validate)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
