"""The contextual model: a small fine-tuned transformer (MiniLM, int8) run with onnxruntime.

It reads the whole mention, so it tells "zero problems" from a problem, sarcasm from praise
and a hazard described from a hazard named. It gives sentiment, the complaint probability and
one probability per intent; ``heard.triage`` combines those with the readable rules.

The model lives in the ``heard_triage_model`` package (``model.onnx``, ``tokenizer.json``,
``card.json``), which the triage function's own layer carries; ``HEARD_TRIAGE_MODEL_DIR``
points elsewhere. ``load`` returns None (and the pure-Python model answers) when the model,
onnxruntime or tokenizers is missing: only the triage function and ``heard classify`` import
this module, so the webhook and API functions never load any of it.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

log = logging.getLogger(__name__)

MODEL_PACKAGE = "heard_triage_model"
FILES = ("model.onnx", "tokenizer.json", "card.json")


class Prediction(NamedTuple):
    probabilities: tuple[float, float, float]  # negative, neutral, positive
    complaint_probability: float
    intents: dict[str, float]  # intent value -> probability

    @property
    def sentiment(self) -> str:
        return ("negative", "neutral", "positive")[
            max(range(3), key=self.probabilities.__getitem__)
        ]

    @property
    def sentiment_score(self) -> float:
        """Positive minus negative probability: -1 (negative) .. 1 (positive)."""
        return round(self.probabilities[2] - self.probabilities[0], 4)


def model_dir() -> Path | None:
    """Where the model is: ``HEARD_TRIAGE_MODEL_DIR``, else the ``heard_triage_model`` package."""
    given = os.environ.get("HEARD_TRIAGE_MODEL_DIR", "").strip()
    if given:
        path = Path(given)
    else:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations)))
    return path if all((path / f).is_file() for f in FILES) else None


class ContextualModel:
    def __init__(self, directory: str | Path, threads: int | None = None):
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer

        directory = Path(directory)
        self.card: dict[str, Any] = json.loads((directory / "card.json").read_text())
        self.version: str = self.card["version"]
        self.intent_names: list[str] = list(self.card["intents"])
        # A model trained on "brand [SEP] text" reads the brand's name beside the text, so it
        # can tell a gripe about the brand from one about the weather that names it.
        self.reads_brand: bool = self.card.get("input", "text") == "brand_and_text"
        self._np = np
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(self.card["max_tokens"]))
        options = ort.SessionOptions()
        # One thread: Lambda's share of a core, and the cheapest per mention on any machine.
        options.intra_op_num_threads = threads or int(os.environ.get("HEARD_TRIAGE_THREADS", "1"))
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, text: str, brand: str | None = None) -> list[int]:
        """The token ids the model reads: the brand's name and the text as a pair when the
        model was trained so and a brand is given, else the text alone."""
        if self.reads_brand and brand:
            return list(self._tokenizer.encode(brand, text).ids)
        return list(self._tokenizer.encode(text).ids)

    def predict(self, text: str, brand: str | None = None) -> Prediction:
        np = self._np
        ids = np.array([self.encode(text, brand)], dtype=np.int64)
        sentiment, complaint, intents = self._session.run(
            None, {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        )
        neg, neu, pos = (float(x) for x in sentiment[0])
        return Prediction(
            (neg, neu, pos),
            float(complaint[0]),
            dict(zip(self.intent_names, (float(x) for x in intents[0]), strict=True)),
        )


@cache
def load() -> ContextualModel | None:
    """The shipped model, loaded once; None when it or its runtime is not installed."""
    directory = model_dir()
    if directory is None:
        log.warning("contextual triage model not found; using the pure-Python model")
        return None
    try:
        return ContextualModel(directory)
    except ImportError as exc:
        log.warning("contextual triage model not loaded (%s); using the pure-Python model", exc)
        return None
