"""Mention records for tests: one builder instead of one per test module."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from heard.models import (
    Author,
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
