"""A seeded day of Acme for the digest's tests: every figure of its digest is known.

The period is the daily digest of Mon 23 Nov 2026 08:00 in Europe/London (GMT in November):
``[Sun 22 Nov 08:00Z, Mon 23 Nov 08:00Z)``, against ``[Sat 21 Nov 08:00Z, Sun 22 Nov 08:00Z)``,
computed at ``NOW`` (08:05Z). ``EXPECTED`` in the tests lists what each record contributes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from heard.config import HeardConfig, parse_config
from heard.models import (
    Author,
    Intent,
    Mention,
    MentionRecord,
    Platform,
    Priority,
    Sentiment,
    Status,
    Triage,
)

NOW = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
DAY = datetime(2026, 11, 22, tzinfo=UTC)  # the period runs from DAY 08:00 to the next 08:00

CONFIG = """
brands:
  - name: Acme
    keywords: [acme]
    handles: {x: [acme]}
    digest:
      daily_at: "08:00"
      timezone: Europe/London
"""


def config(extra: str = "") -> HeardConfig:
    return parse_config(CONFIG + extra)


def case(
    key: str,
    at: datetime,
    *,
    text: str,
    handle: str,
    followers: int,
    sentiment: Sentiment,
    priority: Priority = Priority.NORMAL,
    intents: tuple[Intent, ...] = (),
    complaint: bool = False,
    status: Status = Status.NEW,
    first_response_after: timedelta | None = None,
    resolved_after: timedelta | None = None,
    sla_events: tuple[str, ...] = (),
    message_keys: tuple[str, ...] = (),
    case_id: str | None = None,
) -> MentionRecord:
    platform, _, native = key.partition(":")
    mention = Mention(
        platform=Platform(platform),
        native_id=native,
        text=text,
        author=Author(handle=handle, followers=followers),
        url=f"https://example.com/{native}",
        created_at=at,
    )
    return MentionRecord(
        id=key,
        brand="Acme",
        status=status,
        mention=mention,
        triage=Triage(
            sentiment=sentiment,
            complaint=complaint,
            intents=list(intents),
            priority=priority,
        ),
        received_at=at,
        first_response_at=at + first_response_after if first_response_after else None,
        resolved_at=at + resolved_after if resolved_after else None,
        sla_events=list(sla_events),
        message_keys=list(message_keys),
        case_id=case_id,
    )


def h(hour: int, minute: int = 0, day: datetime = DAY) -> datetime:
    return day + timedelta(hours=hour, minutes=minute)


NEG, NEU, POS = Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE
P = Priority
M = timedelta(minutes=1)


def records() -> list[MentionRecord]:
    period = [
        case("x:101", h(9), text="@acme charged me twice, fix my bill", handle="dana",
             followers=84_000, sentiment=NEG, priority=P.HIGH, intents=(Intent.BILLING,),
             complaint=True, status=Status.REPLIED, first_response_after=30 * M),
        case("x:102", h(10), text="@acme refund me or I cancel", handle="erin",
             followers=120_000, sentiment=NEG, priority=P.CRITICAL,
             intents=(Intent.BILLING, Intent.CANCEL), complaint=True, status=Status.RESOLVED,
             first_response_after=40 * M, resolved_after=120 * M),
        case("x:103", h(12), text="acme parcel never arrived", handle="fred", followers=50,
             sentiment=NEG, priority=P.HIGH, intents=(Intent.DELIVERY,), complaint=True,
             sla_events=("first_response:warning", "first_response:level0")),
        case("x:104", h(13), text="does acme ship to Spain?", handle="gina", followers=300,
             sentiment=NEU, intents=(Intent.QUESTION,), status=Status.REPLIED,
             first_response_after=5 * M),
        case("x:105", h(14),
             text="Love the new Acme router, setup was fast and the support team was friendly!",
             handle="hank", followers=2_000, sentiment=POS, priority=P.LOW,
             intents=(Intent.PRAISE,)),
        case("x:106", h(15, 30),
             text="Acme support was fast and friendly, fixed my billing in minutes",
             handle="ivy", followers=15_000, sentiment=POS, priority=P.LOW,
             intents=(Intent.PRAISE,), status=Status.RESOLVED, resolved_after=60 * M),
        case("reddit:t1_107", h(15), text="The router is fast. Happy so far", handle="jay",
             followers=0, sentiment=POS),
        case("x:108", h(16), text="@acme which plan has the router?", handle="dana",
             followers=84_000, sentiment=NEU, intents=(Intent.QUESTION,),
             status=Status.REPLIED, first_response_after=20 * M, message_keys=("x:1081",)),
        case("x:1081", h(16, 30), text="@acme and the price?", handle="dana", followers=84_000,
             sentiment=NEU, case_id="x:108"),
        case("x:109", h(17), text="mondays, acme coffee cannot fix them", handle="kim",
             followers=10, sentiment=NEG, status=Status.IGNORED),
        case("x:110", h(18),
             text="<script>alert(1)</script> acme is great, fast delivery", handle="mallory",
             followers=500, sentiment=POS, priority=P.LOW, intents=(Intent.PRAISE,)),
    ]  # fmt: skip
    before = DAY - timedelta(days=1)
    previous = [
        case("x:201", h(9, day=before), text="acme app down", handle="ned", followers=5,
             sentiment=NEG, priority=P.HIGH, intents=(Intent.OUTAGE,), complaint=True,
             status=Status.RESOLVED, first_response_after=10 * M, resolved_after=60 * M),
        case("x:202", h(10, day=before), text="acme late again", handle="olga", followers=7,
             sentiment=NEG, intents=(Intent.DELIVERY,), complaint=True,
             status=Status.RESOLVED, first_response_after=50 * M, resolved_after=90 * M),
        case("x:203", h(11, day=before), text="acme opening hours?", handle="pia",
             followers=3, sentiment=NEU, status=Status.RESOLVED, resolved_after=30 * M),
        case("x:204", h(12, day=before), text="acme is fine", handle="quin", followers=1,
             sentiment=POS, status=Status.RESOLVED, resolved_after=30 * M),
    ]  # fmt: skip
    week_ago = DAY - timedelta(days=7)
    older = [
        # Open before both periods: counted among the open cases now, nowhere else.
        case("x:090", h(9, day=week_ago), text="acme recall?", handle="rae", followers=40,
             sentiment=NEG, priority=P.CRITICAL, intents=(Intent.SAFETY,), complaint=True,
             status=Status.ACKNOWLEDGED, first_response_after=10 * M,
             sla_events=("resolution:level0",)),
        case("x:091", h(10, day=week_ago), text="acme login loop", handle="sam", followers=40,
             sentiment=NEG, intents=(Intent.ACCOUNT,), complaint=True, status=Status.REPLIED,
             first_response_after=2 * 1440 * M, sla_events=("first_response:level0",)),
        # Another brand's case in the period: counted nowhere.
        case("x:300", h(9), text="globex is great", handle="tom", followers=9_000_000,
             sentiment=POS, intents=(Intent.PRAISE,)).model_copy(update={"brand": "Globex"}),
    ]  # fmt: skip
    return period + previous + older
