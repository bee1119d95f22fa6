"""A critical legal mention of Acme, for the notifier's tests."""

from __future__ import annotations

from datetime import UTC, datetime

from heard.models import (
    Author,
    Intent,
    Mention,
    MentionRecord,
    Platform,
    Priority,
    Sentiment,
    Triage,
)


def critical_record(native_id: str = "1849") -> MentionRecord:
    mention = Mention(
        platform=Platform.X,
        native_id=native_id,
        text="@acme still waiting for my refund after 3 weeks. Talking to my lawyer.",
        author=Author(id="42", handle="angrycustomer", followers=84_000, verified=True),
        url=f"https://x.com/angrycustomer/status/{native_id}",
        created_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
    )
    triage = Triage(
        sentiment=Sentiment.NEGATIVE,
        sentiment_score=-0.82,
        complaint=True,
        complaint_probability=0.93,
        intents=[Intent.LEGAL, Intent.BILLING],
        priority=Priority.CRITICAL,
        reasons=["legal threat: 'my lawyer'", "84k followers"],
        lang="en",
    )
    return MentionRecord(
        id=mention.key, brand="Acme", mention=mention, triage=triage, received_at=mention.created_at
    )
