"""``aiops incidents list|show`` (and ``aiops postmortem``): the incident history of the deployed stack's
table, read-only, or of a replay's saved state (``--from DIR``). Errors: one ``error:`` line, exit 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from aiops.account.errors import AccountError

EXIT_OK, EXIT_USAGE = 0, 2
STATUSES = ("open", "mitigated", "resolved")


def _source_options(cmd: argparse.ArgumentParser) -> None:
    where = cmd.add_mutually_exclusive_group()
    where.add_argument(
        "--stack", metavar="NAME", help="the deployed stack whose IncidentTable to read (default aiops)"
    )
    where.add_argument("--table", metavar="NAME", help="the DynamoDB table itself")
    where.add_argument(
        "--from",
        dest="saved",
        metavar="DIR",
        help="a replay's saved state (aiops replay ... --state-out DIR)",
    )
    cmd.add_argument("--region", help="the stack's region (default: the session's)")


def register(sub: Any) -> None:
    """Add ``incidents`` (list, show) and ``postmortem`` to ``aiops``'s subparsers."""
    inc = sub.add_parser(
        "incidents",
        help="the incident history: list, show (the deployed table, or a replay's state)",
        description="Reads the deployed stack's incident table (read-only credentials will do: "
        "cloudformation:DescribeStackResource, dynamodb:Query, dynamodb:GetItem) or a replay's saved state.",
        epilog="examples:\n  aiops incidents list --since 7d --service chat-assistant\n"
        "  aiops incidents show inc-0123456789ab --json\n"
        "  aiops replay events.jsonl --catalog catalog.yaml --state-out build/state\n"
        "  aiops incidents list --from build/state --since 30d",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = inc.add_subparsers(dest="verb", required=True)
    ls = verbs.add_parser(
        "list",
        help="incidents opened in a window, newest first",
        epilog="examples:\n  aiops incidents list --since 7d --service chat-assistant --status resolved\n"
        "  aiops incidents list --from build/state --since 30d --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _source_options(ls)
    ls.add_argument("--service", help="only this service's incidents")
    ls.add_argument("--since", default="7d", help="7d, 24h, 30m, 2w or a date (default 7d)")
    ls.add_argument("--status", action="append", choices=STATUSES, help="only these statuses (repeatable)")
    ls.add_argument("--json", action="store_true", help="print JSON (docs/history-and-postmortems.md)")
    ls.set_defaults(func=_list)
    show = verbs.add_parser(
        "show",
        help="one incident: record, actions, pages, timeline",
        epilog="examples:\n  aiops incidents show inc-0123456789ab --stack aiops --region us-east-1\n"
        "  aiops incidents show inc-0123456789ab --from build/state --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("id", metavar="ID", help="the incident id (inc-...)")
    _source_options(show)
    show.add_argument("--json", action="store_true", help="print JSON (docs/history-and-postmortems.md)")
    show.set_defaults(func=_show)

    pm = sub.add_parser(
        "postmortem",
        help="draft the postmortem of an incident (Markdown for a wiki, or JSON)",
        description="A postmortem draft from the incident's record: summary, impact, timeline with the times "
        "to detect, acknowledge, mitigate and resolve, root cause and the hypotheses ruled out, actions, who "
        "did what, similar incidents, open questions.",
        epilog="examples:\n  aiops postmortem inc-0123456789ab --stack aiops --region us-east-1 -o pm.md\n"
        "  aiops postmortem inc-0123456789ab --from build/state --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pm.add_argument("id", metavar="ID", help="the incident id (inc-...)")
    _source_options(pm)
    pm.add_argument("--format", choices=("md", "json"), default="md", help="Markdown (default) or JSON")
    pm.add_argument("-o", "--output", metavar="FILE", help="write it here instead of stdout")
    pm.set_defaults(func=_postmortem)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def open_source(args: argparse.Namespace) -> tuple[Any, Callable[[], datetime], str, str]:
    """The source the options name, its clock, a label and the region (for error messages)."""
    from aiops.account.history import HistoryError, open_saved, open_table

    if args.saved:
        return (*open_saved(Path(args.saved)), "")
    region = args.region or _default_region()
    if not region:
        raise HistoryError("no region: pass --region or set AWS_REGION")
    stack = None if args.table else (args.stack or "aiops")
    return (*open_table(stack=stack, table=args.table, region=region), region)


def _default_region() -> str | None:
    import boto3

    return boto3.Session().region_name


def run(args: argparse.Namespace, body: Callable[[Any, Callable[[], datetime], str], int]) -> int:
    """``body(source, now, label)`` with every AWS or state error as one ``error:`` line."""
    from aiops.account.history import translated

    try:
        source, now, label, region = open_source(args)
        with translated(region or "-", label):
            return body(source, now, label)
    except AccountError as exc:
        return _fail(str(exc))


def _list(args: argparse.Namespace) -> int:
    from aiops.account.history import parse_since
    from aiops.present.history_view import list_json, list_text
    from aiops.signals.model import format_time

    def body(source: Any, now: Callable[[], datetime], label: str) -> int:
        until = now()
        since = parse_since(args.since, until)
        found = source.history(since, until, service=args.service, statuses=tuple(args.status or ()))
        doc = list_json(found, source=label, since=format_time(since), until=format_time(until))
        if args.json:
            print(json.dumps(doc, indent=2, ensure_ascii=False))
        else:
            sys.stdout.write(list_text(doc))
        return EXIT_OK

    return run(args, body)


def show_doc(source: Any, incident_id: str) -> dict[str, Any] | None:
    """``incidents show --json`` of one incident, or None when the source has no such incident."""
    from aiops.incident.links import slack_thread_url
    from aiops.present.history_view import show_json

    incident = source.get(incident_id)
    if incident is None:
        return None
    record = source.message_for(incident_id)
    return show_json(
        incident,
        signals=source.signals_of(incident_id),
        timeline=source.timeline(incident_id),
        thread_url=slack_thread_url(record.channel, record.ts) if record is not None and record.ts else None,
        narrative=source.narrative_record(incident_id),
    )


def _show(args: argparse.Namespace) -> int:
    from aiops.present.history_view import show_text

    def body(source: Any, now: Callable[[], datetime], label: str) -> int:
        doc = show_doc(source, args.id)
        if doc is None:
            return _fail(f"{args.id}: no such incident in {label}")
        if args.json:
            print(json.dumps(doc, indent=2, ensure_ascii=False))
        else:
            sys.stdout.write(show_text(doc))
        return EXIT_OK

    return run(args, body)


def postmortem_of(source: Any, incident_id: str, fmt: str) -> str | None:
    """The draft of one incident as ``fmt`` (md or json), or None when the source has no such incident."""
    from aiops.incident.links import slack_thread_url
    from aiops.present.postmortem import postmortem
    from aiops.present.postmortem_md import render_markdown

    incident = source.get(incident_id)
    if incident is None:
        return None
    record = source.message_for(incident_id)
    doc = postmortem(
        incident,
        source.timeline(incident_id),
        signals=source.signals_of(incident_id),
        thread_url=slack_thread_url(record.channel, record.ts) if record is not None and record.ts else None,
    )
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n" if fmt == "json" else render_markdown(doc)


def _postmortem(args: argparse.Namespace) -> int:
    def body(source: Any, now: Callable[[], datetime], label: str) -> int:
        text = postmortem_of(source, args.id, args.format)
        if text is None:
            return _fail(f"{args.id}: no such incident in {label}")
        if not args.output:
            sys.stdout.write(text)
            return EXIT_OK
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            return _fail(f"cannot write {args.output}: {exc.strerror}")
        print(f"wrote {args.output}", file=sys.stderr)
        return EXIT_OK

    return run(args, body)
