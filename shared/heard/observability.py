"""Logger, Metrics and Tracer for the handlers, built once per cold start.

Logger and Metrics are Powertools'. Tracing: ``Tracing: Active`` in template.yaml has Lambda
record a segment for every invocation. The Powertools Tracer (aws-xray-sdk) adds subsegments
and annotations, but importing the SDK builds a botocore X-Ray client and adds about 200 ms to
every cold start, so it is opt-in: set ``HEARD_XRAY_SDK=true`` to use it. Without it, the
same decorators are no-ops.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _NoTracer:
    """The decorator surface of Powertools' Tracer, doing nothing."""

    def capture_lambda_handler(self, func: F | None = None, **_: Any) -> Any:
        return func if func is not None else (lambda f: f)

    def capture_method(self, func: F | None = None, **_: Any) -> Any:
        return func if func is not None else (lambda f: f)

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str | None = None) -> None:
        pass


def make_tracer() -> Any:
    if os.environ.get("HEARD_XRAY_SDK", "").lower() in ("1", "true", "yes"):
        from aws_lambda_powertools import Tracer

        return Tracer()
    return _NoTracer()
