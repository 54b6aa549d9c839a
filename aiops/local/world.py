"""The emulated AWS account of a local run: the store, SSM and CloudWatch, on twins or on moto.

- ``memory`` (the default of ``aiops replay``): :class:`~aiops.local.memory.MemoryStore` for DynamoDB and
  the twins of :mod:`aiops.local.ssm` and :mod:`aiops.local.cloudwatch`; nothing of moto is imported.
  The contract tests (tests/functional/test_store_contract.py, test_aws_twins.py) pin them to the
  adapter and to moto.
- ``moto``: the real DynamoDB adapter, SSM and CloudWatch clients on moto in process (full fidelity,
  about a thousand times slower per DynamoDB transaction, and memory that grows with the stream).

Two views of each service: the *bot's* clients, whose calls are counted (what the deployed bot would
call: ``stats.aws_calls``), and the *world's*, uncounted: provisioning, the alarm mirror, and the runbook
executor (in AWS, SSM Automation makes the runbooks' calls, not the bot).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from aiops.adapters.config import Config
from aiops.incident.ports import Clock
from aiops.local.clients import Counted
from aiops.local.memory import MemoryStore

Emulator = Literal["memory", "moto"]
EMULATORS: tuple[Emulator, ...] = ("memory", "moto")
TABLE = "aiops"
REGION = "us-east-1"


@dataclass
class LocalAws:
    emulator: Emulator
    store: Any
    """MemoryStore, or DynamoStore on moto: every store port and the local tools' reads."""
    ssm: Any
    """The world's SSM client (provisioning, runbooks): not counted."""
    cloudwatch: Any
    """The world's CloudWatch client (provisioning, the alarm mirror, runbooks): not counted."""
    dynamodb: Any = None
    """The moto DynamoDB client (None in memory)."""
    counts: dict[str, int] = field(default_factory=lambda: {"dynamodb": 0, "ssm": 0, "cloudwatch": 0})

    def bot(self, service: Literal["ssm", "cloudwatch"]) -> Any:
        """The bot's client of ``service``: the same account, its calls counted."""
        if self.emulator == "memory":
            return Counted(self.ssm if service == "ssm" else self.cloudwatch, self.counts, service)
        import boto3

        return Counted(boto3.client(service, region_name=REGION), self.counts, service)

    def aws_calls(self) -> dict[str, int]:
        """The bot's calls so far, by service."""
        calls = dict(self.counts)
        if isinstance(self.store, MemoryStore):
            calls["dynamodb"] = self.store.requests
        return calls


def local_config(env: Mapping[str, str]) -> Config:
    """The bot's configuration for a local run: the environment's, without the secrets' ARNs (their
    reads would go to the real Secrets Manager; Slack and PagerDuty are the run's own, see live.py)."""
    return Config.from_env({k: v for k, v in env.items() if not k.endswith("_SECRET_ARN")}, table_name=TABLE)


@contextmanager
def local_aws(emulator: Emulator, clock: Clock) -> Iterator[LocalAws]:
    if emulator == "memory":
        from aiops.local.cloudwatch import MemoryCloudWatch
        from aiops.local.ssm import MemorySsm

        yield LocalAws(
            "memory", MemoryStore(clock), MemorySsm(clock, REGION), MemoryCloudWatch(clock, REGION)
        )
        return
    import boto3

    from aiops.adapters.dynamodb import DynamoStore
    from aiops.local.emulator import emulator as moto

    with moto(TABLE) as dynamodb:
        world = LocalAws(
            "moto",
            DynamoStore(TABLE, clock=clock, client=dynamodb),
            boto3.client("ssm", region_name=REGION),
            boto3.client("cloudwatch", region_name=REGION),
            dynamodb=dynamodb,
        )

        def count(**_: Any) -> None:
            world.counts["dynamodb"] += 1

        dynamodb.meta.events.register("before-call.dynamodb", count)
        yield world
