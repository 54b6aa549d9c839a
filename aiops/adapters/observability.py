"""The bot's own metrics (CloudWatch EMF through Powertools): one namespace, the stack as ``service``.

Namespace ``aiops`` for every stack (``aiops maturity`` looks there); the ``service`` dimension is the
stack's name, so several stacks in one account keep their figures apart, and each stack's dashboard and
alarms read only its own.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from aiops.adapters.config import ENV_STACK_NAME

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics

NAMESPACE = "aiops"


def bot_metrics() -> Metrics:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=NAMESPACE, service=os.environ.get(ENV_STACK_NAME) or "aiops")


def observe_seconds(name: str, seconds: float) -> None:
    """One duration metric written at once (EMF), outside a handler's ``log_metrics`` (bolt's lazy
    listeners run after the handler returned its ack)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name=name,
        unit=MetricUnit.Seconds,
        value=max(0.0, seconds),
        namespace=NAMESPACE,
        default_dimensions={"service": os.environ.get(ENV_STACK_NAME) or "aiops"},
    ):
        pass
