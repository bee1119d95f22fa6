"""Heard's contextual triage model: ``model.onnx`` (int8), ``tokenizer.json`` and ``card.json``.

Data only: ``heard.triage.contextual`` finds this folder and loads it. ``card.json`` records the
base weights (all-MiniLM-L6-v2, Apache-2.0, whose licence is ``LICENSE`` here) and their
checksum, the sha256 of ``model.onnx`` and ``tokenizer.json`` themselves (a test checks them),
the data, the recipe and the figures of the run that made it;
``scripts/train_contextual.py`` (``make train``) makes it again.
"""
