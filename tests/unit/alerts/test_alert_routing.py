"""Routing: each rule of a route, quiet hours (across midnight, across DST, per day), and the
config's checks of the alerts section."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import brand, record

from heard.alerts.notice import Notice, from_record
from heard.alerts.routing import channels_for, holds, in_quiet_hours, plan
from heard.config import AlertChannel, ConfigError, parse_config
from heard.models import Intent, Platform, Priority, Sentiment

ROUTED = brand(
    """
alerts:
  timezone: America/New_York
  channels:
    care: {type: slack, secret: slack_care}
    bot: {type: slack, secret: slack_bot, channel: C123}
    crisis: {type: teams, secret: teams}
    legal: {type: https, secret: legal_url, signing_secret: legal_key}
    mail: {type: email}
    phone: {type: sms, quiet_hours: {start: "22:00", end: "07:00"}}
  routes:
    - {min_priority: high, channels: [care, mail]}
    - {kinds: [crisis], channels: [crisis, phone]}
    - {intents: [legal], channels: [legal]}
    - {platforms: [reddit], sentiments: [negative], channels: [bot]}
    - {min_priority: critical, channels: [phone, care]}
"""
)


def notice(priority=Priority.HIGH, **kwargs) -> Notice:
    return from_record(record(priority, **kwargs))


def test_min_priority_routes_at_and_above_the_priority():
    assert channels_for(notice(Priority.NORMAL, intents=()), ROUTED) == []
    assert channels_for(notice(Priority.HIGH, intents=()), ROUTED) == ["care", "mail"]
    assert channels_for(notice(Priority.CRITICAL, intents=()), ROUTED) == [
        "care",
        "mail",
        "phone",
    ]


def test_intents_match_any_of_the_routes_intents():
    assert channels_for(notice(Priority.LOW, intents=(Intent.LEGAL,)), ROUTED) == ["legal"]
    assert channels_for(notice(Priority.LOW, intents=(Intent.PRAISE,)), ROUTED) == []


def test_platform_and_sentiment_must_both_hold():
    reddit = notice(Priority.LOW, intents=(), platform=Platform.REDDIT)
    assert channels_for(reddit, ROUTED) == ["bot"]
    calm = notice(Priority.LOW, intents=(), platform=Platform.REDDIT, sentiment=Sentiment.NEUTRAL)
    assert channels_for(calm, ROUTED) == []


def test_kinds_route_other_notices():
    crisis = Notice(id="crisis:1", kind="crisis", brand="Acme", priority=Priority.NORMAL, title="x")
    assert channels_for(crisis, ROUTED) == ["crisis", "phone"]
    digest = Notice(id="digest:1", kind="digest", brand="Acme", priority=Priority.LOW, title="x")
    assert channels_for(digest, ROUTED) == []


def test_a_brand_without_alerts_has_no_named_channels():
    plain = parse_config("brands: [{name: Acme, keywords: [acme]}]").brands[0]
    assert channels_for(notice(Priority.CRITICAL), plain) == []
    assert plan(notice(Priority.CRITICAL), plain, datetime.now(UTC)).send == ()


def test_plan_splits_sns_from_notifier_channels_and_holds_quiet_ones():
    night = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 23:00 in New York
    route = plan(notice(Priority.HIGH, intents=(Intent.LEGAL,)), ROUTED, night)
    assert route.sns == ["mail"] and [n for n, _ in route.notifier] == ["care", "legal"]
    crisis = Notice(id="c", kind="crisis", brand="Acme", priority=Priority.NORMAL, title="x")
    held = plan(crisis, ROUTED, night)
    assert held.held == ("phone",) and [n for n, _ in held.send] == ["crisis"]
    # Critical breaks through quiet hours.
    loud = Notice(id="c", kind="crisis", brand="Acme", priority=Priority.CRITICAL, title="x")
    assert plan(loud, ROUTED, night).held == ()


def quiet(start: str, end: str, days: list[str] | None = None) -> AlertChannel:
    hours: dict = {"start": start, "end": end}
    if days is not None:
        hours["days"] = days
    return AlertChannel.model_validate({"type": "sms", "quiet_hours": hours})


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("21:59", False),
        ("22:00", True),
        ("23:59", True),
        ("00:00", True),
        ("06:59", True),
        ("07:00", False),
        ("12:00", False),
    ],
)
def test_quiet_hours_across_midnight(local, expected):
    hour, minute = map(int, local.split(":"))
    now = datetime(2026, 7, 15, hour, minute, tzinfo=UTC)
    assert in_quiet_hours(quiet("22:00", "07:00"), now, "UTC") is expected


def test_quiet_hours_are_read_on_the_brands_wall_clock():
    channel = quiet("22:00", "07:00")
    # 03:30 UTC is 22:30 in New York in winter (UTC-5), 23:30 in summer (UTC-4).
    assert in_quiet_hours(channel, datetime(2026, 1, 15, 3, 30, tzinfo=UTC), "America/New_York")
    assert not in_quiet_hours(channel, datetime(2026, 1, 15, 3, 30, tzinfo=UTC), "Asia/Tokyo")


def test_quiet_hours_keep_their_local_hours_across_a_dst_change():
    channel = quiet("22:00", "07:00")
    # Europe/London leaves BST on 2026-10-25: 06:30 UTC is 07:30 BST the day before, 06:30 GMT.
    assert not in_quiet_hours(channel, datetime(2026, 10, 24, 6, 30, tzinfo=UTC), "Europe/London")
    assert in_quiet_hours(channel, datetime(2026, 10, 25, 6, 30, tzinfo=UTC), "Europe/London")
    # And enters BST on 2026-03-29: 21:30 UTC is 21:30 GMT the day before, 22:30 BST.
    assert not in_quiet_hours(channel, datetime(2026, 3, 28, 21, 30, tzinfo=UTC), "Europe/London")
    assert in_quiet_hours(channel, datetime(2026, 3, 29, 21, 30, tzinfo=UTC), "Europe/London")


def test_a_night_belongs_to_the_day_it_starts():
    weeknights = quiet("22:00", "07:00", ["mon-thu"])
    friday_night = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # a Friday
    saturday_small_hours = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    friday_small_hours = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Thursday's night
    assert not in_quiet_hours(weeknights, friday_night, "UTC")
    assert not in_quiet_hours(weeknights, saturday_small_hours, "UTC")
    assert in_quiet_hours(weeknights, friday_small_hours, "UTC")


def test_daytime_quiet_hours_and_no_quiet_hours():
    lunch = quiet("12:00", "13:00")
    assert in_quiet_hours(lunch, datetime(2026, 1, 5, 12, 30, tzinfo=UTC), "UTC")
    assert not in_quiet_hours(lunch, datetime(2026, 1, 5, 13, 0, tzinfo=UTC), "UTC")
    always = AlertChannel(type="email")
    assert not in_quiet_hours(always, datetime(2026, 1, 5, 3, 0, tzinfo=UTC), "UTC")


def test_holding_is_for_non_critical_notices_only():
    channel = quiet("00:00", "00:00")  # the whole day
    now = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    assert holds(notice(Priority.HIGH), channel, now, "UTC")
    assert not holds(notice(Priority.CRITICAL), channel, now, "UTC")


def test_config_validate_reports_every_alerts_problem():
    with pytest.raises(ConfigError) as raised:
        parse_config(
            """
brands:
  - name: Acme
    keywords: [acme]
    alerts:
      timezone: Mars/Olympus
      channels:
        chat: {type: slack}
        hook: {type: https, secret: hook_url}
        mail: {type: email, secret: nope}
        night: {type: sms, quiet_hours: {start: "25:00", end: "07:00"}}
      routes:
        - {min_priority: high, channels: [chat, pager]}
"""
        )
    errors = "\n".join(raised.value.errors)
    assert "alerts.timezone" in errors and "not an IANA time zone" in errors
    assert "alerts.channels.chat: a slack channel needs secret" in errors
    assert "alerts.channels.hook: an https channel needs signing_secret" in errors
    assert "alerts.channels.mail: a email channel goes through the SNS" in errors
    assert "'25:00' is not a time of day" in errors
    assert "route names channel 'pager', which alerts.channels does not define" in errors
