#!/usr/bin/env python
"""Train Heard's triage model and write the artefact the package ships.

    .venv/bin/python scripts/train_triage.py ../shared/data [--out PATH]

DATA_DIR holds ``sentiment/semeval-2013-2016.tsv`` and ``complaints/complaints-dev.csv`` (see
its README). Needs the ``train`` extra (scikit-learn, numpy, vaderSentiment); the artefact it
writes is read by ``heard.triage.model`` in pure Python.

The recipe: tweet normalisation and word 1-2-grams (negation-marked) + character 3-5-grams
(``heard.triage.features``), both scaled by 1/sqrt(2 * tokens + 1) and the character block by
CHAR_SCALE (so a tweet's features are a sum over its tokens, which inference caches), plus
VADER-lexicon valence features; multinomial logistic regression for sentiment; for complaint,
logistic regression on the same kinds of features plus the sentiment model's probabilities.
Weights are quantised and packed (``heard.triage.model``) and near-zero ones dropped.
``bench/triage.py`` reuses these functions for its measurements.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "shared"))

from heard.triage.features import (  # noqa: E402
    LEXICON_FEATURES,
    char_ngrams,
    char_words,
    has_char_ngrams,
    lexicon_features,
    tokens,
    word_features,
)
from heard.triage.model import (  # noqa: E402
    FORMAT,
    HEADS,
    MODEL_PATH,
    QUANTUM,
    SENTIMENTS,
    Model,
    pack_block,
)

VERSION = "v2"
CHAR_SCALE = 0.25  # character n-grams count a quarter of a word feature (about 1/sqrt(15))
SENTIMENT_C = 1.0
COMPLAINT_C = 4.0
MIN_DF = 2
# Features whose weights barely matter are dropped: sentiment when the spread of its three
# weights is under PRUNE (0.1 loses nothing measurable on 2016 and drops ~40% of features),
# complaint when its weight is under COMPLAINT_PRUNE.
PRUNE = 0.1
COMPLAINT_PRUNE = 0.02

csv.field_size_limit(1 << 24)


class DataError(SystemExit):
    """The data folder is missing or malformed: exit with a sentence, not a stack trace."""

    def __init__(self, message: str):
        super().__init__(f"error: {message}")


@dataclass
class Example:
    text: str
    label: str  # sentiment label or "1"/"0" for complaint
    source: str


def _read(path: Path, delimiter: str) -> list[dict[str, str]]:
    if not path.is_file():
        raise DataError(f"{path} not found (expected inside the data folder; see its README)")
    with path.open(encoding="utf-8", newline="") as fh:
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
        return list(csv.DictReader(fh, delimiter=delimiter, quoting=quoting))


def check_data_dir(data_dir: str | Path) -> Path:
    path = Path(data_dir)
    if not path.is_dir():
        raise DataError(
            f"data folder {str(path)!r} does not exist; pass the folder that holds "
            "sentiment/semeval-2013-2016.tsv and complaints/complaints-dev.csv"
        )
    return path


def load_sentiment(data_dir: str | Path) -> list[Example]:
    rows = _read(check_data_dir(data_dir) / "sentiment" / "semeval-2013-2016.tsv", "\t")
    out = [
        Example(r["text"], r["label"], r["source"]) for r in rows if r.get("label") in SENTIMENTS
    ]
    if not out:
        raise DataError("sentiment file has no labelled rows")
    return out


def load_complaints(data_dir: str | Path) -> list[Example]:
    rows = _read(check_data_dir(data_dir) / "complaints" / "complaints-dev.csv", ",")
    out = [
        Example(r["text"], r["complaint"], r["domain"]) for r in rows if r.get("complaint") in "01"
    ]
    if not out:
        raise DataError("complaints file has no labelled rows")
    return out


def load_lexicon() -> dict[str, float]:
    """The VADER lexicon (MIT licence), words only, as shipped inside the artefact."""
    import vaderSentiment

    path = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    lexicon: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0][:1].isalpha():
            lexicon[parts[0]] = float(parts[1])
    lexicon.update(EMOPOS=2.0, EMONEG=-2.0)
    return lexicon


# ---------------------------------------------------------------------------------------------
# Features → sparse matrices
# ---------------------------------------------------------------------------------------------


@dataclass
class Featurised:
    words: list[list[str]]
    chars: list[list[str]]
    lex: list[tuple[float, ...]]


def featurise(texts: Sequence[str], lexicon: dict[str, float]) -> Featurised:
    words, chars, lex = [], [], []
    for text in texts:
        toks = tokens(text) or ["<empty>"]
        words.append(word_features(toks))
        chars.append([g for w in char_words(toks) for g in char_ngrams(w)])
        lex.append(lexicon_features(toks, lexicon))
    return Featurised(words, chars, lex)


def subset(f: Featurised, idx: Sequence[int]) -> Featurised:
    return Featurised([f.words[i] for i in idx], [f.chars[i] for i in idx], [f.lex[i] for i in idx])


@dataclass
class Vocab:
    words: dict[str, int]
    chars: dict[str, int]

    @property
    def size(self) -> int:
        return len(self.words) + len(self.chars)


def build_vocab(f: Featurised, min_df: int = MIN_DF) -> Vocab:
    wdf: Counter[str] = Counter()
    cdf: Counter[str] = Counter()
    for w in f.words:
        wdf.update(set(w))
    for c in f.chars:
        cdf.update(set(c))
    words = {k: i for i, k in enumerate(sorted(k for k, n in wdf.items() if n >= min_df))}
    off = len(words)
    chars = {k: off + i for i, k in enumerate(sorted(k for k, n in cdf.items() if n >= min_df))}
    return Vocab(words, chars)


def to_matrix(f: Featurised, vocab: Vocab, extra: Sequence[Sequence[float]] | None = None):
    """Rows of [word block, char block, lexicon features, extra dense columns].

    Both blocks are scaled by 1/sqrt(number of word features) = 1/sqrt(2 * tokens + 1), the
    character block by CHAR_SCALE on top, exactly as ``Model.linear`` scales its sums.
    """
    import scipy.sparse as sp

    n_lex = len(LEXICON_FEATURES)
    n_extra = len(extra[0]) if extra else 0
    data: list[float] = []
    ind: list[int] = []
    ptr = [0]
    base = vocab.size
    for r, (w, c, lx) in enumerate(zip(f.words, f.chars, f.lex, strict=True)):
        sw = 1.0 / math.sqrt(len(w))
        sc = sw * CHAR_SCALE
        for k, n in Counter(w).items():
            j = vocab.words.get(k)
            if j is not None:
                ind.append(j)
                data.append(n * sw)
        if c:
            for k, n in Counter(c).items():
                j = vocab.chars.get(k)
                if j is not None:
                    ind.append(j)
                    data.append(n * sc)
        dense = list(lx) + (list(extra[r]) if extra else [])
        for k, v in enumerate(dense):
            if v:
                ind.append(base + k)
                data.append(v)
        ptr.append(len(ind))
    return sp.csr_matrix((data, ind, ptr), shape=(len(f.words), base + n_lex + n_extra))


# ---------------------------------------------------------------------------------------------
# Fitting
# ---------------------------------------------------------------------------------------------


@dataclass
class SentimentFit:
    vocab: Vocab
    coef: Any  # (3, n) array, classes in SENTIMENTS order
    bias: list[float]


@dataclass
class ComplaintFit:
    vocab: Vocab
    coef: Any  # (n,) array
    bias: float


def fit_sentiment(f: Featurised, labels: Sequence[str], c: float = SENTIMENT_C) -> SentimentFit:
    from sklearn.linear_model import LogisticRegression

    vocab = build_vocab(f)
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    clf.fit(to_matrix(f, vocab), list(labels))
    assert tuple(clf.classes_) == SENTIMENTS, clf.classes_
    return SentimentFit(vocab, clf.coef_, [float(x) for x in clf.intercept_])


def sentiment_probabilities(model: Model, texts: Sequence[str]) -> list[tuple[float, ...]]:
    return [model.score(t).probabilities for t in texts]


def fit_complaint(
    f: Featurised, labels: Sequence[str], probs: Sequence[Sequence[float]], c: float = COMPLAINT_C
) -> ComplaintFit:
    from sklearn.linear_model import LogisticRegression

    vocab = build_vocab(f)
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    clf.fit(to_matrix(f, vocab, probs), [int(x) for x in labels])
    return ComplaintFit(vocab, clf.coef_[0], float(clf.intercept_[0]))


def export(
    sentiment: SentimentFit,
    complaint: ComplaintFit | None,
    lexicon: dict[str, float],
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The artefact as a JSON-able dict: packed sparse tables, near-zero weights dropped.

    Sentiment logits are stored relative to neutral (softmax only sees differences); the
    character weights are stored multiplied by CHAR_SCALE, as inference adds them.
    """
    blocks: dict[str, dict[str, list[float]]] = {"word": {}, "char": {}}
    scales = {"word": 1.0, "char": CHAR_SCALE}

    def put(block: str, key: str, head: int, value: float) -> None:
        row = blocks[block].setdefault(key, [0.0, 0.0, 0.0])
        row[head] = float(value) * scales[block]

    s = sentiment.coef
    for block, vocab_map in (("word", sentiment.vocab.words), ("char", sentiment.vocab.chars)):
        for key, j in vocab_map.items():
            neg, neu, pos = (float(s[k, j]) for k in range(3))
            if max(neg, neu, pos) - min(neg, neu, pos) >= PRUNE:
                put(block, key, 0, neg - neu)
                put(block, key, 1, pos - neu)
    n_lex = len(LEXICON_FEATURES)
    base = sentiment.vocab.size
    s_lex = [
        [float(s[0, base + i] - s[1, base + i]), float(s[2, base + i] - s[1, base + i])]
        for i in range(n_lex)
    ]
    bias = sentiment.bias
    c_bias, c_lex, c_sent = 0.0, [0.0] * n_lex, [0.0, 0.0, 0.0]
    if complaint is not None:
        c = complaint.coef
        for block, vocab_map in (("word", complaint.vocab.words), ("char", complaint.vocab.chars)):
            for key, j in vocab_map.items():
                if abs(c[j]) >= COMPLAINT_PRUNE:
                    put(block, key, 2, c[j])
        base = complaint.vocab.size
        c_lex = [float(c[base + i]) for i in range(n_lex)]
        c_sent = [float(c[base + n_lex + i]) for i in range(3)]
        c_bias = complaint.bias
    return {
        "format": FORMAT,
        "version": VERSION,
        "quantum": QUANTUM,
        "heads": list(HEADS),
        "meta": meta or {},
        "sentiment": {
            "classes": list(SENTIMENTS),
            "bias": [bias[0] - bias[1], bias[2] - bias[1]],
            "lexicon": s_lex,
        },
        "complaint": {"bias": c_bias, "lexicon": c_lex, "sentiment": c_sent},
        "lexicon": lexicon,
        "weights": {
            "token": pack_block(token_table(blocks, sentiment, complaint)),
            "bigram": pack_block({k: v for k, v in blocks["word"].items() if " " in k}),
            "char": pack_block(blocks["char"]),
        },
    }


