"""Features and the fast paths of inference: they must agree with the plain definitions."""

from __future__ import annotations

import math

import pytest

from heard.triage import intents
from heard.triage.features import (
    char_ngrams,
    char_words,
    lexicon_features,
    tokens,
    unigrams,
    word_features,
)
from heard.triage.model import load_model


def test_tokens_normalise_markers_emoticons_and_elongations() -> None:
    toks = tokens("@Acme soooo slow :( but I love it :) http://x.co/a 3pm #fail")
    assert toks == [
        "@USER",
        "soo",
        "slow",
        "EMONEG",
        "but",
        "i",
        "love",
        "it",
        "EMOPOS",
        "URL",
        "NUM",
        "fail",
    ]


def test_negation_marks_until_the_clause_ends() -> None:
    toks = tokens("not good at all. great now")
    assert unigrams(toks) == ["not", "good_NEG", "at_NEG", "all_NEG", ".", "great", "now"]
    assert unigrams(tokens("don't like it")) == ["don't", "like_NEG", "it_NEG"]
    plain = tokens("good stuff")
    assert unigrams(plain) is plain  # nothing to mark: no copy


def test_word_features_are_unigrams_and_bigrams_with_ends() -> None:
    feats = word_features(["i", "love", "it"])
    assert sorted(feats) == sorted(["i", "love", "it", "<s> i", "i love", "love it", "it </s>"])


def test_lexicon_features_flip_negated_words() -> None:
    lexicon = {"good": 2.0}
    pos = lexicon_features(["good"], lexicon)
    neg = lexicon_features(["not", "good"], lexicon)
    assert pos[2] > 0 > neg[2]


@pytest.mark.parametrize(
    "text",
    [
        "@acme I don't love the new app :( sooo slow #fail",
        "Best service ever!!! thank you @acme",
        "",
        "the store opens at 9am",
    ],
)
def test_fast_linear_equals_the_plain_weighted_sum(text: str) -> None:
    model = load_model()
    toks = tokens(text) or ["<empty>"]
    feats = word_features(toks)
    grams = [g for w in char_words(toks) for g in char_ngrams(w)]
    s = sum(model._word_s.get(f, 0j) for f in feats) / math.sqrt(len(feats))
    c = sum(model._word_c.get(f, 0.0) for f in feats) / math.sqrt(len(feats))
    if grams:
        s += sum(model._char_s.get(g, 0j) for g in grams) / math.sqrt(len(grams))
        c += sum(model._char_c.get(g, 0.0) for g in grams) / math.sqrt(len(grams))
    lex = lexicon_features(toks, model.lexicon)
    s += complex(*model.s_bias) + sum(
        v * complex(*w) for v, w in zip(lex, model.s_lex, strict=True)
    )
    c += model.c_bias + sum(v * w for v, w in zip(lex, model.c_lex, strict=True))
    neg, pos, comp = model.linear(toks)
    assert neg == pytest.approx(s.real, abs=1e-9)
    assert pos == pytest.approx(s.imag, abs=1e-9)
    assert comp == pytest.approx(c, abs=1e-9)


def test_triggers_join_fixed_alternatives() -> None:
    assert intents._triggers(r"(is|are) (down|offline)") == {
        "is down",
        "is offline",
        "are down",
        "are offline",
    }
    assert intents._triggers(r"su(e|ing) (you|@\w+)") == {"sue ", "suing "}


@pytest.mark.parametrize(
    "text",
    [
        "@acme the app is down again and I want a refund",
        "my lawyer will be suing you, this is dangerous",
        "I'm cancelling my subscription, switching to @other",
        "package never arrived, where is my order?",
        "someone hacked my account and my data was leaked",
        "thanks, love it, the best! can't wait to buy one",
        "great, another delay. just what I needed",
    ],
)
def test_the_screen_never_hides_a_rule_that_matches(text: str) -> None:
    low = intents.normalise(text)
    worth = intents.candidates(low)
    for intent, rule in intents._BUILTIN.items():
        if rule.first(low, check_negation=False, screened=True) is not None:
            assert intent.value in worth
