"""Schedules run on their rates; cron is reported and skipped."""

from __future__ import annotations

import threading

import pytest
from heard_local.provision import ScheduleSpec
from heard_local.schedules import Scheduler, rate_seconds, scheduled_event


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
        ("cron(0 9 * * ? *)", None),
    ],
)
def test_rate_seconds(expression: str, seconds: float | None) -> None:
    assert rate_seconds(expression) == seconds


def test_scheduled_event_shape() -> None:
    event = scheduled_event("heard-escalate", "eu-west-1")
    assert event["detail-type"] == "Scheduled Event"
    assert event["region"] == "eu-west-1"
    assert event["resources"][0].endswith(":schedule/default/heard-escalate")
    assert event["detail"] == {}


def test_runs_each_rate_schedule_and_skips_cron() -> None:
    calls: list[tuple[str, object]] = []
    fired = threading.Event()

    def invoke(function: str, event: object) -> None:
        calls.append((function, event))
        fired.set()

    scheduler = Scheduler(
        [
            ("Escalate", ScheduleSpec("rate(1 minute)", {"kind": "sla"}, "Every")),
            ("Digest", ScheduleSpec("cron(0 9 * * ? *)", None, "Daily")),
        ],
        invoke,
        speedup=600,  # one minute becomes 0.1 s
    )
    assert [f for f, _, _ in scheduler.runnable] == ["Escalate"]
    scheduler.start()
    try:
        assert fired.wait(timeout=10)
    finally:
        scheduler.stop()
    assert calls[0] == ("Escalate", {"kind": "sla"})


def test_template_schedules_are_read(stack) -> None:
    schedules = [s for spec in stack.functions.values() for s in spec.schedules]
    assert all(rate_seconds(s.expression) or s.expression.startswith("cron") for s in schedules)