def token_table(
    blocks: dict[str, dict[str, list[float]]],
    sentiment: SentimentFit,
    complaint: ComplaintFit | None,
) -> dict[str, list[float]]:
    """Every known token's own weights: its unigram plus its word's character n-grams.

    What ``Model.token_weights`` would add up for it, summed here once so that inference
    looks a known token up instead. Unknown tokens are still summed at run time.
    """
    words, chars = blocks["word"], blocks["char"]
    known = {k for k in sentiment.vocab.words if " " not in k}
    if complaint is not None:
        known.update(k for k in complaint.vocab.words if " " not in k)
    table: dict[str, list[float]] = {}
    zero = [0.0, 0.0, 0.0]
    for tok in known:
        row = list(words.get(tok, zero))
        word = tok.removesuffix("_NEG")
        if has_char_ngrams(word):
            for gram in char_ngrams(word):
                for head, value in enumerate(chars.get(gram, zero)):
                    row[head] += value
        table[tok] = row
    return table


def feature_count(artefact: dict[str, Any]) -> int:
    return sum(len(block["keys"].split("\n")) for block in artefact["weights"].values())


def train_all(
    sentiment: Sequence[Example],
    complaints: Sequence[Example],
    lexicon: dict[str, float],
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Sentiment on ``sentiment``, then complaint on ``complaints`` using its probabilities."""
    fs = featurise([e.text for e in sentiment], lexicon)
    sfit = fit_sentiment(fs, [e.label for e in sentiment])
    sent_only = Model(export(sfit, None, lexicon))
    texts = [e.text for e in complaints]
    fc = featurise(texts, lexicon)
    cfit = fit_complaint(
        fc, [e.label for e in complaints], sentiment_probabilities(sent_only, texts)
    )
    return export(sfit, cfit, lexicon, meta)


def write(artefact: dict[str, Any], out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(artefact, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if out.suffix == ".gz":
        # mtime=0 keeps the file byte-identical for identical weights.
        with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
            fh.write(payload.encode("utf-8"))
    else:
        out.write_text(payload, encoding="utf-8")
    return out.stat().st_size


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "data_dir", metavar="DATA_DIR", help="folder with sentiment/ and complaints/"
    )
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help=f"default: {MODEL_PATH}")
    args = parser.parse_args(argv)
    sentiment = load_sentiment(args.data_dir)
    complaints = load_complaints(args.data_dir)
    lexicon = load_lexicon()
    meta = {
        "trained_on": {
            "sentiment": f"SemEval 2013-2016 task 4A, {len(sentiment)} tweets",
            "complaint": f"complaints (Preotiuc-Pietro et al. 2019), {len(complaints)} tweets",
        },
        "lexicon": "VADER lexicon (Hutto and Gilbert 2014, MIT licence)",
        "sentiment_c": SENTIMENT_C,
        "complaint_c": COMPLAINT_C,
        "prune": [PRUNE, COMPLAINT_PRUNE],
        "char_scale": CHAR_SCALE,
    }
    print(f"training on {len(sentiment)} sentiment and {len(complaints)} complaint examples...")
    artefact = train_all(sentiment, complaints, lexicon, meta)
    size = write(artefact, args.out)
    n = feature_count(artefact)
    print(f"wrote {args.out} ({size / 1e6:.2f} MB, {n} features, version {VERSION})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
