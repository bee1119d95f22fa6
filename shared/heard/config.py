"""Brand configuration: which brands Heard tracks, how it matches them and where alerts go.

The configuration is YAML validated by pydantic. In AWS it lives in an SSM parameter (read with
caching, so an edit needs no redeploy); locally it is a file (``HEARD_CONFIG``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cached_property
from pathlib import Path
from string import Formatter
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from heard.models import Intent, Platform, Priority, Sentiment
from heard.platforms import SOURCES
from heard.settings import ConfigSettings

log = logging.getLogger(__name__)

_Term = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    # Unknown keys are errors (a typo must not be silently ignored); schemas build on first use.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Routing(Strict):
    """Where a brand's alerts go. Priorities below ``alert_min_priority`` are stored, not sent."""

    alert_min_priority: Priority = Priority.HIGH
    # What to do with a mention in a language the model does not know:
    # "alert" sends it at ``unknown_language_priority``; "store" keeps it for the inbox only.
    unknown_language: Literal["alert", "store"] = "store"
    unknown_language_priority: Priority = Priority.NORMAL
    # Free-form channel tag carried on the alert (e.g. a chat channel a subscriber filters on).
    channel: str | None = None


class PriorityRules(Strict):
    """A brand's own thresholds for how reach raises priority."""

    high_reach_followers: Annotated[int, Field(ge=0)] = 10_000
    critical_reach_followers: Annotated[int, Field(ge=0)] = 100_000
    # Intents that are at least ``high`` whoever says them.
    escalate_intents: list[Intent] = Field(
        default_factory=lambda: [Intent.LEGAL, Intent.SAFETY, Intent.PRIVACY, Intent.PUBLIC]
    )
    vip_handles: list[_Term] = Field(default_factory=list)

    @field_validator("vip_handles")
    @classmethod
    def _plain_handles(cls, value: list[str]) -> list[str]:
        return [h.lstrip("@").lower() for h in value]

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> PriorityRules:
        problem = _threshold_problem(self.high_reach_followers, self.critical_reach_followers)
        if problem:
            raise _CrossFieldError(problem)
        return self


# ---------------------------------------------------------------------------------------------
# SLAs: targets per priority, business hours, warnings and escalation levels. The clocks that
# read them are in heard.cases.sla.
# ---------------------------------------------------------------------------------------------

_DURATION = re.compile(r"\s*(\d{1,9})\s*(bm|bh|m|h|d)\s*", re.IGNORECASE)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 24 * 60, "bm": 1, "bh": 60}
_MAX_TARGET = timedelta(days=90)
_DURATION_HELP = (
    "write a whole number and a unit: 15m, 4h, 1d (wall-clock minutes, hours, days of 24 hours) "
    "or 90bm, 8bh (business minutes, hours: counted only while the brand is open); "
    "none for no target"
)


@dataclass(frozen=True)
class SlaDuration:
    """A target's length, and whether it counts business time or wall-clock time."""

    length: timedelta
    business: bool = False

    def __str__(self) -> str:
        minutes = int(self.length.total_seconds()) // 60
        if self.business:
            return f"{minutes // 60}bh" if minutes % 60 == 0 else f"{minutes}bm"
        if minutes % (24 * 60) == 0:
            return f"{minutes // (24 * 60)}d"
        return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def parse_duration(value: Any) -> SlaDuration | None:
    """``"15m"``, ``"4h"``, ``"1d"`` (wall clock), ``"90bm"``, ``"8bh"`` (business time);
    ``None`` or ``"none"``: no target. Anything else is a ValueError that says how to write it."""
    if value is None or isinstance(value, SlaDuration):
        return value
    if isinstance(value, str):
        if value.strip().lower() == "none":
            return None
        found = _DURATION.fullmatch(value)
        if found:
            unit = found[2].lower()
            duration = SlaDuration(
                timedelta(minutes=int(found[1]) * _UNIT_MINUTES[unit]), unit.startswith("b")
            )
            if not duration.length:
                raise ValueError(
                    f"{value!r}: a target must be longer than zero (write none for no target)"
                )
            if duration.length > _MAX_TARGET:
                raise ValueError(f"{value!r}: a target is at most 90 days (2160h, 2160bh)")
            return duration
    raise ValueError(f"{value!r} is not a duration: {_DURATION_HELP}")


SlaTarget = Annotated[
    SlaDuration | None,
    PlainValidator(parse_duration),
    PlainSerializer(lambda d: None if d is None else str(d), return_type=str | None),
]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = r"([01]\d|2[0-3]):([0-5]\d)"
_PERIOD = re.compile(rf"\s*{_TIME}\s*-\s*(?:{_TIME}|(24):(00))\s*")


def _weekdays(key: str) -> tuple[int, ...]:
    """``"mon"`` -> (0,); ``"mon-fri"`` -> (0, 1, 2, 3, 4)."""
    first, _, last = key.strip().lower().partition("-")
    if first in _WEEKDAYS and (not last or last in _WEEKDAYS):
        start, end = _WEEKDAYS.index(first), _WEEKDAYS.index(last or first)
        if start <= end:
            return tuple(range(start, end + 1))
    raise ValueError(
        f"{key!r} is not a day or a range of days: use mon, tue, wed, thu, fri, sat, sun "
        "or a range such as mon-fri"
    )


def _check_weekdays(key: str) -> str:
    _weekdays(key)
    return key


Minutes = tuple[int, int]  # an open period of a day: minutes after local midnight, end > start


