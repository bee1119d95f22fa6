"""The shipped artefact: it loads, it is small, and it labels obvious tweets sensibly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from heard.models import Sentiment
from heard.triage.model import MODEL_PATH, load_model


def test_artefact_is_shipped_and_small() -> None:
    assert MODEL_PATH.is_file()
    assert MODEL_PATH.stat().st_size < 5_000_000


def test_artefact_loads_once() -> None:
    model = load_model()
    assert model.version == "v1"
    assert load_model() is model
    assert model.features > 10_000
    assert len(model.words) > 1000
    assert len(model.chars) > 1000


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


def test_inference_needs_no_numpy_sklearn_or_boto3() -> None:
    code = (
        "import sys, heard.triage as t\n"
        "lazy = ('numpy', 'sklearn', 'boto3', 'heard.triage.model')\n"
        "assert not [m for m in lazy if m in sys.modules]\n"
        "t.get_triager('local').triage('@acme still no refund')\n"
        "bad = [m for m in ('numpy', 'sklearn', 'boto3', 'scipy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
