"""Digest periods in the brand's time zone: DST changes, 30/45-minute offsets, what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from heard.config import DigestConfig
from heard.digest.periods import GRACE, Cadence, due, latest


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


LONDON = DigestConfig(timezone="Europe/London", daily_at="08:00")


def test_daily_before_and_after_the_chosen_time():
    before = latest(LONDON, Cadence.DAILY, utc(2026, 11, 23, 7, 59))
    after = latest(LONDON, Cadence.DAILY, utc(2026, 11, 23, 8, 0))
    assert (before.start, before.end) == (utc(2026, 11, 21, 8), utc(2026, 11, 22, 8))
    assert (after.start, after.end) == (utc(2026, 11, 22, 8), utc(2026, 11, 23, 8))
    assert after.previous() == before


def test_daily_across_the_spring_change_is_23_hours_and_ends_at_local_eight():
    # Clocks go forward at 01:00 UTC on Sun 29 Mar 2026: 08:00 BST is 07:00 UTC.
    period = latest(LONDON, Cadence.DAILY, utc(2026, 3, 29, 7, 0))
    assert (period.start, period.end) == (utc(2026, 3, 28, 8), utc(2026, 3, 29, 7))
    assert period.end - period.start == timedelta(hours=23)
    assert latest(LONDON, Cadence.DAILY, utc(2026, 3, 29, 6, 59)).end == utc(2026, 3, 28, 8)
    following = latest(LONDON, Cadence.DAILY, utc(2026, 3, 30, 7, 0))
    assert following.start == period.end and following.previous() == period


def test_daily_across_the_autumn_change_is_25_hours():
    # Clocks go back at 01:00 UTC on Sun 25 Oct 2026: 08:00 GMT is 08:00 UTC.
    period = latest(LONDON, Cadence.DAILY, utc(2026, 10, 25, 8, 0))
    assert (period.start, period.end) == (utc(2026, 10, 24, 7), utc(2026, 10, 25, 8))
    assert period.end - period.start == timedelta(hours=25)
    assert latest(LONDON, Cadence.DAILY, utc(2026, 10, 25, 7, 30)).end == utc(2026, 10, 24, 7)


def test_a_time_the_clocks_skip_is_taken_an_hour_later():
    skipped = DigestConfig(timezone="Europe/London", daily_at="01:30")
    # 01:30 does not happen on 29 Mar 2026 in London; 02:30 BST (01:30 UTC) is when it would.
    assert latest(skipped, Cadence.DAILY, utc(2026, 3, 29, 1, 30)).end == utc(2026, 3, 29, 1, 30)
    assert latest(skipped, Cadence.DAILY, utc(2026, 3, 29, 1, 29)).end == utc(2026, 3, 28, 1, 30)


def test_a_time_that_happens_twice_is_its_first_occurrence():
    twice = DigestConfig(timezone="Europe/London", daily_at="01:30")
    # 01:30 happens at 00:30 UTC (BST) and 01:30 UTC (GMT) on 25 Oct 2026: the first counts.
    assert latest(twice, Cadence.DAILY, utc(2026, 10, 25, 0, 30)).end == utc(2026, 10, 25, 0, 30)
    assert latest(twice, Cadence.DAILY, utc(2026, 10, 25, 2, 0)).end == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(
    ("zone", "minute"), [("Asia/Kolkata", 30), ("Asia/Kathmandu", 15), ("UTC", 0)]
)
def test_hourly_periods_end_at_the_local_top_of_the_hour(zone, minute):
    settings = DigestConfig(timezone=zone, hourly=True)
    period = latest(settings, Cadence.HOURLY, utc(2026, 11, 23, 10, 50))
    assert period.end.minute == minute and period.end <= utc(2026, 11, 23, 10, 50)
    assert period.end - period.start == timedelta(hours=1)
    assert utc(2026, 11, 23, 10, 50) - period.end < timedelta(hours=1)
    assert period.local(period.end).minute == 0


def test_hourly_through_the_repeated_hour_is_every_utc_hour():
    settings = DigestConfig(timezone="Europe/London", hourly=True)
    ends = [latest(settings, Cadence.HOURLY, utc(2026, 10, 25, h, 10)).end for h in range(0, 3)]
    assert ends == [utc(2026, 10, 25, 0), utc(2026, 10, 25, 1), utc(2026, 10, 25, 2)]


def test_weekly_on_the_chosen_day_at_the_chosen_time():
    weekly = DigestConfig(timezone="America/New_York", daily_at="09:00", weekly_on="monday")
    # Mon 23 Nov 2026 09:00 EST is 14:00 UTC.
    period = latest(weekly, Cadence.WEEKLY, utc(2026, 11, 25, 12))
    assert (period.start, period.end) == (utc(2026, 11, 16, 14), utc(2026, 11, 23, 14))
    assert latest(weekly, Cadence.WEEKLY, utc(2026, 11, 23, 13, 59)).end == utc(2026, 11, 16, 14)
    # The week holding the November change (1 Nov 2026) is 169 hours.
    change = latest(weekly, Cadence.WEEKLY, utc(2026, 11, 2, 14))
    assert change.end - change.start == timedelta(hours=169)


def test_due_sends_the_latest_period_while_it_is_fresh():
    every = DigestConfig(timezone="UTC", daily_at="08:00", hourly=True, weekly_on="monday")
    monday = utc(2026, 11, 23, 8, 10)
    assert [p.cadence for p in due(every, monday)] == [
        Cadence.HOURLY,
        Cadence.DAILY,
        Cadence.WEEKLY,
    ]
    late = utc(2026, 11, 23, 8) + GRACE[Cadence.DAILY] + timedelta(minutes=1)
    assert Cadence.DAILY not in [p.cadence for p in due(every, late)]
    assert due(every.model_copy(update={"enabled": False}), monday) == []


def test_period_keys_name_the_cadence_and_the_end():
    period = latest(LONDON, Cadence.DAILY, utc(2026, 11, 23, 9))
    assert period.key == "daily#2026-11-23T08:00Z"
    assert period.label() == "Sun 22 Nov 08:00 to Mon 23 Nov 08:00 (Europe/London)"
