"""Logger, Metrics and Tracer for the handlers, built once per cold start.

Logger and Metrics are Powertools'. Tracing: ``Tracing: Active`` in template.yaml has Lambda
record a segment for every invocation. The Powertools Tracer (aws-xray-sdk) adds subsegments
and annotations, but importing the SDK builds a botocore X-Ray client and adds about 200 ms to
every cold start, so it is opt-in: set ``HEARD_XRAY_SDK=true`` to use it. Without it, the
same decorators are no-ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from heard.settings import ObservabilitySettings

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
    if ObservabilitySettings.from_env().xray_sdk:
        from aws_lambda_powertools import Tracer

        return Tracer()
    return _NoTracer()


class PlatformMetrics:
    """Counts per platform, published as one EMF blob per platform (dimension ``platform``).

    Powertools' Metrics applies one dimension set to everything it flushes, and a batch may
    hold mentions from several platforms, so each platform gets its own ephemeral set.
    """

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, int]] = {}

    def add(self, platform: str, name: str, value: int = 1) -> None:
        names = self._counts.setdefault(platform, {})
        names[name] = names.get(name, 0) + value

    def flush(self) -> None:
        from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

        counts, self._counts = self._counts, {}
        for platform, names in counts.items():
            metrics = EphemeralMetrics()
            metrics.add_dimension(name="platform", value=platform)
            for name, value in names.items():
                metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
            metrics.flush_metrics()
