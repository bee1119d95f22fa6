"""Brands and a record builder shared by the alerts tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fakes.records import ANGRY, angry_record

from heard.config import Brand, parse_config
from heard.models import (
    Intent,
    MentionRecord,
    Priority,
)

CONFIG = parse_config(
    """
brands:
  - name: Acme
    keywords: [acme]
    routing: {alert_min_priority: high, unknown_language: store, channel: "#social-care"}
  - name: Loud
    keywords: [loud]
    routing: {alert_min_priority: normal, unknown_language: alert}
"""
)


def record(
    priority: Priority = Priority.CRITICAL,
    *,
    lang_supported: bool = True,
    text: str | None = None,
    intents: list[Intent] | None = None,
    native_id: str = "1849",
) -> MentionRecord:
    return angry_record(
        priority,
        text=ANGRY if text is None else text,
        intents=[Intent.LEGAL, Intent.BILLING] if intents is None else intents,
        native_id=native_id,
        lang_supported=lang_supported,
        received_now=True,
    )


@pytest.fixture
def make_record() -> Callable[..., MentionRecord]:
    return record


@pytest.fixture
def brand() -> Callable[[str], Brand]:
    """``brand("Acme")``: a brand of the test configuration."""
    return lambda name: CONFIG.brand(name)
