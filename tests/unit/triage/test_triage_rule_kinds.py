"""The rules and their combination with the model, one case per kind of failure the evaluation
set showed (churn, hazards, privacy, praise and purchase in plain words; threats to go public;
sarcasm; crisis words in another sense; takeovers; legal threats; the author's own rating; ads).

The model's reading is given here (``read``, shared with the combination's tests), so each case
checks the rule or the combination and nothing else. Every text is written for this file: none
is in the evaluation set (bench/data/triage_eval) or the training examples
(scripts/data/intents).
"""

from __future__ import annotations

import pytest
from test_triage_combine import combined, read

from heard.config import Brand
from heard.models import Intent, Priority, Sentiment
from heard.triage import Reach, intents
from heard.triage.priority import Signals, decide


@pytest.fixture(scope="module")
def zenbank(make_brand) -> Brand:
    return make_brand(
        name="Zenbank",
        keywords=["zenbank"],
        handles={"x": ["zenbank"]},
        crisis_words=["recall", "leaked", "blackout", "explosion"],
    )


# -- churn said without the word -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "from next month my wages are going to a different bank",
        "we're taking all our accounts elsewhere after this",
        "won't be ordering from them again, not after that",
        "i'm out the minute my contract is up",
        "comparing three other tools ahead of our renewal",
        "two hours on hold. never again.",
        "quit @zenbank last week and my new bank is miles better",
    ],
)
def test_churn_in_other_words_is_heard(zenbank, text) -> None:
    assert Intent.CANCEL in combined(text, read("negative", 0.9), zenbank).set


@pytest.mark.parametrize(
    "text",
    [
        "switching to @zenbank next month, the app looks great",
        "i'm switching to zenbank the day my old account closes",
        "unsubscribed from the newsletter twice and it still arrives",
        "my flight cancellation email came with a voucher",
    ],
)
def test_joining_the_brand_or_leaving_its_emails_is_no_churn(zenbank, text) -> None:
    assert Intent.CANCEL not in combined(text, read("neutral"), zenbank).set


# -- hazards described, and other plain phrases the model does not overrule ----------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("found a sliver of glass in my salad bowl", Intent.SAFETY),
        ("exposed wires hanging out of the charging point by the door", Intent.SAFETY),
        ("the pork was still pink inside when we cut it", Intent.SAFETY),
        ("the heater got hot enough to melt the plastic trim", Intent.SAFETY),
        ("the new update triggered a seizure for my son", Intent.SAFETY),
        ("obsessed with the new blender, smoothies every morning", Intent.PRAISE),
        ("saving up for the big one in the window", Intent.PURCHASE),
        ("can existing customers get the new router or is it new sign-ups only", Intent.PURCHASE),
        ("the app refuses to open since tuesday", Intent.OUTAGE),
        ("six weeks waiting to be refunded for the cancelled course", Intent.BILLING),
        ("they lost my suitcase between two gates", Intent.DELIVERY),
        ("please confirm you have received my form", Intent.QUESTION),
    ],
)
def test_a_plain_phrase_stands_whatever_the_model_says(text, intent) -> None:
    # The model is sure of nothing (every probability 0): a vague word would be dropped.
    found = combined(text, read())
    assert intent in found.set
    hit = found.hit(intent)
    assert hit is not None and hit.plain


def test_a_vague_word_the_model_rejects_is_still_dropped() -> None:
    assert Intent.DELIVERY not in combined("ordered a coffee and sat by the window", read()).set


# -- privacy in plain words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "why does a torch app want my contacts",
        "the portal showed me another customer's bank details",
        "i keep getting marketing calls since i signed up with them",
        "they leaked our api keys in a public page",
    ],
)
def test_privacy_in_plain_words_is_heard(text) -> None:
    assert Intent.PRIVACY in combined(text, read("negative", 0.9)).set


# -- threats to go public ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the recording goes up on monday unless someone calls me",
        "publishing my write-up on friday whatever you say",
        "i'll be writing the whole saga up for my readers",
        "posting the chat transcripts so everyone can see how i was treated",
        "all 30k of you are going to hear about this",
    ],
)
def test_a_threat_to_go_public_is_heard(text) -> None:
    assert Intent.PUBLIC in combined(text, read("negative", 0.9)).set


def test_a_next_episode_is_no_threat() -> None:
    assert Intent.PUBLIC not in combined("can't wait for the next episode on sunday", read()).set


# -- sarcasm and praise --------------------------------------------------------------------------


def test_unmistakable_sarcasm_stands_where_the_model_hears_praise() -> None:
    found = combined("the app works perfectly, said no one ever", read("positive", praise=0.9))
    assert found.sarcasm == "said no one ever"
    assert Intent.PRAISE not in found.set


def test_a_soft_cue_of_sarcasm_gives_way_to_praise_without_a_complaint() -> None:
    found = combined("oh great, my parcel came a day early!", read("positive", praise=0.9))
    assert found.sarcasm is None
    assert Intent.PRAISE in found.set


