"""Brands and a record builder shared by the alerts tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

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

CONFIG = parse_config(
    """
brands:
  - name: Acme
    keywords: [acme]
    routing: {alert_min_priority: high, unknown_language: store, channel: "#social-care"}
  - name: Loud
    keywords: [loud]
    routing: {alert_min_priority: normal, unknown_language: alert}
"""
)
ANGRY = "@acme still waiting for my refund after 3 weeks. Talking to my lawyer."


def record(
    priority: Priority = Priority.CRITICAL,
    *,
    lang_supported: bool = True,
    text: str | None = None,
    intents: list[Intent] | None = None,
    native_id: str = "1849",
) -> MentionRecord:
    mention = Mention(
        platform=Platform.X,
        native_id=native_id,
        text=ANGRY if text is None else text,
        author=Author(id="42", handle="angrycustomer", followers=84_000, verified=True),
        url=f"https://x.com/angrycustomer/status/{native_id}",
        created_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
    )
    triage = Triage(
        sentiment=Sentiment.NEGATIVE,
        sentiment_score=-0.82,
        complaint=True,
        complaint_probability=0.93,
        intents=intents if intents is not None else [Intent.LEGAL, Intent.BILLING],
        priority=priority,
        reasons=["legal threat: 'my lawyer'", "84k followers", "complaint (p=0.93)"],
        lang="en" if lang_supported else "tr",
        lang_supported=lang_supported,
    )
    return MentionRecord(id=mention.key, brand="Acme", mention=mention, triage=triage)


@pytest.fixture
def make_record() -> Callable[..., MentionRecord]:
    return record


@pytest.fixture
def brand() -> Callable[[str], Brand]:
    """``brand("Acme")``: a brand of the test configuration."""
    return lambda name: CONFIG.brand(name)
