"""Shared fixtures: the demo brand and a triager on the shipped model."""

from __future__ import annotations

import pytest
from heard_local.defaults import DEMO_CONFIG

from heard.config import Brand, load_config_file
from heard.triage import Triager


@pytest.fixture(scope="session")
def triager() -> Triager:
    return Triager()


@pytest.fixture(scope="session")
def acme() -> Brand:
    brand = load_config_file(DEMO_CONFIG).brand("Acme")
    assert brand is not None
    return brand


def _make_brand(**changes: object) -> Brand:
    data: dict[str, object] = {"name": "Test", "keywords": ["test"]}
    data.update(changes)
    return Brand.model_validate(data)


@pytest.fixture(scope="session")
def make_brand():
    """Builds a minimal brand with the given fields (nested dicts for routing/priority)."""
    return _make_brand
