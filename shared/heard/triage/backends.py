"""Remote backends behind the same interface: Amazon Comprehend and Amazon Bedrock.

Both keep the local model for what they do not give and fall back to it entirely when the call
fails (an AWS error, a timeout, an answer that does not validate): triage never fails because a
remote service did. boto3 is imported only when one of these backends is built.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError

from heard.config import Brand
from heard.models import Intent, Sentiment, Triage
from heard.settings import DEFAULT_BEDROCK_MODEL, DEFAULT_TRIAGE_TIMEOUT_S
from heard.triage import Reach, Triager

log = logging.getLogger(__name__)

_COMPREHEND_LANGS = frozenset(
    ["en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"]
)
_COMPREHEND_SENTIMENT = {
    "POSITIVE": Sentiment.POSITIVE,
    "NEGATIVE": Sentiment.NEGATIVE,
    "NEUTRAL": Sentiment.NEUTRAL,
    "MIXED": Sentiment.NEUTRAL,
}


def _client(service: str, timeout_s: float) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=timeout_s,
        read_timeout=timeout_s,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    return boto3.client(service, config=config)


class _Remote(Triager):
    def __init__(
        self,
        client: Any = None,
        model_path: str | None = None,
        *,
        timeout_s: float = DEFAULT_TRIAGE_TIMEOUT_S,
    ):
        super().__init__(model_path)
        self._client = client
        self.timeout_s = timeout_s

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _client(self.service, self.timeout_s)
        return self._client

    service = ""

    def _decide(self, text: str, lang: str | None, reach: Reach, brand: Brand | None) -> Triage:
        """Ask the remote service; the local model answers when it cannot (language, error)."""
        from heard.triage import langid

        code = langid.detect(text, lang)
        if not langid.supported(code) or not text.strip():
            return self._local(text, lang, reach, brand)
        try:
            return self._remote(text, code, lang, reach, brand)
        except Exception as exc:
            log.warning(
                "%s failed (%s: %s); using the local model", self.name, type(exc).__name__, exc
            )
            # ``backend="local"`` on the result tells the inbox which answer it got.
            return self._local(text, lang, reach, brand, backend="local")

    def _remote(
        self, text: str, code: str, lang: str | None, reach: Reach, brand: Brand | None
    ) -> Triage:
        raise NotImplementedError


class ComprehendTriager(_Remote):
    """Sentiment from Comprehend DetectSentiment; complaint, intents and priority from local."""

    name = "comprehend"
    service = "comprehend"

    def _remote(
        self, text: str, code: str, lang: str | None, reach: Reach, brand: Brand | None
    ) -> Triage:
        answer = self.client.detect_sentiment(Text=text[:5000], LanguageCode=code)
        label = _COMPREHEND_SENTIMENT[answer["Sentiment"]]
        scores = answer.get("SentimentScore", {})
        score = float(scores.get("Positive", 0.0)) - float(scores.get("Negative", 0.0))
        return self._local(text, lang, reach, brand, sentiment=(label, score), backend=self.name)


# ---------------------------------------------------------------------------------------------
# Bedrock
# ---------------------------------------------------------------------------------------------


PROMPT = """You triage social media mentions of a company for its customer-care team.
Read the mention and answer with one JSON object and nothing else:
{{"sentiment": "positive" | "neutral" | "negative",
 "sentiment_score": number from -1 (very negative) to 1 (very positive),
 "complaint": true if the author complains (a gap between what they expected and what they got),
 "complaint_probability": number from 0 to 1,
 "intents": any of {intents}}}
Negative is not the same as complaint ("I hate Mondays" is not a complaint). Watch for sarcasm.

Mention: {text}"""


class BedrockAnswer(BaseModel):
    """The JSON the prompt asks for; anything else is rejected (and the local model used)."""

    sentiment: Sentiment
    sentiment_score: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    complaint: bool
    complaint_probability: Annotated[float, Field(ge=0.0, le=1.0)]
    intents: list[Intent] = Field(default_factory=list)


_JSON_OBJECT = re.compile(r"\{.*\}", re.S)


def parse_answer(raw: str) -> BedrockAnswer:
    """The first JSON object in the model's reply, validated; ValueError when there is none."""
    match = _JSON_OBJECT.search(raw)
    if not match:
        raise ValueError("no JSON object in the reply")
    try:
        return BedrockAnswer.model_validate(json.loads(match.group(0)))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"invalid triage JSON: {exc}") from exc


class BedrockTriager(_Remote):
    """Sentiment, complaint and intents from a Bedrock model (Converse); priority is local."""

    name = "bedrock"
    service = "bedrock-runtime"

    def __init__(
        self,
        client: Any = None,
        model_id: str = DEFAULT_BEDROCK_MODEL,
        model_path: str | None = None,
        *,
        timeout_s: float = DEFAULT_TRIAGE_TIMEOUT_S,
    ):
        super().__init__(client, model_path, timeout_s=timeout_s)
        self.model_id = model_id

    def ask(self, text: str) -> BedrockAnswer:
        prompt = PROMPT.format(intents=json.dumps([i.value for i in Intent]), text=text[:2000])
        response = self.client.converse(
            modelId=self.model_id,
            messages=[{"role": "user", "content": [{"text": prompt}]}],
            inferenceConfig={"maxTokens": 300, "temperature": 0.0},
        )
        parts = response["output"]["message"]["content"]
        return parse_answer("".join(p.get("text", "") for p in parts))

    def _remote(
        self, text: str, code: str, lang: str | None, reach: Reach, brand: Brand | None
    ) -> Triage:
        from heard.triage import intents as rules
        from heard.triage import priority

        answer = self.ask(text)
        found = rules.find(text, brand)
        # The brand's own terms and crisis words always count; the model adds what it saw.
        seen = found.set
        for intent in answer.intents:
            if intent not in seen and intent is not Intent.CRISIS:
                found.intents.append(rules.Hit(intent, ""))
        complaint = answer.complaint
        signals = priority.Signals(
            answer.sentiment, answer.sentiment_score, complaint, answer.complaint_probability, found
        )
        level, reasons = priority.decide(signals, reach, brand)
        return Triage(
            sentiment=answer.sentiment,
            sentiment_score=answer.sentiment_score,
            complaint=complaint,
            complaint_probability=answer.complaint_probability,
            intents=[h.intent for h in found.intents],
            priority=level,
            reasons=reasons,
            lang=code,
            backend=self.name,
            model_version=self.model_id,
        )
