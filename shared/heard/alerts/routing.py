"""Which of a brand's channels a notice goes to, and whether a channel is in its quiet hours.

Pure functions of the notice, the brand's ``alerts`` section and the time:

- ``channels_for(notice, brand)``: the names of the channels every matching route lists, in
  the order the routes and their lists give them, each once;
- ``in_quiet_hours(channel, now, zone)``: is ``now`` inside the channel's quiet hours, on the
  wall clock of the brand's alert time zone (so a period keeps its local hours across a
  daylight-saving change);
- ``holds(notice, channel, now, zone)``: is a notice below critical meeting quiet hours (the
  plan without storm control: such a notice is logged and not sent);
- ``channel_rules(brand, name, channel)``: a channel's cap and quiet spell as storm control
  (``heard.alerts.storm``) takes them: with it, what quiet hours or the cap keep back is
  summarised when they end, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from heard.alerts.notice import Notice
from heard.alerts.storm import ChannelRules, quiet_spell
from heard.config import AlertChannel, AlertRoute, Brand


def route_matches(route: AlertRoute, notice: Notice) -> bool:
    """Every criterion the route gives holds (a list: any of its values)."""
    if route.kinds and notice.kind not in route.kinds:
        return False
    if route.min_priority is not None and notice.priority.rank < route.min_priority.rank:
        return False
    if route.intents and not set(route.intents) & set(notice.intents):
        return False
    if route.platforms and notice.platform not in route.platforms:
        return False
    return not (route.sentiments and notice.sentiment not in route.sentiments)


def channels_for(notice: Notice, brand: Brand) -> list[str]:
    """The channel names the brand's routes send ``notice`` to (empty: none). A brand without
    an ``alerts`` section has no named channels: its alerts go to the SNS topic as they are."""
    if brand.alerts is None:
        return []
    names: dict[str, None] = {}
    for route in brand.alerts.routes:
        if route_matches(route, notice):
            names.update(dict.fromkeys(route.channels))
    return list(names)


def in_quiet_hours(channel: AlertChannel, now: datetime, zone: ZoneInfo | str = "UTC") -> bool:
    """Whether ``now`` falls in the channel's quiet hours, read on the local wall clock of
    ``zone``. A period whose end is not after its start crosses midnight and belongs to the
    day it starts (``days``); start equal to end is the whole day."""
    quiet = channel.quiet_hours
    if quiet is None:
        return False
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    local = now.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    minute = local.hour * 60 + local.minute
    today = local.weekday()
    yesterday = (local.date() - timedelta(days=1)).weekday()
    if quiet.start < quiet.end:
        return today in quiet.weekdays and quiet.start <= minute < quiet.end
    # Crosses midnight (or the whole day when start == end).
    if minute >= quiet.start:
        return today in quiet.weekdays
    return minute < quiet.end and yesterday in quiet.weekdays


def holds(notice: Notice, channel: AlertChannel, now: datetime, zone: ZoneInfo | str) -> bool:
    """Keep ``notice`` from ``channel`` now: it is not critical and the channel is quiet."""
    return not notice.critical and in_quiet_hours(channel, now, zone)


@dataclass(frozen=True)
class Plan:
    """Where a notice goes: the channels to send to now, and those holding it."""

    send: tuple[tuple[str, AlertChannel], ...]
    held: tuple[str, ...] = ()

    @property
    def sns(self) -> list[str]:
        """The email and SMS channels: the SNS topic's subscribers filter on their names."""
        return [name for name, channel in self.send if not channel.via_notifier]

    @property
    def notifier(self) -> list[tuple[str, AlertChannel]]:
        return [(name, channel) for name, channel in self.send if channel.via_notifier]


def plan(notice: Notice, brand: Brand, now: datetime) -> Plan:
    alerts = brand.alerts
    if alerts is None:
        return Plan(())
    send: list[tuple[str, AlertChannel]] = []
    held: list[str] = []
    for name in channels_for(notice, brand):
        channel = alerts.channels[name]
        if holds(notice, channel, now, alerts.zone):
            held.append(name)
        else:
            send.append((name, channel))
    return Plan(tuple(send), tuple(held))


def channel_rules(brand: Brand, name: str, channel: AlertChannel) -> ChannelRules:
    """What storm control needs of one of ``brand``'s channels: its cap and its quiet hours
    (in the brand's alert time zone, with their days)."""
    zone = brand.alerts.zone if brand.alerts is not None else ZoneInfo("UTC")
    quiet = channel.quiet_hours

    def spell(now: datetime) -> tuple[datetime, datetime] | None:
        if quiet is None or not in_quiet_hours(channel, now, zone):
            return None
        start = time(quiet.start // 60, quiet.start % 60)
        end = time(quiet.end // 60, quiet.end % 60)
        return quiet_spell(start, end, zone, now) or (now, now + timedelta(hours=1))

    return ChannelRules(brand.name, name, channel.max_per_hour, spell)


__all__ = [
    "Plan",
    "channel_rules",
    "channels_for",
    "holds",
    "in_quiet_hours",
    "plan",
    "route_matches",
]
