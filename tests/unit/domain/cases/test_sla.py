"""SLA clocks: business-time arithmetic across nights, weekends, holidays and changes of the
clocks, and a case's state against its targets at chosen instants."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from heard.cases.sla import (
    CaseTimes,
    ClockKind,
    SlaStatus,
    add_business_time,
    business_time_between,
    next_change,
    next_opening,
    open_periods,
    sla_state,
)
from heard.config import BusinessHours, SlaPolicy
from heard.models import Priority

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")

# 2026: the UK goes to summer time on Sunday 29 March and back on Sunday 25 October; the US on
# Sunday 8 March and back on Sunday 1 November. 25 and 28 December are UK holidays.
LONDON_HOURS = BusinessHours.model_validate(
    {
        "timezone": "Europe/London",
        "hours": {"mon-fri": "09:00-17:30", "sat": "10:00-14:00"},
        "holidays": ["2026-12-25", "2026-12-28"],
    }
)
NEW_YORK_HOURS = BusinessHours.model_validate(
    {"timezone": "America/New_York", "hours": {"mon-fri": "09:00-17:00"}}
)


def at(zone: ZoneInfo, text: str) -> datetime:
    """A local wall-clock time in ``zone`` (``"2026-03-02 10:00"``)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- business time ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # within a day (Monday 2 March)
        ("2026-03-02 10:00", hours(2), "2026-03-02 12:00"),
        # a duration that fills the day exactly ends at the close, not the next morning
        ("2026-03-02 16:30", hours(1), "2026-03-02 17:30"),
        # across a night
        ("2026-03-02 16:30", hours(2), "2026-03-03 10:00"),
        # started before opening, after closing
        ("2026-03-02 07:00", hours(1), "2026-03-02 10:00"),
        ("2026-03-02 19:00", hours(1), "2026-03-03 10:00"),
        # Friday evening: Saturday's short hours, then Monday
        ("2026-03-06 17:00", hours(0.5), "2026-03-06 17:30"),
        ("2026-03-06 17:00", hours(2), "2026-03-07 11:30"),
        ("2026-03-06 17:00", hours(6), "2026-03-09 10:30"),
        # started on a Sunday
        ("2026-03-08 12:00", timedelta(minutes=90), "2026-03-09 10:30"),
        # Christmas Eve: the 25th is a holiday, Saturday is open, the 28th is a holiday
        ("2026-12-24 17:00", hours(1), "2026-12-26 10:30"),
        ("2026-12-24 17:00", hours(5), "2026-12-29 09:30"),
        # started on a holiday
        ("2026-12-25 12:00", hours(1), "2026-12-26 11:00"),
        # the night the clocks go forward: Saturday 28 March, then Monday in summer time
        ("2026-03-28 13:30", hours(1), "2026-03-30 09:30"),
        # and back: Saturday 24 October, then Monday in winter time
        ("2026-10-24 13:30", hours(1), "2026-10-26 09:30"),
    ],
)
def test_adding_business_time_in_london(start, duration, expected):
    due = add_business_time(at(LONDON, start), duration, LONDON_HOURS)
    assert due == at(LONDON, expected)
    assert due.tzinfo is UTC
    assert business_time_between(at(LONDON, start), due, LONDON_HOURS) == duration


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # Friday afternoon in winter time to Monday in summer time: 2 hours of business time,
        # though the weekend lost an hour of the day
        ("2026-03-06 16:00", hours(2), "2026-03-09 10:00"),
        ("2026-10-30 16:00", hours(2), "2026-11-02 10:00"),
        ("2026-03-06 16:00", hours(9), "2026-03-09 17:00"),  # fills Monday to its close
    ],
)
def test_adding_business_time_in_new_york_across_the_clock_changes(start, duration, expected):
    due = add_business_time(at(NEW_YORK, start), duration, NEW_YORK_HOURS)
    assert due == at(NEW_YORK, expected)
    assert business_time_between(at(NEW_YORK, start), due, NEW_YORK_HOURS) == duration