def _open_periods(value: Any) -> tuple[Minutes, ...]:
    """``"09:00-17:30"`` or ``"09:00-12:00, 13:00-17:30"`` -> ((540, 1050),) ..."""
    if not isinstance(value, str):
        raise ValueError(f'{value!r}: write opening hours as a string such as "09:00-17:30"')
    periods: list[Minutes] = []
    for part in value.split(","):
        found = _PERIOD.fullmatch(part)
        if not found:
            raise ValueError(
                f"{part.strip()!r} is not a period: write HH:MM-HH:MM (24-hour clock, "
                'up to 24:00), several separated by commas: "09:00-12:00, 13:00-17:30"'
            )
        hour, minute, end_hour, end_minute, *midnight = found.groups()
        start = int(hour) * 60 + int(minute)
        end = 24 * 60 if midnight[0] else int(end_hour) * 60 + int(end_minute)
        if end <= start:
            raise ValueError(
                f"{part.strip()!r} ends before it starts: a period lies within one day "
                "(split a night across two days: 22:00-24:00 and 00:00-06:00)"
            )
        if periods and start < periods[-1][1]:
            raise ValueError(f"{part.strip()!r} overlaps or precedes the period before it")
        periods.append((start, end))
    return tuple(periods)


def _format_periods(periods: tuple[Minutes, ...]) -> str:
    return ", ".join(
        f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
        for start, end in periods
    )


