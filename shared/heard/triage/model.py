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
from itertools import compress, repeat
from operator import mul
from pathlib import Path
from typing import Any, NamedTuple

from heard.triage.features import (
    _MARKERS,
    bigrams,
    char_ngrams,
    lexicon_features,
    tokens,
    unigrams,
)

MODEL_PATH = Path(__file__).parent / "data" / "model-v1.json.gz"
SENTIMENTS = ("negative", "neutral", "positive")


class Scores(NamedTuple):
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


_ZERO = repeat(0.0)  # endless: the default for ``map(dict.get, keys, _ZERO)``
_ZERO_J = repeat(0j)
_CACHE_LIMIT = 200_000


def _tables(packed: dict[str, str]) -> tuple[dict[str, complex], dict[str, float]]:
    """feature → complex(negative, positive) and feature → complaint (non-zero ones only).

    Two sentiment logits in one complex number let ``sum(map(table.get, features))`` add
    both in C, with no Python-level loop per feature; building the tables is all C too.
    """
    keys = packed["keys"].split("\n") if packed["keys"] else []
    neg, pos, comp = (_decode(packed[h]) for h in HEADS)
    if not len(keys) == len(neg) == len(pos) == len(comp):
        raise ValueError("corrupt model artefact: keys and weights differ in length")
    return dict(zip(keys, map(complex, neg, pos), strict=True)), dict(
        compress(zip(keys, comp, strict=True), comp)
    )


class Model:
    """A loaded artefact. ``score(text)`` is deterministic and thread-safe."""

    def __init__(self, artefact: dict[str, Any]):
        self.version: str = artefact["version"]
        self.meta: dict[str, Any] = artefact.get("meta", {})
        self._word_s, self._word_c = _tables(artefact["weights"]["word"])
        self._char_s, self._char_c = _tables(artefact["weights"]["char"])
        self.words = self._word_s  # every word feature is a key here
        self.chars = self._char_s
        self.lexicon: dict[str, float] = artefact["lexicon"]
        sent = artefact["sentiment"]
        self.s_bias: tuple[float, float] = tuple(sent["bias"])  # type: ignore[assignment]
        # per lexicon feature: (negative, positive) weights
        self.s_lex = [tuple(row) for row in sent["lexicon"]]
        self._lex_s = [complex(n, p) for n, p in self.s_lex]
        comp = artefact["complaint"]
        self.c_bias: float = comp["bias"]
        self.c_lex: list[float] = comp["lexicon"]
        self.c_sent: list[float] = comp["sentiment"]
        self._bias_s = complex(*self.s_bias)
        # token → its char n-grams' summed sentiment weights (complex) and token → their
        # summed complaint weights + 1j * their count: two dicts, swapped together (one
        # attribute) when they grow too big.
        self._token_cache: tuple[dict[str, complex], dict[str, complex]] = ({}, {})

    @property
    def features(self) -> int:
        """How many distinct features carry a weight."""
        return len(self.words) + len(self.chars)

    # -- the feature sums ------------------------------------------------------------------

    def _cache_tokens(self, toks: list[str]) -> tuple[dict[str, complex], dict[str, complex]]:
        """Fill the per-token char n-gram sums for the tokens not seen before."""
        cache = self._token_cache
        if len(cache[0]) > _CACHE_LIMIT:
            cache = self._token_cache = ({}, {})
        sents, comps = cache
        sget, cget = self._char_s.get, self._char_c.get
        for tok in toks:
            if tok in sents:
                continue
            if tok[0].isalpha() and tok not in _MARKERS:
                grams = char_ngrams(tok)
                comps[tok] = complex(sum(map(cget, grams, _ZERO)), len(grams))
                sents[tok] = sum(map(sget, grams, _ZERO_J))
            else:
                comps[tok] = 0j
                sents[tok] = 0j
        return cache

    def linear(self, toks: list[str]) -> tuple[float, float, float]:
        """Negative and positive logits (relative to neutral) and the text part of complaint."""
        feats = unigrams(toks) + bigrams(toks)
        ws = 1.0 / math.sqrt(len(feats))
        s = sum(map(self._word_s.get, feats, _ZERO_J)) * ws + self._bias_s
        c = sum(map(self._word_c.get, feats, _ZERO)) * ws + self.c_bias
        sents, comps = self._token_cache
        try:
            cn = sum(map(comps.__getitem__, toks))
        except KeyError:  # a token not seen before
            sents, comps = self._cache_tokens(toks)
            cn = sum(map(comps.__getitem__, toks))
        if cn.imag:
            scale = 1.0 / math.sqrt(cn.imag)
            s += sum(map(sents.__getitem__, toks)) * scale
            c += cn.real * scale
        lex = lexicon_features(toks, self.lexicon)
        s += sum(map(mul, lex, self._lex_s))
        c += sum(map(mul, lex, self.c_lex))
        return s.real, s.imag, c

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
