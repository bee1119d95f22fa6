"""The shipped linear model, evaluated in pure Python (no numpy or scikit-learn at run time).

The artefact (``data/model-v1.json.gz``) holds sparse weights for the negative and positive
logits (relative to neutral: softmax only sees differences, so neutral is folded in) and for
the complaint logit. Features are the word and character n-grams of ``features.py``, each block
scaled by 1/sqrt(its size), plus a few dense lexicon inputs; the complaint model also reads
the sentiment probabilities.

Loading takes a fraction of a second, so it happens on first use, not on import.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import sys
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heard.triage.features import char_ngrams, char_words, lexicon_features, tokens, word_features

MODEL_PATH = Path(__file__).parent / "data" / "model-v1.json.gz"
SENTIMENTS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Scores:
    """What the model says about one text."""

    sentiment: str
    probabilities: tuple[float, float, float]  # negative, neutral, positive
    complaint_probability: float

    @property
    def sentiment_score(self) -> float:
        """Positive minus negative probability: -1 (negative) .. 1 (positive)."""
        return round(self.probabilities[2] - self.probabilities[0], 4)


HEADS = ("negative", "positive", "complaint")


def _encode(values: list[float]) -> str:
    arr = array("f", values)
    if sys.byteorder == "big":  # pragma: no cover - stored little-endian
        arr.byteswap()
    return base64.b64encode(arr.tobytes()).decode("ascii")


def _decode(text: str) -> list[float]:
    arr = array("f")
    arr.frombytes(base64.b64decode(text))
    if sys.byteorder == "big":  # pragma: no cover
        arr.byteswap()
    return arr.tolist()


def pack_block(tables: dict[str, dict[str, float]]) -> dict[str, str]:
    """One feature block (word or char) as newline-joined keys and a base64 float32 array per
    head (``HEADS``), aligned with the keys. Used by training."""
    keys = sorted(set().union(*(tables[h] for h in HEADS)))
    packed = {"keys": "\n".join(keys)}
    for head in HEADS:
        table = tables[head]
        packed[head] = _encode([table.get(k, 0.0) for k in keys])
    return packed


def unpack_block(packed: dict[str, str]) -> dict[str, tuple[float, float, float]]:
    """feature → (negative, positive, complaint) weights.

    A split, three base64 decodes and ``dict(zip(...))``, all in C: several times faster
    than parsing the same numbers as JSON.
    One dict of tuples (not three dicts) means one hash lookup per feature at inference.
    """
    keys = packed["keys"].split("\n") if packed["keys"] else []
    columns = [_decode(packed[h]) for h in HEADS]
    if any(len(c) != len(keys) for c in columns):
        raise ValueError("corrupt model artefact: keys and weights differ in length")
    return dict(zip(keys, zip(*columns, strict=True), strict=True))


class Model:
    """A loaded artefact. ``score(text)`` is deterministic and thread-safe."""

    def __init__(self, artefact: dict[str, Any]):
        self.version: str = artefact["version"]
        self.meta: dict[str, Any] = artefact.get("meta", {})
        self.words = unpack_block(artefact["weights"]["word"])
        self.chars = unpack_block(artefact["weights"]["char"])
        self.lexicon: dict[str, float] = artefact["lexicon"]
        sent = artefact["sentiment"]
        self.s_bias: tuple[float, float] = tuple(sent["bias"])  # type: ignore[assignment]
        # per lexicon feature: (negative, positive) weights
        self.s_lex = [tuple(row) for row in sent["lexicon"]]
        comp = artefact["complaint"]
        self.c_bias: float = comp["bias"]
        self.c_lex: list[float] = comp["lexicon"]
        self.c_sent: list[float] = comp["sentiment"]
        self._char_cache: dict[str, tuple[int, float, float, float]] = {}

    @property
    def features(self) -> int:
        """How many distinct features carry a weight."""
        return len(self.words) + len(self.chars)

    # -- the feature sums ------------------------------------------------------------------

    def _word_char(self, word: str) -> tuple[int, float, float, float]:
        """How many char n-grams one word has and their summed weights (cached per word)."""
        hit = self._char_cache.get(word)
        if hit is not None:
            return hit
        grams = char_ngrams(word)
        get = self.chars.get
        a = c = d = 0.0
        for g in grams:
            w = get(g)
            if w is not None:
                a += w[0]
                c += w[1]
                d += w[2]
        hit = (len(grams), a, c, d)
        if len(self._char_cache) > 200_000:
            self._char_cache.clear()
        self._char_cache[word] = hit
        return hit

    def linear(self, toks: list[str]) -> tuple[float, float, float]:
        """Negative and positive logits (relative to neutral) and the text part of complaint."""
        wf = word_features(toks)
        get = self.words.get
        a = c = d = 0.0
        for f in wf:
            w = get(f)
            if w is not None:
                a += w[0]
                c += w[1]
                d += w[2]
        ws = 1.0 / math.sqrt(len(wf))
        a *= ws
        c *= ws
        d *= ws
        n = 0
        ca = cc = cd = 0.0
        cache = self._char_cache
        for word in char_words(toks):
            hit = cache.get(word) or self._word_char(word)
            n += hit[0]
            ca += hit[1]
            cc += hit[2]
            cd += hit[3]
        if n:
            cs = 1.0 / math.sqrt(n)
            a += ca * cs
            c += cc * cs
            d += cd * cs
        a += self.s_bias[0]
        c += self.s_bias[1]
        d += self.c_bias
        for value, (wn, wp), wc in zip(
            lexicon_features(toks, self.lexicon), self.s_lex, self.c_lex, strict=True
        ):
            if value:
                a += value * wn
                c += value * wp
                d += value * wc
        return a, c, d

    def score(self, text: str) -> Scores:
        toks = tokens(text) or ["<empty>"]
        neg, pos, complaint = self.linear(toks)
        top = max(neg, pos, 0.0)
        e_neg, e_neu, e_pos = math.exp(neg - top), math.exp(-top), math.exp(pos - top)
        total = e_neg + e_neu + e_pos
        probs = (e_neg / total, e_neu / total, e_pos / total)
        w = self.c_sent
        complaint += probs[0] * w[0] + probs[1] * w[1] + probs[2] * w[2]
        p_complaint = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, complaint))))
        best = max(probs)
        label = SENTIMENTS[probs.index(best)]
        return Scores(label, probs, p_complaint)


_lock = threading.Lock()
_loaded: dict[str, Model] = {}


def load_model(path: str | Path | None = None) -> Model:
    """The model at ``path`` (default: the shipped artefact), loaded once per process."""
    key = str(path or MODEL_PATH)
    model = _loaded.get(key)
    if model is None:
        with _lock:
            model = _loaded.get(key)
            if model is None:
                opener = gzip.open if key.endswith(".gz") else open
                with opener(key, "rt", encoding="utf-8") as fh:
                    model = Model(json.load(fh))
                _loaded[key] = model
    return model
