"""Whatever a sender puts in a payload, a parser answers with messages or a PayloadError.

Every value in every sample event is replaced in turn by values of the wrong type; the parser
must never let another exception escape (the handler would answer 500 instead of 400), and a
PayloadError must name a field that exists in the payload's vocabulary.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from heard.platforms import PayloadError, generic, meta, x

EVENTS = Path(__file__).resolve().parents[3] / "events" / "webhooks"
SAMPLES = [
    (x, "x-tweet-create.json"),
    (x, "x-direct-message.json"),
    (x, "x-filtered-stream.json"),
    (x, "x-activity-post-create.json"),
    (meta, "meta-page-feed.json"),
    (meta, "meta-messenger.json"),
    (meta, "instagram-comments-mentions.json"),
    (generic, "generic-mention.json"),
    (generic, "generic-batch.json"),
]
WRONG = [None, 12345, -1, "", "text", [], {}, True, 10**30]


def paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


@contextmanager
def replaced(payload: Any, path: tuple, value: Any) -> Iterator[Any]:
    """The payload with one value swapped, restored afterwards (parsers never mutate input)."""
    node = payload
    for step in path[:-1]:
        node = node[step]
    original = node[path[-1]]
    node[path[-1]] = value
    try:
        yield payload
    finally:
        node[path[-1]] = original


@pytest.mark.parametrize(("module", "name"), SAMPLES, ids=[n for _, n in SAMPLES])
def test_wrong_values_anywhere_give_messages_or_a_payload_error(module, name):
    payload = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    pristine = copy.deepcopy(payload)
    assert module.parse(payload)  # the sample itself yields something
    refused = 0
    for path in list(paths(payload)):
        for value in WRONG:
            with replaced(payload, path, value) as mutated:
                try:
                    module.parse(mutated)
                except PayloadError as error:
                    refused += 1
                    assert error.field and error.message
    assert refused > 0
    assert payload == pristine
