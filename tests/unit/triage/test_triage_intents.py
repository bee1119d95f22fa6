"""Intents from the readable rules: each one, its negation, a brand's own terms, sarcasm."""

from __future__ import annotations

import pytest

from heard.models import Intent, Priority
from heard.triage import Triager, intents


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("@acme I'm cancelling my subscription today", Intent.CANCEL),
        ("Switching to another provider, done with you @acme", Intent.CANCEL),
        ("Never buying from @acme again", Intent.CANCEL),
        ("I have spoken to my lawyer about @acme", Intent.LEGAL),
        ("See you in small claims court @acme", Intent.LEGAL),
        ("The @acme heater caught fire in my kitchen", Intent.SAFETY),
        ("Got food poisoning after eating at @acme", Intent.SAFETY),
        ("@acme app is down again", Intent.OUTAGE),
        ("the checkout page is not working @acme", Intent.OUTAGE),
        ("@acme still waiting for my refund", Intent.BILLING),
        ("@acme charged me twice this month", Intent.BILLING),
        ("you still charged my card after I cancelled @acme", Intent.BILLING),
        ("@acme keeps charging me for a plan I never had", Intent.BILLING),
        ("disputing it with my bank if this isn't sorted @acme", Intent.BILLING),
        ("my parcel never arrived @acme", Intent.DELIVERY),
        ("@acme where is my order?", Intent.DELIVERY),
        ("locked out of my account again @acme", Intent.ACCOUNT),
        ("I can't log in to @acme", Intent.ACCOUNT),
        ("@acme you leaked my data", Intent.PRIVACY),
        ("was there a data breach at @acme", Intent.PRIVACY),
        ("@acme do you ship to Canada?", Intent.QUESTION),
        ("how do I change my plan @acme", Intent.QUESTION),
        ("thank you @acme, great service", Intent.PRAISE),
        ("never had a problem with @acme", Intent.PRAISE),
        ("thinking about buying the new @acme phone", Intent.PURCHASE),
        ("where can I buy the acme blender", Intent.PURCHASE),
    ],
)
def test_each_intent(text: str, intent: Intent) -> None:
    assert intent in intents.find(text).set


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("not cancelling my subscription, just asking", Intent.CANCEL),
        ("I'm not going to cancel, relax", Intent.CANCEL),
        ("no need for a lawyer, it is sorted", Intent.LEGAL),
        ("no refund needed, thanks @acme", Intent.BILLING),
        ("you haven't charged my card yet @acme", Intent.BILLING),
        ("no outage here, works fine for me", Intent.OUTAGE),
        ("not impressed with @acme", Intent.PRAISE),
        ("not thinking about buying another one", Intent.PURCHASE),
        ("it's not dangerous at all", Intent.SAFETY),
    ],
)
def test_negated_phrases_do_not_count(text: str, intent: Intent) -> None:
    assert intent not in intents.find(text).set


@pytest.mark.parametrize(
    "text",
    [
        "Does anyone know if the acme router works with fibre?",
        "has anyone tried the new acme plan abroad?",
        "anyone else remember when acme did the £1 breakfast?",
        "Anybody using acme in the highlands? thinking of switching",
    ],
)
def test_a_question_to_other_people_is_no_question_for_the_team(text: str) -> None:
    assert Intent.QUESTION not in intents.find(text).set


@pytest.mark.parametrize(
    "text",
    [
        "Has anyone tried the new plan? @acme is it for existing customers too?",
        "is anyone at acme actually reading these?",
        "anyone from acme able to help with my order?",
    ],
)
def test_a_question_to_the_brand_beside_others_still_counts(text: str) -> None:
    assert Intent.QUESTION in intents.find(text).set


def test_never_had_a_problem_is_not_an_outage() -> None:
    found = intents.find("never had a problem with the @acme app")
    assert Intent.OUTAGE not in found.set
    assert Intent.PRAISE in found.set


def test_a_plain_statement_has_no_intents() -> None:
    assert intents.find("watching the game tonight #acme").intents == []


def test_brand_terms_extend_the_rules(acme) -> None:
    text = "my direct debit went out twice this month"
    assert Intent.BILLING not in intents.find("my direct debit went out this month").set
    found = intents.find(text, acme)
    assert Intent.BILLING in found.set


def test_brand_terms_are_negatable(make_brand) -> None:
    brand = make_brand(intent_terms={"delivery": ["acme express"]})
    assert Intent.DELIVERY in intents.find("acme express lost it", brand).set
    assert Intent.DELIVERY not in intents.find("without acme express", brand).set


def test_crisis_words(acme) -> None:
    found = intents.find("is there a recall on the acme heater", acme)
    assert found.crisis == "recall"
    assert Intent.CRISIS in found.set
    assert intents.find("is there a recall on the acme heater").crisis is None


def test_brand_terms_are_literal_not_regex(make_brand) -> None:
    brand = make_brand(crisis_words=["a.b"])
    assert intents.find("axb", brand).crisis is None
    assert intents.find("saw a.b today", brand).crisis == "a.b"


@pytest.mark.parametrize(
    "text",
    [
        "great, another outage @acme",
        "thanks for nothing @acme",
        "love waiting 3 weeks for a parcel @acme",
        "oh great, the app crashed again",
        "thanks @acme for losing my bag",
        "so helpful 🙄",
    ],
)
def test_sarcasm_cues(text: str) -> None:
    found = intents.find(text)
    assert found.sarcasm
    assert Intent.PRAISE not in found.set


def test_sincere_praise_is_not_sarcasm() -> None:
    found = intents.find("thanks @acme, the refund arrived today, great service")
    assert found.sarcasm is None
    assert Intent.PRAISE in found.set


@pytest.mark.parametrize(
    "text",
    [
        "@acme if this isn't sorted by friday I'm sending the whole thread to the local paper",
        "recorded the entire call with your 'supervisor'. uploading it to tiktok tonight",
        "keep ignoring me @acme, this post is about to go viral and you know it",
        "Emailing a journalist at the Herald about how you treat pensioners",
        "I'll be telling every one of my followers to avoid @acme",
        "naming and shaming @acme until someone calls me back",
    ],
)
def test_a_threat_to_go_public_is_an_intent_of_its_own_and_escalates(text: str) -> None:
    assert Intent.PUBLIC in intents.find(text, None).set, text
    triage = Triager().triage(text, followers=500)
    assert Intent.PUBLIC in triage.intents
    assert triage.priority.rank >= Priority.HIGH.rank
    assert any(r.startswith("threat to go public") for r in triage.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "saw @acme in the press this week, nice write-up",
        "the new acme ad went viral lol, love it",  # went viral, but no threat
        "not going to the press, just want my refund @acme",
    ],
)
def test_the_press_and_virality_without_a_threat_are_not_one(text: str) -> None:
    triage = Triager().triage(text, followers=500)
    assert Intent.PUBLIC not in triage.intents, text
    assert triage.priority.rank < Priority.HIGH.rank