def test_the_same_local_hours_are_different_utc_instants_either_side_of_the_change():
    assert add_business_time(at(NEW_YORK, "2026-03-06 16:00"), hours(2), NEW_YORK_HOURS) == (
        datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # 10:00 EDT, UTC-4
    )
    assert add_business_time(at(NEW_YORK, "2026-03-06 16:00"), hours(0.5), NEW_YORK_HOURS) == (
        datetime(2026, 3, 6, 21, 30, tzinfo=UTC)  # 16:30 EST, UTC-5
    )


@pytest.mark.parametrize(
    ("zone", "day", "length"),
    [
        ("Europe/London", "2026-03-29", 23),
        ("Europe/London", "2026-10-25", 25),
        ("America/New_York", "2026-03-08", 23),
        ("America/New_York", "2026-11-01", 25),
        ("America/New_York", "2026-07-05", 24),
    ],
)
def test_a_day_open_around_the_clock_is_as_long_as_it_really_is(zone, day, length):
    always = BusinessHours.model_validate({"timezone": zone, "hours": {"mon-sun": "00:00-24:00"}})
    midnight = at(ZoneInfo(zone), f"{day} 00:00")
    next_midnight = at(ZoneInfo(zone), f"{day} 00:00") + timedelta(days=1)  # wall clock
    assert business_time_between(midnight, next_midnight, always) == hours(length)
    assert add_business_time(midnight, hours(length), always) == next_midnight.astimezone(UTC)


def test_a_period_spanning_the_change_counts_the_hours_that_pass():
    night = BusinessHours.model_validate(
        {"timezone": "Europe/London", "hours": {"sun": "00:00-03:00"}}
    )
    (forward,) = open_periods(night, datetime(2026, 3, 29).date())
    (back,) = open_periods(night, datetime(2026, 10, 25).date())
    assert forward[1] - forward[0] == hours(2)
    assert back[1] - back[0] == hours(4)
    # An opening that does not exist that night (02:30 in New York) is read with the offset
    # before the change: 03:30 in summer time.
    gap = BusinessHours.model_validate(
        {"timezone": "America/New_York", "hours": {"sun": "02:30-04:00"}}
    )
    assert open_periods(gap, datetime(2026, 3, 8).date()) == [
        (datetime(2026, 3, 8, 7, 30, tzinfo=UTC), datetime(2026, 3, 8, 8, 0, tzinfo=UTC))
    ]


def test_open_periods_are_empty_on_holidays_and_closed_days():
    assert open_periods(LONDON_HOURS, datetime(2026, 12, 25).date()) == []
    assert open_periods(LONDON_HOURS, datetime(2026, 12, 27).date()) == []  # a Sunday
    assert open_periods(LONDON_HOURS, datetime(2026, 12, 26).date()) == [
        (at(LONDON, "2026-12-26 10:00"), at(LONDON, "2026-12-26 14:00"))
    ]


def test_lunch_breaks_are_not_business_time():
    split = BusinessHours.model_validate(
        {"timezone": "UTC", "hours": {"mon-fri": "09:00-12:00, 13:00-17:00"}}
    )
    start = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert add_business_time(start, hours(2), split) == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert business_time_between(start, datetime(2026, 3, 2, 14, tzinfo=UTC), split) == hours(2)


def test_zero_duration_is_the_start_itself_even_when_closed():
    for start in (at(LONDON, "2026-03-02 10:00"), at(LONDON, "2026-12-25 03:00")):
        assert add_business_time(start, timedelta(0), LONDON_HOURS) == start
        assert business_time_between(start, start, LONDON_HOURS) == timedelta(0)


