"""Remote backends behind the same interface: Amazon Comprehend and Amazon Bedrock, and the
cascade that asks Bedrock only where the local model is unsure of an alert.

Each keeps the local model for what the service does not give, and falls back to the local
decision entirely when the call fails (an AWS error, a timeout, an answer that does not
validate): triage never fails because a remote service did. boto3 is imported only when one of
these backends is built.
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
from heard.triage.intents import Found

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


PROMPT = """You triage social media mentions of {company} for its customer-care team.
Read the mention and answer with one JSON object and nothing else:
{{"sentiment": "positive" | "neutral" | "negative",
 "sentiment_score": number from -1 (very negative) to 1 (very positive),
 "complaint": true if the author complains about {company} (a gap between what they expected
   and what they got),
 "complaint_probability": number from 0 to 1,
 "intents": a list of the names below that apply, often none}}
Intents:
{intents}
Negative is not the same as complaint ("I hate Mondays" is not a complaint), and a problem the
author says is someone else's is not a complaint about {company}. The company's name may be
meant in another sense (a place, a word). Watch for sarcasm: praise words about a bad
experience are negative.

Mention: {text}"""

INTENT_MEANINGS = {
    Intent.CANCEL: "the author threatens to leave, cancel or take their money elsewhere",
    Intent.LEGAL: "a lawyer, court, regulator, ombudsman, chargeback or dispute with the bank",
    Intent.SAFETY: "a hazard to health or safety: injury, burns, fire, something sharp in food",
    Intent.OUTAGE: "the service or app is down or broken for the author",
    Intent.BILLING: "a charge, price, fee or refund",
    Intent.DELIVERY: "an order or delivery: late, lost, missing items, damaged",
    Intent.ACCOUNT: "getting into or the security of the author's account, a takeover",
    Intent.PRIVACY: "personal data: tracking, sharing, a breach, a request to delete it",
    Intent.QUESTION: "the author asks the company something",
    Intent.PRAISE: "the author praises the company",
    Intent.PURCHASE: "the author wants to buy or is choosing whether to buy",
    Intent.CRISIS: "a real incident at the company that threatens many people or its name",
    Intent.PUBLIC: "a threat to go public: the press, a video or recording, a review, viral",
}


def build_prompt(text: str, company: str | None = None) -> str:
    """What Bedrock is asked about one mention (its first 2,000 characters)."""
    return PROMPT.format(
        company=company or "a company",
        intents="\n".join(f"- {i.value}: {INTENT_MEANINGS[i]}" for i in Intent),
        text=text[:2000],
    )


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

    def ask(self, text: str, company: str | None = None) -> BedrockAnswer:
        prompt = build_prompt(text, company)
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

        return self._answer(text, code, reach, brand, rules.find(text, brand))

    def _answer(
        self,
        text: str,
        code: str,
        reach: Reach,
        brand: Brand | None,
        found: Found,
        questioned: frozenset[Intent] = frozenset(),
    ) -> Triage:
        """The model's answer, with what was ``found`` before it: every hit stands (a brand's
        own terms, its crisis words, the rules' phrases, a local model's sure reading) except
        those ``questioned`` that the model does not name (a questioned crisis word stands if
        it names a crisis or reads a complaint); the model adds the intents it saw (never a
        crisis: the brand's words say what is one)."""
        from heard.triage import intents as rules
        from heard.triage import priority

        answer = self.ask(text, brand.name if brand else None)
        named = set(answer.intents)
        if answer.complaint:
            named.add(Intent.CRISIS)  # a questioned crisis word stands in a complaint
        kept = [h for h in found.intents if h.intent not in questioned or h.intent in named]
        seen = {h.intent for h in kept}
        for intent in answer.intents:
            if intent not in seen and intent is not Intent.CRISIS:
                kept.append(rules.Hit(intent, ""))
                seen.add(intent)
        crisis = found.crisis if Intent.CRISIS in seen else None
        found = rules.Found(kept, found.sarcasm, crisis, found.takeover, found.aside)
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
            backend=BedrockTriager.name,
            model_version=self.model_id,
        )


class CascadeTriager(BedrockTriager):
    """The local models, and a Bedrock model only where they are unsure in a way that decides
    whether the mention alerts (``heard.triage.doubt``); ``backend`` on the result says which
    decided, and a reason says what the local model was unsure of."""

    name = "cascade"

    def _decide(self, text: str, lang: str | None, reach: Reach, brand: Brand | None) -> Triage:
        from heard.triage.doubt import doubt

        reading = self._read(text, lang, brand)
        local = self._settle(reading, reach, brand)
        unsure = doubt(reading, reach, brand)
        if unsure is None or reading.found is None:
            return local
        try:
            answer = self._answer(
                text, reading.lang, reach, brand, reading.found, unsure.questioned
            )
        except Exception as exc:
            log.warning(
                "%s failed (%s: %s); the local model decides", self.name, type(exc).__name__, exc
            )
            note = f"local model unsure ({unsure.reason}); {self.model_id} not reached"
            return local.model_copy(update={"reasons": [*local.reasons, note]})
        note = f"local model unsure ({unsure.reason}); {self.model_id} decided"
        return answer.model_copy(update={"reasons": [*answer.reasons, note]})
