"""Heard's triage evaluation set (bench/data/triage_eval) is well formed, covers what it says it
covers, and names its brands: a broken set would make the benchmark's figures meaningless."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SPEC = importlib.util.spec_from_file_location("triage_eval", ROOT / "bench" / "triage_eval.py")
assert SPEC and SPEC.loader
triage_eval = importlib.util.module_from_spec(SPEC)
sys.modules["triage_eval"] = triage_eval
SPEC.loader.exec_module(triage_eval)

KINDS = {
    "plain-complaint", "implicit-complaint", "sarcasm", "negation-praise", "praise", "question",
    "purchase", "not-about-brand", "brand-other-sense", "ad-spam", "crisis-real",
    "crisis-other-sense", "churn-paraphrase", "hazard-described", "legal-threat",
    "public-threat", "account-takeover", "privacy", "outage", "billing", "delivery", "neutral",
    "multi-intent", "high-reach", "non-english-word",
}  # fmt: skip
PLATFORMS = {
    "x", "facebook", "instagram", "reddit", "bluesky", "mastodon", "youtube", "app-review",
    "feedback-form", "hackernews", "web-review",
}  # fmt: skip


@pytest.fixture(scope="module")
def items():
    return triage_eval.load_set()


@pytest.fixture(scope="module")
def config():
    return triage_eval.load_brands()


def test_the_set_is_large_and_every_id_is_unique(items):
    assert len(items) >= 300
    assert len({i.id for i in items}) == len(items)


def test_every_label_is_one_the_benchmark_scores(items, config):
    for item in items:
        labels = item.labels
        assert labels.sentiment in triage_eval.SENTIMENTS, item.id
        assert labels.priority in triage_eval.PRIORITIES, item.id
        assert labels.intents <= set(triage_eval.INTENTS), item.id
        assert item.platform in PLATFORMS, item.id
        assert item.kinds and set(item.kinds) <= KINDS, item.id
        assert config.brand(item.brand) is not None, item.id
        assert item.followers >= 0 and item.text.strip(), item.id


def test_each_mention_names_its_brand(items, config):
    for item in items:
        brand = config.brand(item.brand)
        names = [*brand.keywords, *(h for hs in brand.handles.values() for h in hs)]
        found = any(re.search(re.escape(n), item.text, re.IGNORECASE) for n in names)
        assert found, f"{item.id} does not name {item.brand}"


def test_every_intent_kind_and_platform_is_covered(items):
    intents = Counter(x for i in items for x in i.labels.intents)
    assert {x: n for x, n in intents.items() if n < 10} == {}
    assert set(intents) == set(triage_eval.INTENTS)
    kinds = Counter(k for i in items for k in i.kinds)
    assert {k: n for k, n in kinds.items() if n < 3} == {} and set(kinds) == KINDS
    platforms = Counter(i.platform for i in items)
    assert {p: n for p, n in platforms.items() if n < 4} == {}
    assert Counter(i.labels.priority for i in items)["critical"] >= 10


def test_hard_negatives_are_no_complaints(items):
    for item in items:
        if {"negation-praise", "ad-spam", "brand-other-sense"} & set(item.kinds):
            assert not item.labels.complaint, item.id
        if "sarcasm" in item.kinds:
            assert item.labels.sentiment == "negative", item.id
        if "crisis-other-sense" in item.kinds and "crisis-real" not in item.kinds:
            assert "crisis" not in item.labels.intents, item.id
