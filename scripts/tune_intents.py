#!/usr/bin/env python
"""How often the contextual model is right when it adds an intent, or keeps a rule's word, at
each threshold: the table behind ``MODEL_BAR`` and ``RULE_VETO_SURE`` in
``heard.triage.combine``.

    .venv/bin/python scripts/tune_intents.py [--unseen part10.jsonl ...]

It reads only written examples the shipped model never saw: the tenth that its training run
held out (the same shuffle and seed as ``scripts/train_contextual.py``, over the files the model
was trained on, all but ``--unseen``) and the files given as ``--unseen`` (written after the
model). The evaluation set (``bench/data/triage_eval``) is not read.

For each intent it prints, per threshold, the model's additions that were right less those that
were wrong (TP - FP) among the mentions where the rules did not see the intent; and for the
ambiguous rule words (``combine._VETOABLE``), the same for keeping the word where the model's
probability is at least the threshold.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "shared"))

from heard.config import Brand  # noqa: E402
from heard.models import Intent  # noqa: E402
from heard.triage import combine, contextual, intents  # noqa: E402

WRITTEN = ROOT / "scripts" / "data" / "intents"
ADD_GRID = (0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
VETO_GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)


def _rows(paths: list[Path]) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def unseen_rows(unseen: list[str], card: dict[str, Any]) -> list[dict[str, Any]]:
    trained = _rows(sorted(p for p in WRITTEN.glob("*.jsonl") if p.name not in unseen))
    random.Random(card["recipe"]["seed"]).shuffle(trained)
    held = trained[: card["data"]["written_held_out"]]
    if len(trained) != card["data"]["written"] + len(held):
        raise SystemExit(
            f"{len(trained)} written examples outside --unseen, but the model was trained on "
            f"{card['data']['written']} and held out {len(held)}: name the files it never saw"
        )
    return held + _rows([WRITTEN / name for name in unseen])


def table(pairs: list[tuple[float, bool]], grid: tuple[float, ...]) -> str:
    return " ".join(f"{t}:{sum(1 if g else -1 for p, g in pairs if p >= t):+d}" for t in grid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--unseen",
        nargs="*",
        help="the written files the model never saw (default: those its card names)",
    )
    args = parser.parse_args()
    model = contextual.load()
    if model is None:
        raise SystemExit("the contextual model is not installed: make install")
    unseen = args.unseen
    if unseen is None:
        unseen = [f"{name}.jsonl" for name in model.card["data"].get("written_unseen", ["part10"])]
    rows = unseen_rows(unseen, model.card)
    # Every candidate through: the model's additions and the rules' ambiguous words.
    combine.MODEL_INTENT = combine.MODEL_ESCALATING = -1.0
    combine.MODEL_BAR, combine.RULE_VETO, combine.RULE_VETO_SURE = {}, -1.0, {}
    added: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    kept: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for row in rows:
        brand = Brand(name=row["brand"], keywords=[row["brand"]])
        prediction = model.predict(row["text"], row["brand"])
        found = intents.find(row["text"], brand)
        merged = combine.merge(found, prediction, intents.normalise(row["text"]))
        for hit in merged.intents:
            if hit.intent is Intent.CRISIS:
                continue
            pair = (prediction.intents[hit.intent.value], hit.intent.value in row["intents"])
            if not hit.phrase:
                added[hit.intent.value].append(pair)
            elif hit.intent in combine._VETOABLE and not (hit.brand or hit.plain or merged.sarcasm):
                kept[hit.intent.value].append(pair)
    print(f"{len(rows)} written examples the model never saw\n")
    print("the model adds it at p >= t (TP - FP):")
    for name in sorted(added):
        print(f"  {name:9s} n={len(added[name]):<4d} {table(added[name], ADD_GRID)}")
    print("\na rule's ambiguous word stands where p >= t (TP - FP):")
    for name in sorted(kept):
        print(f"  {name:9s} n={len(kept[name]):<4d} {table(kept[name], VETO_GRID)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
