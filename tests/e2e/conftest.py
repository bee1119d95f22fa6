"""The end-to-end tests' stack: one local stack per test module (``running``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_stack import RunningStack, start_stack, stop_stack


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    stack = start_stack(tmp_path_factory.mktemp("heard-state"))
    try:
        yield stack
    finally:
        stop_stack(stack)
