"""template.yaml as CloudFormation sees it after `sam package` and the SAM transform, and a resolver of
the intrinsic functions it uses, for given parameter values and a stack name.

The transform is aws-sam-translator's own (what `sam deploy` runs, and CloudFormation's
AWS::Serverless-2016-10-31); `sam package` is simulated by pointing the local code at S3 URIs, as it does.
The resolver knows Ref, Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::If (and the conditions), Fn::GetAtt
and AWS::NoValue: enough to read an event pattern, a policy or a name as a deployed stack would have it.
Resources stand for themselves: ``Ref X`` is ``<X>``, ``GetAtt X.Arn`` is ``arn:<X>``.
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
ACCOUNT = "111122223333"
REGION = "us-east-1"
_NOVALUE = object()


@cache
def _decoded() -> str:
    from cfnlint.decode import decode  # type: ignore[import-untyped]

    template, errors = decode(str(TEMPLATE))
    assert not errors and template is not None, errors
    return json.dumps(template)


def raw() -> dict[str, Any]:
    """template.yaml as written (SAM resources untransformed)."""
    doc: dict[str, Any] = json.loads(_decoded())
    return doc


@cache
def _transformed() -> str:
    from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

    doc = raw()
    for name, res in doc["Resources"].items():  # what `sam package` does to local paths
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Serverless::Function":
            props["CodeUri"] = f"s3://artifacts/{name}.zip"
        elif res["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = f"s3://artifacts/{name}.zip"
        elif res["Type"] == "AWS::Serverless::Application":
            props["Location"] = f"https://s3.{REGION}.amazonaws.com/artifacts/{name}.yaml"

    class NoManagedPolicyNames:
        def load(self) -> dict[str, str]:
            return {}

    saved = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = REGION
    try:
        out = transform(doc, {}, NoManagedPolicyNames())
    finally:
        if saved is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = saved
    return json.dumps(out)


def transformed() -> dict[str, Any]:
    """The CloudFormation template `sam deploy` creates the stack from."""
    doc: dict[str, Any] = json.loads(_transformed())
    return doc


class Stack:
    """The template's values for one stack: its name and parameter overrides."""

    def __init__(
        self, template: dict[str, Any], name: str = "aiops", parameters: dict[str, Any] | None = None
    ) -> None:
        self.template = template
        self.name = name
        self.params: dict[str, Any] = {}
        for key, spec in template.get("Parameters", {}).items():
            value = (parameters or {}).get(key, spec.get("Default"))
            if spec["Type"] == "CommaDelimitedList" and isinstance(value, str):
                value = [v.strip() for v in value.split(",")] if value else [""]
            self.params[key] = value
        self._conditions: dict[str, bool] = {}

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.template["Resources"]
        return {k: v for k, v in resources.items() if "Condition" not in v or self.condition(v["Condition"])}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self.resolve(self.template["Conditions"][name]))
        return self._conditions[name]

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(v) for v in node]
            return [v for v in items if v is not _NOVALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                target, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return f"arn:<{target}>" if attr == "Arn" else f"<{target}.{attr}>"
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                return str(arg[0]).join(str(v) for v in self.resolve(arg[1]))
            if key == "Fn::Split":
                return str(self.resolve(arg[1])).split(arg[0])
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(self.resolve(arg[0]))]
            if key == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":  # CloudFormation compares the values as strings: "0" equals 0
                return _as_cfn_string(self.resolve(arg[0])) == _as_cfn_string(self.resolve(arg[1]))
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(a) for a in arg)
            if key == "Fn::Or":
                return any(self.resolve(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
        out = {k: self.resolve(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v is not _NOVALUE}

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::StackName": self.name,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": _NOVALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.params:
            return self.params[name]
        if name == "AutomationKillSwitch":  # an SSM parameter's Ref is its name
            return self.resolve(self.template["Resources"][name]["Properties"]["Name"])
        return f"<{name}>"

    def _sub(self, arg: Any) -> str:
        import re

        text, values = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def one(m: re.Match[str]) -> str:
            ref = m.group(1)
            if ref.startswith("!"):
                return "${" + ref[1:] + "}"
            if ref in values:
                return str(values[ref])
            if "." in ref:
                target, attr = ref.split(".", 1)
                return f"arn:<{target}>" if attr == "Arn" else f"<{target}.{attr}>"
            return str(self._ref(ref))

        return re.sub(r"\$\{([^}]+)\}", one, text)


def _as_cfn_string(value: Any) -> Any:
    """A parameter or literal as CloudFormation holds it: every scalar is a string."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, int | float) else value


def stack(name: str = "aiops", parameters: dict[str, Any] | None = None, *, sam: bool = True) -> Stack:
    """The transformed template (``sam``) or the raw one, for one stack."""
    return Stack(copy.deepcopy(transformed() if sam else raw()), name, parameters)
