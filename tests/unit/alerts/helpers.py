"""Records and brands for the alert channel tests."""

from __future__ import annotations

from datetime import UTC, datetime

from heard.config import Brand, parse_config
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

ANGRY = "@acme still waiting for my refund after 3 weeks. Talking to my lawyer."


def record(
    priority: Priority = Priority.CRITICAL,
    *,
    text: str = ANGRY,
    intents: tuple[Intent, ...] = (Intent.LEGAL, Intent.BILLING),
    platform: Platform = Platform.X,
    sentiment: Sentiment = Sentiment.NEGATIVE,
    handle: str = "angrycustomer",
) -> MentionRecord:
    mention = Mention(
        platform=platform,
        native_id="1849",
        text=text,
        author=Author(id="42", handle=handle, followers=84_000, verified=True),
        url="https://x.com/angrycustomer/status/1849",
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
        lang="en",
    )
    return MentionRecord(
        id=mention.key,
        brand="Acme",
        mention=mention,
        triage=triage,
        received_at=mention.created_at,
    )


def brand(alerts_yaml: str) -> Brand:
    text = "brands:\n  - name: Acme\n    keywords: [acme]\n" + "".join(
        f"    {line}\n" for line in alerts_yaml.strip("\n").splitlines()
    )
    return parse_config(text).brands[0]