def _zone_problem(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{value!r} is not an IANA time zone (e.g. Europe/London, America/New_York, UTC)"
    return None


def _known_zone(value: str) -> str:
    """A field validator's body: ``value`` if it names an IANA zone, else a ValueError."""
    problem = _zone_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class BusinessHours(Strict):
    """When a brand is open: weekly hours in its time zone, and holidays it is closed."""

    timezone: Annotated[str, Field(min_length=1, max_length=100)]
    # Day or range of days -> open periods; a day not named is closed.
    hours: dict[
        Annotated[str, PlainValidator(_check_weekdays)],
        Annotated[
            tuple[Minutes, ...],
            PlainValidator(_open_periods),
            PlainSerializer(_format_periods, return_type=str),
        ],
    ]
    holidays: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _known_zone(value)

    @field_validator("hours")
    @classmethod
    def _each_day_once(
        cls, value: dict[str, tuple[Minutes, ...]]
    ) -> dict[str, tuple[Minutes, ...]]:
        seen: dict[int, str] = {}
        for key in value:
            for day in _weekdays(key):
                if day in seen:
                    raise ValueError(f"{_WEEKDAYS[day]} is in both {seen[day]!r} and {key!r}")
                seen[day] = key
        if not seen:
            raise ValueError("business hours need at least one open day")
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def week(self) -> tuple[tuple[Minutes, ...], ...]:
        """Open periods per weekday, Monday first."""
        days: list[tuple[Minutes, ...]] = [()] * 7
        for key, periods in self.hours.items():
            for day in _weekdays(key):
                days[day] = periods
        return tuple(days)

    @cached_property
    def closed_on(self) -> frozenset[date]:
        return frozenset(self.holidays)


class PriorityTargets(Strict):
    """How long a case of one priority may wait for its first response and its resolution."""

    first_response: SlaTarget
    resolution: SlaTarget


# Wall-clock by default, so that they hold for every brand, business hours or not; a brand
# with business hours writes business targets itself (normal: {first_response: 8bh, ...}).
DEFAULT_TARGETS: dict[str, dict[str, str | None]] = {
    "critical": {"first_response": "15m", "resolution": "4h"},
    "high": {"first_response": "1h", "resolution": "1d"},
    "normal": {"first_response": "1d", "resolution": "3d"},
    "low": {"first_response": None, "resolution": None},
}


def _merged_targets(data: dict[Any, Any]) -> dict[Any, Any]:
    """Each priority's targets over its defaults; a priority written as none has no targets."""
    merged = dict(data)
    for priority, defaults in DEFAULT_TARGETS.items():
        given = data.get(priority, defaults)
        if given is None or (isinstance(given, str) and given.strip().lower() == "none"):
            merged[priority] = {"first_response": None, "resolution": None}
        elif isinstance(given, dict):
            merged[priority] = {**defaults, **given}
    return merged


class SlaTargets(Strict):
    low: PriorityTargets
    normal: PriorityTargets
    high: PriorityTargets
    critical: PriorityTargets

    @model_validator(mode="before")
    @classmethod
    def _over_defaults(cls, data: Any) -> Any:
        return _merged_targets(data) if isinstance(data, dict) else data

    def of(self, priority: Priority | str) -> PriorityTargets:
        targets: PriorityTargets = getattr(self, Priority(priority).value)
        return targets


class EscalationLevel(Strict):
    """Raise a case to ``route`` once it has waited ``at`` times its target."""

    at: Annotated[float, Field(gt=0, le=10)]
    route: Annotated[str, Field(min_length=1, max_length=100)]


class SlaPolicy(Strict):
    targets: SlaTargets = Field(default_factory=lambda: SlaTargets.model_validate({}))
    business_hours: BusinessHours | None = None
    # Share of a target after which a case is in warning.
    warn_at: Annotated[float, Field(gt=0, lt=1)] = 0.75
    escalation_levels: list[EscalationLevel] = Field(
        default_factory=lambda: [
            EscalationLevel(at=1.0, route="team"),
            EscalationLevel(at=2.0, route="manager"),
        ]
    )
    # False: only a reply stops the first-response clock; true: an acknowledgement does too.
    acknowledgement_stops_first_response: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> SlaPolicy:
        targets = {
            p: (self.targets.of(p).first_response, self.targets.of(p).resolution)
            for p in DEFAULT_TARGETS
        }
        levels = [level.at for level in self.escalation_levels]
        problems = _sla_problems(targets, self.business_hours is not None, levels)
        if problems:
            raise _CrossFieldError(problems[0][1])  # parse_config reports every one
        return self


# ---------------------------------------------------------------------------------------------
# Reply templates: the drafts the inbox offers for a case (heard.cases.drafts)
# ---------------------------------------------------------------------------------------------

REPLY_PLACEHOLDERS = ("author", "brand", "agent")
# What a template may be keyed by, besides an intent and a sentiment.
REPLY_CATEGORIES = ("complaint", "other")
_LANG = re.compile(r"^[a-z]{2,3}$")

# Built-in English templates, used where a brand names none for a case. Edit them per brand in
# its ``replies`` section; a brand's own template for the same key wins.
DEFAULT_REPLY_TEMPLATES: dict[str, str] = {
    "complaint": (
        "Hi {author}, we're sorry to hear this. {agent} from {brand} here: we'd like to put it "
        "right. Could you tell us a little more about what happened?"
    ),
    "billing": (
        "Hi {author}, sorry for the trouble with your bill. Please send us a private message "
        "with your order or account number and we'll sort it out. {agent}, {brand}"
    ),
    "delivery": (
        "Hi {author}, sorry your order hasn't reached you as it should. Please send us your "
        "order number in a private message and we'll track it down. {agent}, {brand}"
    ),
    "outage": (
        "Hi {author}, thanks for letting us know, and sorry for the disruption. Our team is on "
        "it and we'll update you as soon as it's fixed. {agent}, {brand}"
    ),
    "account": (
        "Hi {author}, sorry you're having trouble with your account. Please send us a private "
        "message with the email address on it (never your password) and we'll help. "
        "{agent}, {brand}"
    ),
    "privacy": (
        "Hi {author}, we take your privacy seriously. Please send us a private message with "
        "the details so we can look into it straight away. {agent}, {brand}"
    ),
    "legal": (
        "Hi {author}, we're sorry to hear this and we take it seriously. Please send us a "
        "private message with the details so the right person at {brand} can look into it. "
        "{agent}"
    ),
    "safety": (
        "Hi {author}, thank you for telling us: your safety comes first. Please stop using the "
        "product and send us the details in a private message so we can act at once. "
        "{agent}, {brand}"
    ),
    "question": (
        "Hi {author}, thanks for your question! Let us check and we'll get right back to you. "
        "{agent}, {brand}"
    ),
    "praise": "Thank you so much, {author}! We're delighted to hear it. {agent}, {brand}",
    "other": "Hi {author}, thanks for reaching out to {brand}. How can we help? {agent}",
}
DEFAULT_REPLY_LANG = "en"


def _reply_key_problem(key: str) -> str | None:
    """Why ``key`` cannot key a template (None: it can): an intent, a sentiment, complaint,
    other, or ``<intent or complaint>+<sentiment>``."""
    sentiments = {s.value for s in Sentiment}
    topics = {i.value for i in Intent} | set(REPLY_CATEGORIES)
    topic, plus, sentiment = key.partition("+")
    if not plus and (topic in topics or topic in sentiments):
        return None
    if plus and topic in topics - {"other"} and sentiment in sentiments:
        return None
    return (
        f"unknown template key {key!r}: use an intent ({', '.join(i.value for i in Intent)}), "
        f"a sentiment ({', '.join(sorted(sentiments))}), complaint or other, or "
        "<intent>+<sentiment> such as billing+negative"
    )


def _template_problem(text: str) -> str | None:
    try:
        fields = [name for _, name, spec, conv in Formatter().parse(text) if name is not None]
    except ValueError as exc:  # an unpaired brace
        return f"{exc}: write a literal brace as {{{{ or }}}}"
    unknown = sorted({f for f in fields if f not in REPLY_PLACEHOLDERS})
    if unknown:
        return f"unknown placeholder {{{unknown[0]}}}: a template may use " + ", ".join(
            f"{{{p}}}" for p in REPLY_PLACEHOLDERS
        )
    return None


_TemplateText = Annotated[str, Field(min_length=1, max_length=2000)]


class ReplyTemplates(Strict):
    """A brand's reply templates: ``templates`` per language (``en``, ``de``...), each keyed by
    an intent, a sentiment, ``complaint``, ``other`` or ``<intent>+<sentiment>``; placeholders
    ``{author}``, ``{brand}``, ``{agent}``. ``default_lang`` answers a language with no
    templates of its own; the built-in English templates fill the rest."""

    default_lang: str = DEFAULT_REPLY_LANG
    templates: dict[str, dict[str, _TemplateText]] = Field(default_factory=dict)

    @field_validator("default_lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        value = value.strip().lower()
        if not _LANG.match(value):
            raise ValueError(f"{value!r} is not a language code such as en or de")
        return value

    @field_validator("templates")
    @classmethod
    def _known(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        clean: dict[str, dict[str, str]] = {}
        for lang, texts in value.items():
            code = lang.strip().lower()
            if not _LANG.match(code):
                raise ValueError(f"{lang!r} is not a language code such as en or de")
            for key, text in texts.items():
                problem = _reply_key_problem(key) or _template_problem(text)
                if problem:
                    raise ValueError(f"{lang}.{key}: {problem}")
            clean[code] = dict(texts)
        return clean

    def lookup(self, lang: str | None, keys: Sequence[str]) -> tuple[str, str, str] | None:
        """``(lang, key, text)`` of the first template for ``keys`` (most specific first) in
        ``lang``, else ``default_lang``, else the built-in English; None if none matches."""
        tried: list[tuple[str, dict[str, str]]] = []
        for code in dict.fromkeys(c for c in ((lang or "").lower(), self.default_lang) if c):
            if code in self.templates:
                tried.append((code, self.templates[code]))
        tried.append((DEFAULT_REPLY_LANG, DEFAULT_REPLY_TEMPLATES))
        for code, texts in tried:
            for key in keys:
                if key in texts:
                    return code, key, texts[key]
        return None


# ---------------------------------------------------------------------------------------------
# Listening: the scheduled sources (heard.ingest.polling) and what each brand asks of them.
# ---------------------------------------------------------------------------------------------

# The scheduled sources, as heard.platforms registers them (one list: the registry's).
SOURCE_NAMES = SOURCES
DEFAULT_POLL_MINUTES = 5
_Url = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^https?://[^\s]+$")]


class SourceSettings(Strict):
    """One scheduled source, for every brand: how often, where, and how much it may spend.

    ``budget_per_day`` is in the source's own unit (requests for most; quota units for YouTube;
    post reads for X, which bills each one); unset means the source's default. ``base_url``
    points the source at another host: a Mastodon instance, a Bluesky AppView or PDS, a proxy
    (and, in the tests and the local stack, a fake). ``options`` are the source's own settings
    (e.g. Reddit's ``app_id`` and ``username`` for its User-Agent); the README lists them."""

    enabled: bool = True
    every_minutes: Annotated[int, Field(ge=1, le=1440)] = DEFAULT_POLL_MINUTES
    base_url: _Url | None = None
    budget_per_day: Annotated[int, Field(ge=1)] | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class BrandListening(Strict):
    """What one brand asks of one source; each field is read by the sources it names.

    ``queries`` replace the search terms otherwise made from the brand's keywords, hashtags and
    handles (every source that searches). ``subreddits`` (Reddit: their new comments),
    ``tags`` (Mastodon hashtag timelines; default: the brand's hashtags), ``instances``
    (Mastodon: which instances; default: the source's ``base_url``), ``feeds`` (RSS/Atom URLs),
    ``channel_ids`` and ``video_ids`` (YouTube comment threads)."""

    queries: list[_Term] = Field(default_factory=list)
    subreddits: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{2,21}$")]] = Field(
        default_factory=list
    )
    tags: list[_Term] = Field(default_factory=list)
    instances: list[_Url] = Field(default_factory=list)
    feeds: list[_Url] = Field(default_factory=list)
    channel_ids: list[_Term] = Field(default_factory=list)
    video_ids: list[_Term] = Field(default_factory=list)

    @field_validator("subreddits", "tags", mode="before")
    @classmethod
    def _strip_prefix(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [
            v.removeprefix("/").removeprefix("r/").lstrip("#") if isinstance(v, str) else v
            for v in value
        ]


# ---------------------------------------------------------------------------------------------
# Alerts: a brand's channels (email, SMS, Slack, Teams, signed HTTPS), which notices go where,
# and each channel's quiet hours. Routing reads them in heard.alerts.routing.
# ---------------------------------------------------------------------------------------------

ChannelType = Literal["slack", "teams", "https", "email", "sms"]
# Channels the notifier function posts to (the rest go through the SNS alerts topic).
CHAT_TYPES = frozenset({"slack", "teams", "https"})
NoticeKind = Literal["mention", "escalation", "crisis", "digest", "operational", "summary"]
NOTICE_KINDS: tuple[str, ...] = (
    "mention",
    "escalation",
    "crisis",
    "digest",
    "operational",
    "summary",
)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_NAME = r"^[A-Za-z0-9_.-]{1,64}$"


def _clock_minutes(value: Any) -> int:
    """``"22:00"`` -> 1320: minutes after local midnight."""
    found = _CLOCK.match(value) if isinstance(value, str) else None
    if not found:
        raise ValueError(f"{value!r} is not a time of day: write HH:MM (24-hour clock)")
    return int(found[1]) * 60 + int(found[2])


_ClockTime = Annotated[
    int,
    PlainValidator(_clock_minutes),
    PlainSerializer(lambda m: f"{m // 60:02d}:{m % 60:02d}", return_type=str),
]


class QuietHours(Strict):
    """A nightly (or daily) period, in the brand's alert time zone, when a channel gets only
    critical alerts. ``end`` before ``start`` crosses midnight; ``days`` (default: every day)
    are the days the period starts on, so 02:00 on a Saturday belongs to Friday's night."""

    start: _ClockTime
    end: _ClockTime
    days: list[Annotated[str, PlainValidator(_check_weekdays)]] | None = None

    @cached_property
    def weekdays(self) -> frozenset[int]:
        if not self.days:
            return frozenset(range(7))
        return frozenset(day for key in self.days for day in _weekdays(key))


class AlertChannel(Strict):
    """One place alerts go. ``secret`` names the key in AlertsSecret holding the webhook URL
    (Slack, Teams, HTTPS) or the Slack bot token (with ``channel``, a Slack channel id);
    ``signing_secret`` the key of the HMAC key an HTTPS receiver verifies with."""

    type: ChannelType
    secret: Annotated[str, Field(pattern=_NAME)] | None = None
    signing_secret: Annotated[str, Field(pattern=_NAME)] | None = None
    channel: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    quiet_hours: QuietHours | None = None
    # Read by storm control (not yet: recorded here so configs can carry it).
    max_per_hour: Annotated[int, Field(ge=1, le=10_000)] | None = None

    @model_validator(mode="after")
    def _needs(self) -> AlertChannel:
        problem = _channel_problem(self.type, self.secret, self.signing_secret, self.channel)
        if problem:
            raise _CrossFieldError(problem)
        return self

    @property
    def via_notifier(self) -> bool:
        return self.type in CHAT_TYPES


class AlertRoute(Strict):
    """Notices that match every criterion given go to ``channels``. A criterion left out
    matches everything; a list matches any of its values."""

    kinds: list[NoticeKind] = Field(default_factory=list)
    min_priority: Priority | None = None
    intents: list[Intent] = Field(default_factory=list)
    platforms: list[Platform] = Field(default_factory=list)
    sentiments: list[Sentiment] = Field(default_factory=list)
    channels: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class AlertsConfig(Strict):
    """A brand's alert channels and routes. Without it, every alert that passes the gate goes
    to the SNS alerts topic (``routing``), as before."""

    timezone: Annotated[str, Field(min_length=1, max_length=100)] = "UTC"
    channels: dict[Annotated[str, Field(pattern=_NAME)], AlertChannel] = Field(default_factory=dict)
    routes: list[AlertRoute] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _known_zone(value)

    @model_validator(mode="after")
    def _routes_name_channels(self) -> AlertsConfig:
        problems = _route_problems(
            set(self.channels), [list(route.channels) for route in self.routes]
        )
        if problems:
            raise _CrossFieldError(problems[0][1])  # parse_config reports every one
        return self

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# ---------------------------------------------------------------------------------------------
# Digests: a summary per brand at a local time it chooses (heard.digest)
# ---------------------------------------------------------------------------------------------

DIGEST_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


def _clock_time(value: Any) -> time:
    """``"08:00"`` (24-hour, local) as a time; YAML may hand over minutes as an int (8:00 is
    sexagesimal in YAML 1.1), which is read back the same way."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    if isinstance(value, str):
        found = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if found:
            return time(int(found.group(1)), int(found.group(2)))
    raise ValueError(f'{value!r} is not a time of day: write it as HH:MM, e.g. "08:00"')


class DigestConfig(Strict):
    """When a brand's digest goes out and where. ``daily_at`` is a local time in ``timezone``
    (IANA); the daily digest covers the day up to it, the hourly one each local hour, the
    weekly one the week up to ``daily_at`` on ``weekly_on``. With ``email_from`` (an address
    or one of a domain verified in SES) an HTML digest goes by SES to ``email_to``; without,
    plain text goes to the alerts topic with the message attribute ``kind=digest``."""

    enabled: bool = True
    daily_at: Annotated[
        time, PlainValidator(_clock_time), PlainSerializer(lambda t: t.strftime("%H:%M"))
    ] = time(8, 0)
    timezone: Annotated[str, Field(min_length=1, max_length=100)] = "UTC"
    daily: bool = True
    hourly: bool = False
    weekly_on: Literal[DIGEST_WEEKDAYS] | None = None  # type: ignore[valid-type]
    email_from: _Email | None = None
    email_to: list[_Email] = Field(default_factory=list, max_length=50)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _known_zone(value)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @model_validator(mode="after")
    def _consistent(self) -> DigestConfig:
        problems = _digest_problems(self.model_dump())
        if problems:
            raise _CrossFieldError(problems[0][1])  # parse_config reports every one
        return self


def _digest_problems(digest: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """(location under ``digest``, message) for each digest setting that contradicts another."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    sender, to = digest.get("email_from"), digest.get("email_to")
    if sender and not to:
        problems.append(
            (("email_to",), "email_from is set, so the HTML digest needs email_to addresses")
        )
    if to and not sender:
        problems.append(
            (
                ("email_from",),
                "email_to needs email_from (a sender verified in SES); without both, the digest "
                "goes as plain text to the alerts topic",
            )
        )
    enabled = digest.get("enabled", True)
    if enabled and not (
        digest.get("daily", True) or digest.get("hourly") or digest.get("weekly_on")
    ):
        problems.append(
            (
                (),
                "the digest is enabled but daily is false, hourly is false and weekly_on is "
                "unset: set one, or enabled: false",
            )
        )
    return problems


# ---------------------------------------------------------------------------------------------
# The public feedback form (heard.feedback): a page per brand that posts without a sign-in.
# ---------------------------------------------------------------------------------------------

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_ORIGIN = re.compile(r"^https://[a-z0-9.-]+(?::[0-9]{1,5})?$")
# Paths under /feedback/ that are not brands.
RESERVED_SLUGS = frozenset({"assets"})
DEFAULT_FEEDBACK_PER_HOUR = 5


def slugify(name: str) -> str:
    """A brand name as a URL segment: ``"Acme Café & Co."`` -> ``"acme-cafe-co"``."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64].strip("-")


def _origin(value: Any) -> Any:
    """``https://shop.example.com[:port]``, lower-cased; anything with a path, query,
    credentials or another scheme is refused (an origin is what a browser sends in Origin)."""
    if not isinstance(value, str):
        return value
    origin = value.strip().rstrip("/").lower()
    if not _ORIGIN.fullmatch(origin) or ".." in origin or origin.endswith("."):
        raise ValueError(
            f"{value!r} is not an origin: write https://host or https://host:port "
            "(no path, query or trailing parts)"
        )
    port = origin.rpartition(":")[2] if origin.count(":") == 2 else None
    if port is not None and not 0 < int(port) < 65536:
        raise ValueError(f"{value!r}: the port must be between 1 and 65535")
    return origin


class FeedbackCaptcha(Strict):
    """CAPTCHA on the feedback form: the widget's public ``site_key`` and the name of the key
    in FeedbackSecret that holds the provider's secret (never the secret itself)."""

    provider: Literal["turnstile", "hcaptcha"]
    site_key: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")]
    secret: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$")]


class FeedbackForm(Strict):
    """A brand's public feedback form (``/feedback/<slug>``); off unless ``enabled``."""

    enabled: bool = False
    # The URL segment; default: the brand's name slugified ("Acme Café" -> "acme-cafe").
    slug: Annotated[str, Field(pattern=_SLUG.pattern)] | None = None
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    intro: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    # Sites that may embed the form (frame-ancestors) and post to it from a script (CORS).
    allowed_origins: list[Annotated[str, BeforeValidator(_origin)]] = Field(default_factory=list)
    captcha: FeedbackCaptcha | None = None
    # Submissions a client address may make per hour, for this brand.
    max_per_hour: Annotated[int, Field(ge=1, le=1000)] = DEFAULT_FEEDBACK_PER_HOUR

    @field_validator("slug")
    @classmethod
    def _not_reserved(cls, value: str | None) -> str | None:
        if value in RESERVED_SLUGS:
            raise ValueError(f"{value!r} is a path of its own under /feedback/; choose another")
        return value


class Brand(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    handles: dict[Platform, list[_Term]] = Field(default_factory=dict)
    account_ids: dict[Platform, list[_Term]] = Field(default_factory=dict)
    hashtags: list[_Term] = Field(default_factory=list)
    keywords: list[_Term] = Field(default_factory=list)
    exclusions: list[_Term] = Field(default_factory=list)
    platforms: list[Platform] = Field(default_factory=lambda: list(Platform))
    routing: Routing = Field(default_factory=Routing)
    priority: PriorityRules = Field(default_factory=PriorityRules)
    # Extra phrases per intent, added to the built-in rules (e.g. billing: ["direct debit"]).
    intent_terms: dict[Intent, list[_Term]] = Field(default_factory=dict)
    # Words that make any mention critical for this brand (e.g. "recall", "food poisoning").
    crisis_words: list[_Term] = Field(default_factory=list)
    # Response and resolution targets per priority; see SlaPolicy and heard.cases.sla.
    sla: SlaPolicy = Field(default_factory=SlaPolicy)
    # Reply templates for the drafts the inbox offers; see ReplyTemplates and heard.cases.drafts.
    replies: ReplyTemplates = Field(default_factory=ReplyTemplates)
    # What this brand asks of each scheduled source (see ``HeardConfig.sources``).
    listen: dict[Literal[SOURCE_NAMES], BrandListening] = Field(default_factory=dict)  # type: ignore[valid-type]
    # Alert channels and routes; None: every alert goes to the SNS topic (see AlertsConfig).
    alerts: AlertsConfig | None = None
    # The digest: when, how often and where; see DigestConfig and heard.digest.
    digest: DigestConfig = Field(default_factory=DigestConfig)
    # The public feedback form; see FeedbackForm and heard.feedback.
    feedback: FeedbackForm = Field(default_factory=FeedbackForm)

    @property
    def feedback_slug(self) -> str:
        """Where the brand's form is: ``/feedback/<slug>``."""
        return self.feedback.slug or slugify(self.name)

    def listening(self, source: str) -> BrandListening:
        return self.listen.get(source) or BrandListening()

    def search_terms(self, platform: Platform | None = None) -> list[str]:
        """What a search for this brand looks for: its keywords, #hashtags, and its handles on
        ``platform`` (as @handle), without duplicates, in that order."""
        terms = list(self.keywords) + [f"#{t}" for t in self.hashtags]
        if platform is not None:
            terms += [f"@{h}" for h in self.handles.get(platform, [])]
        return list(dict.fromkeys(terms))

    @field_validator("handles")
    @classmethod
    def _strip_at(cls, value: dict[Platform, list[str]]) -> dict[Platform, list[str]]:
        return {p: [h.lstrip("@").lower() for h in hs] for p, hs in value.items()}

    @field_validator("hashtags")
    @classmethod
    def _strip_hash(cls, value: list[str]) -> list[str]:
        return [h.lstrip("#") for h in value]

    @model_validator(mode="after")
    def _something_to_match(self) -> Brand:
        if not any(getattr(self, field) for field in _MATCH_FIELDS):
            raise _CrossFieldError(_NOTHING_TO_MATCH)
        return self


class HeardConfig(Strict):
    brands: Annotated[list[Brand], Field(min_length=1)]
    # The scheduled sources Heard polls; one not named here is not polled.
    sources: dict[Literal[SOURCE_NAMES], SourceSettings] = Field(default_factory=dict)  # type: ignore[valid-type]

    def source(self, name: str) -> SourceSettings | None:
        """The source's settings, or None when it is not configured or not enabled."""
        found = self.sources.get(name)
        return found if found is not None and found.enabled else None

    @model_validator(mode="after")
    def _unique_names(self) -> HeardConfig:
        problems = _duplicate_names([b.name for b in self.brands])
        problems += _feedback_problems([_feedback_slug_of(b) for b in self.brands])
        if problems:
            raise _CrossFieldError(problems[0][1])  # parse_config reports every one
        return self

    def brand(self, name: str | None) -> Brand | None:
        if name is None:
            return None
        return next((b for b in self.brands if b.name.lower() == name.lower()), None)

    def feedback_brand(self, slug: str) -> Brand | None:
        """The brand whose feedback form is at ``/feedback/<slug>``, if it is enabled."""
        return next(
            (b for b in self.brands if b.feedback.enabled and b.feedback_slug == slug), None
        )


# ---------------------------------------------------------------------------------------------
# Checks across fields. The models run them too, but pydantic skips a model's validators once
# one of its fields failed, so parse_config also runs them over the raw data: one run of
# ``heard config validate`` reports every problem in the file, not the first few.
# ---------------------------------------------------------------------------------------------

_MATCH_FIELDS = ("handles", "account_ids", "hashtags", "keywords")
_NOTHING_TO_MATCH = "a brand needs at least one of handles, account_ids, hashtags, keywords"


class _CrossFieldError(ValueError):
    """Raised by the models' cross-field checks, so parse_config can tell them apart."""


def _cross_field_message(error: Any) -> str | None:
    """The message of a cross-field check's error in ``ValidationError.errors()``, else None."""
    raised = (error.get("ctx") or {}).get("error")
    return str(raised) if isinstance(raised, _CrossFieldError) else None


def _threshold_problem(high: int, critical: int) -> str | None:
    if critical < high:
        return (
            f"critical_reach_followers ({critical}) must be at least high_reach_followers ({high})"
        )
    return None


def _duplicate_names(names: list[Any]) -> list[tuple[int, str]]:
    """(index, message) for each brand whose name (case-insensitive) an earlier one has."""
    first: dict[str, int] = {}
    problems = []
    for index, name in enumerate(names):
        if not isinstance(name, str):
            continue
        if name.lower() in first:
            where = first[name.lower()]
            problems.append((index, f"brand name {name!r} appears twice (also brands[{where}])"))
        else:
            first[name.lower()] = index
    return problems


def _feedback_slug_of(brand: Any) -> str | None:
    """The slug of a brand whose form is enabled (a model or the raw mapping), else None."""
    if isinstance(brand, Brand):
        return brand.feedback_slug if brand.feedback.enabled else None
    if not isinstance(brand, dict) or not isinstance(brand.get("name"), str):
        return None
    form = brand.get("feedback")
    if not isinstance(form, dict) or form.get("enabled") is not True:
        return None
    slug = form.get("slug")
    return slug if isinstance(slug, str) else slugify(brand["name"])


def _feedback_problems(slugs: list[str | None]) -> list[tuple[int, str]]:
    """(index, message) for each enabled form whose slug is empty or an earlier one's."""
    first: dict[str, int] = {}
    problems = []
    for index, slug in enumerate(slugs):
        if slug is None:
            continue
        if not slug or slug in RESERVED_SLUGS:
            problems.append(
                (
                    index,
                    f"the brand's name gives no usable feedback slug ({slug!r}): set feedback.slug",
                )
            )
        elif slug in first:
            problems.append(
                (
                    index,
                    f"feedback slug {slug!r} is also brands[{first[slug]}]'s: "
                    "set feedback.slug on one of them",
                )
            )
        else:
            first[slug] = index
    return problems


def _as_int(value: Any) -> int | None:
    """An integer the way the model would read it; None where the field itself is invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _sla_problems(
    targets: dict[str, tuple[Any, Any]], business_hours: bool, levels: Sequence[float | None]
) -> list[tuple[tuple[Any, ...], str]]:
    """(location under ``sla``, message) for each SLA problem; None marks an invalid value
    (reported as a field error), which no check here reads."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    for priority, (first, resolution) in targets.items():
        for name, target in (("first_response", first), ("resolution", resolution)):
            if isinstance(target, SlaDuration) and target.business and not business_hours:
                problems.append(
                    (
                        ("targets", priority, name),
                        f"{target} counts business time, but the brand has no "
                        "sla.business_hours (use wall-clock units m, h, d, or add them)",
                    )
                )
        if (
            isinstance(first, SlaDuration)
            and isinstance(resolution, SlaDuration)
            and resolution.length < first.length
        ):
            problems.append(
                (
                    ("targets", priority),
                    f"resolution ({resolution}) is shorter than first_response ({first})",
                )
            )
    previous: float | None = None
    for index, at in enumerate(levels):
        if at is None:
            continue
        if previous is not None and at <= previous:
            problems.append(
                (
                    ("escalation_levels", index, "at"),
                    f"escalation levels must increase: at {at:g} follows at {previous:g}",
                )
            )
        previous = at
    return problems


def _lenient_duration(value: Any) -> SlaDuration | None:
    try:
        return parse_duration(value)
    except ValueError:
        return None


def _level_at(value: Any) -> float | None:
    """An escalation level's ``at`` the way the model reads it; None where it is invalid."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        at = float(value)
    except ValueError:
        return None
    return at if 0 < at <= 10 else None


def _raw_sla_problems(sla: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """_sla_problems over a brand's raw ``sla`` mapping, read the way the models read it."""
    raw_targets = sla.get("targets", {})
    targets: dict[str, tuple[Any, Any]] = {}
    if isinstance(raw_targets, dict):
        merged = _merged_targets(raw_targets)
        for priority in DEFAULT_TARGETS:
            entry = merged.get(priority)
            if isinstance(entry, dict):
                targets[priority] = (
                    _lenient_duration(entry.get("first_response")),
                    _lenient_duration(entry.get("resolution")),
                )
    raw_levels = sla.get("escalation_levels", [])
    levels = (
        [_level_at(level.get("at")) if isinstance(level, dict) else None for level in raw_levels]
        if isinstance(raw_levels, list)
        else []
    )
    return _sla_problems(targets, sla.get("business_hours") is not None, levels)


def _channel_problem(kind: Any, secret: Any, signing_secret: Any, channel: Any) -> str | None:
    if kind in CHAT_TYPES and not secret:
        what = "webhook URL" if kind != "slack" else "webhook URL or bot token"
        return f"a {kind} channel needs secret: the key in AlertsSecret that holds its {what}"
    if kind == "https" and not signing_secret:
        return (
            "an https channel needs signing_secret: the key in AlertsSecret of the HMAC key "
            "its receiver verifies X-Heard-Signature with"
        )
    if kind not in CHAT_TYPES and (secret or signing_secret):
        return f"a {kind} channel goes through the SNS alerts topic and takes no secret"
    if channel and kind != "slack":
        return "channel (a Slack channel id, for a bot token) is for slack channels only"
    return None


def _route_problems(
    names: set[str], routes: Sequence[Sequence[Any]]
) -> list[tuple[tuple[Any, ...], str]]:
    """(location under ``alerts``, message) for each route naming a channel not defined."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    for index, channels in enumerate(routes):
        for position, name in enumerate(channels):
            if isinstance(name, str) and name not in names:
                known = ", ".join(sorted(names)) or "none defined"
                problems.append(
                    (
                        ("routes", index, "channels", position),
                        f"route names channel {name!r}, which alerts.channels does not "
                        f"define (defined: {known})",
                    )
                )
    return problems


def _raw_alerts_problems(alerts: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """The alerts section's cross-field problems, over its raw mapping."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    channels = alerts.get("channels") or {}
    if not isinstance(channels, dict):
        return problems
    for name, channel in channels.items():
        if isinstance(channel, dict):
            problem = _channel_problem(
                channel.get("type"),
                channel.get("secret"),
                channel.get("signing_secret"),
                channel.get("channel"),
            )
            if problem:
                problems.append((("channels", name), problem))
    routes = alerts.get("routes") or []
    if isinstance(routes, list):
        lists: list[list[Any]] = []
        for route in routes:
            names = route.get("channels") if isinstance(route, dict) else None
            lists.append(names if isinstance(names, list) else [])
        problems += _route_problems({str(n) for n in channels}, lists)
    return problems


def _cross_field_errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """(location, message) for every cross-field problem in the raw configuration."""
    brands = data.get("brands")
    if not isinstance(brands, list):
        return []  # reported as a field error
    errors: list[tuple[tuple[Any, ...], str]] = []
    defaults = PriorityRules.model_fields
    for index, brand in enumerate(brands):
        if not isinstance(brand, dict):
            continue
        if not any(brand.get(field) for field in _MATCH_FIELDS):
            errors.append((("brands", index), _NOTHING_TO_MATCH))
        priority = brand.get("priority", {})
        if isinstance(priority, dict):
            high = _as_int(
                priority.get("high_reach_followers", defaults["high_reach_followers"].default)
            )
            critical = _as_int(
                priority.get(
                    "critical_reach_followers", defaults["critical_reach_followers"].default
                )
            )
            problem = (
                None if high is None or critical is None else _threshold_problem(high, critical)
            )
            if problem:
                errors.append((("brands", index, "priority"), problem))
        sla = brand.get("sla")
        if isinstance(sla, dict):
            errors += [(("brands", index, "sla", *loc), m) for loc, m in _raw_sla_problems(sla)]
        alerts = brand.get("alerts")
        if isinstance(alerts, dict):
            errors += [
                (("brands", index, "alerts", *loc), m) for loc, m in _raw_alerts_problems(alerts)
            ]
        digest = brand.get("digest")
        if isinstance(digest, dict):
            errors += [
                (("brands", index, "digest", *loc), m) for loc, m in _digest_problems(digest)
            ]
    names = [b.get("name") if isinstance(b, dict) else None for b in brands]
    errors += [(("brands", index, "name"), message) for index, message in _duplicate_names(names)]
    slugs = [_feedback_slug_of(b) for b in brands]
    errors += [(("brands", i, "feedback"), message) for i, message in _feedback_problems(slugs)]
    return errors


class ConfigError(ValueError):
    """The configuration is invalid; ``errors`` lists every problem with its location."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: " + "; ".join(errors))


def _location(loc: Iterable[Any], data: Any) -> str:
    """``brands[0] (Acme).routing.alert_min_priority`` from a pydantic error location."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node):
                node = node[item]
                if isinstance(node, dict) and isinstance(node.get("name"), str):
                    label += f" ({node['name']})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def parse_config(text: str, source: str = "<config>") -> HeardConfig:
    import yaml  # only where a config is read: the webhook and API paths never need it

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(
            source, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(source, ["(top level): expected a mapping with a 'brands' list"])
    try:
        return HeardConfig.model_validate(data)
    except ValidationError as exc:
        found = [
            (tuple(e["loc"]), e["msg"]) for e in exc.errors() if _cross_field_message(e) is None
        ]
        cross = _cross_field_errors(data)
        # A check the models ran that the pass over the raw data did not repeat stays in.
        known = {message for _, message in cross}
        for e in exc.errors():
            message = _cross_field_message(e)
            if message is not None and message not in known:
                cross.append((tuple(e["loc"]), message))
        ordered = sorted(found + cross, key=lambda error: _brand_index(error[0]))
        errors = [f"{_location(loc, data)}: {message}" for loc, message in ordered]
        raise ConfigError(source, errors) from exc


def _brand_index(loc: tuple[Any, ...]) -> int:
    """Errors of one brand together, in the file's order; top-level ones first."""
    if len(loc) > 1 and loc[0] == "brands" and isinstance(loc[1], int):
        return loc[1]
    return -1


def load_config_file(path: str | os.PathLike[str]) -> HeardConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read the file ({exc.strerror})"]) from exc
    return parse_config(text, str(path))


class ConfigSource:
    """Where the running function reads the config: a file locally, an SSM parameter in AWS.

    ``HEARD_CONFIG`` names a file; otherwise ``HEARD_CONFIG_PARAMETER`` names an SSM parameter
    read through Powertools Parameters and cached for ``HEARD_CONFIG_MAX_AGE_S`` seconds (60).
    With neither set there is nothing to read: ``ConfigError`` says which variables to set.
    """

    def __init__(self, settings: ConfigSettings | None = None):
        # Without settings, the environment is read on every call (tests change it between).
        self._settings = settings
        self._cached: tuple[str, HeardConfig] | None = None
        self._last_good: HeardConfig | None = None

    def get(self) -> HeardConfig:
        """The current configuration. After a bad edit, the last good one, with an error
        logged each time it is read (so one typo in the parameter does not stop triage)."""
        settings = self._settings or ConfigSettings.from_env()
        file, parameter = settings.config_file, settings.config_parameter
        if file:
            if self._cached is None or self._cached[0] != file:
                self._cached = (file, load_config_file(file))
            return self._cached[1]
        if not parameter:
            raise ConfigError(
                "environment", ["set HEARD_CONFIG (a file) or HEARD_CONFIG_PARAMETER"]
            )
        from aws_lambda_powertools.utilities import parameters

        text = parameters.get_parameter(parameter, max_age=settings.config_max_age_s)
        if self._cached is not None and self._cached[0] == text:
            return self._cached[1]
        try:
            config = parse_config(text, f"ssm:{parameter}")
        except ConfigError as exc:
            if self._last_good is None:
                raise
            log.error("invalid configuration; keeping the last good one: %s", exc)
            return self._last_good
        self._cached = (text, config)
        self._last_good = config
        return config


# ---------------------------------------------------------------------------------------------
# Matching: which brand does a mention concern?
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    brand: Brand
    matched: str  # what matched: "@acme", "#acme", "acme", "account 1000000001"


def _term_pattern(term: str) -> str:
    # Word boundaries that also work for terms starting/ending with non-word characters.
    return rf"(?<![\w@#]){re.escape(term)}(?!\w)"


class BrandMatcher:
    """Case-insensitive matching on word boundaries that understands @handles and #hashtags."""

    def __init__(self, config: HeardConfig):
        self.config = config
        self._compiled = [(brand, self._patterns(brand)) for brand in config.brands]

    @staticmethod
    def _patterns(brand: Brand) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        alts: list[str] = []
        handles = {h for hs in brand.handles.values() for h in hs}
        alts += [rf"(?<![\w@])@{re.escape(h)}(?!\w)" for h in sorted(handles)]
        alts += [rf"(?<![\w#])#{re.escape(t)}(?!\w)" for t in brand.hashtags]
        alts += [_term_pattern(k) for k in brand.keywords]
        include = re.compile("|".join(alts), re.IGNORECASE) if alts else None
        exclude = (
            re.compile("|".join(_term_pattern(e) for e in brand.exclusions), re.IGNORECASE)
            if brand.exclusions
            else None
        )
        return include, exclude

    def match(
        self, text: str, *, platform: Platform | str, account_id: str | None = None
    ) -> Match | None:
        platform = Platform(platform)
        for brand, _patterns in self._compiled:
            if platform not in brand.platforms:
                continue
            if account_id and account_id in brand.account_ids.get(platform, []):
                return Match(brand, f"account {account_id}")
        for brand, (include, exclude) in self._compiled:
            if platform not in brand.platforms or include is None:
                continue
            if exclude is not None and exclude.search(text):
                continue
            found = include.search(text)
            if found:
                return Match(brand, found.group(0))
        return None
