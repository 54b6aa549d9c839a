"""The custom resource installs the runbooks as SSM documents and answers CloudFormation."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import boto3

from handlers import runbooks_installer


def _cfn_listener() -> tuple[HTTPServer, list[dict[str, Any]]]:
    replies: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            replies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, replies


def _event(kind: str, url: str) -> dict[str, Any]:
    return {
        "RequestType": kind,
        "ResponseURL": url,
        "StackId": "stack",
        "RequestId": "req",
        "LogicalResourceId": "Runbooks",
        "ResourceProperties": {"Prefix": "aiops-"},
    }


def test_create_update_delete(aws: Any, lambda_context: Any) -> None:
    server, replies = _cfn_listener()
    url = f"http://127.0.0.1:{server.server_address[1]}/reply"
    ssm = boto3.client("ssm", region_name="us-east-1")
    runbooks_installer.handler(_event("Create", url), lambda_context)
    names = {
        d["Name"]
        for d in ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Self"]}])["DocumentIdentifiers"]
    }
    assert names == {"aiops-PromptRollback", "aiops-ModelRollback", "aiops-ModelFallback", "aiops-TokenCap"}
    assert ssm.get_document(Name="aiops-PromptRollback")["DocumentType"] == "Automation"
    runbooks_installer.handler(_event("Update", url), lambda_context)  # unchanged content: still fine
    runbooks_installer.handler(_event("Delete", url), lambda_context)
    assert ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Self"]}])["DocumentIdentifiers"] == []
    assert [r["Status"] for r in replies] == ["SUCCESS", "SUCCESS", "SUCCESS"]
    server.shutdown()


def _own(ssm: Any) -> set[str]:
    docs = ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Self"]}])["DocumentIdentifiers"]
    return {d["Name"] for d in docs}


def test_two_stacks_keep_their_own_runbooks(aws: Any, lambda_context: Any) -> None:
    server, replies = _cfn_listener()
    url = f"http://127.0.0.1:{server.server_address[1]}/reply"
    ssm = boto3.client("ssm", region_name="us-east-1")
    prod, staging = (
        dict(_event("Create", url), ResourceProperties={"Prefix": p}) for p in ("prod-", "staging-")
    )
    runbooks_installer.handler(prod, lambda_context)
    runbooks_installer.handler(staging, lambda_context)
    assert len(_own(ssm)) == 8
    # WHEN the staging stack is deleted, THEN prod's runbooks stay
    runbooks_installer.handler(dict(staging, RequestType="Delete"), lambda_context)
    assert _own(ssm) == {"prod-PromptRollback", "prod-ModelRollback", "prod-ModelFallback", "prod-TokenCap"}
    # and a stack moving from the old fixed prefix installs under its own, deleting nothing of another's
    moved = dict(prod, RequestType="Update", OldResourceProperties={"Prefix": "aiops-"})
    runbooks_installer.handler(moved, lambda_context)
    assert len(_own(ssm)) == 4
    assert [r["Status"] for r in replies] == ["SUCCESS"] * 4
    server.shutdown()
