"""Features and the fast paths of inference: they must agree with the plain definitions."""

from __future__ import annotations

import math

import pytest

from heard.triage import features, intents
from heard.triage.features import (
    char_ngrams,
    char_words,
    lexicon_features,
    tokens,
    unigrams,
    word_features,
)
from heard.triage.model import QUANTUM, load_model, unpack


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
        "unheardofword zzqxv not zzqxvs",  # unknown tokens, one negated
        " ".join(["still no refund from @acme, three weeks now!"] * 12),  # over CHUNK tokens
    ],
)
def test_fast_linear_equals_the_plain_weighted_sum(text: str) -> None:
    """The packed, cached, chunked sums give what the plain definition of the model gives."""
    model = load_model()
    toks = tokens(text) or ["<empty>"]
    feats = word_features(toks)  # unigrams (negation-marked) and bigrams
    plain = [0.0, 0.0, 0.0]
    for feat in feats:
        if " " in feat:
            weights = unpack(model.bigrams.get(feat, 0))
        elif feat in model.tokens:
            weights = unpack(model.tokens[feat])  # its unigram and n-grams, summed in training
        else:  # unknown: only its word's character n-grams
            word = feat.removesuffix("_NEG")
            grams = [g for w in char_words([word]) for g in char_ngrams(w)]
            weights = tuple(sum(unpack(model.chars.get(g, 0))[h] for g in grams) for h in range(3))
        plain = [a + b for a, b in zip(plain, weights, strict=True)]
    scale = 1 / (QUANTUM * math.sqrt(len(feats)))
    lex = lexicon_features(toks, model.lexicon)
    s_neg = sum(v * w[0] for v, w in zip(lex, model.s_lex, strict=True))
    s_pos = sum(v * w[1] for v, w in zip(lex, model.s_lex, strict=True))
    c_lex = sum(v * w for v, w in zip(lex, model.c_lex, strict=True))
    expected = (
        plain[0] * scale + model.s_bias[0] + s_neg,
        plain[1] * scale + model.s_bias[1] + s_pos,
        plain[2] * scale + model.c_bias + c_lex,
    )
    assert model.linear(toks) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "chunk",
    [
        "thanks",
        "thanks!!!",
        "wow...",
        "why?!",
        "@acme",
        "@acme:",
        "@user_1,",
        "@",
        "@münchen",
        "#fail",
        "#fail.",
        "#",
        "#x!",
        "xd!",
        "xp.;",
        "xoxo",
        "http://x.co/a",
        "https://y.z/a?b",
        "http://",
        "http:",
        "word:)",
        "@bob:)",
        "#tag;)",
        "3pm!",
        "café,",
        "don't",
        "a;",
    ],
)
def test_common_chunks_split_as_the_regexes_do(chunk: str) -> None:
    fast = features._common_chunk(chunk)
    assert fast is None or fast == features._split_chunk(chunk)


def test_tokens_are_the_same_cached_or_not() -> None:
    text = "@Acme thanks for NOTHING!!! my order #fail... http://x.co/a :( xD"
    first = tokens(text)
    assert tokens(text) == first
    assert first == [
        "@USER", "thanks", "for", "nothing", "!!", "my", "order", "fail", ".", ".", ".", "URL",
        "EMONEG", "EMOPOS",
    ]  # fmt: skip


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
