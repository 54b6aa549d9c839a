"""Cold import of each Lambda handler against ``import boto3``, best of 5, each in a fresh interpreter.

    .venv/bin/python bench/coldstart.py [--rounds 5]

Every measurement is a new ``python -c`` process (nothing cached in ``sys.modules``), run with the
environment the stack gives its functions. Rounds interleave the statements, so a busy machine slows
them alike; each figure is the best of its rounds, and the ratio is to ``import boto3`` in the same run.

Two figures per handler:
- ``import``: ``import handlers.<name>``, what Lambda's init phase runs (the issue's measure: ingest at
  most 1.5x boto3);
- ``first call``: the same plus what its first invocation imports before any I/O (the pipeline, the
  adapters; for the Slack app what a verified request needs), so the deferred part is shown, not hidden.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "aiops-bench",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "aiops",
    "POWERTOOLS_METRICS_NAMESPACE": "aiops",
    "POWERTOOLS_TRACE_DISABLED": "false",
    "AIOPS_TABLE": "aiops-bench",
    "AIOPS_STACK_NAME": "aiops-bench",
}
BASELINE = "import boto3"
HANDLERS = {
    "ingest": "aiops.adapters.wiring, aiops.adapters.batch",
    "automation": "aiops.adapters.wiring, aiops.signals, aws_lambda_powertools.utilities.batch",
    "flush": "aiops.adapters.wiring, aiops.pipeline",
    "slack_app": "aiops.adapters.wiring, aiops.adapters.slack_app, slack_bolt.adapter.aws_lambda",
    "runbooks_installer": "boto3, urllib3",
}


def timed(statement: str) -> float:
    """Seconds ``statement`` takes in a fresh interpreter (interpreter start-up not included)."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **LAMBDA_ENV}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    return float(out.stdout.strip().splitlines()[-1])


def measure(rounds: int) -> dict[str, float]:
    statements = [BASELINE]
    for name, first in HANDLERS.items():
        statements += [f"import handlers.{name}", f"import handlers.{name}, {first}"]
    best = dict.fromkeys(statements, float("inf"))
    for _ in range(rounds):
        for statement in statements:
            best[statement] = min(best[statement], timed(statement))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    best = measure(args.rounds)
    base = best[BASELINE]
    print(f"cold imports, best of {args.rounds}, Python {sys.version.split()[0]}")
    print(f"{'import boto3':<28} {base * 1000:7.1f} ms   1.00x")
    print(f"{'handler':<28} {'import':>10} {'ratio':>7}   {'first call':>10} {'ratio':>7}")
    for name, first in HANDLERS.items():
        cold, path = best[f"import handlers.{name}"], best[f"import handlers.{name}, {first}"]
        line = f"{cold * 1000:7.1f} ms {cold / base:6.2f}x   {path * 1000:7.1f} ms {path / base:6.2f}x"
        print(f"{name:<28} {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
