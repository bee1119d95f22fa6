"""The written training examples (scripts/data/intents) are well formed, cover every intent, and
share nothing with the evaluation set (bench/data/triage_eval): a test that leaked into
training would make the benchmark's figures worthless."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from heard.models import Intent

ROOT = Path(__file__).resolve().parents[3]
TRAIN = ROOT / "scripts" / "data" / "intents"
EVAL = ROOT / "bench" / "data" / "triage_eval"
FIELDS = ["text", "brand", "platform", "sentiment", "complaint", "intents"]


def rows(folder: Path) -> list[dict]:
    found = []
    for path in sorted(folder.glob("*.jsonl")):
        found += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return found


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.fixture(scope="module")
def examples():
    return rows(TRAIN)


def test_every_example_is_well_formed(examples):
    assert len(examples) >= 600
    for row in examples:
        assert list(row) == FIELDS, row
        assert row["sentiment"] in ("positive", "neutral", "negative"), row
        assert isinstance(row["complaint"], bool), row
        assert row["intents"] == sorted(row["intents"]), row
        assert set(row["intents"]) <= {i.value for i in Intent}, row
        assert row["text"].strip(), row


def test_every_intent_has_examples_and_texts_are_unique(examples):
    counts = Counter(i for row in examples for i in row["intents"])
    assert {i.value for i in Intent} == set(counts)
    assert min(counts.values()) >= 40
    texts = [" ".join(words(r["text"])) for r in examples]
    assert len(set(texts)) == len(texts)


def test_no_evaluation_mention_is_in_the_training_examples(examples):
    """No eight-word run of an evaluation mention appears in a training example."""

    def shingles(text: str, n: int = 8) -> set[tuple[str, ...]]:
        w = words(text)
        return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}

    held_out = set().union(*(shingles(r["text"]) for r in rows(EVAL)))
    leaked = [r["text"] for r in examples if shingles(r["text"]) & held_out]
    assert leaked == []
    train_brands = {r["brand"] for r in examples}
    eval_brands = {r["brand"] for r in rows(EVAL)}
    assert train_brands.isdisjoint(eval_brands)
