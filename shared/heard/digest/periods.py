"""Which period a digest covers, in the brand's time zone, and which digests are due now.

A period ends at the brand's chosen local time and begins where the previous one of its kind
ended, so consecutive digests cover every instant once:

- ``daily``: from ``daily_at`` the day before to ``daily_at`` today (local), 23 or 25 hours
  across a daylight-saving change;
- ``weekly``: from ``daily_at`` on ``weekly_on`` a week before to ``daily_at`` on it this week;
- ``hourly``: the local hour before the last local top of the hour (in Asia/Kolkata, +05:30,
  hours end at :30 UTC; in Asia/Kathmandu, +05:45, at :15).

A local time the clocks skip (02:30 on the spring-forward night) is taken at the offset before
the change, that is one hour later on the new clock (03:30): the moment it would have been.
A local time that happens twice (01:30 on the fall-back night) is its first occurrence.

Every instant is UTC outside this module. A period's digest is due from its end until
``GRACE`` after it: a run that resumes after an outage sends the latest digest if it is still
fresh, never a backlog of stale ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from heard.config import DIGEST_WEEKDAYS, DigestConfig


class Cadence(StrEnum):
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"


# How late a digest may still go out after its period ends.
GRACE = {
    Cadence.HOURLY: timedelta(minutes=45),
    Cadence.DAILY: timedelta(hours=12),
    Cadence.WEEKLY: timedelta(days=2),
}


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC, of one cadence, in the zone it was computed in."""

    cadence: Cadence
    start: datetime
    end: datetime
    timezone: str
    clock: time | None = None  # the local time daily and weekly periods end at

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def label(self) -> str:
        """``Sun 22 Nov 08:00 to Mon 23 Nov 08:00 (Europe/London)``: the period in local time."""
        fmt = "%a %d %b %H:%M"
        start, end = self.local(self.start), self.local(self.end)
        end_fmt = "%H:%M" if self.cadence is Cadence.HOURLY else fmt
        return f"{start.strftime(fmt)} to {end.strftime(end_fmt)} ({self.timezone})"

    def previous(self) -> Period:
        """The period of the same cadence just before this one."""
        if self.cadence is Cadence.HOURLY:
            return Period(self.cadence, self.start - timedelta(hours=1), self.start, self.timezone)
        days = 7 if self.cadence is Cadence.WEEKLY else 1
        local = self.local(self.start)
        clock = self.clock or local.time()
        start = at_local(local.date() - timedelta(days=days), clock, self.zone)
        return Period(self.cadence, start, self.start, self.timezone, clock)

    @property
    def key(self) -> str:
        """What identifies the period: its cadence and its end (UTC)."""
        return f"{self.cadence.value}#{self.end.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"


def at_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """``clock`` on ``day`` in ``zone``, as UTC (skipped times at the earlier offset; repeated
    times their first occurrence)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def latest(settings: DigestConfig, cadence: Cadence, now: datetime) -> Period:
    """The most recent period of ``cadence`` that ended at or before ``now``."""
    zone = settings.zone
    local = now.astimezone(zone)
    if cadence is Cadence.HOURLY:
        end = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        return Period(cadence, end - timedelta(hours=1), end, settings.timezone)
    clock = settings.daily_at
    if cadence is Cadence.DAILY:
        day, step = local.date(), 1
    else:
        weekday = DIGEST_WEEKDAYS.index(settings.weekly_on or "monday")
        day, step = local.date() - timedelta(days=(local.weekday() - weekday) % 7), 7
    if at_local(day, clock, zone) > now:
        day -= timedelta(days=step)
    end = at_local(day, clock, zone)
    start = at_local(day - timedelta(days=step), clock, zone)
    return Period(cadence, start, end, settings.timezone, clock)


def cadences(settings: DigestConfig) -> list[Cadence]:
    """The cadences a brand asked for (none when its digest is disabled)."""
    if not settings.enabled:
        return []
    chosen = []
    if settings.hourly:
        chosen.append(Cadence.HOURLY)
    if settings.daily:
        chosen.append(Cadence.DAILY)
    if settings.weekly_on:
        chosen.append(Cadence.WEEKLY)
    return chosen


def due(settings: DigestConfig, now: datetime) -> list[Period]:
    """The periods whose digest is due at ``now``: each cadence's latest, while fresh."""
    found = []
    for cadence in cadences(settings):
        period = latest(settings, cadence, now)
        if now - period.end <= GRACE[cadence]:
            found.append(period)
    return found
