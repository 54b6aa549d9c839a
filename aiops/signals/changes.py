"""Change events: prompt and model versions (SSM Parameter Store, Bedrock Prompt Management).

- ``aws.ssm`` "Parameter Store Change" (operation Create / Update / Delete / LabelParameterVersion ...),
- CloudTrail "AWS API Call via CloudTrail" for ``ssm`` PutParameter / LabelParameterVersion /
  DeleteParameter and ``bedrock`` CreatePromptVersion / UpdatePrompt / CreatePrompt / DeletePrompt.

A failed API call changed nothing: it is not a change event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from aiops.errors import InvalidEventError, UnsupportedEventError
from aiops.signals.base import Input, parse
from aiops.signals.model import ChangeInfo, ChangeTargetKind, Signal
from aiops.signals.tolerant import AnyMap, Opt, Text
from aiops.text import MAX_NAME, MAX_TEXT, MAX_TITLE, cap

SSM_OPERATIONS = frozenset(
    {"PutParameter", "LabelParameterVersion", "UnlabelParameterVersion", "DeleteParameter"}
)
BEDROCK_OPERATIONS = frozenset({"CreatePromptVersion", "UpdatePrompt", "CreatePrompt", "DeletePrompt"})


class _ParameterChange(Input):
    name: str = Field(min_length=1)
    operation: Text = ""


class _Identity(Input):
    arn: Text = ""
    principal_id: Text = Field(default="", alias="principalId")


class _CloudTrail(Input):
    event_name: str = Field(alias="eventName", min_length=1)
    error_code: Text = Field(default="", alias="errorCode")
    user_identity: Opt[_Identity] = Field(default=None, alias="userIdentity")
    request_parameters: AnyMap = Field(default={}, alias="requestParameters")
    response_elements: AnyMap = Field(default={}, alias="responseElements")


def from_parameter_store(detail: Any, *, event_id: str, time: datetime, account: str, region: str) -> Signal:
    d = parse(_ParameterChange, detail, source="aws.ssm", prefix="detail")
    info = ChangeInfo(
        target_kind="parameter", target=cap(d.name, 2048), operation=cap(d.operation, 64) or "Change"
    )
    return _signal(info, "aws.ssm", "Parameter Store Change", event_id, time, account, region)


def from_cloudtrail(
    detail: Any, *, source: str, event_id: str, time: datetime, account: str, region: str
) -> Signal:
    d = parse(_CloudTrail, detail, source=source, prefix="detail")
    if d.error_code:
        raise UnsupportedEventError(
            "a failed API call is not a change", source=source, field="detail.errorCode"
        )
    req, resp, who = d.request_parameters, d.response_elements, d.user_identity
    actor = cap(who.arn or who.principal_id, MAX_TEXT) if who else ""
    if source == "aws.ssm" and d.event_name in SSM_OPERATIONS:
        name = _text(req.get("name"), source, "detail.requestParameters.name")
        kind: ChangeTargetKind = "parameter"
        version = (
            resp.get("version")
            if d.event_name == "PutParameter"
            else (req.get("parameterVersion", resp.get("parameterVersion")))
        )
        raw_labels = req.get("labels")
        labels: list[Any] = raw_labels if isinstance(raw_labels, list) else []
        target = name
    elif source == "aws.bedrock" and d.event_name in BEDROCK_OPERATIONS:
        ident = req.get("promptIdentifier") or resp.get("id")
        target = prompt_id(_text(ident, source, "detail.requestParameters.promptIdentifier"))
        kind = "prompt"
        version = resp.get("version") if d.event_name == "CreatePromptVersion" else None
        labels = []
    else:
        raise UnsupportedEventError(
            f"eventName {cap(d.event_name, 64)!r} is not a change the bot follows",
            source=source,
            field="detail.eventName",
        )
    info = ChangeInfo(
        target_kind=kind,
        target=cap(target, 2048),
        operation=cap(d.event_name, 64),
        new_version=_version(version),
        labels=tuple(cap(x, 100) for x in labels[:10] if isinstance(x, str)),
        actor=actor,
    )
    return _signal(info, source, "AWS API Call via CloudTrail", event_id, time, account, region)


def prompt_id(identifier: str) -> str:
    """A Bedrock prompt id from an id or ARN (``arn:aws:bedrock:r:a:prompt/ID[:version]``)."""
    if identifier.startswith("arn:") and "prompt/" in identifier:
        return identifier.split("prompt/", 1)[1].split(":", 1)[0]
    return identifier


def _text(value: Any, source: str, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidEventError("must be a non-empty string", source=source, field=field)
    return value


def _version(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str) and str(value) and str(value).upper() != "DRAFT":
        return cap(str(value), 32)
    return None


def _signal(
    info: ChangeInfo, source: str, detail_type: str, event_id: str, time: datetime, account: str, region: str
) -> Signal:
    version = f" -> version {info.new_version}" if info.new_version else ""
    what = "Prompt" if info.target_kind == "prompt" else "Parameter"
    return Signal(
        id=event_id,
        source=source,
        time=time,
        kind="change",
        status="info",
        resource=cap(info.target, MAX_NAME * 8),
        title=cap(f"{what} {info.target} changed ({info.operation}){version}", MAX_TITLE),
        account=account,
        region=region,
        detail_type=detail_type,
        change=info,
    )