def test_elapsed_business_time_is_zero_backwards_and_counts_only_open_hours():
    friday, monday = at(LONDON, "2026-03-06 17:00"), at(LONDON, "2026-03-09 10:00")
    assert business_time_between(monday, friday, LONDON_HOURS) == timedelta(0)
    assert business_time_between(friday, monday, LONDON_HOURS) == hours(0.5 + 4 + 1)
    sunday = at(LONDON, "2026-03-08 12:00")
    assert business_time_between(sunday, sunday + hours(5), LONDON_HOURS) == timedelta(0)


def test_next_opening():
    assert next_opening(at(LONDON, "2026-03-02 10:00"), LONDON_HOURS) == at(
        LONDON, "2026-03-02 10:00"
    )
    assert next_opening(at(LONDON, "2026-03-08 12:00"), LONDON_HOURS) == at(
        LONDON, "2026-03-09 09:00"
    )
    assert next_opening(at(LONDON, "2026-12-24 18:00"), LONDON_HOURS) == at(
        LONDON, "2026-12-26 10:00"
    )


def test_adding_then_measuring_gives_back_the_duration():
    rng = random.Random(7)
    base = at(LONDON, "2026-03-20 00:00")
    for _ in range(300):
        start = base + timedelta(minutes=rng.randrange(60 * 24 * 21))
        duration = timedelta(minutes=rng.randrange(60 * 40))
        due = add_business_time(start, duration, LONDON_HOURS)
        assert business_time_between(start, due, LONDON_HOURS) == duration
        if duration:  # and no earlier instant would do
            earlier = due - timedelta(minutes=1)
            assert business_time_between(start, earlier, LONDON_HOURS) < duration


def test_instants_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(datetime(2026, 3, 2, 10), hours(1), LONDON_HOURS)
    with pytest.raises(ValueError, match="negative"):
        add_business_time(at(LONDON, "2026-03-02 10:00"), hours(-1), LONDON_HOURS)


# --- SLA states --------------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
WALL = SlaPolicy()  # the defaults: critical 15m/4h, high 1h/1d, normal 1d/3d, low none


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def high(now: timedelta, policy: SlaPolicy = WALL, **events: timedelta):
    times = CaseTimes(T0, **{name: T0 + offset for name, offset in events.items()})
    return sla_state(policy, Priority.HIGH, times, now=T0 + now)


def test_a_new_case_is_ok_with_its_deadlines_and_warnings():
    state = high(minutes(10))
    first = state.first_response
    assert first.kind is ClockKind.FIRST_RESPONSE
    assert first.status is SlaStatus.OK
    assert first.started_at == T0 and first.stopped_at is None
    assert first.deadline == T0 + hours(1)
    assert first.warn_at == T0 + minutes(45)
    assert (first.elapsed, first.left, first.overdue_by) == (minutes(10), minutes(50), minutes(0))
    assert first.levels_due == ()
    assert first.running
    assert state.resolution.deadline == T0 + hours(24)
    assert state.resolution.warn_at == T0 + hours(18)
    assert state.next_change == T0 + minutes(45)


def test_warning_at_three_quarters_of_the_target():
    assert high(minutes(44)).first_response.status is SlaStatus.OK
    warning = high(minutes(45)).first_response
    assert warning.status is SlaStatus.WARNING
    assert warning.left == minutes(15)
    assert warning.next_change == T0 + hours(1)


def test_breach_reaches_the_first_level_then_the_second_at_twice_the_target():
    breached = high(hours(1)).first_response
    assert breached.status is SlaStatus.BREACHED
    assert breached.left == timedelta(0) and breached.overdue_by == timedelta(0)
    assert [(d.level, d.route, d.due_at) for d in breached.levels_due] == [
        (0, "team", T0 + hours(1))
    ]
    assert breached.next_change == T0 + hours(2)

    later = high(hours(1) + minutes(59)).first_response
    assert [d.route for d in later.levels_due] == ["team"]
    assert later.overdue_by == minutes(59)

    both = high(hours(2))
    assert [(d.clock, d.level, d.route, d.at, d.due_at) for d in both.levels_due] == [
        (ClockKind.FIRST_RESPONSE, 0, "team", 1.0, T0 + hours(1)),
        (ClockKind.FIRST_RESPONSE, 1, "manager", 2.0, T0 + hours(2)),
    ]
    assert both.first_response.next_change is None  # nothing more happens to this clock
    assert both.next_change == T0 + hours(18)  # the resolution clock's warning


