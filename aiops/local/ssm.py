"""The in-memory twin of SSM Parameter Store: versioned String parameters, as the runbooks use them.

``put_parameter`` (a new version each time; ``Overwrite`` required once it exists), ``get_parameter``
(``name`` or ``name:version``), ``get_parameter_history``; errors as AWS names them (ParameterNotFound,
ParameterVersionNotFound, ParameterAlreadyExists, ValidationException). Pinned against moto by
tests/functional/test_aws_twins.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from botocore.exceptions import ClientError

from aiops.incident.ports import Clock
from aiops.local.clients import Twin, client_error, modeled

ACCOUNT = "123456789012"


@dataclass(frozen=True, slots=True)
class Version:
    value: str
    type: str
    version: int
    modified: datetime


class MemorySsm(Twin):
    service = "ssm"

    def __init__(self, clock: Clock, region: str = "us-east-1") -> None:
        self.clock = clock
        self.region = region
        self.parameters: dict[str, list[Version]] = {}
        self.exceptions = SimpleNamespace(
            ClientError=ClientError,
            ParameterNotFound=modeled("ParameterNotFound"),
            ParameterVersionNotFound=modeled("ParameterVersionNotFound"),
            ParameterAlreadyExists=modeled("ParameterAlreadyExists"),
        )

    def put_parameter(
        self, *, Name: str, Value: str, Type: str = "String", Overwrite: bool = False, **_: Any
    ) -> dict[str, Any]:
        if not Value:
            raise client_error(
                ClientError,
                "ValidationException",
                f"1 validation error detected: Value '{Value}' at 'value' failed to satisfy constraint: "
                "Member must have length greater than or equal to 1.",
                "PutParameter",
            )
        versions = self.parameters.setdefault(Name, [])
        if versions and not Overwrite:
            raise client_error(
                self.exceptions.ParameterAlreadyExists,
                "ParameterAlreadyExists",
                "The parameter already exists. To overwrite this value, set the overwrite option in the "
                "request to true.",
                "PutParameter",
            )
        versions.append(Version(Value, Type, len(versions) + 1, self.clock.now()))
        return {"Version": len(versions), "Tier": "Standard"}

    def get_parameter(self, *, Name: str, WithDecryption: bool = False) -> dict[str, Any]:
        name, _, selector = Name.partition(":") if not Name.startswith("arn:") else (Name, "", "")
        versions = self.parameters.get(name)
        if not versions:
            raise client_error(
                self.exceptions.ParameterNotFound,
                "ParameterNotFound",
                f"Parameter {Name} not found.",
                "GetParameter",
            )
        found = versions[-1]
        if selector:
            if not selector.isdigit():
                raise client_error(
                    self.exceptions.ParameterNotFound,
                    "ParameterNotFound",
                    f"Parameter {Name} not found (labels are not emulated in memory).",
                    "GetParameter",
                )
            if not 1 <= int(selector) <= len(versions):
                raise client_error(
                    self.exceptions.ParameterVersionNotFound,
                    "ParameterVersionNotFound",
                    f"Systems Manager could not find version {selector} of {name}. Verify the version and "
                    "try again.",
                    "GetParameter",
                )
            found = versions[int(selector) - 1]
        return {"Parameter": self._describe(name, found)}

    def get_parameter_history(self, *, Name: str, **_: Any) -> dict[str, Any]:
        versions = self.parameters.get(Name)
        if not versions:
            raise client_error(
                self.exceptions.ParameterNotFound,
                "ParameterNotFound",
                f"Parameter {Name} not found.",
                "GetParameterHistory",
            )
        return {"Parameters": [self._describe(Name, v) for v in versions]}

    def _describe(self, name: str, v: Version) -> dict[str, Any]:
        return {
            "Name": name,
            "Type": v.type,
            "Value": v.value,
            "Version": v.version,
            "LastModifiedDate": v.modified,
            "ARN": f"arn:aws:ssm:{self.region}:{ACCOUNT}:parameter/{name.lstrip('/')}",
            "DataType": "text",
        }
