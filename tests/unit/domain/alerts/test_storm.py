"""Storm control: caps with their summary, quiet hours, crisis collapse, critical breaks through."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fakes.signals import FakeCrises

from heard.alerts.storm import (
    ChannelRules,
    Decision,
    Held,
    InMemoryStormState,
    StormControl,
    quiet_spell,
)
from heard.models import Priority

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def held(n: int, priority: Priority = Priority.HIGH, kind: str = "mention", at=T0) -> Held:
    return Held(f"x:{n}", priority, kind, f"@user{n}: the app is down again", at)


def test_cap_sends_up_to_the_cap_then_holds_and_summarises_the_rest_once():
    storm = StormControl(InMemoryStormState())
    sms = ChannelRules("Acme", "sms", max_per_hour=3)
    decisions = [
        storm.admit(sms, held(i, at=T0 + timedelta(minutes=i)), T0 + timedelta(minutes=i))
        for i in range(10)
    ]
    assert decisions == [Decision.SEND] * 3 + [Decision.CAPPED] * 7
    assert storm.summaries(T0 + timedelta(minutes=59)) == []  # the hour is not over
    (summary,) = storm.summaries(T0 + timedelta(hours=1))
    assert summary.count == 7
    assert [h.id for h in summary.held] == [f"x:{i}" for i in range(3, 10)]
    assert "7 alerts held over the hourly cap on sms, 10:00-11:00 UTC" in summary.title()
    assert storm.summaries(T0 + timedelta(hours=2)) == []  # handed out once
    # The next hour starts with a fresh allowance.
    next_hour = T0 + timedelta(hours=1, minutes=1)
    assert storm.admit(sms, held(99), next_hour) is Decision.SEND


def test_summary_lists_the_most_urgent_first_and_counts_the_rest():
    storm = StormControl(InMemoryStormState())
    sms = ChannelRules("Acme", "sms", max_per_hour=0)
    for i in range(15):
        storm.admit(sms, held(i, Priority.NORMAL if i % 2 else Priority.HIGH), T0)
    (summary,) = storm.summaries(T0 + timedelta(hours=1))
    lines = summary.lines()
    assert lines[0] == "15 held (8 high, 7 normal). Each one is in the inbox."
    assert lines[1].startswith("- [high]")
    assert lines[-1] == "… and 5 more"
    assert len(lines) == 12


def test_critical_breaks_through_the_cap_and_counts_against_it():
    storm = StormControl(InMemoryStormState())
    sms = ChannelRules("Acme", "sms", max_per_hour=2)
    assert storm.admit(sms, held(1, Priority.CRITICAL), T0) is Decision.SEND
    assert storm.admit(sms, held(2, Priority.CRITICAL), T0) is Decision.SEND
    assert storm.admit(sms, held(3, Priority.CRITICAL), T0) is Decision.SEND
    assert storm.admit(sms, held(4, Priority.HIGH), T0) is Decision.CAPPED


def test_a_channel_without_a_cap_sends_everything():
    storm = StormControl(InMemoryStormState())
    slack = ChannelRules("Acme", "slack")
    assert {storm.admit(slack, held(i), T0) for i in range(50)} == {Decision.SEND}


def test_caps_are_per_brand_and_channel():
    storm = StormControl(InMemoryStormState())
    assert storm.admit(ChannelRules("Acme", "sms", max_per_hour=1), held(1), T0) is Decision.SEND
    assert storm.admit(ChannelRules("Acme", "slack", max_per_hour=1), held(1), T0) is Decision.SEND
    assert storm.admit(ChannelRules("Loud", "sms", max_per_hour=1), held(1), T0) is Decision.SEND
    assert storm.admit(ChannelRules("Acme", "sms", max_per_hour=1), held(2), T0) is Decision.CAPPED


def spell_22_to_7(now: datetime):
    return quiet_spell(time(22), time(7), LONDON, now)


def test_quiet_hours_hold_below_critical_and_summarise_when_they_end():
    storm = StormControl(InMemoryStormState())
    email = ChannelRules("Acme", "email", quiet_spell=spell_22_to_7)
    night = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 23:30 in London (GMT)
    assert storm.admit(email, held(1, Priority.HIGH), night) is Decision.QUIET
    assert (
        storm.admit(email, held(2, Priority.NORMAL), night + timedelta(hours=2)) is Decision.QUIET
    )
    assert storm.admit(email, held(3, Priority.CRITICAL), night) is Decision.SEND
    morning = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert storm.summaries(morning - timedelta(seconds=1)) == []
    (summary,) = storm.summaries(morning)  # one window for the whole night, across midnight
    assert [h.id for h in summary.held] == ["x:1", "x:2"]
    assert "during quiet hours" in summary.title()
    assert storm.admit(email, held(4), morning) is Decision.SEND


def test_quiet_hours_follow_the_brand_time_zone_and_daylight_saving():
    # 22:00-07:00 London: 21:00-06:00 UTC in summer (BST), 22:00-07:00 UTC in winter.
    summer = datetime(2026, 7, 1, 21, 30, tzinfo=UTC)
    assert quiet_spell(time(22), time(7), LONDON, summer) == (
        datetime(2026, 7, 1, 21, 0, tzinfo=UTC),
        datetime(2026, 7, 2, 6, 0, tzinfo=UTC),
    )
    assert quiet_spell(time(22), time(7), LONDON, datetime(2026, 12, 1, 21, 30, tzinfo=UTC)) is None
    # The night the clocks go back (25 Oct 2026, 02:00 BST -> 01:00 GMT) is an hour longer.
    begins, ends = quiet_spell(time(22), time(7), LONDON, datetime(2026, 10, 25, 1, 0, tzinfo=UTC))
    assert ends - begins == timedelta(hours=10)
    # A daytime spell that does not cross midnight.
    assert quiet_spell(time(12), time(13), LONDON, datetime(2026, 12, 1, 12, 30, tzinfo=UTC))
    assert quiet_spell(time(12), time(13), LONDON, datetime(2026, 12, 1, 13, 0, tzinfo=UTC)) is None


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"])
def test_quiet_spell_in_zones_with_odd_offsets_is_nine_local_hours(zone):
    tz = ZoneInfo(zone)
    now = datetime(2026, 3, 3, 23, 0, tzinfo=tz)
    begins, ends = quiet_spell(time(22), time(7), tz, now)
    assert begins.astimezone(tz).time() == time(22) and ends.astimezone(tz).time() == time(7)
    assert ends - begins == timedelta(hours=9)


def test_an_open_crisis_collapses_mention_alerts_below_critical():
    crises = FakeCrises("crisis-1")
    storm = StormControl(InMemoryStormState(), crises)
    assert storm.collapses("Acme", held(1, Priority.HIGH))
    assert not storm.collapses("Acme", held(2, Priority.CRITICAL))
    # SLA escalations are about a case someone owns: they are not part of the crisis chatter.
    assert not storm.collapses("Acme", held(3, Priority.HIGH, kind="escalation"))
    assert crises.collapsed == ["x:1"]
    assert storm.summaries(T0 + timedelta(hours=2)) == []  # collapsed is not held


def test_nothing_collapses_without_an_open_crisis_or_once_it_ended():
    assert not StormControl(InMemoryStormState(), FakeCrises(None)).collapses("Acme", held(1))
    ended = FakeCrises("crisis-1")
    ended.collapse = lambda brand, crisis_id, notice_id: False  # ended meanwhile
    assert not StormControl(InMemoryStormState(), ended).collapses("Acme", held(1))


def test_a_summary_is_a_notice_for_its_channel_that_is_never_held():
    storm = StormControl(InMemoryStormState())
    sms = ChannelRules("Acme", "sms", max_per_hour=0)
    for i in range(12):
        storm.admit(sms, held(i, Priority.CRITICAL if i == 5 else Priority.NORMAL), T0)
    (summary,) = storm.summaries(T0 + timedelta(hours=1))
    notice = summary.notice()
    assert notice.kind == "summary" and notice.brand == "Acme"
    assert notice.priority is Priority.NORMAL  # the critical one went out, it is not held
    assert notice.headline == "11 held (11 normal). Each one is in the inbox."
    assert len(notice.facts) == 10 and notice.reasons == ("… and 1 more",)
    assert storm.admit(sms, Held("s", notice.priority, notice.kind, notice.title, T0), T0) is (
        Decision.SEND
    )


@pytest.mark.parametrize("kind", ["summary", "crisis", "crisis_end", "operational"])
def test_what_storm_control_itself_sends_is_never_held(kind):
    storm = StormControl(InMemoryStormState(), FakeCrises("c"))
    sms = ChannelRules("Acme", "sms", max_per_hour=0, quiet_spell=spell_22_to_7)
    night = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert storm.admit(sms, held(1, Priority.NORMAL, kind=kind), night) is Decision.SEND


def test_a_storm_of_five_thousand_makes_a_handful_of_messages():
    storm = StormControl(InMemoryStormState())
    sms = ChannelRules("Acme", "sms", max_per_hour=10)
    sent = 0
    for i in range(5000):
        at = T0 + timedelta(seconds=i * 600 / 5000)
        priority = Priority.CRITICAL if i % 1000 == 0 else Priority.HIGH
        sent += storm.admit(sms, held(i, priority, at=at), at) is Decision.SEND
    summaries = storm.summaries(T0 + timedelta(hours=1))
    assert sent == 10 + 4  # the cap's ten, and the critical ones past the first
    assert len(summaries) == 1 and summaries[0].count == 5000 - sent


def test_a_hold_that_races_the_summary_goes_to_a_late_window_not_lost():
    state = InMemoryStormState()
    storm = StormControl(state)
    sms = ChannelRules("Acme", "sms", max_per_hour=0)
    storm.admit(sms, held(1), T0)
    (first,) = storm.summaries(T0 + timedelta(hours=1))
    (window,) = [w for w, _ in state.windows.values()]
    state.hold(window, held(2))  # arrives after the window was summarised
    (late,) = storm.summaries(T0 + timedelta(hours=1))
    assert [h.id for h in first.held] == ["x:1"] and [h.id for h in late.held] == ["x:2"]
