"""Priority rules and their reasons, through the local triager on the shipped model."""

from __future__ import annotations

import pytest

from heard.models import Intent, Priority, Sentiment
from heard.triage.priority import followers_text

ANGRY = "@acme still waiting for my refund, 3 weeks now. worst service ever"


@pytest.mark.parametrize(
    "text",
    [
        "watching the game tonight #acme",
        "lol @acme",
        "Acme Road is closed for repairs this weekend",
        "I hate Mondays",
    ],
)
def test_junk_and_chatter_are_low(triager, acme, text: str) -> None:
    assert triager.triage(text, brand=acme, followers=50).priority is Priority.LOW


def test_neutral_chatter_stays_low_whatever_the_reach(triager, acme) -> None:
    result = triager.triage("watching the game tonight #acme", followers=2_000_000, brand=acme)
    assert result.priority is Priority.LOW


def test_praise_is_low_and_says_so(triager, acme) -> None:
    result = triager.triage("thank you @acme, great service as always!", brand=acme)
    assert result.priority is Priority.LOW
    assert Intent.PRAISE in result.intents
    assert result.sentiment is Sentiment.POSITIVE


def test_a_complaint_from_a_small_account_is_normal(triager, acme) -> None:
    result = triager.triage(ANGRY, followers=120, brand=acme)
    assert result.complaint
    assert result.priority is Priority.NORMAL
    assert any(r.startswith("complaint (p=") for r in result.reasons)


def test_the_angry_80k_customer_is_high(triager, acme) -> None:
    result = triager.triage(ANGRY, followers=84_312, brand=acme)
    assert result.priority.rank >= Priority.HIGH.rank
    assert "84k followers" in result.reasons


def test_critical_reach_makes_a_complaint_critical(triager, acme) -> None:
    result = triager.triage(ANGRY, followers=250_000, brand=acme)
    assert result.priority is Priority.CRITICAL
    assert "250k followers" in result.reasons


def test_brand_thresholds_are_used(triager, make_brand) -> None:
    brand = make_brand(priority={"high_reach_followers": 500, "critical_reach_followers": 1000})
    assert triager.triage(ANGRY, followers=600, brand=brand).priority is Priority.HIGH
    assert triager.triage(ANGRY, followers=600).priority is Priority.NORMAL


def test_legal_threat_is_at_least_high_with_its_phrase(triager, acme) -> None:
    result = triager.triage("@acme you will be hearing from my lawyer", brand=acme)
    assert result.priority.rank >= Priority.HIGH.rank
    assert "legal threat: 'my lawyer'" in result.reasons


def test_safety_hazard_is_high(triager, acme) -> None:
    result = triager.triage("my acme charger caught fire last night", brand=acme)
    assert Intent.SAFETY in result.intents
    assert result.priority.rank >= Priority.HIGH.rank


def test_escalate_intents_come_from_the_brand(triager, make_brand) -> None:
    text = "@test the app is down again"
    plain = make_brand()
    escalating = make_brand(priority={"escalate_intents": ["outage"]})
    assert triager.triage(text, brand=plain).priority.rank < Priority.HIGH.rank
    assert triager.triage(text, brand=escalating).priority is Priority.HIGH


def test_churn_threat_with_a_complaint_is_high(triager, acme) -> None:
    result = triager.triage(
        "@acme third outage this week, I'm cancelling my subscription", brand=acme
    )
    assert Intent.CANCEL in result.intents
    assert result.priority.rank >= Priority.HIGH.rank
    assert any(r.startswith("churn threat: '") for r in result.reasons)


def test_negated_churn_is_not_a_threat(triager, acme) -> None:
    result = triager.triage("@acme not cancelling my subscription, love the service", brand=acme)
    assert Intent.CANCEL not in result.intents
    assert not any(r.startswith("churn threat") for r in result.reasons)
    assert result.priority.rank < Priority.HIGH.rank


def test_crisis_word_is_critical(triager, acme) -> None:
    result = triager.triage("is there a recall on the acme kettle", brand=acme)
    assert result.priority is Priority.CRITICAL
    assert "crisis word: 'recall'" in result.reasons


def test_vip_handle_raises_a_complaint(triager, acme) -> None:
    result = triager.triage(ANGRY, handle="TechReviewer", brand=acme)
    assert result.priority.rank >= Priority.HIGH.rank
    assert "VIP: @TechReviewer" in result.reasons


def test_verified_author_raises_a_complaint_not_chatter(triager, acme) -> None:
    assert triager.triage(ANGRY, verified=True, brand=acme).priority.rank >= Priority.HIGH.rank
    chatter = triager.triage("watching the game tonight #acme", verified=True, brand=acme)
    assert chatter.priority is Priority.LOW


def test_engagement_raises_a_complaint(triager, acme) -> None:
    quiet = triager.triage(ANGRY, engagement=3, brand=acme)
    loud = triager.triage(ANGRY, engagement=450, brand=acme)
    assert loud.priority.rank == quiet.priority.rank + 1
    assert "450 engagements" in loud.reasons


def test_a_question_is_normal(triager, acme) -> None:
    result = triager.triage("@acme do you ship to Canada?", brand=acme)
    assert Intent.QUESTION in result.intents
    assert result.priority is Priority.NORMAL


def test_reach_raises_a_question_one_step_only(triager, acme) -> None:
    result = triager.triage("@acme do you ship to Canada?", followers=500_000, brand=acme)
    assert result.priority is Priority.HIGH
    assert "500k followers" in result.reasons


def test_sarcasm_is_negative_and_not_praise(triager, acme) -> None:
    result = triager.triage("great, another outage @acme", brand=acme)
    assert result.sentiment is Sentiment.NEGATIVE
    assert Intent.PRAISE not in result.intents
    assert Intent.OUTAGE in result.intents
    assert result.priority.rank >= Priority.NORMAL.rank
    assert any(r.startswith("sarcasm: '") for r in result.reasons)


def test_works_without_a_brand(triager) -> None:
    result = triager.triage(ANGRY, followers=84_000)
    assert result.priority is Priority.HIGH


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1 follower"),
        (950, "950 followers"),
        (8_400, "8.4k followers"),
        (84_312, "84k followers"),
        (1_250_000, "1.2M followers"),
        (3_000_000, "3M followers"),
    ],
)
def test_followers_text(n: int, text: str) -> None:
    assert followers_text(n) == text
