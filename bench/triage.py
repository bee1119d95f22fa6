#!/usr/bin/env python
"""Heard's triage models against VADER and TextBlob, side by side, in one table.

    .venv/bin/python bench/triage.py ../shared/data

Two Heard rows: the contextual model (the default, ``heard_triage_model``: a fine-tuned MiniLM,
int8, onnxruntime) and the pure-Python model (the ``local-fast`` backend and the fallback).

- sentiment: trained on the SemEval 2013-2015 sources, tested on the 2016 sources; macro recall
  (the task's official metric) and macro-F1. Heard is retrained here on 2013-2015 only (the
  shipped artefact has seen 2016). VADER and TextBlob map their polarity to three classes with
  a symmetric threshold tuned on the 2013-2015 sources.
- complaint: 10-fold stratified cross-validation, macro-F1. Heard fits its complaint model on 9
  folds (the sentiment inputs come from a model trained on SemEval only, which has no complaint
  data). VADER/TextBlob say "complaint" when polarity < t, t tuned on the 9 training folds.
- The contextual model never saw the 2016 sources, so the shipped model is measured as it is.
  Its complaint figure is the cross-validation ``scripts/train_contextual.py --cv N`` ran for
  its recipe (a fresh fine-tune per fold, each fold's tweets unseen; quicker than the shipped
  run: fewer epochs over a sample of the sentiment tweets), read from its ``card.json``: the
  fine-tunes do not fit in a benchmark run on a laptop's CPU.
- throughput: full ``Triager.triage`` calls for Heard (sentiment, complaint, intents, priority),
  polarity scoring for the others, one process, one thread, on the 2016 tweets; and the
  contextual triage's latency per mention (median, 99th percentile).
- size: what is loaded from disk; import: a fresh interpreter, median of 5; ready: import plus
  the first classification (Heard loads its model lazily then).

Every Heard figure comes from the pure-Python inference code that ships, not from scikit-learn.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "shared"))

import train_triage as T  # noqa: E402

from heard.triage import contextual  # noqa: E402
from heard.triage.model import MODEL_PATH, Model  # noqa: E402

FOLDS = 10
SEED = 0


def macro(y: Sequence[str], p: Sequence[str]) -> tuple[float, float]:
    from sklearn.metrics import f1_score, recall_score

    return recall_score(y, p, average="macro"), f1_score(y, p, average="macro")


def three_way(score: float, t: float) -> str:
    return "positive" if score > t else "negative" if score < -t else "neutral"


def tune_three_way(scores: Sequence[float], y: Sequence[str]) -> float:
    grid = [i / 100 for i in range(0, 61, 2)]
    return max(grid, key=lambda t: (macro(y, [three_way(s, t) for s in scores])[0], -t))


def tune_complaint(scores: Sequence[float], y: Sequence[int]) -> float:
    from sklearn.metrics import f1_score

    grid = sorted(set(round(s, 3) for s in scores))
    step = max(1, len(grid) // 60)
    candidates = [*grid[::step], grid[-1] + 1e-3]
    return max(candidates, key=lambda t: f1_score(y, [int(s < t) for s in scores], average="macro"))


def cv_folds(y: Sequence[int]):
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(list(y), list(y)))


def throughput(fn: Callable[[str], object], warm: Sequence[str], texts: Sequence[str]) -> float:
    """Mentions per second over one pass of ``texts`` (unseen), after ``warm`` has run."""
    for t in warm:
        fn(t)
    start = time.perf_counter()
    for t in texts:
        fn(t)
    return len(texts) / (time.perf_counter() - start)


def fresh_seconds(code: str, runs: int = 5, setup: str = "") -> float:
    """Median seconds ``code`` takes in a fresh interpreter (``setup`` runs first, untimed)."""
    prog = (
        f"{setup}\nimport time; _t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)"
    )
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", prog], capture_output=True, text=True, check=True, cwd=ROOT
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def size_of(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", metavar="DATA_DIR")
    args = parser.parse_args(argv)
    from textblob import TextBlob
    from vaderSentiment import vaderSentiment as vs

    sentiment = T.load_sentiment(args.data_dir)
    complaints = T.load_complaints(args.data_dir)
    lexicon = T.load_lexicon()
    train = [e for e in sentiment if "2016" not in e.source]
    test = [e for e in sentiment if "2016" in e.source]
    y_test = [e.label for e in test]
    only_2016test = [i for i, e in enumerate(test) if e.source == "twitter-2016test"]
    ctx = contextual.load()
    if ctx is None:
        raise SystemExit("the contextual model is not installed: make install")
    CTX = "Heard (contextual)"
    rows: dict[str, dict[str, str]] = {CTX: {}, "Heard": {}, "VADER": {}, "TextBlob": {}}
    notes: list[str] = []

    # -- sentiment -------------------------------------------------------------------------
    print(f"sentiment: {len(train)} train (2013-2015), {len(test)} test (2016)...", file=sys.stderr)
    fs = T.featurise([e.text for e in train], lexicon)
    sfit = T.fit_sentiment(fs, [e.label for e in train])
    heard_sent = Model(T.export(sfit, None, lexicon))
    preds = {
        CTX: [ctx.predict(e.text).sentiment for e in test],
        "Heard": [heard_sent.score(e.text).sentiment for e in test],
    }
    analyzer = vs.SentimentIntensityAnalyzer()
    polarity = {
        "VADER": lambda text: analyzer.polarity_scores(text)["compound"],
        "TextBlob": lambda text: TextBlob(text).sentiment.polarity,
    }
    for name, fn in polarity.items():
        t = tune_three_way([fn(e.text) for e in train], [e.label for e in train])
        preds[name] = [three_way(fn(e.text), t) for e in test]
        notes.append(f"{name} sentiment threshold |polarity| > {t:.2f} (tuned on 2013-2015)")
    for name, p in preds.items():
        r, f = macro(y_test, p)
        r16, _ = macro([y_test[i] for i in only_2016test], [p[i] for i in only_2016test])
        rows[name]["sent_recall"] = f"{r:.3f}"
        rows[name]["sent_f1"] = f"{f:.3f}"
        rows[name]["sent_recall_16test"] = f"{r16:.3f}"

    # -- complaint -------------------------------------------------------------------------
    print(f"complaint: {len(complaints)} tweets, {FOLDS}-fold CV...", file=sys.stderr)
    full = T.featurise([e.text for e in sentiment], lexicon)
    sfit_all = T.fit_sentiment(full, [e.label for e in sentiment])
    sentiment_all = Model(T.export(sfit_all, None, lexicon))
    del full
    texts = [e.text for e in complaints]
    y = [int(e.label) for e in complaints]
    probs = T.sentiment_probabilities(sentiment_all, texts)
    fc = T.featurise(texts, lexicon)
    folds = cv_folds(y)
    pred_c = {name: [0] * len(y) for name in rows if name != CTX}
    pol = {name: [fn(t) for t in texts] for name, fn in polarity.items()}
    for tr, te in folds:
        cfit = T.fit_complaint(T.subset(fc, tr), [str(y[i]) for i in tr], [probs[i] for i in tr])
        m = Model(T.export(sfit_all, cfit, lexicon))
        for i in te:
            pred_c["Heard"][i] = int(m.score(texts[i]).complaint_probability >= 0.5)
        for name in polarity:
            t = tune_complaint([pol[name][i] for i in tr], [y[i] for i in tr])
            for i in te:
                pred_c[name][i] = int(pol[name][i] < t)
    from sklearn.metrics import f1_score

    for name, p in pred_c.items():
        rows[name]["complaint_f1"] = f"{f1_score(y, p, average='macro'):.3f}"
    cv = ctx.card["figures"].get("complaint_cv") or {}
    if cv.get("macro_f1_pooled") is not None:
        rows[CTX]["complaint_f1"] = f"{cv['macro_f1_pooled']:.3f}*"
        notes.append(
            f"* contextual complaint: {cv['folds']} of {cv['of']} folds, fresh fine-tunes of "
            f"{cv['epochs']} epochs over {cv['sentiment_sample']:,} of the sentiment tweets, "
            f"pooled macro-F1 (fold mean {cv['macro_f1_mean']:.3f}), "
            f"recorded in heard_triage_model/card.json by scripts/train_contextual.py --cv"
            + (f" ({cv['measured_on']})" if cv.get("measured_on") else "")
        )

    # -- speed and size --------------------------------------------------------------------
    print("throughput, size, import time...", file=sys.stderr)
    from heard.triage import FastTriager, Triager

    triager = FastTriager()
    bench_texts = [e.text for e in test]
    warm = [e.text for e in train[:2000]]
    full = Triager()
    rates = {
        CTX: throughput(full.triage, warm, bench_texts),
        "Heard": throughput(triager.triage, warm, bench_texts),
        "VADER": throughput(analyzer.polarity_scores, warm, bench_texts),
        "TextBlob": throughput(lambda s: TextBlob(s).sentiment, warm, bench_texts),
    }
    for name, rate in rates.items():
        rows[name]["rate"] = f"{rate:,.0f}"
    model_only = throughput(triager.model.score, warm, bench_texts)
    notes.append(
        f"Heard pure-Python model alone (sentiment + complaint, no intents/language/priority): "
        f"{model_only:,.0f} mentions/s; the contextual model alone: "
        f"{throughput(ctx.predict, warm[:500], bench_texts):,.0f} mentions/s"
    )
    took = []
    for text in bench_texts[:5000]:
        t0 = time.perf_counter()
        full.triage(text)
        took.append(time.perf_counter() - t0)
    took.sort()
    notes.append(
        f"contextual triage latency per mention: median {took[len(took) // 2] * 1000:.2f} ms, "
        f"99th percentile {took[int(len(took) * 0.99)] * 1000:.2f} ms (one thread)"
    )
    notes.append(
        f"throughput: one pass over the {len(bench_texts)} 2016 tweets after 2,000 warm-up calls; "
        "Heard's figure is the whole triage (sentiment, complaint, intents, language, priority)"
    )
    vader_dir = Path(vs.__file__).parent
    import textblob

    tb_lexicon = Path(textblob.__file__).parent / "en" / "en-sentiment.xml"
    model_dir = contextual.model_dir()
    assert model_dir is not None
    sizes = {
        CTX: size_of(model_dir / "model.onnx", model_dir / "tokenizer.json"),
        "Heard": size_of(MODEL_PATH),
        "VADER": size_of(vader_dir / "vader_lexicon.txt", vader_dir / "emoji_utf8_lexicon.txt"),
        "TextBlob": size_of(tb_lexicon) if tb_lexicon.exists() else 0,
    }
    for name, n in sizes.items():
        rows[name]["size"] = f"{n / 1e6:.2f} MB"
    imports = {
        CTX: ("import heard.triage", "heard.triage.get_triager().triage('hello @acme')"),
        "Heard": (
            "import heard.triage",
            "heard.triage.get_triager('local-fast').triage('hello @acme')",
        ),
        "VADER": (
            "from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer",
            "SentimentIntensityAnalyzer().polarity_scores('hello')",
        ),
        "TextBlob": ("from textblob import TextBlob", "TextBlob('hello').sentiment"),
    }
    for name, (imp, first) in imports.items():
        rows[name]["import"] = f"{fresh_seconds(imp) * 1000:.0f} ms"
        rows[name]["ready"] = f"{fresh_seconds(imp + chr(10) + first) * 1000:.0f} ms"
    # Every Heard function imports pydantic and the config/models anyway; what triage adds:
    own = fresh_seconds("import heard.triage", setup="import heard.config, heard.models")
    rows["Heard"]["import"] += f" ({own * 1000:.0f} ms own)"
    rows[CTX]["import"] += f" ({own * 1000:.0f} ms own)"
    notes.append(
        "Heard import: `import heard.triage` in a fresh interpreter; in brackets, what it adds "
        "once heard.config/heard.models (pydantic, PyYAML) are loaded, as in every handler"
    )

    # -- the table -------------------------------------------------------------------------
    cols = [
        ("sent_recall", "sentiment macro-recall (2016)"),
        ("sent_f1", "sentiment macro-F1 (2016)"),
        ("sent_recall_16test", "macro-recall (2016test only)"),
        ("complaint_f1", f"complaint macro-F1 ({FOLDS}-fold CV)"),
        ("rate", "mentions/s"),
        ("size", "size on disk"),
        ("import", "import"),
        ("ready", "import + first call"),
    ]
    header = "| model | " + " | ".join(c[1] for c in cols) + " |"
    print(header)
    print("|" + "---|" * (len(cols) + 1))
    for name, r in rows.items():
        print(f"| {name} | " + " | ".join(r.get(k, "-") for k, _ in cols) + " |")
    print()
    for note in notes:
        print(f"- {note}")
    print(
        f"- Heard complaint threshold p >= 0.5; artefacts {MODEL_PATH.name} ({heard_sent.version})"
        f" and heard_triage_model/model.onnx ({ctx.version}, int8); size on disk is the model "
        "and its tokenizer (onnxruntime and numpy are packages beside them)"
    )
    print(
        "- targets (contextual): sentiment macro-recall >= 0.68, complaint macro-F1 >= 0.86, "
        ">= 300 mentions/s through the whole triage on one core, <= 10 ms, <= 40 MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
