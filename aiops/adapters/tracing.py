"""X-Ray tracing that costs nothing until it is used.

Powertools' ``Tracer`` imports ``aws_xray_sdk`` (and botocore) when it is created: a third of a handler's
cold import, paid even with tracing off. :func:`traced` wraps a handler with the Tracer on its first
invocation, and only when tracing is on: inside Lambda and ``POWERTOOLS_TRACE_DISABLED`` not true (the
stack sets it from its ``Tracing`` parameter, with the functions' X-Ray mode).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., Any])


def tracing_on(env: dict[str, str] | None = None) -> bool:
    env = dict(os.environ) if env is None else env
    disabled = env.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in ("1", "true", "yes")
    return bool(env.get("AWS_LAMBDA_FUNCTION_NAME")) and not disabled


def traced(handler: Handler) -> Handler:
    """``handler`` under ``Tracer().capture_lambda_handler``, decided on its first call."""
    chosen: list[Callable[..., Any]] = []

    @functools.wraps(handler)
    def run(event: Any, context: Any) -> Any:
        if not chosen:
            if tracing_on():
                from aws_lambda_powertools import Tracer

                chosen.append(Tracer(service="aiops").capture_lambda_handler(handler))
            else:
                chosen.append(handler)
        return chosen[0](event, context)

    return run  # type: ignore[return-value]
