"""Triage: what one mention needs from the team (sentiment, complaint, intents, priority).

Everything outside this package goes through ``Triager.triage`` / ``Triager.triage_mention``;
the backend behind it is chosen by configuration (``HEARD_TRIAGE_BACKEND``):

- ``local`` (the default): the contextual model (``contextual.py``, a fine-tuned MiniLM run with
  onnxruntime) with the readable rules (``combine.py``); where the model or its runtime is not
  installed, the pure-Python model answers and the result says ``backend: local-fast``;
- ``local-fast``: the pure-Python linear model with the rules (``model.py``), always;
- ``comprehend`` and ``bedrock``: a remote service, the local model for the rest;
- ``cascade``: the local models, and the Bedrock model only where they are unsure in a way
  that decides whether the mention alerts (``doubt.py``).

Importing this package is cheap (no pydantic, no model): the result models, the trained models,
the rules and boto3 are loaded on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from heard.config import Brand
    from heard.models import Mention, Sentiment, Triage
    from heard.settings import TriageBackendSettings
    from heard.triage.contextual import ContextualModel
    from heard.triage.intents import Found
    from heard.triage.model import Model
    from heard.triage.priority import Signals

BACKENDS = ("local", "local-fast", "comprehend", "bedrock", "cascade")


@dataclass(frozen=True, slots=True)
class Reach:
    """Who said it, as far as priority is concerned."""

    followers: int = 0
    verified: bool = False
    engagement: int = 0
    handle: str | None = None


class _Runtime(NamedTuple):
    """What a decision needs, imported on first use (keeps ``import heard.triage`` cheap)."""

    Sentiment: Any
    Triage: Any
    intents: Any
    langid: Any
    priority: Any
    tokens: Any
    merge: Any


@cache
def _runtime() -> _Runtime:
    from heard.models import Sentiment, Triage
    from heard.triage import intents, langid, priority
    from heard.triage.combine import merge
    from heard.triage.features import tokens

    return _Runtime(Sentiment, Triage, intents, langid, priority, tokens, merge)


COMPLAINT_THRESHOLD = 0.5
ASIDE_COMPLAINT = 0.2  # the most an ad or a "not their fault" mention is a complaint


@dataclass(slots=True)
class Reading:
    """What the local model and the rules read in one mention: everything but its priority."""

    lang: str
    version: str
    decided: str  # the backend that read it: local, or local-fast where no contextual model
    sentiment: Sentiment
    sentiment_score: float
    complaint_probability: float
    found: Found | None  # None: a language the model does not know, so nothing was read
    p_negative: float = 0.0  # the model's own probability that the mention is negative
    model_intents: dict[str, float] = field(default_factory=dict)  # contextual model only
    low: str = ""  # the text as the rules read it
    pinned: bool = False  # a rule set sentiment or complaint (a rating, sarcasm, an ad)

    @property
    def supported(self) -> bool:
        return self.found is not None

    @property
    def complaint(self) -> bool:
        return self.complaint_probability >= COMPLAINT_THRESHOLD

    def signals(self) -> Signals:
        from heard.triage.priority import Signals

        assert self.found is not None, "an unsupported language has no signals"
        return Signals(
            self.sentiment,
            self.sentiment_score,
            self.complaint,
            self.complaint_probability,
            self.found,
        )

    def but(self, **changes: Any) -> Reading:
        """This reading with some of it read otherwise (what a doubt would change)."""
        return replace(self, **changes)


class Triager:
    """The local models: the contextual model where installed, else the pure-Python one; and
    the readable intent rules."""

    name = "local"
    fast = "local-fast"
    contextual_wanted = True

    def __init__(self, model_path: str | None = None):
        self._model_path = model_path
        self._model: Model | None = None

    @property
    def contextual(self) -> ContextualModel | None:
        """The contextual model, or None (not wanted, not installed)."""
        if not self.contextual_wanted:
            return None
        from heard.triage import contextual

        return contextual.load()

    @property
    def model(self) -> Model:
        if self._model is None:
            from heard.triage.model import load_model

            self._model = load_model(self._model_path)
        return self._model

    def triage(
        self,
        text: str,
        *,
        followers: int = 0,
        verified: bool = False,
        engagement: int = 0,
        lang: str | None = None,
        handle: str | None = None,
        brand: Brand | None = None,
    ) -> Triage:
        """Triage one text. ``lang`` is the platform's language tag, when it gave one."""
        reach = Reach(followers, verified, engagement, handle)
        return self._decide(text, lang, reach, brand)

    def _decide(self, text: str, lang: str | None, reach: Reach, brand: Brand | None) -> Triage:
        """The decision behind ``triage``; a remote backend overrides it."""
        return self._local(text, lang, reach, brand)

    def _local(
        self,
        text: str,
        lang: str | None,
        reach: Reach,
        brand: Brand | None,
        *,
        sentiment: tuple[Sentiment, float] | None = None,
        backend: str | None = None,
    ) -> Triage:
        """The local decision; ``sentiment`` overrides the model's (a remote backend's answer)."""
        return self._settle(self._read(text, lang, brand, sentiment), reach, brand, backend)

    def _read(
        self,
        text: str,
        lang: str | None,
        brand: Brand | None,
        sentiment: tuple[Sentiment, float] | None = None,
    ) -> Reading:
        """What the local model and the rules read in ``text``, before priority."""
        Sentiment, _, intents, langid, _, tokens, merge = _runtime()

        toks = tokens(text)
        code = langid.detect(text, lang, toks)
        ctx = self.contextual
        if ctx is not None:
            version, decided = ctx.version, Triager.name
        else:
            version, decided = self.model.version, self.fast
        if not langid.supported(code):
            return Reading(code, version, decided, Sentiment.NEUTRAL, 0.0, 0.0, None)
        found = intents.find(text, brand)
        low = intents.normalise(text)
        model_intents: dict[str, float] = {}
        if ctx is not None:
            read = ctx.predict(text, brand.name if brand else None)
            found = merge(found, read, low)
            own = (Sentiment(read.sentiment), read.sentiment_score)
            p_complaint, p_negative = read.complaint_probability, read.probabilities[0]
            model_intents = read.intents
        else:
            scores = self.model.score_tokens(toks)
            own = (Sentiment(scores.sentiment), scores.sentiment_score)
            p_complaint, p_negative = scores.complaint_probability, scores.probabilities[0]
        label, score = sentiment if sentiment else own
        stars = intents.rating(low)
        pinned = stars is not None or bool(found.sarcasm or found.aside)
        if stars is not None:
            # The author's own rating says how they feel: "1 star", "3/5", "9/10"; a high one
            # beside a complaint is sarcasm more often than not.
            if stars <= 0.4:
                label, score = Sentiment.NEGATIVE, min(score, -0.5)
                p_complaint = max(p_complaint, 0.6)
                # Nor is it praise, whatever the model heard in "was great until ...".
                found.intents = [h for h in found.intents if h.phrase or h.intent.value != "praise"]
            elif stars < 0.7:
                label, score = Sentiment.NEUTRAL, max(-0.3, min(score, 0.3))
            elif p_complaint < COMPLAINT_THRESHOLD:  # "10/10 unboxing: just the case" is not
                label, score = Sentiment.POSITIVE, max(score, 0.5)
        if found.sarcasm:
            # Praise words about a bad experience: the words say positive, the author is not.
            label, score = Sentiment.NEGATIVE, min(score, -0.5)
            p_complaint = max(p_complaint, 0.6)
        if found.aside and not found.sarcasm:
            # An ad, a giveaway, or a gripe the author says is not with the brand.
            p_complaint = min(p_complaint, ASIDE_COMPLAINT)
        return Reading(
            code,
            version,
            decided,
            label,
            score,
            p_complaint,
            found,
            p_negative=p_negative,
            model_intents=model_intents,
            low=low,
            pinned=pinned,
        )

    def _settle(
        self, r: Reading, reach: Reach, brand: Brand | None, backend: str | None = None
    ) -> Triage:
        """The result of a reading: its priority, and the reasons for it."""
        _, Triage, _, _, priority, _, _ = _runtime()
        if r.found is None:
            level, reasons = priority.unknown_language(r.lang, brand)
        else:
            level, reasons = priority.decide(r.signals(), reach, brand)
        return Triage(
            sentiment=r.sentiment,
            sentiment_score=max(-1.0, min(1.0, round(r.sentiment_score, 4))),
            complaint=r.complaint,
            complaint_probability=round(r.complaint_probability, 4),
            intents=[h.intent for h in r.found.intents] if r.found is not None else [],
            priority=level,
            reasons=reasons,
            lang=r.lang,
            lang_supported=r.supported,
            backend=backend or r.decided,
            model_version=r.version,
        )

    def triage_mention(self, mention: Mention, brand: Brand | None = None) -> Triage:
        return self.triage(
            mention.text,
            followers=mention.author.followers,
            verified=mention.author.verified,
            engagement=mention.engagement,
            lang=mention.lang,
            handle=mention.author.handle,
            brand=brand,
        )