def test_a_soft_cue_of_sarcasm_stands_beside_a_complaint() -> None:
    found = combined("oh great, the parcel is lost again", read("positive", 0.8))
    assert found.sarcasm is not None


def test_praise_words_about_a_failure_are_sarcasm() -> None:
    found = combined("hats off to them for losing my parcel twice", read("negative", 0.9))
    assert found.sarcasm is not None
    assert Intent.PRAISE not in found.set
    found = combined("so impressed they managed to lose a parcel on a two mile trip", read())
    assert found.sarcasm is not None


# -- a crisis word in another sense --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "i recall paying less for this last year, zenbank",
        "my water bottle leaked all over my bag, zenbank card included",
        "watching the blackout trailer on my zenbank-paid tv tonight",
        "an explosion of deals at zenbank this weekend",
        "rolling blackouts again tonight, zenbank app on my phone still fine",
    ],
)
def test_a_crisis_word_in_another_sense_is_no_crisis(zenbank, text) -> None:
    assert combined(text, read("neutral"), zenbank).crisis is None


def test_an_explosion_of_glass_is_still_a_crisis(zenbank) -> None:
    found = combined(
        "an explosion of glass from the zenbank atm screen", read("negative", 0.9), zenbank
    )
    assert found.crisis == "explosion"


# -- what a care lead escalates ------------------------------------------------------------------


def level(text: str, brand: Brand | None = None, followers: int = 0) -> Priority:
    found = intents.find(text, brand)
    signals = Signals(Sentiment.NEGATIVE, -0.8, True, 0.9, found)
    return decide(signals, Reach(followers=followers))[0]


@pytest.mark.parametrize(
    "text",
    [
        "my email address was changed overnight and it wasn't me",
        "somebody booked two flights on my saved card",
        "a stranger got into our team workspace and removed us",
        "someone pretending to be me talked the shop into a replacement sim",
    ],
)
def test_an_account_taken_over_is_high(text) -> None:
    assert intents.find(text).takeover is not None
    assert level(text) is Priority.HIGH


def test_an_account_merely_hard_to_get_into_is_not_high() -> None:
    text = "locked out after forgetting my password, reset email is slow"
    assert intents.find(text).takeover is None
    assert level(text) is Priority.NORMAL


@pytest.mark.parametrize(
    "text",
    [
        "raised a chargeback through my credit card company this morning",
        "reported you to ofcom today",
        "our lawyers have been copied in",
        "took it to the county court",
    ],
)
def test_a_legal_threat_from_an_author_with_reach_is_critical(text) -> None:
    assert Intent.LEGAL in intents.find(text).set
    assert level(text, followers=150_000) is Priority.CRITICAL


def test_asking_where_to_report_a_hazard_is_no_legal_threat() -> None:
    assert Intent.LEGAL not in intents.find("who do i report this broken railing to?").set


def test_a_threat_to_go_public_from_an_author_with_reach_is_critical() -> None:
    assert level("the recording goes up tonight", followers=60_000) is Priority.CRITICAL


# -- the author's own rating ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stars"),
    [
        ("1/5. the app keeps crashing", 0.2),
        ("Decent enough. 3/5", 0.6),
        ("9/10 would fly again", 0.9),
        ("Two stars. Slow delivery.", 0.4),
        ("ordered on 3/5 and still waiting", None),
        ("food 5/5, service 1/5", None),
        ("booked a five star hotel for the weekend", None),
    ],
)
def test_a_rating_is_read(text, stars) -> None:
    assert intents.rating(intents.normalise(text)) == stars


def test_a_low_rating_makes_a_mention_negative(triager) -> None:
    result = triager.triage("1 star. the seat was fine and the crew were friendly enough")
    assert result.sentiment is Sentiment.NEGATIVE
    assert result.complaint
    assert Intent.PRAISE not in result.intents


def test_a_high_rating_beside_a_complaint_is_not_read_as_praise(triager) -> None:
    result = triager.triage("10/10 experience, they sent me an empty box and kept my money")
    assert result.sentiment is not Sentiment.POSITIVE


# -- ads, giveaways and gripes that are not with the brand ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "#ad my zenbank card pays me back on every coffee, details in the comments",
        "use my referral code ZEN-4412 and we both get twenty quid",
        "made £900 a week trading from my sofa!! dm me for the method",
        "not zenbank's fault at all, the council dug up our road and the cash machine went with it",
    ],
)
def test_an_ad_or_a_gripe_with_someone_else_is_no_complaint(triager, zenbank, text) -> None:
    assert intents.find(text).aside is not None
    result = triager.triage(text, followers=80_000, brand=zenbank)
    assert not result.complaint
    assert result.priority is Priority.LOW


def test_the_model_adds_nothing_to_an_ad() -> None:
    found = combined("#sponsored a week of meals from them", read("negative", 0.9, public=0.9))
    assert found.aside == "#sponsored"
    assert found.set == set()
