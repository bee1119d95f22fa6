"""Which poll runs are due, and one run's message: what the schedule's tick fans out.

The poll function's schedule ticks every minute. A tick claims, for every enabled source and
every brand that asks something of it, the run that is due (``every_minutes`` in the source's
settings; a source backing off after a 429 or a 5xx is skipped) and queues one ``PollRun``
message for each; the same function takes them off the poll queue one at a time, so a slow
source or a brand with many queries never holds up the others, and each run has the whole
function timeout for itself.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from heard.config import HeardConfig
from heard.ingest.polling import Source
from heard.platforms import SOURCES, source_module
from heard.store.pollstate import PollState


def load_source(name: str) -> Source:
    """The poller ``name`` (``UnknownPlatform`` names the known ones)."""
    found: Source = importlib.import_module(source_module(name)).SOURCE
    return found


class BadRun(ValueError):
    """A poll-queue message that is not a ``PollRun``."""


@dataclass(frozen=True)
class PollRun:
    source: str
    brand: str

    def to_json(self) -> str:
        return json.dumps({"source": self.source, "brand": self.brand})

    @classmethod
    def from_json(cls, body: str) -> PollRun:
        try:
            data: Any = json.loads(body)
        except ValueError as exc:
            raise BadRun("not JSON") from exc
        if not isinstance(data, dict):
            raise BadRun("not an object")
        source, brand = data.get("source"), data.get("brand")
        if source not in SOURCES or not isinstance(brand, str) or not brand:
            raise BadRun(f"needs a known source and a brand: {body[:200]}")
        return cls(source, brand)


def due_runs(
    config: HeardConfig,
    state: PollState,
    now: datetime,
    sources: Iterable[str] = SOURCES,
) -> Iterator[PollRun]:
    """Claim and yield each run that is due now."""
    for name in sources:
        settings = config.source(name)
        if settings is None:
            continue
        health = state.health(name)
        if health.backoff_until is not None and health.backoff_until > now:
            continue
        source = load_source(name)
        every = timedelta(minutes=settings.every_minutes)
        for brand in config.brands:
            try:
                wanted = bool(source.queries(brand, settings))
            except Exception:  # a misconfigured brand: its run reports it (and alerts)
                wanted = True
            if wanted and state.claim_due(name, brand.name, now, every):
                yield PollRun(name, brand.name)


__all__ = ["BadRun", "PollRun", "due_runs", "load_source"]
