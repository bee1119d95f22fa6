"""The real local stack in a subprocess, for the end-to-end tests (``running`` in conftest.py).

``stack_running`` runs ``python -m heard_local --no-demo`` on a free port, with its state file in
a temporary folder, and returns once ``local.json`` exists; the tests read it to find the API,
the moto endpoint and the physical names, and look inside with boto3.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from heard_local.background import StackDidNotStart, running_stack
from heard_local.replay import queue_empty


class RunningStack:
    def __init__(self, process: subprocess.Popen, info: dict[str, Any], log: Path):
        self.process = process
        self.info = info
        self.log = log
        self.api = httpx.Client(base_url=info["api_url"], timeout=10)

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.info["aws_endpoint_url"],
            region_name=self.info["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    @property
    def table(self) -> str:
        return self.info["tables"]["MentionsTable"]

    def item(self, key: str) -> dict | None:
        return (
            self.client("dynamodb")
            .get_item(TableName=self.table, Key={"pk": {"S": key}})
            .get("Item")
        )

    def drained(self, timeout_s: float = 60.0) -> bool:
        """True once the ingest queue holds nothing, visible or in flight."""
        return queue_empty(self.client("sqs"), self.info["queues"]["IngestQueue"], timeout_s)

    def wait_for_item(self, key: str, timeout_s: float = 60.0) -> dict | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            item = self.item(key)
            if item is not None:
                return item
            time.sleep(0.2)
        return None


@contextmanager
def stack_running(state: Path) -> Iterator[RunningStack]:
    """``python -m heard_local --no-demo`` on a free port, once local.json exists; stopped
    with Ctrl-C at the end, like a person would."""
    try:
        with running_stack(state, "--no-demo") as (process, info):
            stack = RunningStack(process, info, state / "stack.log")
            try:
                yield stack
            finally:
                stack.api.close()
    except StackDidNotStart as error:
        pytest.fail(str(error))
