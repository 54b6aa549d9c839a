"""What a handler's cold import loads, checked in a fresh interpreter: only what its first line of work
needs. (The timings are in bench/coldstart.py; this keeps the structure that makes them.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "aws_xray_sdk",  # tracing: only once a traced invocation runs
    "boto3",
    "slack_sdk",
    "slack_bolt",
    "jinja2",
    "yaml",
    "aiops.pipeline",
    "aiops.signals",
    "aiops.adapters.wiring",
)


def _loaded(code: str, **env: str) -> set[str]:
    """The HEAVY modules in sys.modules after ``code`` runs in a new interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    full_env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "aiops-test",
        "POWERTOOLS_SERVICE_NAME": "aiops",
        **env,
    }
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT, env=full_env
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "handler", ["ingest", "automation", "flush", "slack_app", "runbooks_installer", "pagerduty_webhook"]
)
def test_importing_a_handler_loads_nothing_heavy(handler: str) -> None:
    assert _loaded(f"import handlers.{handler}") == set()


def test_a_forged_slack_request_loads_neither_bolt_nor_the_pipeline() -> None:
    code = """
import handlers.slack_app as h
from aiops.local.lambda_events import LambdaContext
event = {"isBase64Encoded": False, "body": "command=%2Faiops", "headers": {
    "x-slack-request-timestamp": "1", "x-slack-signature": "v0=00"}}
assert h.handler(event, LambdaContext())["statusCode"] == 401
"""
    assert _loaded(code, SLACK_SIGNING_SECRET="s3cr3t") == set()


def test_a_forged_pagerduty_webhook_loads_neither_the_parser_nor_the_pipeline() -> None:
    code = """
import sys
import handlers.pagerduty_webhook as h
from aiops.local.lambda_events import LambdaContext
body = '{"event": {"id": "1", "event_type": "incident.acknowledged"}}'
event = {"isBase64Encoded": False, "body": body, "headers": {"x-pagerduty-signature": "v1=00"}}
assert h.handler(event, LambdaContext())["statusCode"] == 401
assert "aiops.adapters.pagerduty_events" not in sys.modules
"""
    assert _loaded(code, PAGERDUTY_WEBHOOK_SECRET="s3cr3t", POWERTOOLS_TRACE_DISABLED="true") == set()


def test_tracing_costs_nothing_until_a_traced_call_runs() -> None:
    code = """
from aiops.adapters.tracing import traced
from aiops.local.lambda_events import LambdaContext
import sys
handler = traced(lambda event, context: "ok")
assert "aws_xray_sdk" not in sys.modules
assert handler({}, LambdaContext()) == "ok"
"""
    assert "aws_xray_sdk" in _loaded(code, POWERTOOLS_TRACE_DISABLED="false")
    assert "aws_xray_sdk" not in _loaded(code, POWERTOOLS_TRACE_DISABLED="true")
