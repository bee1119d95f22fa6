"""The shipped artefact: it loads, it is small, and it labels obvious tweets sensibly."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from heard.models import Sentiment
from heard.triage.model import (
    CHUNK,
    MAX_WEIGHT,
    MODEL_PATH,
    QUANTUM,
    Model,
    load_model,
    pack,
    quantise,
    unpack,
)


def test_artefact_is_shipped_and_small() -> None:
    assert MODEL_PATH.is_file()
    assert MODEL_PATH.stat().st_size < 5_000_000


def test_artefact_loads_once() -> None:
    model = load_model()
    assert model.version == "v2"
    assert load_model() is model
    assert model.features > 10_000
    assert min(len(model.tokens), len(model.bigrams), len(model.chars)) > 1000


def test_packed_weights_add_exactly() -> None:
    """Up to CHUNK packed features, each head as large as allowed, sum to the exact sums."""
    rng = random.Random(7)
    for _ in range(200):
        rows = [
            tuple(rng.randint(-MAX_WEIGHT, MAX_WEIGHT) for _ in range(3))
            for _ in range(rng.randint(1, CHUNK))
        ]
        total = sum(pack(*row) for row in rows)
        assert unpack(total) == tuple(sum(col) for col in zip(*rows, strict=True))
    extreme = [(MAX_WEIGHT, -MAX_WEIGHT, MAX_WEIGHT)] * CHUNK
    assert unpack(sum(pack(*r) for r in extreme)) == (
        CHUNK * MAX_WEIGHT,
        -CHUNK * MAX_WEIGHT,
        CHUNK * MAX_WEIGHT,
    )


def test_quantise_clips_to_what_a_field_holds() -> None:
    assert quantise(0.5) == QUANTUM // 2
    assert quantise(1e6) == MAX_WEIGHT
    assert quantise(-1e6) == -MAX_WEIGHT


def test_a_foreign_artefact_is_refused() -> None:
    with pytest.raises(ValueError, match="heard-triage-packed"):
        Model({"format": "heard-triage-linear", "version": "v1"})


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("I love this, best day ever :)", Sentiment.POSITIVE),
        ("Thank you so much @acme, you made my week!", Sentiment.POSITIVE),
        ("this is the worst, I hate it", Sentiment.NEGATIVE),
        ("@acme your app is useless and your support is awful", Sentiment.NEGATIVE),
        ("The store opens at 9am on Saturday", Sentiment.NEUTRAL),
    ],
)
def test_obvious_sentiment(text: str, sentiment: Sentiment) -> None:
    assert load_model().score(text).sentiment == sentiment


@pytest.mark.parametrize(
    "text",
    [
        "@acme still waiting for my refund, 3 weeks now",
        "@acme my order hasn't arrived and nobody answers the phone",
        "@acme your app has been crashing all day and I can't pay my bills",
    ],
)
def test_obvious_complaints(text: str) -> None:
    assert load_model().score(text).complaint_probability > 0.5


@pytest.mark.parametrize(
    "text", ["happy birthday mum!", "I love this, best day ever :)", "Lovely sunset tonight"]
)
def test_obvious_non_complaints(text: str) -> None:
    assert load_model().score(text).complaint_probability < 0.5


def test_scores_are_deterministic_and_bounded() -> None:
    model = load_model()
    a = model.score("@acme meh, it's ok I guess")
    b = model.score("@acme meh, it's ok I guess")
    assert a == b
    assert abs(sum(a.probabilities) - 1) < 1e-9
    assert -1 <= a.sentiment_score <= 1
    assert 0 <= a.complaint_probability <= 1
    assert model.score("").sentiment in {"negative", "neutral", "positive"}


def test_the_pure_python_model_needs_no_numpy_sklearn_or_boto3() -> None:
    code = (
        "import sys, heard.triage as t\n"
        "lazy = ('numpy', 'sklearn', 'boto3', 'heard.triage.model')\n"
        "assert not [m for m in lazy if m in sys.modules]\n"
        "t.get_triager('local-fast').triage('@acme still no refund')\n"
        "bad = [m for m in ('numpy', 'sklearn', 'boto3', 'scipy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
