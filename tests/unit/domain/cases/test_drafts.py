"""Reply drafts: the brand's templates filled in, with a public or private recommendation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fakes.records import T0, record

from heard.cases.drafts import drafts_for
from heard.config import ConfigError, parse_config
from heard.models import Intent, MentionKind, Platform, Sentiment, Visibility

NOW = T0 + timedelta(hours=1)

CONFIG = """
brands:
  - name: Acme
    keywords: [acme]
    replies:
      default_lang: en
      templates:
        en:
          billing+negative: "So sorry {author}! DM us your order number. {agent}, {brand}"
        de:
          other: "Hallo {author}, danke! {agent}"
"""


@pytest.fixture
def brand():
    return parse_config(CONFIG).brands[0]


def case(intents=(), sentiment=Sentiment.NEUTRAL, complaint=False, lang="en", kind=None):
    r = record(1)
    r.triage.intents = list(intents)
    r.triage.sentiment = sentiment
    r.triage.complaint = complaint
    r.triage.lang = lang
    r.mention.author.id = "42"
    if kind is not None:
        r.mention.kind = kind
    return r


def test_billing_moves_to_private_with_the_brands_own_template(brand):
    (draft,) = drafts_for(case([Intent.BILLING], Sentiment.NEGATIVE, True), brand, NOW, "Ana")
    assert draft.key == "billing+negative"
    assert draft.text == "So sorry @user1! DM us your order number. Ana, Acme"
    assert draft.visibility is Visibility.PRIVATE and "order number" in draft.reason
    assert draft.allowed == (Visibility.PUBLIC, Visibility.PRIVATE)


@pytest.mark.parametrize("intent", [Intent.DELIVERY, Intent.ACCOUNT, Intent.PRIVACY])
def test_details_move_to_private(brand, intent):
    (draft,) = drafts_for(case([intent], Sentiment.NEGATIVE, True), brand, NOW)
    assert draft.key == intent.value and draft.visibility is Visibility.PRIVATE
    assert "The Acme team" in draft.text


def test_a_recommendation_the_platform_forbids_falls_back_to_what_it_allows(brand):
    c = case([Intent.BILLING])
    c.mention.author.id = None  # no one to send an X direct message to
    (draft,) = drafts_for(c, brand, NOW)
    assert draft.visibility is Visibility.PUBLIC and draft.allowed == (Visibility.PUBLIC,)
    assert "no author id" in draft.reason


def test_praise_is_thanked_in_public(brand):
    (draft,) = drafts_for(case([Intent.PRAISE], Sentiment.POSITIVE), brand, NOW)
    assert draft.key == "praise" and draft.visibility is Visibility.PUBLIC
    assert draft.text.startswith("Thank you so much, @user1!")


def test_one_draft_per_intent_gravest_first(brand):
    drafts = drafts_for(case([Intent.OUTAGE, Intent.SAFETY], Sentiment.NEGATIVE, True), brand, NOW)
    assert [d.key for d in drafts] == ["safety", "outage"]


def test_without_intents_the_complaint_then_sentiment_then_other(brand):
    assert drafts_for(case([], Sentiment.NEGATIVE, True), brand, NOW)[0].key == "complaint"
    assert drafts_for(case([], Sentiment.NEUTRAL), brand, NOW)[0].key == "other"


def test_the_customers_language_first(brand):
    (draft,) = drafts_for(case([Intent.BILLING], lang="de"), brand, NOW, "Ana")
    assert (draft.lang, draft.key, draft.text) == ("de", "other", "Hallo @user1, danke! Ana")


def test_a_direct_message_can_only_be_answered_privately(brand):
    dm = case([Intent.PRAISE], Sentiment.POSITIVE, kind=MentionKind.MESSAGE)
    (draft,) = drafts_for(dm, brand, NOW)
    assert draft.visibility is Visibility.PRIVATE and draft.allowed == (Visibility.PRIVATE,)


def test_a_messenger_message_past_its_window_allows_nothing(brand):
    m = case([Intent.QUESTION], kind=MentionKind.MESSAGE)
    m.mention.platform = Platform.FACEBOOK
    m.mention.author.id, m.mention.account_id, m.mention.author.name = "42", "2000", "Jo"
    (draft,) = drafts_for(m, brand, NOW + timedelta(days=2))
    assert draft.visibility is None and draft.allowed == ()
    assert "24 hours" in draft.note and draft.text.startswith("Hi Jo")


def test_without_a_brand_config_the_built_in_templates(brand):
    (draft,) = drafts_for(case([Intent.DELIVERY]), None, NOW)
    assert draft.key == "delivery" and "The Acme team" in draft.text


@pytest.mark.parametrize(
    ("templates", "problem"),
    [
        ("{en: {bill: hi}}", "unknown template key 'bill'"),
        ("{en: {other: 'hi {who}'}}", "unknown placeholder {who}"),
        ("{en: {other: 'hi {author'}}", "brace"),
        ("{english: {other: hi}}", "not a language code"),
        ("{en: {other+negative: hi}}", "unknown template key"),
    ],
)
def test_the_config_refuses_bad_templates(templates, problem):
    text = f"brands:\n  - name: A\n    keywords: [a]\n    replies:\n      templates: {templates}\n"
    with pytest.raises(ConfigError) as refused:
        parse_config(text)
    assert problem in str(refused.value)
