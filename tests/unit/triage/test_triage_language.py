"""Language: the hint first, then script and stopwords; unknown languages are not forced."""

from __future__ import annotations

import pytest

from heard.models import Priority, Sentiment
from heard.triage import langid

SPANISH = "El servicio de @acme es muy malo y no funciona desde hace una semana"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("@acme my parcel is late again", "en"),
        ("@acme down again", "en"),
        # "no" is English too: three of them are no Spanish.
        ("No queues, no fuss, no hidden charges. Acme made moving house painless.", "en"),
        ("no es mi culpa, no tengo la app de @acme", "es"),
        ("😡😡 @acme", "en"),
        (SPANISH, "es"),
        ("Le service de @acme est vraiment nul, je ne suis pas content", "fr"),
        ("Ich bin mit dem Service von @acme nicht zufrieden, das ist schlecht", "de"),
        ("@acme のアプリが動かない", "ja"),
        ("Почему не работает приложение @acme", "ru"),
        ("@acme 的应用程序无法使用", "zh"),
    ],
)
def test_detect(text: str, lang: str) -> None:
    assert langid.detect(text) == lang


@pytest.mark.parametrize(
    ("hint", "lang"), [("en-GB", "en"), ("fr", "fr"), ("und", "en"), (None, "en")]
)
def test_platform_hint_is_respected(hint: str | None, lang: str) -> None:
    assert langid.detect("@acme my parcel is late again", hint) == lang


def test_unknown_language_is_not_forced_into_english_labels(triager, make_brand) -> None:
    brand = make_brand(routing={"unknown_language": "alert", "unknown_language_priority": "high"})
    result = triager.triage(SPANISH, followers=500_000, brand=brand)
    assert result.lang == "es"
    assert result.lang_supported is False
    assert result.sentiment is Sentiment.NEUTRAL
    assert result.complaint is False
    assert result.complaint_probability == 0.0
    assert result.intents == []
    assert result.priority is Priority.HIGH
    assert any("language 'es'" in r for r in result.reasons)


def test_unknown_language_default_routing(triager) -> None:
    result = triager.triage("@acme la livraison est en retard", lang="fr")
    assert result.lang_supported is False
    assert result.priority is Priority.NORMAL


def test_english_hint_keeps_the_model(triager) -> None:
    result = triager.triage("@acme worst service ever, still no refund", lang="en")
    assert result.lang_supported is True
    assert result.sentiment is Sentiment.NEGATIVE
