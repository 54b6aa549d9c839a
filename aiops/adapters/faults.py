"""The faults the adapters let through their ports, as the pipeline catches them.

Most adapters translate their SDK's failures into the core's words at the edge (Slack: ``ChatError``;
PagerDuty and SNS: ``PagerError``; SSM: ``TransientError``; CloudWatch: ``MetricsError``; Bedrock:
``NarratorError``), all of them :class:`~aiops.errors.DependencyError`. The DynamoDB store lets botocore's
own errors through (a throttle, a 5xx, a read timeout, after botocore's retries), so the pipeline built
here also treats those as faults. Anything else a stage raises is a bug, and is not retried as a fault.
"""

from __future__ import annotations

from aiops.errors import CORE_FAULTS, Faults


def dependency_faults() -> Faults:
    """The core's faults and botocore's (``ClientError``: AWS answered an error; ``BotoCoreError``: no
    answer, a read timeout, a connection that failed)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (*CORE_FAULTS, ClientError, BotoCoreError)
