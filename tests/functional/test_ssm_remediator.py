"""SsmRemediator's request as botocore validates it before sending (a Stubber checks the parameters)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from aiops.adapters.remediation import SsmRemediator


def test_empty_optional_parameters_are_left_out_so_the_start_is_not_refused() -> None:
    # GIVEN a runbook's rendered parameters with an optional one empty (no remediation role configured)
    ssm: Any = boto3.client("ssm", region_name="us-east-1")
    parameters = {"ParameterName": "/llm/x/prompt", "AutomationAssumeRole": "", "VerifyAlarmNames": ["a", ""]}
    with Stubber(ssm) as stub:
        stub.add_response(
            "start_automation_execution",
            {"AutomationExecutionId": "0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f"},
            {
                "DocumentName": "aiops-PromptRollback",
                "Parameters": {"ParameterName": ["/llm/x/prompt"], "VerifyAlarmNames": ["a"]},
                "ClientToken": "5f0c8f33-1d2e-4d6b-9d57-5a1b3a1e8c01",
            },
        )
        # WHEN it starts (botocore refuses an empty string before sending: the old code never got there)
        execution = SsmRemediator(ssm).start(
            "PromptRollback", parameters, "5f0c8f33-1d2e-4d6b-9d57-5a1b3a1e8c01"
        )
    # THEN the request left the empty ones out and SSM applies the document's defaults
    assert execution == "0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f"
