"""Alert routing and rendering: who said what, where, their reach, why, and a link."""

import json
from datetime import UTC, datetime

import pytest

from heard.alerts import attributes, compact_number, render, render_sms, should_alert, subject
from heard.config import parse_config
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
ACME, LOUD = CONFIG.brands


def record(priority=Priority.CRITICAL, *, lang_supported=True, text=None, intents=None):
    mention = Mention(
        platform=Platform.X,
        native_id="1849",
        text=text or "@acme still waiting for my refund after 3 weeks. Talking to my lawyer.",
        author=Author(id="42", handle="angrycustomer", followers=84_000, verified=True),
        url="https://x.com/angrycustomer/status/1849",
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


@pytest.mark.parametrize(
    ("brand", "priority", "expected"),
    [
        (ACME, Priority.CRITICAL, True),
        (ACME, Priority.HIGH, True),
        (ACME, Priority.NORMAL, False),
        (ACME, Priority.LOW, False),
        (LOUD, Priority.NORMAL, True),
        (LOUD, Priority.LOW, False),
    ],
)
def test_alert_threshold_is_the_brands(brand, priority, expected):
    assert should_alert(record(priority), brand) is expected


def test_unknown_language_follows_the_brand_rule():
    assert should_alert(record(Priority.HIGH, lang_supported=False), ACME) is False
    assert should_alert(record(Priority.LOW, lang_supported=False), LOUD) is True


def test_message_says_who_what_where_reach_why_and_link():
    text = render(record())
    assert "[CRITICAL] Acme: X post from @angrycustomer (84k followers, verified)" in text
    assert '"@acme still waiting for my refund after 3 weeks. Talking to my lawyer."' in text
    assert "Why: legal threat: 'my lawyer'; 84k followers; complaint (p=0.93)" in text
    assert "intents: legal, billing" in text
    assert "Link: https://x.com/angrycustomer/status/1849" in text


def test_subject_is_one_ascii_line_under_100_chars():
    s = subject(record(text="é" * 500))
    assert len(s) < 100 and "\n" not in s
    s.encode("ascii")


def test_sms_fits_one_message():
    sms = render_sms(record(text="so angry " * 100))
    assert len(sms) <= 160
    assert sms.startswith("CRITICAL Acme @angrycustomer")


def test_attributes_carry_severity_platform_brand_intents_and_channel():
    attrs = attributes(record(), ACME)
    assert attrs["severity"] == {"DataType": "String", "StringValue": "critical"}
    assert attrs["platform"]["StringValue"] == "x"
    assert attrs["brand"]["StringValue"] == "Acme"
    assert attrs["intent"]["DataType"] == "String.Array"
    assert json.loads(attrs["intent"]["StringValue"]) == ["legal", "billing"]
    assert attrs["channel"]["StringValue"] == "#social-care"
    assert json.loads(attributes(record(intents=[]))["intent"]["StringValue"]) == ["none"]


@pytest.mark.parametrize(
    ("n", "text"), [(950, "950"), (84_000, "84k"), (1_250, "1.2k"), (2_000_000, "2M")]
)
def test_compact_numbers(n, text):
    assert compact_number(n) == text


def test_unknown_reach_is_not_shown_as_zero_followers():
    quiet = record()
    quiet.mention.author.followers = 0
    quiet.mention.author.verified = False
    assert "followers" not in subject(quiet)
    assert subject(quiet).endswith("from @angrycustomer")


def test_subject_survives_hostile_handles():
    hostile = record()
    hostile.mention.author.handle = "jo\nBcc: x\r\t\x00"
    s = subject(hostile)
    assert "\n" not in s and "\r" not in s and "\t" not in s and "\x00" not in s
    assert all(32 <= ord(c) < 127 for c in s)
