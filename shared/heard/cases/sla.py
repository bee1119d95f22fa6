"""SLA clocks: business-time arithmetic, and where a case stands against its brand's targets.

Pure functions: no I/O and no reading of the system clock; the state of a case is computed for
the ``now`` it is given, so the case workflow, the escalator and the tests share one
controllable clock. Instants must be
timezone-aware; results are in UTC.

Business time counts only while the brand is open (``BusinessHours``: weekly periods in its
time zone, closed on holidays). Periods are local wall-clock times, turned into instants day by
day, so a day that changes to or from summer time is as long as it really is: ``00:00-03:00``
on the night the clocks go forward is two hours. A period boundary that does not exist that
night (02:30 in New York in March) is read as PEP 495 reads it (fold 0: the offset before the
change); one that happens twice (01:30 in November) is its first occurrence.

Wall-clock targets are elapsed time: ``1d`` is 24 hours, whatever the clocks do.

Each case has two clocks, first response and resolution, both started when the case began
waiting (its first message). The first-response clock stops at the first reply, or at the
first acknowledgement where the brand says that counts, or at the resolution (a case resolved
before any reply has nothing left to respond to). The resolution clock stops at the resolution.
A running clock is breached from its deadline on (that instant included: the first level, at
1.0, is due then), while a reply at the deadline itself is still in time (met). An event after
``now`` has not happened yet, so a case's history can be replayed at any
instant; one before the case began waiting counts as at its start.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from heard.config import BusinessHours, SlaDuration, SlaPolicy
from heard.models import Priority

# How far ahead business time is searched for: far beyond any target (at most 90 days, levels
# at most 10 times that), so only hours that are almost never open can reach it.
MAX_SEARCH_DAYS = 20 * 366
_ZERO = timedelta(0)


def _utc(instant: datetime, name: str = "instant") -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return instant.astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Business time
# ---------------------------------------------------------------------------------------------


def open_periods(hours: BusinessHours, day: date) -> list[tuple[datetime, datetime]]:
    """The brand's open periods on one local date, as UTC instants (none on a holiday)."""
    if day in hours.closed_on:
        return []
    midnight = datetime(day.year, day.month, day.day)
    periods = []
    for start, end in hours.week[day.weekday()]:
        # Naive local time plus minutes, then placed in the zone: 24:00 is the next midnight.
        opens = (midnight + timedelta(minutes=start)).replace(tzinfo=hours.zone).astimezone(UTC)
        closes = (midnight + timedelta(minutes=end)).replace(tzinfo=hours.zone).astimezone(UTC)
        if closes > opens:  # never a period of no length, whatever a zone's history holds
            periods.append((opens, closes))
    return periods


def _periods_from(
    hours: BusinessHours, start: datetime, *, last_day: date | None = None
) -> Iterator[tuple[datetime, datetime]]:
    """Open periods (clipped to begin no earlier than ``start``) that end after ``start``, in
    order, up to the local date ``last_day`` or MAX_SEARCH_DAYS."""
    day = start.astimezone(hours.zone).date()
    end_day = last_day or day + timedelta(days=MAX_SEARCH_DAYS)
    while day <= end_day:
        for opens, closes in open_periods(hours, day):
            if closes > start:
                yield max(opens, start), closes
        day += timedelta(days=1)


def add_business_time(start: datetime, duration: timedelta, hours: BusinessHours) -> datetime:
    """The earliest instant by which ``duration`` of business time has passed since ``start``.

    A start outside the hours counts from the next opening; a duration that fills a period
    exactly ends at its close, not at the next opening. Zero is ``start`` itself.
    """
    start = _utc(start, "start")
    if duration < _ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    if not duration:
        return start
    remaining = duration
    for opens, closes in _periods_from(hours, start):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise ValueError(
        f"{duration} of business time is not reached within {MAX_SEARCH_DAYS} days of {start}"
    )


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """Business time elapsed from ``start`` to ``end`` (zero when ``end`` is not after it)."""
    start, end = _utc(start, "start"), _utc(end, "end")
    total = _ZERO
    if end <= start:
        return total
    for opens, closes in _periods_from(hours, start, last_day=end.astimezone(hours.zone).date()):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total


def next_opening(instant: datetime, hours: BusinessHours) -> datetime:
    """``instant`` itself while open, else when the brand next opens."""
    instant = _utc(instant)
    for opens, _closes in _periods_from(hours, instant):
        return opens
    raise ValueError(f"no opening within {MAX_SEARCH_DAYS} days of {instant}")


def _add(start: datetime, duration: timedelta, target: SlaDuration, policy: SlaPolicy) -> datetime:
    """``start`` plus ``duration`` counted the way ``target`` counts."""
    if not target.business:
        return start + duration
    if policy.business_hours is None:  # the configuration refuses this; built by hand?
        raise ValueError(f"{target} counts business time, but the policy has no business_hours")
    return add_business_time(start, duration, policy.business_hours)


def _elapsed(start: datetime, end: datetime, target: SlaDuration, policy: SlaPolicy) -> timedelta:
    if not target.business:
        return max(end - start, _ZERO)
    if policy.business_hours is None:
        raise ValueError(f"{target} counts business time, but the policy has no business_hours")
    return business_time_between(start, end, policy.business_hours)


# ---------------------------------------------------------------------------------------------
# Clocks
# ---------------------------------------------------------------------------------------------


class ClockKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class SlaStatus(StrEnum):
    OK = "ok"  # running, before the warning
    WARNING = "warning"  # running, past warn_at share of the target
    BREACHED = "breached"  # running, past the deadline
    MET = "met"  # stopped at or before the deadline
    MISSED = "missed"  # stopped after the deadline
    NONE = "none"  # no target for this priority


@dataclass(frozen=True)
class CaseTimes:
    """When a case began waiting and what has happened since (aware datetimes; None: not yet)."""

    waiting_since: datetime  # its first message
    first_reply_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class LevelDue:
    """An escalation level a running clock has reached."""

    clock: ClockKind
    level: int  # index into the policy's escalation_levels, 0 first
    route: str
    at: float  # the multiple of the target
    due_at: datetime


@dataclass(frozen=True)
class Clock:
    """One target's clock at ``now``. Durations (elapsed, left, overdue_by) count the way the
    target counts: business time for a business target. A stopped clock keeps its figures at
    the stop (met with ``left`` to spare, missed by ``overdue_by``)."""

    kind: ClockKind
    status: SlaStatus
    target: SlaDuration | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    deadline: datetime | None = None
    warn_at: datetime | None = None
    elapsed: timedelta | None = None
    left: timedelta | None = None
    overdue_by: timedelta | None = None
    # Levels reached while the clock runs, first first; none once it has stopped.
    levels_due: tuple[LevelDue, ...] = ()
    # The next instant after now at which this clock warns, breaches or reaches a level.
    next_change: datetime | None = None

    @property
    def running(self) -> bool:
        return self.status in (SlaStatus.OK, SlaStatus.WARNING, SlaStatus.BREACHED)


@dataclass(frozen=True)
class SlaState:
    priority: Priority
    now: datetime
    first_response: Clock
    resolution: Clock

    @property
    def clocks(self) -> tuple[Clock, Clock]:
        return (self.first_response, self.resolution)

    @property
    def levels_due(self) -> tuple[LevelDue, ...]:
        return self.first_response.levels_due + self.resolution.levels_due

    @property
    def next_change(self) -> datetime | None:
        """When this case's SLA state next changes by itself (for the escalator's index)."""
        changes = [c.next_change for c in self.clocks if c.next_change is not None]
        return min(changes, default=None)


def _stop(candidates: list[datetime | None], start: datetime, now: datetime) -> datetime | None:
    """The earliest event that has happened by ``now``; one before ``start`` counts at it."""
    happened = [max(_utc(c), start) for c in candidates if c is not None and _utc(c) <= now]
    return min(happened, default=None)


def _clock(
    kind: ClockKind,
    target: SlaDuration | None,
    policy: SlaPolicy,
    start: datetime,
    stop: datetime | None,
    now: datetime,
) -> Clock:
    if target is None:
        return Clock(kind, SlaStatus.NONE, started_at=start, stopped_at=stop)
    deadline = _add(start, target.length, target, policy)
    warn_at = _add(start, target.length * policy.warn_at, target, policy)
    elapsed = _elapsed(start, stop or now, target, policy)
    clock = Clock(
        kind,
        SlaStatus.MET if stop is not None and stop <= deadline else SlaStatus.MISSED,
        target=target,
        started_at=start,
        stopped_at=stop,
        deadline=deadline,
        warn_at=warn_at,
        elapsed=elapsed,
        left=max(target.length - elapsed, _ZERO),
        overdue_by=max(elapsed - target.length, _ZERO),
    )
    if stop is not None:
        return clock
    if now >= deadline:
        status = SlaStatus.BREACHED
    elif now >= warn_at:
        status = SlaStatus.WARNING
    else:
        status = SlaStatus.OK
    levels = [
        LevelDue(
            kind,
            index,
            level.route,
            level.at,
            _add(start, target.length * level.at, target, policy),
        )
        for index, level in enumerate(policy.escalation_levels)
    ]
    upcoming = [t for t in (warn_at, deadline, *(level.due_at for level in levels)) if t > now]
    return replace(
        clock,
        status=status,
        levels_due=tuple(level for level in levels if level.due_at <= now),
        next_change=min(upcoming, default=None),
    )


def sla_state(
    policy: SlaPolicy, priority: Priority | str, times: CaseTimes, *, now: datetime
) -> SlaState:
    """Where a case of ``priority`` stands at ``now`` against ``policy`` (its brand's ``sla``)."""
    now = _utc(now, "now")
    priority = Priority(priority)
    start = _utc(times.waiting_since, "waiting_since")
    targets = policy.targets.of(priority)
    first_stops = [times.first_reply_at, times.resolved_at]
    if policy.acknowledgement_stops_first_response:
        first_stops.append(times.acknowledged_at)
    return SlaState(
        priority=priority,
        now=now,
        first_response=_clock(
            ClockKind.FIRST_RESPONSE,
            targets.first_response,
            policy,
            start,
            _stop(first_stops, start, now),
            now,
        ),
        resolution=_clock(
            ClockKind.RESOLUTION,
            targets.resolution,
            policy,
            start,
            _stop([times.resolved_at], start, now),
            now,
        ),
    )


def next_change(
    policy: SlaPolicy, priority: Priority | str, times: CaseTimes, *, now: datetime
) -> datetime | None:
    """The next instant after ``now`` at which the case warns, breaches or reaches an
    escalation level; None when nothing more happens by itself (clocks stopped, no target, or
    every level reached). The escalator indexes open cases by it."""
    return sla_state(policy, priority, times, now=now).next_change
