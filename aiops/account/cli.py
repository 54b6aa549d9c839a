"""The account subcommands: ``aiops maturity`` and ``aiops catalog discover|init``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add the subcommands to ``aiops``'s subparsers."""
    mat = sub.add_parser(
        "maturity",
        help="judge an AWS account against the LLM observability maturity model",
        description="Reads the account (read-only, any boto3 credentials) and judges each practice of the "
        "three levels as present, partial, missing or unknown, with the evidence and the fix.",
        epilog="examples:\n  aiops maturity --region us-east-1\n  aiops maturity --region us-east-1 --region "
        "eu-west-1 --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mat.add_argument(
        "--region", action="append", help="a region to read (repeatable; default: the session's)"
    )
    mat.add_argument("--json", action="store_true", help="print the report as JSON")
    mat.add_argument("--stack-name", default="aiops", help="this bot's stack (default aiops)")
    mat.add_argument(
        "--parameter-prefix", default="/llm/", help="where prompt parameters live (default /llm/)"
    )
    mat.set_defaults(func=_maturity, command_parser=mat)

    cat = sub.add_parser(
        "catalog",
        help="propose a service catalog",
        epilog="examples:\n  aiops catalog discover --region us-east-1 -o catalog.yaml\n"
        "  aiops catalog init --service chat-assistant --model-id anthropic.claude-3-5-sonnet-20240620-v1:0",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = cat.add_subparsers(dest="verb", required=True)
    dis = verbs.add_parser(
        "discover",
        help="propose catalog.yaml from the account's stacks, tags and alarms",
        epilog="example:\n  aiops catalog discover --service-tag app --parameter-prefix /llm/ "
        "--region us-east-1 -o catalog.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dis.add_argument("--service-tag", help="the tag key naming a resource's service (default: stack names)")
    dis.add_argument(
        "--parameter-prefix", default="/llm/", help="where prompt and model parameters live (default /llm/)"
    )
    dis.add_argument("--region", help="the region to read (default: the session's)")
    dis.add_argument("-o", "--output", metavar="FILE", help="write the catalog here instead of stdout")
    dis.set_defaults(func=_discover, command_parser=dis)
    ini = verbs.add_parser(
        "init",
        help="the catalog entry matching the alarm pack's names",
        epilog="example:\n  aiops catalog init --service chat-assistant --model-id "
        "anthropic.claude-3-5-sonnet-20240620-v1:0 -o catalog.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ini.add_argument("--service", required=True, help="the service, as the alarm pack's AlarmPackServiceName")
    ini.add_argument(
        "--model-id",
        action="append",
        required=True,
        help="a Bedrock model id (repeatable, as AlarmPackModelIds)",
    )
    ini.add_argument("-o", "--output", metavar="FILE", help="write the catalog here instead of stdout")
    ini.set_defaults(func=_init, command_parser=ini)


def _default_region() -> str | None:
    import boto3
    from botocore.exceptions import ProfileNotFound

    from aiops.account.errors import CredentialsError

    try:
        return boto3.Session().region_name
    except ProfileNotFound as exc:
        raise CredentialsError("the default region", str(exc)) from None


def _maturity(args: argparse.Namespace) -> int:
    from aiops.account.errors import AccountError
    from aiops.account.maturity import assess_account
    from aiops.account.render import render_text

    try:
        regions = args.region or [r for r in [_default_region()] if r]
        if not regions:
            print("error: no region: pass --region or set AWS_REGION", file=sys.stderr)
            return 2
        # Unusable credentials or no way to AWS stop here: a report of nothing but "unknown" is no report.
        report = assess_account(
            regions=regions, stack_name=args.stack_name, parameter_prefix=args.parameter_prefix
        )
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_text(report, color=sys.stdout.isatty()))
    return 0


def _write(text: str, output: str | None) -> int:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"error: cannot write {output}: {exc.strerror}", file=sys.stderr)
            return 2
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _discover(args: argparse.Namespace) -> int:
    from aiops.account.discover import FALLBACK_PLACEHOLDER, TOKEN_CAP_PLACEHOLDER, discover
    from aiops.account.errors import AccountError
    from aiops.account.reader import session_factory

    try:
        region = args.region or _default_region()
        if not region:
            print("error: no region: pass --region or set AWS_REGION", file=sys.stderr)
            return 2
        left_out: list[str] = []
        text = discover(
            session_factory(),
            region,
            service_tag=args.service_tag,
            parameter_prefix=args.parameter_prefix,
            left_out=left_out,
        )
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    code = _write(text, args.output)
    if left_out:  # what was found but not proposed, on stderr (and closing the catalog as comments)
        print(f"left out ({len(left_out)}):", file=sys.stderr)
        for line in left_out:
            print(f"  - {line}", file=sys.stderr)
    placeholders = sum(text.count(p) for p in (FALLBACK_PLACEHOLDER, TOKEN_CAP_PLACEHOLDER))
    if code == 0 and placeholders:
        print(
            f"fill in {placeholders} <placeholder>(s) before use: aiops validate refuses the catalog "
            "until then",
            file=sys.stderr,
        )
    return code


def _init(args: argparse.Namespace) -> int:
    import re

    from aiops.account.init import init_catalog

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", args.service):
        print(
            "error: --service must match the alarm pack's ServiceName: [a-z0-9][a-z0-9-]{0,39}",
            file=sys.stderr,
        )
        return 2
    if len(args.model_id) > 3:
        print("error: the alarm pack has 3 model slots", file=sys.stderr)
        return 2
    return _write(init_catalog(args.service, args.model_id), args.output)
