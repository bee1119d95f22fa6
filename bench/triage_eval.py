#!/usr/bin/env python
"""Triage on Heard's own evaluation set: realistic mentions it was never trained on.

    .venv/bin/python bench/triage_eval.py            # every model that is installed
    .venv/bin/python bench/triage_eval.py --kinds    # and the share fully right per kind

The set is ``bench/data/triage_eval/*.jsonl`` (tweets, comments, app reviews, feedback forms
and posts across retail, food, an airline, a bank, a telecom and software), each mention with
its sentiment, complaint, intents and the priority a care lead would give it, and the kinds of
difficulty it holds (sarcasm, negation, hard negatives, described hazards, …). Its brands and
their crisis words are ``bench/data/triage_eval_brands.yaml``. It is kept apart from every
training script: nothing under ``scripts/`` reads it.

For each model it prints precision and recall per label (each sentiment class, complaint, each
intent, each priority), and the share of mentions whose labels are all right: sentiment,
complaint, the exact set of intents and the priority. VADER has no intents or priority: it is
scored on sentiment and complaint (compound below -0.05) only.

Last, for the ``cascade`` backend: how many mentions it would send to Bedrock, how many of
those the local model would alert on wrongly, and the cost per 1,000 mentions (``--price-in``,
``--price-out``: the Bedrock model's price per million tokens).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "shared"))

from heard.config import HeardConfig, load_config_file  # noqa: E402

DATA = ROOT / "bench" / "data"
SET_DIR = DATA / "triage_eval"
BRANDS = DATA / "triage_eval_brands.yaml"
SENTIMENTS = ("positive", "neutral", "negative")
PRIORITIES = ("low", "normal", "high", "critical")
INTENTS = (
    "cancel",
    "legal",
    "safety",
    "outage",
    "billing",
    "delivery",
    "account",
    "privacy",
    "question",
    "praise",
    "purchase",
    "crisis",
    "public",
)


@dataclass(frozen=True)
class Labels:
    sentiment: str
    complaint: bool
    intents: frozenset[str] | None  # None: the model does not say
    priority: str | None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Labels:
        return cls(
            data["sentiment"],
            bool(data["complaint"]),
            frozenset(data["intents"]),
            data["priority"],
        )


@dataclass(frozen=True)
class Item:
    id: str
    brand: str
    platform: str
    domain: str
    text: str
    followers: int
    labels: Labels
    kinds: tuple[str, ...]


def load_set(folder: Path = SET_DIR) -> list[Item]:
    items: list[Item] = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            items.append(
                Item(
                    d["id"],
                    d["brand"],
                    d["platform"],
                    d["domain"],
                    d["text"],
                    int(d["followers"]),
                    Labels.of(d["labels"]),
                    tuple(d["kinds"]),
                )
            )
    return items


def load_brands() -> HeardConfig:
    return load_config_file(BRANDS)


Predictor = Callable[[Item], Labels]


def heard(backend: str) -> Callable[[HeardConfig], Predictor]:
    def make(config: HeardConfig) -> Predictor:
        return _heard(config, backend)

    return make


def _heard(config: HeardConfig, backend: str) -> Predictor:
    from heard.triage import get_triager

    triager = get_triager(backend)
    if backend == "local" and triager.contextual is None:
        raise SystemExit("the contextual model is not installed: make install")

    def predict(item: Item) -> Labels:
        t = triager.triage(item.text, followers=item.followers, brand=config.brand(item.brand))
        return Labels(
            t.sentiment.value,
            t.complaint,
            frozenset(i.value for i in t.intents),
            t.priority.value,
        )

    return predict


def vader(_: HeardConfig) -> Predictor:
    from vaderSentiment import vaderSentiment as vs

    analyzer = vs.SentimentIntensityAnalyzer()

    def predict(item: Item) -> Labels:
        score = analyzer.polarity_scores(item.text)["compound"]
        label = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
        return Labels(label, score <= -0.05, None, None)

    return predict


MODELS: dict[str, Callable[[HeardConfig], Predictor]] = {
    "Heard (contextual)": heard("local"),
    "Heard (pure Python)": heard("local-fast"),
    "VADER": vader,
}


def precision_recall(truth: list[bool], guess: list[bool]) -> tuple[float | None, float | None]:
    tp = sum(t and g for t, g in zip(truth, guess, strict=True))
    predicted, actual = sum(guess), sum(truth)
    return (tp / predicted if predicted else None), (tp / actual if actual else None)


def fully_right(item: Item, guess: Labels) -> bool:
    want = item.labels
    return (
        guess.sentiment == want.sentiment
        and guess.complaint == want.complaint
        and guess.intents == want.intents
        and guess.priority == want.priority
    )


def _fmt(value: float | None) -> str:
    return "  —  " if value is None else f"{value:5.2f}"


def report(items: list[Item], predictions: dict[str, list[Labels]], kinds: bool) -> None:
    names = list(predictions)
    width = 20
    print(
        f"{len(items)} mentions, {len({i.brand for i in items})} brands, "
        f"{len({i.platform for i in items})} platforms (bench/data/triage_eval)"
    )
    print()
    print("label".ljust(width) + "".join(f"{n:>24}" for n in names))
    print(" " * width + "".join(f"{'P':>12}{'R':>12}" for _ in names))

    def row(label: str, truth: list[bool], pick: Callable[[Labels], bool | None]) -> None:
        cells = ""
        for name in names:
            guesses = [pick(g) for g in predictions[name]]
            if any(g is None for g in guesses):
                cells += f"{'—':>12}{'—':>12}"
                continue
            p, r = precision_recall(truth, [bool(g) for g in guesses])
            cells += f"{_fmt(p):>12}{_fmt(r):>12}"
        print(f"{label:<{width}}{cells}   (n={sum(truth)})")

    for s in SENTIMENTS:
        row(
            f"sentiment {s}"[:width],
            [i.labels.sentiment == s for i in items],
            lambda g, s=s: g.sentiment == s,
        )
    row("complaint", [i.labels.complaint for i in items], lambda g: g.complaint)
    for intent in INTENTS:
        assert all(i.labels.intents is not None for i in items)
        row(
            f"intent {intent}",
            [intent in (i.labels.intents or ()) for i in items],
            lambda g, x=intent: None if g.intents is None else x in g.intents,
        )
    for level in PRIORITIES:
        row(
            f"priority {level}",
            [i.labels.priority == level for i in items],
            lambda g, x=level: None if g.priority is None else g.priority == x,
        )
    print()
    both = {
        n: sum(
            g.sentiment == i.labels.sentiment and g.complaint == i.labels.complaint
            for i, g in zip(items, predictions[n], strict=True)
        )
        / len(items)
        for n in names
    }
    full = {
        n: None
        if any(g.intents is None for g in predictions[n])
        else sum(fully_right(i, g) for i, g in zip(items, predictions[n], strict=True)) / len(items)
        for n in names
    }
    print("sentiment+complaint right".ljust(28) + "".join(f"{both[n]:>24.1%}" for n in names))
    print(
        "all labels right".ljust(28)
        + "".join(f"{'—':>24}" if full[n] is None else f"{full[n]:>24.1%}" for n in names)
    )
    if kinds:
        print()
        print("all labels right, by kind".ljust(28) + "".join(f"{n:>24}" for n in names))
        by_kind: dict[str, list[int]] = defaultdict(list)
        for index, item in enumerate(items):
            for kind in item.kinds:
                by_kind[kind].append(index)
        for kind, indexes in sorted(by_kind.items()):
            cells = ""
            for n in names:
                guesses = predictions[n]
                if any(guesses[i].intents is None for i in indexes):
                    cells += f"{'—':>24}"
                    continue
                share = sum(fully_right(items[i], guesses[i]) for i in indexes) / len(indexes)
                cells += f"{share:>24.1%}"
            print(f"  {kind:<26}{cells}   (n={len(indexes)})")


def cascade_report(
    items: list[Item], config: HeardConfig, price_in: float, price_out: float
) -> None:
    """Which mentions the ``cascade`` backend would send to Bedrock, whether they are the ones
    whose alert the local model gets wrong, and what that costs per 1,000 mentions."""
    from heard.triage import Reach, Triager
    from heard.triage.backends import build_prompt
    from heard.triage.doubt import doubt

    triager = Triager()
    if triager.contextual is None:
        print("\n(cascade: the contextual model is not installed, skipped)")
        return
    rank = {p: n for n, p in enumerate(PRIORITIES)}
    asked = asked_wrong = wrong = 0
    tokens_in = 0
    for item in items:
        brand = config.brand(item.brand)
        reach = Reach(item.followers)
        reading = triager._read(item.text, None, brand)
        local = triager._settle(reading, reach, brand)
        bar = brand.routing.alert_min_priority.rank if brand else rank["high"]

        def level(priority: str, bar: int = bar) -> int:  # stored, alerted, paged
            return 0 if rank[priority] < bar else 2 if priority == "critical" else 1

        alert_wrong = level(local.priority.value) != level(item.labels.priority or "low")
        wrong += alert_wrong
        if doubt(reading, reach, brand) is not None:
            asked += 1
            asked_wrong += alert_wrong
            tokens_in += len(build_prompt(item.text, brand.name if brand else None)) // 4
    n = len(items)
    print()
    print("cascade (HEARD_TRIAGE_BACKEND=cascade: Bedrock only where the local model is unsure")
    print("whether a mention alerts, or pages as critical)")
    print(f"  sent to Bedrock              {asked} of {n} ({asked / n:.1%})")
    print(f"  alerted or paged wrongly     {wrong} of {n} locally; {asked_wrong} of them sent")
    print(
        f"  alert decisions right        {(n - wrong) / n:.1%} local; at most "
        f"{(n - wrong + asked_wrong) / n:.1%} if Bedrock answers those sent right"
    )
    if asked:
        per_in = tokens_in / asked
        cost = asked / n * 1000 * (per_in * price_in + ANSWER_TOKENS * price_out) / 1e6
        print(
            f"  per mention sent             ~{per_in:.0f} input tokens (characters / 4), "
            f"~{ANSWER_TOKENS} output"
        )
        print(
            f"  cost per 1,000 mentions      ${cost:.4f} at ${price_in:g} / ${price_out:g} per "
            "million input / output tokens"
        )


# The JSON answer asked for: about 120 characters, ~30 tokens; 40 leaves room for more intents.
ANSWER_TOKENS = 40


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kinds", action="store_true", help="the share right per kind too")
    parser.add_argument(
        "--price-in",
        type=float,
        default=0.25,
        help="Bedrock model's on-demand price per million input tokens (default 0.25 USD: "
        "Claude 3 Haiku, the template's default BedrockModelId)",
    )
    parser.add_argument(
        "--price-out",
        type=float,
        default=1.25,
        help="its price per million output tokens (default 1.25 USD: Claude 3 Haiku)",
    )
    args = parser.parse_args()
    items = load_set()
    config = load_brands()
    predictions: dict[str, list[Labels]] = {}
    for name, make in MODELS.items():
        try:
            predict = make(config)
        except ImportError as exc:
            print(f"({name}: not installed, skipped: {exc})")
            continue
        predictions[name] = [predict(item) for item in items]
    counts = Counter(k for i in items for k in i.kinds)
    print(f"kinds: {', '.join(f'{k} {n}' for k, n in sorted(counts.items()))}")
    report(items, predictions, args.kinds)
    cascade_report(items, config, args.price_in, args.price_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
