"""Comprehend and Bedrock behind the same interface, and their fallbacks to the local model.

botocore's Stubber answers the AWS calls (moto does not implement these APIs well enough).
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import ANY, Stubber

from heard.models import Intent, Priority, Sentiment
from heard.triage import Triager, get_triager
from heard.triage.backends import BedrockTriager, ComprehendTriager, parse_answer

TEXT = "@acme you double charged me and I want a refund"


def _client(service: str):
    return boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _converse_reply(text: str) -> dict:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 10, "outputTokens": 10, "totalTokens": 20},
        "metrics": {"latencyMs": 5},
    }


@pytest.fixture
def comprehend():
    client = _client("comprehend")
    with Stubber(client) as stub:
        yield ComprehendTriager(client=client), stub
        stub.assert_no_pending_responses()


@pytest.fixture
def bedrock():
    client = _client("bedrock-runtime")
    with Stubber(client) as stub:
        yield BedrockTriager(client=client, model_id="test-model"), stub
        stub.assert_no_pending_responses()


def test_comprehend_sentiment_with_local_complaint_and_intents(comprehend, acme) -> None:
    triager, stub = comprehend
    stub.add_response(
        "detect_sentiment",
        {
            "Sentiment": "NEGATIVE",
            "SentimentScore": {"Positive": 0.01, "Negative": 0.97, "Neutral": 0.02, "Mixed": 0.0},
        },
        {"Text": TEXT, "LanguageCode": "en"},
    )
    result = triager.triage(TEXT, followers=50_000, brand=acme)
    assert result.backend == "comprehend"
    assert result.sentiment is Sentiment.NEGATIVE
    assert result.sentiment_score == pytest.approx(-0.96)
    assert Intent.BILLING in result.intents
    assert result.priority.rank >= Priority.HIGH.rank


def test_comprehend_mixed_is_neutral(comprehend) -> None:
    triager, stub = comprehend
    stub.add_response(
        "detect_sentiment",
        {"Sentiment": "MIXED", "SentimentScore": {"Positive": 0.4, "Negative": 0.4}},
        {"Text": ANY, "LanguageCode": "en"},
    )
    assert triager.triage("good food, slow service").sentiment is Sentiment.NEUTRAL


def test_comprehend_error_falls_back_to_local(comprehend) -> None:
    triager, stub = comprehend
    stub.add_client_error("detect_sentiment", "ThrottlingException", "slow down")
    result = triager.triage(TEXT)
    local = Triager().triage(TEXT)
    assert result.backend == "local"
    assert result == local


def test_comprehend_is_not_called_for_an_unknown_language(comprehend) -> None:
    triager, _ = comprehend  # no response queued: a call would fail the stubber
    result = triager.triage("la livraison est en retard", lang="fr")
    assert result.lang_supported is False
    assert result.backend == "local"  # the local model answered, as on an error


def test_bedrock_answer_is_used(bedrock, acme) -> None:
    triager, stub = bedrock
    answer = {
        "sentiment": "negative",
        "sentiment_score": -0.8,
        "complaint": True,
        "complaint_probability": 0.93,
        "intents": ["billing", "cancel"],
    }
    stub.add_response(
        "converse",
        _converse_reply(f"Here you go:\n{json.dumps(answer)}"),
        {
            "modelId": "test-model",
            "messages": ANY,
            "inferenceConfig": ANY,
        },
    )
    result = triager.triage(TEXT, brand=acme)
    assert result.backend == "bedrock"
    assert result.model_version == "test-model"
    assert result.complaint is True
    assert result.complaint_probability == pytest.approx(0.93)
    assert {Intent.BILLING, Intent.CANCEL} <= set(result.intents)
    assert "complaint (p=0.93)" in result.reasons
    assert result.priority.rank >= Priority.HIGH.rank  # churn threat with a complaint


@pytest.mark.parametrize(
    "reply",
    [
        "I think this is negative.",
        '{"sentiment": "furious", "complaint": true, "complaint_probability": 0.9}',
        '{"sentiment": "negative", "complaint": true, "complaint_probability": 7}',
        '{"sentiment": "negative", "complaint": true',
    ],
)
def test_bedrock_invalid_json_falls_back_to_local(bedrock, reply: str) -> None:
    triager, stub = bedrock
    stub.add_response("converse", _converse_reply(reply))
    result = triager.triage(TEXT)
    assert result.backend == "local"
    assert result == Triager().triage(TEXT)


def test_bedrock_error_falls_back_to_local(bedrock) -> None:
    triager, stub = bedrock
    stub.add_client_error("converse", "AccessDeniedException", "no model access")
    assert triager.triage(TEXT).backend == "local"


def test_bedrock_timeout_falls_back_to_local() -> None:
    class TimingOut:
        def converse(self, **_: object) -> dict:
            raise ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com")

    result = BedrockTriager(client=TimingOut()).triage(TEXT)
    assert result.backend == "local"
    assert result.sentiment is Sentiment.NEGATIVE


def test_parse_answer_takes_the_json_object_out_of_prose() -> None:
    answer = parse_answer(
        'Sure! {"sentiment": "positive", "complaint": false, "complaint_probability": 0.1}'
    )
    assert answer.sentiment is Sentiment.POSITIVE
    assert answer.intents == []
    with pytest.raises(ValueError, match="no JSON object"):
        parse_answer("nothing here")


def test_get_triager_reads_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("HEARD_TRIAGE_BACKEND", "comprehend")
    assert isinstance(get_triager(), ComprehendTriager)
    monkeypatch.setenv("HEARD_TRIAGE_BACKEND", "bedrock")
    assert isinstance(get_triager(), BedrockTriager)
    monkeypatch.delenv("HEARD_TRIAGE_BACKEND")
    assert type(get_triager()) is Triager
    assert isinstance(get_triager("Bedrock"), BedrockTriager)
    with pytest.raises(ValueError, match="not one of"):
        get_triager("watson")
