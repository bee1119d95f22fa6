"""The SLA run on in-memory fakes: a warning before the deadline, one breach per level, each
once per case, sent then recorded, nothing for cases not due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import RecordingChannel, fake_table

from heard.alerts import AlertDispatcher
from heard.cases import deadlines
from heard.config import parse_config
from heard.escalation import run_sla
from heard.models import (
    Author,
    Mention,
    MentionRecord,
    Platform,
    Priority,
    Sentiment,
    Status,
    Triage,
)

# Critical: first response 15 min, resolution 4 h; warn at 75%; levels at 1x (team), 2x (manager).
CONFIG = parse_config("brands:\n  - name: Acme\n    keywords: [acme]\n")
POLICY = CONFIG.brands[0].sla
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def case(native_id: str = "1", priority: Priority = Priority.CRITICAL, **update) -> MentionRecord:
    mention = Mention(
        platform=Platform.X,
        native_id=native_id,
        text="@acme my parcel never arrived and nobody answers",
        author=Author(id=f"a{native_id}", handle="dana", followers=120_000),
        created_at=T0,
    )
    record = MentionRecord(
        id=mention.key,
        brand="Acme",
        mention=mention,
        triage=Triage(sentiment=Sentiment.NEGATIVE, priority=priority, reasons=["complaint"]),
        received_at=T0,
        waiting_since=T0,
    ).model_copy(update=update)
    return deadlines.with_next_look(record, POLICY, T0)


@pytest.fixture
def world():
    store, claims = fake_table()
    channel = RecordingChannel()
    return store, AlertDispatcher(claims, channel), channel


def run(world, minutes: float) -> list[str]:
    store, alerts, _ = world
    return run_sla(store, alerts, CONFIG, now=T0 + timedelta(minutes=minutes))


def test_a_new_case_is_looked_at_when_its_first_warning_falls_due(world) -> None:
    store, _, channel = world
    store.put_new(case())
    assert store.get("x:1").sla_due == T0 + timedelta(minutes=11.25)  # 75% of 15 min
    assert run(world, 5) == [] and channel.attempts == 0  # nothing due: nothing read


def test_warning_then_each_level_once(world) -> None:
    store, _, channel = world
    store.put_new(case())
    assert run(world, 12) == ["x:1:first_response:warning"]
    assert run(world, 13) == []
    assert run(world, 15) == ["x:1:first_response:level0"]
    assert run(world, 20) == []
    assert run(world, 30) == ["x:1:first_response:level1"]
    assert run(world, 31) == []
    kinds = [(a.sla.kind, a.sla.route) for a in channel.sent if a.sla is not None]
    assert kinds == [("warning", None), ("breach", "team"), ("breach", "manager")]
    stored = store.get("x:1")
    assert stored.sla_events == [
        "first_response:warning",
        "first_response:level0",
        "first_response:level1",
    ]
    assert stored.escalated_at == T0 + timedelta(minutes=15)
    assert [h.detail["event"] for h in stored.history if h.action == "sla"] == stored.sla_events
    # Next: the resolution clock's warning at 75% of 4 h.
    assert stored.sla_due == T0 + timedelta(hours=3)


def test_a_breach_found_late_skips_the_stale_warning(world) -> None:
    store, _, channel = world
    store.put_new(case())
    assert run(world, 16) == ["x:1:first_response:level0"]
    assert [a.sla.kind for a in channel.sent if a.sla] == ["breach"]


def test_a_reply_in_time_stops_the_first_response_clock(world) -> None:
    store, _, channel = world
    replied = case(first_response_at=T0 + timedelta(minutes=10), status=Status.REPLIED)
    store.put_new(replied)
    assert run(world, 12) == [] and run(world, 40) == []
    assert channel.attempts == 0


def test_closed_cases_and_low_priority_cases_are_never_looked_at(world) -> None:
    store, *_ = world
    store.put_new(case("2", status=Status.RESOLVED, resolved_at=T0))
    store.put_new(case("3", priority=Priority.LOW))
    assert store.get("x:2").sla_due is None and store.get("x:3").sla_due is None
    assert run(world, 60 * 24) == []


def test_a_failed_send_is_retried_on_the_next_run(world) -> None:
    store, _, channel = world
    store.put_new(case())
    channel.fail_transiently()
    assert run(world, 12) == []
    assert store.get("x:1").sla_events == []
    assert run(world, 12.5) == ["x:1:first_response:warning"]


def test_a_notice_refused_for_good_is_recorded_and_not_repeated(world) -> None:
    store, _, channel = world
    store.put_new(case())
    channel.fail_permanently()
    assert run(world, 12) == []
    assert store.get("x:1").sla_events == ["first_response:warning"]
    assert store.get("x:1").history[-1].detail["sent"] is False
    channel.recover()
    assert run(world, 13) == []
    assert channel.attempts == 1


def test_one_bad_case_does_not_stop_the_others(world) -> None:
    store, _, channel = world
    store.put_new(case("4"))
    store.put_new(case("5"))
    channel.fail_transiently()  # the first case's send fails
    sent = run(world, 12)
    assert len(sent) == 1 and sent[0].endswith(":first_response:warning")


def test_a_case_whose_brand_left_the_config_is_dropped_from_the_run(world) -> None:
    store, *_ = world
    store.put_new(case("6").model_copy(update={"brand": "Gone"}))
    assert run(world, 20) == []
    assert store.get("x:6").sla_due is None