def test_a_reply_in_time_meets_the_first_response_target():
    first = high(hours(3), first_reply_at=minutes(50)).first_response
    assert first.status is SlaStatus.MET
    assert first.stopped_at == T0 + minutes(50)
    assert (first.left, first.overdue_by) == (minutes(10), timedelta(0))
    assert first.levels_due == () and first.next_change is None
    assert not first.running


def test_a_reply_at_the_deadline_is_in_time():
    assert high(hours(2), first_reply_at=hours(1)).first_response.status is SlaStatus.MET


def test_a_late_reply_misses_it_and_escalates_no_further():
    first = high(hours(5), first_reply_at=minutes(90)).first_response
    assert first.status is SlaStatus.MISSED
    assert first.overdue_by == minutes(30)
    assert first.levels_due == () and first.next_change is None


def test_a_reply_after_now_has_not_happened_yet():
    assert high(hours(1), first_reply_at=hours(2)).first_response.status is SlaStatus.BREACHED


def test_an_acknowledgement_stops_the_first_response_clock_only_where_the_brand_says_so():
    replied_only = high(hours(3), acknowledged_at=minutes(10)).first_response
    assert replied_only.status is SlaStatus.BREACHED
    counts = SlaPolicy(acknowledgement_stops_first_response=True)
    acknowledged = high(hours(3), counts, acknowledged_at=minutes(10)).first_response
    assert acknowledged.status is SlaStatus.MET
    assert acknowledged.stopped_at == T0 + minutes(10)
    # whichever came first stops it
    both = high(hours(3), counts, acknowledged_at=minutes(20), first_reply_at=minutes(5))
    assert both.first_response.stopped_at == T0 + minutes(5)


def test_resolving_stops_the_resolution_clock_and_a_first_response_still_waiting():
    state = high(hours(30), resolved_at=hours(5))
    assert state.resolution.status is SlaStatus.MET
    assert state.resolution.left == hours(19)
    assert state.first_response.status is SlaStatus.MISSED  # resolved without a reply, late
    assert state.first_response.stopped_at == T0 + hours(5)
    assert state.levels_due == () and state.next_change is None

    late = high(hours(30), first_reply_at=minutes(30), resolved_at=hours(26))
    assert late.first_response.status is SlaStatus.MET
    assert late.resolution.status is SlaStatus.MISSED
    assert late.resolution.overdue_by == hours(2)


def test_the_resolution_clock_runs_on_after_a_reply():
    state = high(hours(20), first_reply_at=minutes(30))
    assert state.first_response.status is SlaStatus.MET
    assert state.resolution.status is SlaStatus.WARNING
    assert state.next_change == T0 + hours(24)


def test_low_priority_has_no_sla():
    state = sla_state(WALL, "low", CaseTimes(T0), now=T0 + timedelta(days=30))
    assert [c.status for c in state.clocks] == [SlaStatus.NONE, SlaStatus.NONE]
    assert state.first_response.deadline is None and state.levels_due == ()
    assert state.next_change is None


def test_critical_defaults_and_an_event_before_the_case_counts_at_its_start():
    state = sla_state(WALL, Priority.CRITICAL, CaseTimes(T0), now=T0 + minutes(12))
    assert state.first_response.status is SlaStatus.WARNING  # 75% of 15m is 11m15s
    assert state.resolution.deadline == T0 + hours(4)
    early = CaseTimes(T0, first_reply_at=T0 - minutes(5))
    replied = sla_state(WALL, Priority.CRITICAL, early, now=T0 + hours(1)).first_response
    assert replied.status is SlaStatus.MET and replied.stopped_at == T0


