"""CloudFormation custom resource: installs runbooks/*.yaml as SSM Automation documents (aiops-<Name>).

Create and Update put every document (a new version becomes the default); Delete removes them. The
result goes back to CloudFormation's pre-signed ResponseURL, as the custom-resource protocol requires.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="aiops")
RUNBOOKS = Path(os.environ.get("AIOPS_RUNBOOKS_DIR") or Path(__file__).resolve().parents[1] / "runbooks")


def install(ssm: Any, prefix: str, folder: Path = RUNBOOKS) -> list[str]:
    """Create or update every runbook document; returns the document names."""
    names = []
    for path in sorted(folder.glob("*.yaml")):
        name, content = f"{prefix}{path.stem}", path.read_text(encoding="utf-8")
        try:
            ssm.create_document(Name=name, Content=content, DocumentType="Automation", DocumentFormat="YAML")
        except ssm.exceptions.DocumentAlreadyExists:
            try:
                version = ssm.update_document(
                    Name=name, Content=content, DocumentFormat="YAML", DocumentVersion="$LATEST"
                )["DocumentDescription"]["DocumentVersion"]
                ssm.update_document_default_version(Name=name, DocumentVersion=version)
            except ssm.exceptions.DuplicateDocumentContent:
                pass  # unchanged
        names.append(name)
    return names


def remove(ssm: Any, prefix: str, folder: Path = RUNBOOKS) -> None:
    for path in sorted(folder.glob("*.yaml")):
        with contextlib.suppress(ssm.exceptions.InvalidDocument):  # already gone
            ssm.delete_document(Name=f"{prefix}{path.stem}")


def respond(event: dict[str, Any], status: str, reason: str, data: dict[str, Any]) -> None:
    import urllib3

    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:900],
            "PhysicalResourceId": f"aiops-runbooks-{event['LogicalResourceId']}",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }
    ).encode()
    http = urllib3.PoolManager(
        retries=urllib3.Retry(total=5, backoff_factor=1.0, allowed_methods=frozenset({"PUT"}))
    )
    http.request(
        "PUT", event["ResponseURL"], body=body, headers={"Content-Type": "", "Content-Length": str(len(body))}
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    import boto3

    ssm = boto3.client("ssm")
    prefix = str(event.get("ResourceProperties", {}).get("Prefix", "aiops-"))
    try:
        if event["RequestType"] == "Delete":
            remove(ssm, prefix)
            respond(event, "SUCCESS", "removed", {})
        else:
            names = install(ssm, prefix)
            logger.info("runbooks.installed", documents=names)
            before = str(event.get("OldResourceProperties", {}).get("Prefix", prefix))
            if before != prefix:  # this stack may delete only its own prefix's documents: say what is left
                left = [f"{before}{path.stem}" for path in sorted(RUNBOOKS.glob("*.yaml"))]
                logger.warning("runbooks.old_prefix_left", documents=left)
            respond(event, "SUCCESS", "installed", {"Documents": ",".join(names)})
    except Exception as exc:  # CloudFormation must always hear back, or the stack hangs for an hour
        logger.exception("runbooks.install_failed")
        respond(event, "FAILED", f"{type(exc).__name__}: {exc}", {})
