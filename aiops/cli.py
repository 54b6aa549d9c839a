"""The ``aiops`` command line: demo, normalize, replay, validate (and the account tools).

Exit codes, the same for every command: 0 done; 1 validation found errors (``aiops validate``); 2 a
usage or input error (a bad option, a file or folder that cannot be read or parsed, an invalid catalog
or unusable playbooks, no AWS credentials, an AWS endpoint out of reach, a replay with nothing
replayed), said in one ``error:`` line on stderr, never a traceback; 130 interrupted; 141 the reader of
the output went away (``| head``), quietly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from aiops import __version__

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_PIPE = 0, 1, 2, 130, 141
EXIT_CODES = """exit codes (every command):
  0    done
  1    aiops validate found errors (warnings alone exit 0)
  2    usage or input error: a bad option, a file or folder that cannot be read or parsed, an invalid
       catalog or playbook, no AWS credentials, an AWS endpoint out of reach, nothing replayed
  130  interrupted (Ctrl-C)
  141  the reader of the output went away (| head): ends quietly"""


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _normalize(args: argparse.Namespace) -> int:
    from aiops.errors import EventError
    from aiops.signals import normalize_text

    path = Path(args.file)
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else path.read_bytes()
    except OSError as exc:
        _err(f"error: cannot read {args.file}: {exc.strerror}")
        return EXIT_USAGE
    if path.suffix in (".jsonl", ".ndjson") or _is_stream(raw):
        _err(
            f"error: {args.file} holds one event per line: normalize reads one event; to run a stream, use "
            f"aiops replay {args.file} --catalog CATALOG.yaml"
        )
        return EXIT_USAGE
    try:
        signals = normalize_text(raw, source=str(args.file))
    except EventError as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    out = [s.model_dump(mode="json", exclude_none=True) for s in signals]
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return EXIT_OK


def _is_stream(raw: bytes) -> bool:
    """Two or more lines that are each a JSON object: an event stream, not one event."""
    lines = [ln for ln in raw.splitlines() if ln.strip()]
    if len(lines) < 2 or not all(ln.lstrip().startswith(b"{") for ln in lines[:2]):
        return False
    try:
        return all(isinstance(json.loads(ln), dict) for ln in lines[:2])
    except ValueError:
        return False


def _validate(args: argparse.Namespace) -> int:
    from aiops.local.commands import validate

    return validate(args, os.environ)


def _replay(args: argparse.Namespace) -> int:
    from aiops.local.commands import replay

    return replay(args, os.environ)


def _demo(args: argparse.Namespace) -> int:
    from aiops.local.commands import demo

    return demo(args, os.environ)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions wrapped to the width; epilogs (examples, exit codes) as written."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=100)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:  # an epilog: laid out by hand
            return super()._fill_text(text, width, indent)
        return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="aiops",
        description="AIOps incident bot for generative-AI apps on AWS: its local tools.",
        epilog="examples:\n  aiops demo\n  aiops replay events.jsonl --catalog catalog.yaml --json\n\n"
        + EXIT_CODES,
        formatter_class=_Formatter,
    )
    top.add_argument("--version", action="version", version=f"aiops {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="the bundled scenario through the real ingest handler on an emulated account",
        description="Replays the bundled scenario (aiops/data/demo/) through handlers.ingest.handler on "
        "moto, "
        "runs the runbooks, shows the Slack thread as text and ends with the emulated account's maturity "
        "report. Nothing is sent unless --live.",
        epilog="examples:\n  aiops demo --payloads build/demo\n"
        "  SLACK_BOT_TOKEN=xoxb-... SLACK_CHANNEL=#sandbox aiops demo --live",
        formatter_class=_Formatter,
    )
    demo.add_argument(
        "--payloads",
        metavar="DIR",
        default="build/demo",
        help="write each Slack message version's API payload to DIR, after removing earlier payloads from it "
        "(default build/demo)",
    )
    _live(demo)
    demo.set_defaults(func=_demo, command_parser=demo)

    norm = sub.add_parser(
        "normalize",
        help="print the normalized signal(s) of one event as JSON",
        description="Prints the signal(s) the bot reads from one event: an EventBridge event, an SNS "
        "record or notification, or a Lambda SNS / SQS batch. Invalid input: one line error: ... on "
        "stderr, exit 2.",
        epilog="example:\n  aiops normalize tests/events/cloudwatch/alarm_metric_alarm.json",
        formatter_class=_Formatter,
    )
    norm.add_argument(
        "file", metavar="FILE", help="one event as JSON; - reads standard input (for a stream, use replay)"
    )
    norm.set_defaults(func=_normalize, command_parser=norm)

    rep = sub.add_parser(
        "replay",
        help="run the whole pipeline over an event stream, on the events' own time",
        description="Runs every event of EVENTS.jsonl (one per line, oldest first) through the ingest "
        "path on an emulated account, with each event's time as the clock: the same input gives the same "
        "output. Rejected events are named on stderr (FILE:LINE: ...); progress goes to stderr; stdout "
        "has the result only.",
        epilog="examples:\n"
        "  aiops replay examples/scenarios/3-bedrock-throttling/events.jsonl \\\n"
        "      --catalog examples/scenarios/3-bedrock-throttling/catalog.yaml \\\n"
        "      --metrics examples/scenarios/3-bedrock-throttling/metrics.jsonl --json",
        formatter_class=_Formatter,
    )
    rep.add_argument(
        "events",
        metavar="EVENTS.jsonl",
        help="events, one JSON per line, oldest first; - reads standard input",
    )
    rep.add_argument("--catalog", required=True, metavar="FILE", help="the service catalog (YAML)")
    rep.add_argument(
        "--metrics",
        metavar="FILE",
        help="CloudWatch datapoints to seed first, one JSON per line: namespace, metric, dimensions, "
        "timestamp, value, unit",
    )
    rep.add_argument(
        "--state",
        metavar="FILE",
        help="initial SSM parameters (YAML: parameters: {name: [versions, oldest first]}); default: the "
        "ones the catalog names, each with a short history",
    )
    rep.add_argument(
        "--playbooks", metavar="DIR", help="playbooks directory (default: the shipped playbooks/)"
    )
    rep.add_argument(
        "--payloads", metavar="DIR", help="write the Slack API payloads to DIR, after removing earlier ones"
    )
    rep.add_argument("--json", action="store_true", help="print the result as one JSON object")
    rep.add_argument(
        "--state-out",
        metavar="DIR",
        help="save the incidents, timelines and threads to DIR, for aiops incidents / postmortem --from DIR",
    )
    rep.add_argument(
        "--postmortems", metavar="DIR", help="write each incident's postmortem draft to DIR/<id>.md"
    )
    rep.add_argument(
        "--emulator",
        choices=("memory", "moto"),
        default="memory",
        help="the emulated account: in memory (default, fast) or moto (the DynamoDB adapter itself)",
    )
    _live(rep)
    rep.set_defaults(func=_replay, command_parser=rep)

    val = sub.add_parser(
        "validate",
        help="lint the catalog, playbooks and runbooks (every problem, FILE:LINE: ...)",
        description="Static checks of the catalog the bot would load (--catalog, else AIOPS_CATALOG_FILE, "
        "else the bundled one), the playbooks and the runbooks: every problem, each as FILE:LINE: PATH: "
        "message. Exit 1 with errors; warnings alone exit 0.",
        epilog="examples:\n  aiops validate\n  aiops validate --catalog catalog.yaml --playbooks playbooks/ "
        "--state state.yaml",
        formatter_class=_Formatter,
    )
    val.add_argument(
        "--catalog", metavar="FILE", help="default: AIOPS_CATALOG_FILE, else the bundled catalog"
    )
    val.add_argument(
        "--playbooks", metavar="DIR", help="default: AIOPS_PLAYBOOKS_DIR, else the shipped playbooks/"
    )
    val.add_argument(
        "--runbooks", metavar="DIR", help="default: AIOPS_RUNBOOKS_DIR, else the shipped runbooks/"
    )
    val.add_argument("--state", metavar="FILE", help="a replay --state file to check too")
    val.add_argument(
        "--json",
        action="store_true",
        help="print the result as one JSON object (ok, errors, warnings, problems[]) for CI",
    )
    val.set_defaults(func=_validate, command_parser=val)

    from aiops.account.cli import register

    register(sub)  # maturity, catalog discover|init (they read an AWS account)
    from aiops.account.history_cli import register as register_history

    register_history(sub)  # incidents list|show, postmortem (the history of the deployed table)
    return top


def _live(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--live",
        action="store_true",
        help="send to the real Slack and PagerDuty (SLACK_BOT_TOKEN, SLACK_CHANNEL, SLACK_API_URL, "
        "PAGERDUTY_ROUTING_KEY, PAGERDUTY_EVENTS_URL); without it everything is rendered locally",
    )


def main(argv: Sequence[str] | None = None) -> int:
    top = parser()
    args, unknown = top.parse_known_args(argv)
    if unknown:  # said by the command that was given them, with its own usage (exits 2)
        getattr(args, "command_parser", top).error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return code
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (| head): say nothing more, and let no flush at exit complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE
    except OSError as exc:  # a file or folder a command could not read or write, wherever it was opened
        _err(f"error: {exc.filename or 'a file'}: {exc.strerror or exc}")
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
