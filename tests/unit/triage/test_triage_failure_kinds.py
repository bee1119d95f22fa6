"""The kinds of mention the pure-Python model misread, through the default triager (the
contextual model and the rules). Each case is written here, in words of its own: none is in the
evaluation set (bench/data/triage_eval) or the training examples (scripts/data/intents)."""

from __future__ import annotations

import pytest

from heard.config import Brand
from heard.models import Intent, Priority, Sentiment


@pytest.fixture(scope="module")
def brand(acme: Brand) -> Brand:
    return acme.model_copy(update={"crisis_words": ["recall", "explosion", "caught fire"]})


# -- intents in the customer's own words ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("rang acme three times to shut my account and they just refuse to do it", Intent.CANCEL),
        ("the acme charger got so hot it left a blister on my palm", Intent.SAFETY),
        ("bit into my acme cereal bar and there was a shard of plastic in it", Intent.SAFETY),
        ("why can a total stranger see my home address in the acme app??", Intent.PRIVACY),
        ("acme support sorted my fridge in ten minutes flat, what a star", Intent.PRAISE),
        ("thinking of getting the acme family bundle next month, worth it?", Intent.PURCHASE),
        ("acme took £60 from my card for an order I cancelled weeks ago", Intent.BILLING),
    ],
)
def test_an_intent_without_the_rules_words_is_heard(triager, brand, text, intent) -> None:
    assert intent in triager.triage(text, brand=brand).intents


# -- complaints that are not ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "had zero problems with my acme delivery, can't fault them at all",
        "acme never lets me down, best toaster I've owned",
        "it's pouring down and my bus is late, hate mondays #acme",
        "WIN a £500 acme voucher!! follow + retweet to enter #giveaway #competition",
    ],
)
def test_praise_in_negative_words_and_other_peoples_problems_are_no_complaint(
    triager, brand, text
) -> None:
    result = triager.triage(text, brand=brand)
    assert not result.complaint
    assert result.priority is Priority.LOW


# -- complaints that do not sound angry ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my acme grocery order turned up half-empty this morning",
        "there's an insurance add-on on my acme bill that I never signed up for",
        "found a long hair baked into my acme pie",
    ],
)
def test_a_calm_complaint_is_a_complaint(triager, brand, text) -> None:
    result = triager.triage(text, brand=brand)
    assert result.complaint
    assert result.priority.rank >= Priority.NORMAL.rank


# -- sarcasm -------------------------------------------------------------------------------------


def test_sarcastic_praise_is_read_as_the_complaint_it_is(triager, brand) -> None:
    result = triager.triage(
        "oh fantastic, the acme app crashed again, best update ever", brand=brand
    )
    assert result.sentiment is Sentiment.NEGATIVE
    assert result.complaint
    assert Intent.PRAISE not in result.intents


# -- a crisis word in another sense --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the acme fireworks last night were an explosion of colour",
        "as I recall the old acme app was a lot simpler",
    ],
)
def test_a_crisis_word_in_another_sense_is_no_crisis(triager, brand, text) -> None:
    result = triager.triage(text, brand=brand)
    assert Intent.CRISIS not in result.intents
    assert result.priority is not Priority.CRITICAL


def test_a_crisis_word_meant_is_critical(triager, brand) -> None:
    result = triager.triage("my acme heater caught fire in the lounge last night", brand=brand)
    assert result.priority is Priority.CRITICAL
    assert "crisis word: 'caught fire'" in result.reasons


# -- what a care lead escalates ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "someone got into my acme account overnight and changed the email on it",
        "@acme I've recorded every call and it's all going on youtube tonight",
        "the acme kettle handle came off and boiling water went over my son's arm",
    ],
)
def test_takeovers_threats_to_go_public_and_hazards_are_at_least_high(triager, brand, text) -> None:
    assert triager.triage(text, brand=brand).priority.rank >= Priority.HIGH.rank


def test_a_legal_threat_from_an_author_with_reach_is_critical(triager, brand) -> None:
    result = triager.triage(
        "@acme this is going to the small claims court, I'm done waiting",
        followers=150_000,
        brand=brand,
    )
    assert Intent.LEGAL in result.intents
    assert result.priority is Priority.CRITICAL
