"""The end-to-end tests' stack: one local stack per test module (``running``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_stack import RunningStack, stack_running


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with stack_running(tmp_path_factory.mktemp("heard-state")) as stack:
        yield stack
