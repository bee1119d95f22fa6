"""The shipped linear model, evaluated in pure Python (no numpy or scikit-learn at run time).

The artefact (``data/model-v2.json.gz``) holds, per feature, three weights: the negative and
positive logits (relative to neutral: softmax only sees differences, so neutral is folded in)
and the complaint logit. Features are the word 1-2-grams and the character 3-5-grams of
``features.py``, both scaled by 1/sqrt(2 * tokens + 1) (the character block by a further
constant, folded into its weights), plus a few dense lexicon inputs; the complaint model also
reads the sentiment probabilities.

Speed comes from doing as little per feature as possible:

- the three weights of a word feature are packed into one integer (``pack``): one dictionary
  lookup per feature, and ``sum()`` adds all three heads in C without making an object;
- every token's own weights (its unigram plus its character n-grams, which depend only on
  the token) are summed once, the first time the token is seen, and kept in a cache, so a
  tweet costs one lookup per token and one per bigram.

Loading takes a few tens of milliseconds, so it happens on first use, not on import.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import sys
import threading
from array import array
from itertools import repeat
from operator import mul
from pathlib import Path
from typing import Any, NamedTuple

from heard.triage.features import (
    bigrams,
    char_ngrams,
    has_char_ngrams,
    lexicon_features,
    tokens,
    unigrams,
)

MODEL_PATH = Path(__file__).parent / "data" / "model-v2.json.gz"
FORMAT = "heard-triage-packed"
SENTIMENTS = ("negative", "neutral", "positive")
HEADS = ("negative", "positive", "complaint")  # the packed fields, lowest first

# -- packed weights ------------------------------------------------------------------------
# A weight is stored in units of 1/QUANTUM; a feature's three weights share one integer,
# ``negative + positive * 2**21 + complaint * 2**42``. Integers add exactly, so the sum of
# packed features is the packing of the sums, as long as each of the two lower fields stays
# within ±2**20 (``unpack`` recovers signed fields). Sums run over at most CHUNK features,
# and no feature (nor a token's cached total) may exceed MAX_WEIGHT, so they always do.
QUANTUM = 1024
_BITS = 21
_FIELD = 1 << _BITS
_HALF = _FIELD >> 1
_MASK = _FIELD - 1
CHUNK = 64
MAX_WEIGHT = (_HALF - 1) // CHUNK  # in quanta: 16383, just under 16.0


class Scores(NamedTuple):
    """What the model says about one text."""

    sentiment: str
    probabilities: tuple[float, float, float]  # negative, neutral, positive
    complaint_probability: float

    @property
    def sentiment_score(self) -> float:
        """Positive minus negative probability: -1 (negative) .. 1 (positive)."""
        return round(self.probabilities[2] - self.probabilities[0], 4)


def quantise(value: float) -> int:
    """A weight in quanta, clipped to what a packed field may hold per feature."""
    return max(-MAX_WEIGHT, min(MAX_WEIGHT, round(value * QUANTUM)))


def pack(negative: int, positive: int, complaint: int) -> int:
    """Three quantised weights as one integer (see above)."""
    return negative + (positive << _BITS) + (complaint << (2 * _BITS))


def unpack(total: int) -> tuple[int, int, int]:
    """The three fields of a packed integer or of a sum of at most CHUNK of them."""
    negative = ((total + _HALF) & _MASK) - _HALF
    total = (total - negative) >> _BITS
    positive = ((total + _HALF) & _MASK) - _HALF
    return negative, positive, (total - positive) >> _BITS


def _encode(arr: array) -> str:
    if sys.byteorder == "big":  # pragma: no cover - stored little-endian
        arr = array(arr.typecode, arr)
        arr.byteswap()
    return base64.b64encode(arr.tobytes()).decode("ascii")


def _decode(text: str, typecode: str) -> array:
    arr = array(typecode)
    arr.frombytes(base64.b64decode(text))
    if sys.byteorder == "big":  # pragma: no cover
        arr.byteswap()
    return arr


def pack_block(weights: dict[str, tuple[float, float, float]]) -> dict[str, str]:
    """One feature block as newline-joined keys and their packed weights (base64 int64).

    Features whose three weights all round to zero are left out. Used by training.
    """
    keys, packed = [], array("q")
    for key in sorted(weights):
        value = pack(*map(quantise, weights[key]))
        if value:
            keys.append(key)
            packed.append(value)
    return {"keys": "\n".join(keys), "packed": _encode(packed)}


def unpack_block(block: dict[str, str]) -> dict[str, int]:
    """feature → packed weights; all C-level work (split, decode, zip)."""
    keys = block["keys"].split("\n") if block["keys"] else []
    packed = _decode(block["packed"], "q")
    if len(keys) != len(packed):
        raise ValueError("corrupt model artefact: keys and weights differ in length")
    return dict(zip(keys, packed.tolist(), strict=True))


_ZERO = repeat(0)  # endless: the default for ``map(dict.get, keys, _ZERO)``
_CACHE_LIMIT = 200_000


class Model:
    """A loaded artefact. ``score(text)`` is deterministic and thread-safe."""

    def __init__(self, artefact: dict[str, Any]):
        layout = (artefact.get("format"), artefact.get("quantum"), artefact.get("heads"))
        if layout != (FORMAT, QUANTUM, list(HEADS)):
            raise ValueError(
                f"not a {FORMAT} artefact with quantum {QUANTUM} and heads {list(HEADS)}: {layout}"
            )
        self.version: str = artefact["version"]
        self.meta: dict[str, Any] = artefact.get("meta", {})
        weights = artefact["weights"]
        # token → its own packed weights: its unigram plus its character n-grams
        self.tokens = unpack_block(weights["token"])
        self.bigrams = unpack_block(weights["bigram"])
        self.chars = unpack_block(weights["char"])
        self.lexicon: dict[str, float] = artefact["lexicon"]
        sent = artefact["sentiment"]
        self.s_bias: tuple[float, float] = (sent["bias"][0], sent["bias"][1])
        # per lexicon feature: (negative, positive) weights
        self.s_lex: list[tuple[float, float]] = [(n, p) for n, p in sent["lexicon"]]
        self._lex_neg = [n for n, _ in self.s_lex]
        self._lex_pos = [p for _, p in self.s_lex]
        comp = artefact["complaint"]
        self.c_bias: float = comp["bias"]
        self.c_lex: list[float] = comp["lexicon"]
        self.c_sent: list[float] = comp["sentiment"]
        # the known tokens and those met since: (negation-marked) token → packed weights
        self._token_cache: dict[str, int] = dict(self.tokens)

    @property
    def features(self) -> int:
        """How many distinct features carry a weight."""
        return len(self.tokens) + len(self.bigrams) + len(self.chars)

    def token_weights(self, token: str) -> int:
        """A token's own packed weights: its unigram and, for a word, its character n-grams
        (those of the unmarked word: "good_NEG" shares the n-grams of "good").

        Known tokens come summed in the artefact; an unknown one has no unigram weight.
        """
        known = self.tokens.get(token)
        if known is not None:
            return known
        neg = pos = comp = 0
        word = token.removesuffix("_NEG")
        if has_char_ngrams(word):
            grams = char_ngrams(word)
            for i in range(0, len(grams), CHUNK):  # a long word has more than CHUNK
                n, p, c = unpack(sum(map(self.chars.get, grams[i : i + CHUNK], _ZERO)))
                neg, pos, comp = neg + n, pos + p, comp + c
        return pack(*(max(-MAX_WEIGHT, min(MAX_WEIGHT, v)) for v in (neg, pos, comp)))

    def _fill(self, feats: list[str]) -> dict[str, int]:
        cache = self._token_cache
        if len(cache) > len(self.tokens) + _CACHE_LIMIT:
            cache = self._token_cache = dict(self.tokens)
        for tok in feats:
            if tok not in cache:
                cache[tok] = self.token_weights(tok)
        return cache

    def sums(self, toks: list[str]) -> tuple[int, int, int]:
        """The three heads' feature sums, in quanta, before scaling."""
        feats = unigrams(toks)
        grams = bigrams(toks)
        cache = self._token_cache
        if len(feats) <= CHUNK:
            try:
                own = sum(map(cache.__getitem__, feats))
            except KeyError:  # a token not seen before
                own = sum(map(self._fill(feats).__getitem__, feats))
            neg, pos, comp = unpack(own)
            if len(grams) <= CHUNK:
                b_neg, b_pos, b_comp = unpack(sum(map(self.bigrams.get, grams, _ZERO)))
                return neg + b_neg, pos + b_pos, comp + b_comp
        neg = pos = comp = 0  # a long text: sum in chunks so no packed field overflows
        cache = self._fill(feats)
        for part, table in ((feats, cache), (grams, self.bigrams)):
            for i in range(0, len(part), CHUNK):
                n, p, c = unpack(sum(map(table.get, part[i : i + CHUNK], _ZERO)))
                neg, pos, comp = neg + n, pos + p, comp + c
        return neg, pos, comp

    def linear(self, toks: list[str]) -> tuple[float, float, float]:
        """Negative and positive logits (relative to neutral) and the text part of complaint."""
        neg, pos, comp = self.sums(toks)
        scale = 1.0 / (QUANTUM * math.sqrt(2 * len(toks) + 1))
        lex = lexicon_features(toks, self.lexicon)
        return (
            neg * scale + self.s_bias[0] + sum(map(mul, lex, self._lex_neg)),
            pos * scale + self.s_bias[1] + sum(map(mul, lex, self._lex_pos)),
            comp * scale + self.c_bias + sum(map(mul, lex, self.c_lex)),
        )

    def score(self, text: str) -> Scores:
        return self.score_tokens(tokens(text))

    def score_tokens(self, toks: list[str]) -> Scores:
        """``score`` for a text already split by ``features.tokens``."""
        neg, pos, complaint = self.linear(toks or ["<empty>"])
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