def test_next_change_walks_through_every_instant_something_happens():
    times = CaseTimes(T0)
    seen = []
    now = T0
    while (when := next_change(WALL, Priority.HIGH, times, now=now)) is not None:
        seen.append(when - T0)
        now = when
    assert seen == [
        minutes(45),  # first response: warning
        hours(1),  # breach, level 1 (team)
        hours(2),  # level 2 (manager)
        hours(18),  # resolution: warning
        hours(24),  # breach, level 1
        hours(48),  # level 2
    ]
    replied = CaseTimes(T0, first_reply_at=T0 + minutes(30))
    assert next_change(WALL, Priority.HIGH, replied, now=T0 + minutes(31)) == T0 + hours(18)


def test_custom_levels_and_warning_share():
    policy = SlaPolicy.model_validate(
        {
            "warn_at": 0.5,
            "escalation_levels": [
                {"at": 0.9, "route": "lead"},
                {"at": 1.0, "route": "team"},
                {"at": 3, "route": "director"},
            ],
        }
    )
    state = high(minutes(54), policy)
    assert state.first_response.status is SlaStatus.WARNING
    assert [d.route for d in state.levels_due] == ["lead"]
    assert state.first_response.warn_at == T0 + minutes(30)
    assert [d.route for d in high(hours(3), policy).levels_due] == ["lead", "team", "director"]


BUSINESS = SlaPolicy.model_validate(
    {
        "targets": {"normal": {"first_response": "8bh", "resolution": "24bh"}},
        "business_hours": LONDON_HOURS.model_dump(),
    }
)


def test_a_business_time_clock_pauses_while_closed_and_across_the_clock_change():
    # Friday 27 March 16:00 GMT: 1.5h on Friday, 4h on Saturday, Sunday closed (and the clocks
    # go forward), Monday 30 March in summer time.
    times = CaseTimes(at(LONDON, "2026-03-27 16:00"))
    saturday = sla_state(BUSINESS, Priority.NORMAL, times, now=at(LONDON, "2026-03-28 13:00"))
    first = saturday.first_response
    assert first.status is SlaStatus.OK
    assert first.elapsed == hours(4.5) and first.left == hours(3.5)
    assert first.warn_at == at(LONDON, "2026-03-30 09:30")  # 6 business hours
    assert first.deadline == at(LONDON, "2026-03-30 11:30")
    assert first.deadline == datetime(2026, 3, 30, 10, 30, tzinfo=UTC)

    sunday = sla_state(BUSINESS, Priority.NORMAL, times, now=at(LONDON, "2026-03-29 12:00"))
    assert sunday.first_response.left == hours(2.5)  # nothing counted on Sunday
    assert sunday.next_change == at(LONDON, "2026-03-30 09:30")

    monday = sla_state(BUSINESS, Priority.NORMAL, times, now=at(LONDON, "2026-03-30 12:00"))
    assert monday.first_response.status is SlaStatus.BREACHED
    assert monday.first_response.overdue_by == minutes(30)
    assert [d.route for d in monday.levels_due] == ["team"]
    # level 2 at 16 business hours: 5.5h by Saturday, 8.5h on Monday, then 2h on Tuesday
    assert monday.first_response.next_change == at(LONDON, "2026-03-31 11:00")

    # High keeps its wall-clock targets beside business-time ones for normal.
    wall = sla_state(BUSINESS, Priority.HIGH, times, now=at(LONDON, "2026-03-28 13:00"))
    assert wall.resolution.deadline == at(LONDON, "2026-03-28 16:00")


def test_a_wall_clock_day_is_24_hours_across_the_clock_change():
    start = at(LONDON, "2026-03-28 12:00")
    state = sla_state(WALL, Priority.HIGH, CaseTimes(start), now=start)
    assert state.resolution.deadline == at(LONDON, "2026-03-29 13:00")  # 12:00 GMT + 24h
