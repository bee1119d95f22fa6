"""Mention records for tests: one builder instead of one per test module."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def record(
    n: int, brand: str = "Acme", status: Status = Status.NEW, priority: Priority = Priority.NORMAL
) -> MentionRecord:
    """Mention ``x:<n>`` of ``brand``, created (and received) ``n`` minutes after ``T0``, so the
    newest is the highest."""
    mention = Mention(
        platform=Platform.X,
        native_id=str(n),
        text=f"mention {n}",
        author=Author(handle=f"user{n}", followers=n),
        created_at=T0 + timedelta(minutes=n),
    )
    triage = Triage(sentiment=Sentiment.NEUTRAL, priority=priority)
    return MentionRecord(
        id=mention.key,
        brand=brand,
        status=status,
        mention=mention,
        triage=triage,
        received_at=mention.created_at,
    )


ANGRY = "@acme still waiting for my refund after 3 weeks. Talking to my lawyer."


def angry_record(
    priority: Priority = Priority.CRITICAL,
    *,
    text: str = ANGRY,
    intents: tuple[Intent, ...] | list[Intent] = (Intent.LEGAL, Intent.BILLING),
    platform: Platform = Platform.X,
    sentiment: Sentiment = Sentiment.NEGATIVE,
    handle: str = "angrycustomer",
    native_id: str = "1849",
    lang_supported: bool = True,
    received_now: bool = False,
) -> MentionRecord:
    """The alerts tests' mention: a verified author with 84k followers threatening a lawyer
    over a refund, triaged critical; received when posted unless ``received_now``."""
    mention = Mention(
        platform=platform,
        native_id=native_id,
        text=text,
        author=Author(id="42", handle=handle, followers=84_000, verified=True),
        url=f"https://x.com/angrycustomer/status/{native_id}",
        created_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
    )
    triage = Triage(
        sentiment=sentiment,
        sentiment_score=-0.82,
        complaint=True,
        complaint_probability=0.93,
        intents=list(intents),
        priority=priority,
        reasons=["legal threat: 'my lawyer'", "84k followers", "complaint (p=0.93)"],
        lang="en" if lang_supported else "tr",
        lang_supported=lang_supported,
    )
    if received_now:
        return MentionRecord(id=mention.key, brand="Acme", mention=mention, triage=triage)
    return MentionRecord(
        id=mention.key, brand="Acme", mention=mention, triage=triage, received_at=mention.created_at
    )
