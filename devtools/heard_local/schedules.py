"""Run each function's schedules on their rates, as EventBridge would.

``rate(5 minutes)`` fires every five minutes (the first time one period after start, like a new
schedule). ``HEARD_SCHEDULE_SPEEDUP=60`` runs the clock 60 times faster, so a five-minute job
runs every five seconds while trying it out. Cron expressions are skipped with a log line:
a calendar has little meaning in a stack that lives for minutes.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from heard_local.defaults import ACCOUNT_ID, REGION
from heard_local.provision import ScheduleSpec

log = logging.getLogger("heard_local.schedules")

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs for ``rate(...)``; None for cron/at expressions."""
    found = _RATE.match(expression.strip())
    if not found:
        return None
    value, unit = int(found.group(1)), found.group(2).rstrip("s")
    if value <= 0:
        raise ValueError(f"{expression}: the rate must be positive")
    return float(value * _SECONDS[unit])


def scheduled_event(name: str, region: str = REGION, v2: bool = True) -> dict[str, Any]:
    """The Scheduled Event EventBridge sends when a schedule has no Input."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler" if v2 else "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [
            f"arn:aws:scheduler:{region}:{ACCOUNT_ID}:schedule/default/{name}"
            if v2
            else f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{name}"
        ],
        "detail": {},
    }


class Scheduler:
    """One thread per schedule; ``invoke(function, event)`` runs the function."""

    def __init__(
        self,
        schedules: list[tuple[str, ScheduleSpec]],
        invoke: Callable[[str, Any], Any],
        *,
        region: str = REGION,
        speedup: float = 1.0,
    ):
        self.invoke = invoke
        self.region = region
        self.speedup = max(speedup, 1e-6)
        self._stop = threading.Event()
        # While held (a replay drives the clock), the schedules run only when fired by hand.
        self.held = threading.Event()
        self._threads: list[threading.Thread] = []
        self.runnable: list[tuple[str, ScheduleSpec, float]] = []
        for function, spec in schedules:
            seconds = rate_seconds(spec.expression)
            if seconds is None:
                log.info(
                    "%s: schedule %s (%s) is not run locally; invoke it by hand",
                    function,
                    spec.name,
                    spec.expression,
                )
                continue
            self.runnable.append((function, spec, seconds / self.speedup))

    def start(self) -> None:
        for function, spec, period in self.runnable:
            thread = threading.Thread(
                target=self._run,
                args=(function, spec, period),
                name=f"schedule-{spec.name}",
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout_s)

    def fire(self, function: str, spec: ScheduleSpec) -> Any:
        """Run one schedule now (its Input, or a Scheduled Event)."""
        event = spec.input if spec.input is not None else scheduled_event(spec.name, self.region)
        return self.invoke(function, event)

    def fire_function(self, function: str) -> Any:
        """Run ``function``'s schedule now, as EventBridge would; KeyError if it has none."""
        for name, spec, _period in self.runnable:
            if name == function:
                return self.fire(name, spec)
        raise KeyError(function)

    def _run(self, function: str, spec: ScheduleSpec, period: float) -> None:
        while not self._stop.wait(period):
            if self.held.is_set():
                continue
            try:
                self.fire(function, spec)
                log.info("%s: ran schedule %s", function, spec.name)
            except Exception:
                log.exception("%s: schedule %s failed", function, spec.name)