class FastTriager(Triager):
    """The pure-Python model and the rules only: no onnxruntime, microseconds a mention."""

    name = "local-fast"
    contextual_wanted = False


def get_triager(
    backend: str | None = None, settings: TriageBackendSettings | None = None
) -> Triager:
    """The triager named by ``backend``, else by the settings (``HEARD_TRIAGE_BACKEND``, read
    from the environment when no settings are given): one of ``BACKENDS``."""
    if settings is None:
        from heard.settings import TriageBackendSettings

        settings = TriageBackendSettings.from_env()
    name = (backend or settings.backend).strip().lower()
    if name == "local":
        return Triager()
    if name == "local-fast":
        return FastTriager()
    if name == "comprehend":
        from heard.triage.backends import ComprehendTriager

        return ComprehendTriager(timeout_s=settings.timeout_s)
    if name == "bedrock":
        from heard.triage.backends import BedrockTriager

        return BedrockTriager(model_id=settings.bedrock_model_id, timeout_s=settings.timeout_s)
    if name == "cascade":
        from heard.triage.backends import CascadeTriager

        return CascadeTriager(model_id=settings.bedrock_model_id, timeout_s=settings.timeout_s)
    raise ValueError(f"triage backend {name!r} is not one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "FastTriager", "Reach", "Triager", "get_triager"]
